// Kafka's record-level integers: zig-zag encoded base-128 varints (protobuf style), 32 and 64 bit.
// Decoding never reads past the end it is given and rejects over-long encodings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cairn::eventstore {

constexpr int kVarintBytesMax = 5;
constexpr int kVarlongBytesMax = 10;

inline std::uint64_t zigzag_encode(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t zigzag_decode(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// Number of bytes the zig-zag varint encoding of v takes.
inline int varlong_size(std::int64_t v) {
  std::uint64_t u = zigzag_encode(v);
  int n = 1;
  while (u >= 0x80) {
    u >>= 7;
    ++n;
  }
  return n;
}

// Writes the zig-zag varint of v at p (room for kVarlongBytesMax bytes) and returns the end.
inline char* put_varlong(char* p, std::int64_t v) {
  std::uint64_t u = zigzag_encode(v);
  while (u >= 0x80) {
    *p++ = static_cast<char>((u & 0x7F) | 0x80);
    u >>= 7;
  }
  *p++ = static_cast<char>(u);
  return p;
}

// Reads a zig-zag varint of at most `bytes_max` bytes from [*p, end). On success advances *p.
// Returns nullopt when the input ends first or the encoding is longer than allowed.
inline std::optional<std::int64_t> get_varlong(const char** p, const char* end, int bytes_max) {
  std::uint64_t u = 0;
  const char* q = *p;
  for (int i = 0; i < bytes_max; ++i) {
    if (q == end) return std::nullopt;
    auto byte = static_cast<std::uint8_t>(*q++);
    u |= static_cast<std::uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      *p = q;
      return zigzag_decode(u);
    }
  }
  return std::nullopt;
}

// The same, with the common one-byte encoding decoded inline (record fields are mostly small).
inline bool get_varlong_fast(const char** p, const char* end, int bytes_max, std::int64_t* out) {
  if (end - *p >= 2) {
    auto b0 = static_cast<std::uint8_t>((*p)[0]);
    if ((b0 & 0x80) == 0) {
      *out = zigzag_decode(b0);
      *p += 1;
      return true;
    }
    auto b1 = static_cast<std::uint8_t>((*p)[1]);
    if ((b1 & 0x80) == 0) {
      *out = zigzag_decode((b0 & 0x7Fu) | (std::uint64_t{b1} << 7));
      *p += 2;
      return true;
    }
  }
  auto v = get_varlong(p, end, bytes_max);
  if (!v) return false;
  *out = *v;
  return true;
}

// A varint (32-bit): the value must also fit in int32.
inline std::optional<std::int32_t> get_varint(const char** p, const char* end) {
  const char* q = *p;
  auto v = get_varlong(&q, end, kVarintBytesMax);
  if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
  *p = q;
  return static_cast<std::int32_t>(*v);
}

}  // namespace cairn::eventstore
