#include "broker/kafka/codec/writer.h"

#include <cstring>

namespace cairn::broker::kafka {

void writer::big_endian(std::uint64_t v, int width) {
  for (int shift = (width - 1) * 8; shift >= 0; shift -= 8)
    out_.push_back(static_cast<std::byte>((v >> shift) & 0xff));
}

void writer::uuid_value(const uuid& v) {
  raw(std::as_bytes(std::span(v)));
}

void writer::unsigned_varint(std::uint32_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<std::byte>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<std::byte>(v));
}

void writer::varint(std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  unsigned_varint((u << 1) ^ static_cast<std::uint32_t>(v >> 31));
}

void writer::varlong(std::int64_t v) {
  auto u = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  while (u >= 0x80) {
    out_.push_back(static_cast<std::byte>((u & 0x7f) | 0x80));
    u >>= 7;
  }
  out_.push_back(static_cast<std::byte>(u));
}

void writer::length(std::int64_t n, bool wide) {
  if (flexible_) {
    unsigned_varint(static_cast<std::uint32_t>(n + 1));
  } else if (wide) {
    int32(static_cast<std::int32_t>(n));
  } else {
    int16(static_cast<std::int16_t>(n));
  }
}

void writer::string(std::string_view s) {
  length(static_cast<std::int64_t>(s.size()), false);
  raw(std::as_bytes(std::span(s.data(), s.size())));
}

void writer::nullable_string(std::optional<std::string_view> s) {
  if (!s) {
    length(-1, false);
    return;
  }
  string(*s);
}

void writer::bytes(std::span<const std::byte> b) {
  length(static_cast<std::int64_t>(b.size()), true);
  raw(b);
}

void writer::nullable_bytes(std::optional<std::span<const std::byte>> b) {
  if (!b) {
    length(-1, true);
    return;
  }
  bytes(*b);
}

std::span<std::byte> writer::bytes_in_place(std::size_t n) {
  length(static_cast<std::int64_t>(n), true);
  std::size_t at = out_.size();
  out_.resize(at + n);
  return std::span(out_).subspan(at, n);
}

void writer::array_length(std::size_t n) {
  length(static_cast<std::int64_t>(n), true);
}

void writer::null_array() {
  length(-1, true);
}

void writer::tagged_fields() {
  if (flexible_) unsigned_varint(0);
}

void writer::raw(std::span<const std::byte> b) {
  out_.insert(out_.end(), b.begin(), b.end());
}

std::size_t writer::size_placeholder() {
  std::size_t at = out_.size();
  int32(0);
  return at;
}

void writer::patch_int32(std::size_t at, std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  for (int i = 0; i < 4; ++i)
    out_[at + static_cast<std::size_t>(i)] = static_cast<std::byte>((u >> (24 - 8 * i)) & 0xff);
}

}  // namespace cairn::broker::kafka
