// Base64 (RFC 4648 §4, the standard alphabet with padding) as SCRAM uses it for salts, proofs,
// signatures and the channel-binding attribute. The decoder is strict: only canonical input
// decodes (length a multiple of 4, padding only at the end, unused bits zero, no whitespace), so
// one value has one spelling on the wire and in stored credentials.
#pragma once

#include <cairn/base/result.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::sasl {

using bytes = std::vector<std::uint8_t>;

std::string base64_encode(std::span<const std::uint8_t> data);
inline std::string base64_encode(std::string_view data) {
  return base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

// errc::invalid_encoding on any non-canonical input. Never allocates more than 3/4 of the input.
result<bytes> base64_decode(std::string_view text);

}  // namespace cairn::sasl
