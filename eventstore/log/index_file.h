// The sealed form of a segment's index files: fixed-size entries followed by a 20-byte trailer
//
//   magic u32 | entry count u32 | log size u64 | crc32c u32 (of everything before it)
//
// The trailer binds the index to the exact size of the segment it was built from, so an index that
// is torn, bit-flipped, or left over from a different version of the segment is detected and the
// index is rebuilt from the segment instead of being trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::eventstore::index_file {

constexpr std::size_t kTrailerSize = 20;
constexpr std::uint32_t kOffsetIndexMagic = 0x43584931;  // "CXI1"
constexpr std::uint32_t kTimeIndexMagic = 0x43585431;    // "CXT1"

// Appends the trailer to `entries` and returns the file contents.
std::string seal(std::string entries, std::uint32_t magic, std::size_t entry_size,
                 std::int64_t log_size);

// Returns the entry bytes when `contents` carries a valid trailer for `log_size`, else nullopt.
std::optional<std::string_view> open(std::string_view contents, std::uint32_t magic,
                                     std::size_t entry_size, std::int64_t log_size);

}  // namespace cairn::eventstore::index_file
