// CRC32C (Castagnoli), the checksum of Kafka's RecordBatch v2. Uses the SSE4.2 crc32 instruction
// when the CPU has it (checked once at start-up), and a portable slicing-by-8 table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cairn::eventstore {

// Extends `crc` (the value returned for the bytes before) over `data`. Start with 0.
std::uint32_t crc32c_extend(std::uint32_t crc, const char* data, std::size_t size);

inline std::uint32_t crc32c(std::string_view data) {
  return crc32c_extend(0, data.data(), data.size());
}

// The portable implementation, exposed so tests can compare it with the hardware one.
std::uint32_t crc32c_extend_portable(std::uint32_t crc, const char* data, std::size_t size);

// True when crc32c_extend uses the CPU instruction.
bool crc32c_is_hardware();

}  // namespace cairn::eventstore
