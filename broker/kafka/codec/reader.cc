#include "broker/kafka/codec/reader.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace cairn::broker::kafka {
namespace {

template <class T>
T load_big_endian(std::span<const std::byte> b) {
  std::make_unsigned_t<T> v = 0;
  for (std::byte x : b)
    v = static_cast<std::make_unsigned_t<T>>((v << 8) | std::to_integer<std::uint8_t>(x));
  return static_cast<T>(v);
}

}  // namespace

void reader::fail(std::string why) {
  if (failure_.empty()) failure_ = std::move(why);
  position_ = bytes_.size();
}

std::span<const std::byte> reader::take(std::size_t n, const char* what) {
  if (!ok()) return {};
  if (n > remaining()) {
    fail(std::string("truncated request: ") + what + " runs past the end of the frame");
    return {};
  }
  auto out = bytes_.subspan(position_, n);
  position_ += n;
  return out;
}

std::int8_t reader::int8() {
  auto b = take(1, "int8");
  return b.empty() ? 0 : load_big_endian<std::int8_t>(b);
}
std::int16_t reader::int16() {
  auto b = take(2, "int16");
  return b.empty() ? 0 : load_big_endian<std::int16_t>(b);
}
std::int32_t reader::int32() {
  auto b = take(4, "int32");
  return b.empty() ? 0 : load_big_endian<std::int32_t>(b);
}
std::int64_t reader::int64() {
  auto b = take(8, "int64");
  return b.empty() ? 0 : load_big_endian<std::int64_t>(b);
}
std::uint32_t reader::uint32() {
  auto b = take(4, "uint32");
  return b.empty() ? 0 : load_big_endian<std::uint32_t>(b);
}

uuid reader::uuid_value() {
  uuid out{};
  auto b = take(out.size(), "uuid");
  if (!b.empty()) std::memcpy(out.data(), b.data(), out.size());
  return out;
}

std::uint32_t reader::unsigned_varint() {
  std::uint32_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    auto b = take(1, "varint");
    if (b.empty()) return 0;
    auto byte = std::to_integer<std::uint32_t>(b[0]);
    if (shift == 28 && (byte & 0xf0) != 0) break;  // more than 32 bits
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  fail("malformed request: a varint is longer than 5 bytes");
  return 0;
}

std::int32_t reader::varint() {
  std::uint32_t raw = unsigned_varint();
  return static_cast<std::int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

std::int64_t reader::varlong() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    auto b = take(1, "varlong");
    if (b.empty()) return 0;
    auto byte = std::to_integer<std::uint64_t>(b[0]);
    if (shift == 63 && (byte & 0xfe) != 0) break;  // more than 64 bits
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return static_cast<std::int64_t>((value >> 1) ^ (~(value & 1) + 1));
  }
  fail("malformed request: a varlong is longer than 10 bytes");
  return 0;
}

std::int64_t reader::length(bool wide, const char* what) {
  std::int64_t n;
  if (flexible_) {
    n = static_cast<std::int64_t>(unsigned_varint()) - 1;
  } else {
    n = wide ? int32() : int16();
  }
  if (!ok()) return -1;
  if (n < -1) {
    fail(std::string("malformed request: ") + what + " has a negative length");
    return -1;
  }
  return n;
}

std::optional<std::string> reader::nullable_string() {
  std::int64_t n = length(false, "a string");
  if (n < 0) return std::nullopt;
  auto b = take(static_cast<std::size_t>(n), "a string");
  if (!ok()) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string reader::string() {
  bool was_ok = ok();
  auto s = nullable_string();
  if (!s) {
    if (was_ok && ok()) fail("malformed request: a null string where the schema allows none");
    return {};
  }
  return std::move(*s);
}

std::optional<std::span<const std::byte>> reader::nullable_bytes() {
  std::int64_t n = length(true, "a bytes field");
  if (n < 0) return std::nullopt;
  auto b = take(static_cast<std::size_t>(n), "a bytes field");
  if (!ok()) return std::nullopt;
  return b;
}

std::span<const std::byte> reader::bytes() {
  bool was_ok = ok();
  auto b = nullable_bytes();
  if (!b) {
    if (was_ok && ok()) fail("malformed request: null bytes where the schema allows none");
    return {};
  }
  return *b;
}

std::int32_t reader::nullable_array_length(std::size_t min_element_bytes, std::int32_t max_count) {
  std::int64_t n = length(true, "an array");
  if (n < 0) return -1;
  if (n > max_count) {
    fail("request too large: an array of " + std::to_string(n) + " entries (at most " +
         std::to_string(max_count) + ")");
    return -1;
  }
  auto per = static_cast<std::int64_t>(std::max<std::size_t>(min_element_bytes, 1));
  if (n > static_cast<std::int64_t>(remaining()) / per) {
    fail("truncated request: an array of " + std::to_string(n) +
         " entries does not fit in the frame");
    return -1;
  }
  return static_cast<std::int32_t>(n);
}

std::int32_t reader::array_length(std::size_t min_element_bytes, std::int32_t max_count) {
  return std::max(nullable_array_length(min_element_bytes, max_count), 0);
}

void reader::tagged_fields() {
  if (!flexible_) return;
  std::uint32_t count = unsigned_varint();
  if (count > remaining()) {
    fail("truncated request: more tagged fields than bytes");
    return;
  }
  for (std::uint32_t i = 0; i < count && ok(); ++i) {
    unsigned_varint();  // the tag: none is known, so every one is skipped
    std::uint32_t size = unsigned_varint();
    take(size, "a tagged field");
  }
}

}  // namespace cairn::broker::kafka
