#include "eventstore/log/index_file.h"

#include "cairn/base/assert.h"
#include "eventstore/record/crc32c.h"
#include "eventstore/record/endian.h"

namespace cairn::eventstore::index_file {

std::string seal(std::string entries, std::uint32_t magic, std::size_t entry_size,
                 std::int64_t log_size) {
  CAIRN_ASSERT(entries.size() % entry_size == 0, "{} bytes of {}-byte entries", entries.size(),
               entry_size);
  std::size_t at = entries.size();
  entries.resize(at + kTrailerSize);
  store_be(entries.data() + at, magic);
  store_be(entries.data() + at + 4, static_cast<std::uint32_t>(at / entry_size));
  store_be(entries.data() + at + 8, log_size);
  store_be(entries.data() + at + 16, crc32c_extend(0, entries.data(), at + 16));
  return entries;
}

std::optional<std::string_view> open(std::string_view contents, std::uint32_t magic,
                                     std::size_t entry_size, std::int64_t log_size) {
  if (contents.size() < kTrailerSize) return std::nullopt;
  std::size_t at = contents.size() - kTrailerSize;
  const char* trailer = contents.data() + at;
  if (at % entry_size != 0) return std::nullopt;
  if (load_be<std::uint32_t>(trailer) != magic) return std::nullopt;
  if (load_be<std::uint32_t>(trailer + 4) != at / entry_size) return std::nullopt;
  if (load_be<std::int64_t>(trailer + 8) != log_size) return std::nullopt;
  if (load_be<std::uint32_t>(trailer + 16) != crc32c_extend(0, contents.data(), at + 16)) {
    return std::nullopt;
  }
  return contents.substr(0, at);
}

}  // namespace cairn::eventstore::index_file
