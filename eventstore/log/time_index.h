// Sparse time index of one segment: (largest timestamp so far, offset of the first batch that
// reached it), appended when that timestamp grows. Finding the first offset at or after a time
// starts from the last entry whose timestamp is <= the target: every batch before that entry's
// offset has only smaller timestamps. Written to `<base>.timeindex` when the segment is sealed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"

namespace cairn::eventstore {

class time_index {
 public:
  struct entry {
    std::int64_t timestamp_ms;
    std::int64_t offset;
  };
  // On disk: i64 timestamp, u32 offset relative to the segment base.
  static constexpr std::size_t kEntrySize = 12;

  explicit time_index(std::int64_t base_offset) : base_offset_(base_offset) {}

  // Records that the batch at `offset` raised the segment's largest timestamp to `timestamp_ms`.
  // Ignored unless both grow.
  void maybe_append(std::int64_t timestamp_ms, std::int64_t offset);
  // The offset to start scanning from for the first record at or after `timestamp_ms`.
  std::int64_t lookup(std::int64_t timestamp_ms) const;
  void truncate_to_offset(std::int64_t offset);

  std::size_t size() const { return entries_.size(); }
  const std::vector<entry>& entries() const { return entries_; }

  std::string serialize(std::int64_t log_size) const;
  static result<time_index> deserialize(std::int64_t base_offset, std::string_view contents,
                                        std::int64_t log_size);

 private:
  std::int64_t base_offset_;
  std::vector<entry> entries_;
};

}  // namespace cairn::eventstore
