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
// The crc32 instruction on the raw (not inverted) register: `state` after `size` more bytes.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_raw_sse42(std::uint32_t state,
                                                                 const char* data,
                                                                 std::size_t size) {
  std::uint64_t c = state;
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
  return c32;
}

// The instruction has a latency of 3 cycles but a throughput of 1, so one dependent chain uses a
// third of it. Long inputs run as three interleaved chains over adjacent blocks, joined with
// shift(a, n): the register a after n zero bytes, a linear map applied with four byte tables.
constexpr std::size_t kBlockBytes = 2048;

struct shift_table {
  std::array<std::array<std::uint32_t, 256>, 4> by_byte{};

  std::uint32_t apply(std::uint32_t state) const {
    return by_byte[0][state & 0xFF] ^ by_byte[1][(state >> 8) & 0xFF] ^
           by_byte[2][(state >> 16) & 0xFF] ^ by_byte[3][state >> 24];
  }
};

shift_table make_shift_table(std::size_t zero_bytes) {
  static const std::array<char, 2 * kBlockBytes> zeros{};
  std::array<std::uint32_t, 32> basis{};
  for (int bit = 0; bit < 32; ++bit) {
    basis[static_cast<std::size_t>(bit)] = crc32c_raw_sse42(1u << bit, zeros.data(), zero_bytes);
  }
  shift_table table;
  for (std::size_t byte = 0; byte < 4; ++byte) {
    for (std::uint32_t v = 0; v < 256; ++v) {
      std::uint32_t out = 0;
      for (int bit = 0; bit < 8; ++bit) {
        if (v & (1u << bit)) out ^= basis[byte * 8 + static_cast<std::size_t>(bit)];
      }
      table.by_byte[byte][v] = out;
    }
  }
  return table;
}

__attribute__((target("sse4.2"))) std::uint32_t crc32c_extend_sse42(std::uint32_t crc,
                                                                    const char* data,
                                                                    std::size_t size) {
  static const shift_table shift_one = make_shift_table(kBlockBytes);
  static const shift_table shift_two = make_shift_table(2 * kBlockBytes);
  std::uint32_t state = ~crc;
  while (size >= 3 * kBlockBytes) {
    std::uint64_t a = state;
    std::uint64_t b = 0;
    std::uint64_t c = 0;
    const char* pa = data;
    const char* pb = data + kBlockBytes;
    const char* pc = data + 2 * kBlockBytes;
    for (std::size_t i = 0; i < kBlockBytes; i += 8) {
      std::uint64_t wa, wb, wc;
      std::memcpy(&wa, pa + i, 8);
      std::memcpy(&wb, pb + i, 8);
      std::memcpy(&wc, pc + i, 8);
      a = _mm_crc32_u64(a, wa);
      b = _mm_crc32_u64(b, wb);
      c = _mm_crc32_u64(c, wc);
    }
    state = shift_two.apply(static_cast<std::uint32_t>(a)) ^
            shift_one.apply(static_cast<std::uint32_t>(b)) ^ static_cast<std::uint32_t>(c);
    data += 3 * kBlockBytes;
    size -= 3 * kBlockBytes;
  }
  return ~crc32c_raw_sse42(state, data, size);
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
