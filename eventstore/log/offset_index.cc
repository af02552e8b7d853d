#include "eventstore/log/offset_index.h"

#include <algorithm>
#include <limits>

#include "cairn/base/assert.h"
#include "eventstore/errc.h"
#include "eventstore/log/index_file.h"
#include "eventstore/record/endian.h"

namespace cairn::eventstore {

void offset_index::append(std::int64_t offset, std::int64_t position) {
  CAIRN_ASSERT(offset >= base_offset_, "offset {} below base {}", offset, base_offset_);
  CAIRN_ASSERT(offset - base_offset_ <= std::numeric_limits<std::uint32_t>::max(),
               "offset {} too far from base {}", offset, base_offset_);
  CAIRN_ASSERT(position <= std::numeric_limits<std::uint32_t>::max(), "position {}", position);
  if (!entries_.empty()) {
    CAIRN_ASSERT(offset > entries_.back().offset, "offset {} after {}", offset,
                 entries_.back().offset);
    CAIRN_ASSERT(position > entries_.back().position, "position {} after {}", position,
                 entries_.back().position);
  }
  entries_.push_back({offset, position});
}

offset_index::entry offset_index::lookup(std::int64_t offset) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), offset,
                             [](std::int64_t o, const entry& e) { return o < e.offset; });
  if (it == entries_.begin()) return {base_offset_, 0};
  return *std::prev(it);
}

void offset_index::truncate_to_position(std::int64_t position) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), position,
                             [](const entry& e, std::int64_t p) { return e.position < p; });
  entries_.erase(it, entries_.end());
}

std::string offset_index::serialize(std::int64_t log_size) const {
  std::string bytes(entries_.size() * kEntrySize, '\0');
  char* p = bytes.data();
  for (const entry& e : entries_) {
    store_be(p, static_cast<std::uint32_t>(e.offset - base_offset_));
    store_be(p + 4, static_cast<std::uint32_t>(e.position));
    p += kEntrySize;
  }
  return index_file::seal(std::move(bytes), index_file::kOffsetIndexMagic, kEntrySize, log_size);
}

result<offset_index> offset_index::deserialize(std::int64_t base_offset, std::string_view contents,
                                               std::int64_t log_size) {
  auto entries = index_file::open(contents, index_file::kOffsetIndexMagic, kEntrySize, log_size);
  if (!entries) return errc::corrupt_index;
  offset_index index(base_offset);
  index.entries_.reserve(entries->size() / kEntrySize);
  for (std::size_t at = 0; at < entries->size(); at += kEntrySize) {
    entry e{base_offset + load_be<std::uint32_t>(entries->data() + at),
            load_be<std::uint32_t>(entries->data() + at + 4)};
    bool ordered = index.entries_.empty() || (e.offset > index.entries_.back().offset &&
                                              e.position > index.entries_.back().position);
    if (!ordered || e.position >= log_size) return errc::corrupt_index;
    index.entries_.push_back(e);
  }
  return index;
}

}  // namespace cairn::eventstore
