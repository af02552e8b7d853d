#include "eventstore/record/crc32c.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace cairn::eventstore {
namespace {

constexpr std::uint32_t kPolynomialReflected = 0x82F63B78u;

// tables[k][b]: the CRC of byte b followed by k zero bytes, for slicing-by-8.
constexpr auto make_tables() {
  std::array<std::array<std::uint32_t, 256>, 8> tables{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ (kPolynomialReflected & (0u - (crc & 1u)));
    tables[0][b] = crc;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::uint32_t b = 0; b < 256; ++b) {
      tables[k][b] = (tables[k - 1][b] >> 8) ^ tables[0][tables[k - 1][b] & 0xFF];
    }
  }
  return tables;
}

constexpr auto kTables = make_tables();

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_extend_sse42(std::uint32_t crc,
                                                                    const char* data,
                                                                    std::size_t size) {
  std::uint64_t c = ~crc;
  while (size >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data, 8);
    c = _mm_crc32_u64(c, word);
    data += 8;
    size -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (size > 0) {
    c32 = _mm_crc32_u8(c32, static_cast<std::uint8_t>(*data));
    ++data;
    --size;
  }
  return ~c32;
}

bool cpu_has_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

const bool kHardware = cpu_has_sse42();
#else
const bool kHardware = false;
#endif

}  // namespace

std::uint32_t crc32c_extend_portable(std::uint32_t crc, const char* data, std::size_t size) {
  std::uint32_t c = ~crc;
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  while (size >= 8) {
    std::uint32_t low;
    std::uint32_t high;
    std::memcpy(&low, p, 4);
    std::memcpy(&high, p + 4, 4);
    if constexpr (std::endian::native == std::endian::big) {
      low = __builtin_bswap32(low);
      high = __builtin_bswap32(high);
    }
    low ^= c;
    c = kTables[7][low & 0xFF] ^ kTables[6][(low >> 8) & 0xFF] ^ kTables[5][(low >> 16) & 0xFF] ^
        kTables[4][low >> 24] ^ kTables[3][high & 0xFF] ^ kTables[2][(high >> 8) & 0xFF] ^
        kTables[1][(high >> 16) & 0xFF] ^ kTables[0][high >> 24];
    p += 8;
    size -= 8;
  }
  while (size > 0) {
    c = (c >> 8) ^ kTables[0][(c ^ *p) & 0xFF];
    ++p;
    --size;
  }
  return ~c;
}

std::uint32_t crc32c_extend(std::uint32_t crc, const char* data, std::size_t size) {
#if defined(__x86_64__)
  if (kHardware) return crc32c_extend_sse42(crc, data, size);
#endif
  return crc32c_extend_portable(crc, data, size);
}

bool crc32c_is_hardware() {
  return kHardware;
}

}  // namespace cairn::eventstore
