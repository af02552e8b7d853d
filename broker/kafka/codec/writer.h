// kafka::writer: builds a Kafka response body (or any message) from protocol primitives, in the
// classic or the flexible encoding (KIP-482), chosen once for the whole message as the reader
// does. Sizes are written last where they are not known in advance: size_placeholder() leaves
// four bytes that patch_size() fills.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "broker/kafka/codec/reader.h"

namespace cairn::broker::kafka {

class writer {
 public:
  explicit writer(bool flexible) : flexible_(flexible) {}

  bool flexible() const { return flexible_; }

  void int8(std::int8_t v) { big_endian(static_cast<std::uint8_t>(v), 1); }
  void int16(std::int16_t v) { big_endian(static_cast<std::uint16_t>(v), 2); }
  void int32(std::int32_t v) { big_endian(static_cast<std::uint32_t>(v), 4); }
  void int64(std::int64_t v) { big_endian(static_cast<std::uint64_t>(v), 8); }
  void uint32(std::uint32_t v) { big_endian(v, 4); }
  void boolean(bool v) { int8(v ? 1 : 0); }
  void uuid_value(const uuid& v);
  void unsigned_varint(std::uint32_t v);
  void varint(std::int32_t v);
  void varlong(std::int64_t v);

  void string(std::string_view s);
  void nullable_string(std::optional<std::string_view> s);
  void bytes(std::span<const std::byte> b);
  void nullable_bytes(std::optional<std::span<const std::byte>> b);
  // Reserves a BYTES / COMPACT_BYTES field of `n` bytes and returns where to write them (valid
  // until the next write): fetch reads records from disk straight into the response.
  std::span<std::byte> bytes_in_place(std::size_t n);
  void array_length(std::size_t n);
  void null_array();
  // An empty tagged-field section on flexible versions; nothing on classic ones.
  void tagged_fields();

  void raw(std::span<const std::byte> b);
  std::size_t size() const { return out_.size(); }
  // Four bytes at the current position for a big-endian int32 written later.
  std::size_t size_placeholder();
  void patch_int32(std::size_t at, std::int32_t v);

  std::vector<std::byte>& data() { return out_; }
  std::vector<std::byte> take() { return std::move(out_); }

 private:
  void big_endian(std::uint64_t v, int width);
  void length(std::int64_t n, bool wide);  // -1 for null

  std::vector<std::byte> out_;
  bool flexible_ = false;
};

}  // namespace cairn::broker::kafka
