// The primitives of RFC 5802 §2.2 over OpenSSL: H, HMAC, Hi (PBKDF2-HMAC), XOR, and the keys
// derived from a salted password (§3). Private to the SASL library; the hash is the one the
// mechanism names (SHA-256 or SHA-512).
#pragma once

#include <cairn/base/result.h>

#include <cstddef>
#include <span>
#include <string_view>

#include "protocol/sasl/base64.h"
#include "protocol/sasl/mechanism.h"

namespace cairn::sasl::detail {

using byte_span = std::span<const std::uint8_t>;

inline byte_span as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The digest size of a SCRAM mechanism's hash (32 or 64). REQUIRES: is_scram(m).
std::size_t digest_bytes(mechanism m);

result<bytes> hash(mechanism m, byte_span data);
result<bytes> hmac(mechanism m, byte_span key, byte_span data);
// Hi(password, salt, iterations): PBKDF2 with HMAC over the mechanism's hash, one block.
result<bytes> salted_password(mechanism m, std::string_view password, byte_span salt,
                              int iterations);
// REQUIRES: a.size() == b.size().
bytes xor_bytes(byte_span a, byte_span b);
// Constant-time equality (CRYPTO_memcmp): a proof or signature comparison must not tell an
// attacker how many leading bytes it got right.
bool equal_constant_time(byte_span a, byte_span b);
result<bytes> random_bytes(std::size_t n);
// A fresh nonce part: random bytes in base64, which is printable and has no ','.
result<std::string> random_nonce();
// Overwrites secret material before it is freed.
void cleanse(bytes& secret);
void cleanse(std::string& secret);

}  // namespace cairn::sasl::detail
