// strong_type<T, Tag>: an integer that cannot be mixed up with another integer of a different
// meaning (an offset is not a version is not a term). Explicit to build, explicit to read back with
// value().
#pragma once

#include <fmt/format.h>

#include <compare>
#include <cstdint>
#include <functional>

namespace cairn {

template <class T, class Tag>
class strong_type {
 public:
  using value_type = T;

  constexpr strong_type() = default;
  constexpr explicit strong_type(T v) : value_(v) {}

  constexpr T value() const { return value_; }

  constexpr auto operator<=>(const strong_type&) const = default;

  constexpr strong_type operator+(T delta) const { return strong_type{value_ + delta}; }
  constexpr strong_type operator-(T delta) const { return strong_type{value_ - delta}; }
  constexpr T operator-(strong_type other) const { return value_ - other.value_; }
  constexpr strong_type& operator++() {
    ++value_;
    return *this;
  }

 private:
  T value_{};
};

// A record's position in a partition; the first record ever appended has offset 0.
using log_offset = strong_type<std::int64_t, struct log_offset_tag>;

// A stream's version: the number of its last event, counted from 0 (EventStoreDB's convention).
using stream_version = strong_type<std::int64_t, struct stream_version_tag>;

}  // namespace cairn

template <class T, class Tag>
struct std::hash<cairn::strong_type<T, Tag>> {
  std::size_t operator()(cairn::strong_type<T, Tag> v) const noexcept {
    return std::hash<T>{}(v.value());
  }
};

template <class T, class Tag>
struct fmt::formatter<cairn::strong_type<T, Tag>> : fmt::formatter<T> {
  auto format(cairn::strong_type<T, Tag> v, format_context& ctx) const {
    return fmt::formatter<T>::format(v.value(), ctx);
  }
};
