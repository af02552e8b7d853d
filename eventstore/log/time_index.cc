#include "eventstore/log/time_index.h"

#include <algorithm>

#include "eventstore/errc.h"
#include "eventstore/log/index_file.h"
#include "eventstore/record/endian.h"

namespace cairn::eventstore {

void time_index::maybe_append(std::int64_t timestamp_ms, std::int64_t offset) {
  if (!entries_.empty() &&
      (timestamp_ms <= entries_.back().timestamp_ms || offset <= entries_.back().offset)) {
    return;
  }
  entries_.push_back({timestamp_ms, offset});
}

std::int64_t time_index::lookup(std::int64_t timestamp_ms) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), timestamp_ms,
                             [](std::int64_t t, const entry& e) { return t < e.timestamp_ms; });
  if (it == entries_.begin()) return base_offset_;
  return std::prev(it)->offset;
}

void time_index::truncate_to_offset(std::int64_t offset) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), offset,
                             [](const entry& e, std::int64_t o) { return e.offset < o; });
  entries_.erase(it, entries_.end());
}

std::string time_index::serialize(std::int64_t log_size) const {
  std::string bytes(entries_.size() * kEntrySize, '\0');
  char* p = bytes.data();
  for (const entry& e : entries_) {
    store_be(p, e.timestamp_ms);
    store_be(p + 8, static_cast<std::uint32_t>(e.offset - base_offset_));
    p += kEntrySize;
  }
  return index_file::seal(std::move(bytes), index_file::kTimeIndexMagic, kEntrySize, log_size);
}

result<time_index> time_index::deserialize(std::int64_t base_offset, std::string_view contents,
                                           std::int64_t log_size) {
  auto entries = index_file::open(contents, index_file::kTimeIndexMagic, kEntrySize, log_size);
  if (!entries) return errc::corrupt_index;
  time_index index(base_offset);
  for (std::size_t at = 0; at < entries->size(); at += kEntrySize) {
    entry e{load_be<std::int64_t>(entries->data() + at),
            base_offset + load_be<std::uint32_t>(entries->data() + at + 8)};
    bool ordered = index.entries_.empty() || (e.timestamp_ms > index.entries_.back().timestamp_ms &&
                                              e.offset > index.entries_.back().offset);
    if (!ordered) return errc::corrupt_index;
    index.entries_.push_back(e);
  }
  return index;
}

}  // namespace cairn::eventstore
