// kafka::reader: a bounded reader of Kafka's protocol primitives over one request's bytes.
//
// Every length and count comes from the network and is checked against what the frame still
// holds before anything is allocated: a string or bytes field longer than the rest of the frame,
// or an array whose count times its smallest element would not fit, fails the read. Failure is
// sticky: after the first bad field every read returns an empty value and ok() stays false, so a
// decoder reads its whole message straight through and checks ok() once at the end.
//
// The reader knows whether the message uses the flexible encoding of KIP-482 (compact strings,
// arrays and bytes with unsigned-varint lengths plus one, tagged fields) and picks the encoding
// itself, so a decoder is written once for classic and flexible versions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cairn::broker::kafka {

using uuid = std::array<std::uint8_t, 16>;

class reader {
 public:
  reader(std::span<const std::byte> bytes, bool flexible) : bytes_(bytes), flexible_(flexible) {}

  bool ok() const { return failure_.empty(); }
  // Why the first failed read failed ("" while ok()).
  const std::string& failure() const { return failure_; }
  bool flexible() const { return flexible_; }
  std::size_t remaining() const { return bytes_.size() - position_; }
  std::size_t position() const { return position_; }

  std::int8_t int8();
  std::int16_t int16();
  std::int32_t int32();
  std::int64_t int64();
  std::uint32_t uint32();
  bool boolean() { return int8() != 0; }
  uuid uuid_value();
  // Zig-zag varints (record fields) and the unsigned varint of compact lengths and tag numbers.
  std::int32_t varint();
  std::int64_t varlong();
  std::uint32_t unsigned_varint();

  // STRING / COMPACT_STRING; a null where the schema allows none fails the read.
  std::string string();
  // NULLABLE_STRING / COMPACT_NULLABLE_STRING.
  std::optional<std::string> nullable_string();
  // BYTES / COMPACT_BYTES, as a view into the request (valid while its buffer lives).
  std::span<const std::byte> bytes();
  // NULLABLE_BYTES / COMPACT_NULLABLE_BYTES (RecordBatch fields): nullopt for null.
  std::optional<std::span<const std::byte>> nullable_bytes();

  // ARRAY / COMPACT_ARRAY count. `min_element_bytes` is the smallest encoding of one element
  // (at least 1): a count that cannot fit in what remains fails, as does one above `max_count`
  // (the per-request limit on topics and partitions). Null arrays read as 0 here; use
  // nullable_array_length() where null means something else ("all topics").
  std::int32_t array_length(std::size_t min_element_bytes, std::int32_t max_count = kArrayMax);
  // -1 for a null array.
  std::int32_t nullable_array_length(std::size_t min_element_bytes,
                                     std::int32_t max_count = kArrayMax);

  // The tagged-field section of a flexible struct: every field is skipped (none is read by this
  // broker yet; KIP-482 makes unknown ones ignorable). No-op on classic versions.
  void tagged_fields();

  // Marks the message bad (a value the schema allows but the API does not).
  void fail(std::string why);

  // A generous bound on any one array: a single request never names more topics or partitions
  // than this, whatever fits in its frame.
  static constexpr std::int32_t kArrayMax = 100'000;

 private:
  // The next `n` bytes, or empty and failed if fewer remain.
  std::span<const std::byte> take(std::size_t n, const char* what);
  // A length field: classic int16/int32 or compact uvarint minus one; -1 is null.
  std::int64_t length(bool wide, const char* what);

  std::span<const std::byte> bytes_;
  std::size_t position_ = 0;
  bool flexible_ = false;
  std::string failure_;
};

}  // namespace cairn::broker::kafka
