// Sparse offset index of one segment: every ~index_interval_bytes of log, the first offset of a
// batch and its byte position. A lookup finds where to start scanning for an offset. In memory
// while the segment is active; written to `<base>.index` (see index_file.h) when it is sealed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"

namespace cairn::eventstore {

class offset_index {
 public:
  struct entry {
    std::int64_t offset;
    std::int64_t position;
  };
  // On disk: u32 offset relative to the segment base, u32 position.
  static constexpr std::size_t kEntrySize = 8;

  explicit offset_index(std::int64_t base_offset) : base_offset_(base_offset) {}

  // REQUIRES: offset and position exceed the last entry's; both fit in u32 relative to the base.
  void append(std::int64_t offset, std::int64_t position);
  // The last entry at or below `offset`, or the segment start when there is none.
  entry lookup(std::int64_t offset) const;
  // Drops entries at or beyond `position` (the segment was truncated there).
  void truncate_to_position(std::int64_t position);

  std::size_t size() const { return entries_.size(); }
  const std::vector<entry>& entries() const { return entries_; }

  std::string serialize(std::int64_t log_size) const;
  // Parses a sealed index for a segment of `log_size` bytes. errc::corrupt_index when the trailer,
  // ordering or bounds are wrong: the caller then rebuilds the index from the segment.
  static result<offset_index> deserialize(std::int64_t base_offset, std::string_view contents,
                                          std::int64_t log_size);

 private:
  std::int64_t base_offset_;
  std::vector<entry> entries_;
};

}  // namespace cairn::eventstore
