// Big-endian loads and stores of fixed-width integers: Kafka's wire and disk byte order.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace cairn::eventstore {
namespace detail {

inline std::uint8_t byteswap(std::uint8_t v) {
  return v;
}
inline std::uint16_t byteswap(std::uint16_t v) {
  return __builtin_bswap16(v);
}
inline std::uint32_t byteswap(std::uint32_t v) {
  return __builtin_bswap32(v);
}
inline std::uint64_t byteswap(std::uint64_t v) {
  return __builtin_bswap64(v);
}

static_assert(std::endian::native == std::endian::little ||
              std::endian::native == std::endian::big);

}  // namespace detail

template <class T>
requires std::is_integral_v<T>
inline T load_be(const char* p) {
  std::make_unsigned_t<T> v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = detail::byteswap(v);
  return static_cast<T>(v);
}

template <class T>
requires std::is_integral_v<T>
inline void store_be(char* p, T value) {
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  if constexpr (std::endian::native == std::endian::little) v = detail::byteswap(v);
  std::memcpy(p, &v, sizeof v);
}

}  // namespace cairn::eventstore
