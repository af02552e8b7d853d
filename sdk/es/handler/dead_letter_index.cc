// The parked-key bookkeeping (cairn/es/dead_letter_index.h).
#include "cairn/es/dead_letter_index.h"

#include <algorithm>

#include "cairn/base/assert.h"

namespace cairn::es {

void dead_letter_index::apply(const dead_letter_record& r) {
  if (const auto* e = std::get_if<dead_letter_entry>(&r)) {
    if (e->group == group_) add(*e);
  } else if (const auto* res = std::get_if<dead_letter_resolution>(&r)) {
    if (res->group == group_) resolve(res->resolves);
  }
  // O(parked entries), and parked entries are few: checked after every step, in release too.
  check_invariants();
}

void dead_letter_index::add(const dead_letter_entry& e) {
  CAIRN_ASSERT(e.dlq_offset >= 0, "a dead-letter entry without its DLQ offset: {}", e.dlq_offset);
  // At-least-once: a handler that parked a record and crashed before committing parks it again
  // when the record comes back, unless it is recognised by its source position.
  if (!sources_.insert(e.source_offset).second) return;
  if (by_offset_.contains(e.dlq_offset)) return;
  auto& list = keys_[e.key];
  if (e.replaces) {
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const auto& x) { return x.dlq_offset == *e.replaces; });
    if (it != list.end()) {
      // A replayed copy failed again: it keeps its predecessor's place in the key's order.
      by_offset_.erase(it->dlq_offset);
      *it = e;
      by_offset_.emplace(e.dlq_offset, e.key);
      return;
    }
  }
  list.push_back(e);
  by_offset_.emplace(e.dlq_offset, e.key);
}

void dead_letter_index::resolve(std::int64_t dlq_offset) {
  auto at = by_offset_.find(dlq_offset);
  if (at == by_offset_.end()) return;  // resolved before (a duplicate marker)
  auto key_it = keys_.find(at->second);
  CAIRN_ASSERT(key_it != keys_.end(), "DLQ offset {} maps to a key with no list", dlq_offset);
  auto& list = key_it->second;
  std::erase_if(list, [&](const auto& x) { return x.dlq_offset == dlq_offset; });
  by_offset_.erase(at);
  if (list.empty()) keys_.erase(key_it);  // the key flows again
}

decision dead_letter_index::classify(const consumer_record& source) const {
  if (sources_.contains(source.offset)) return {verdict::skip_already_parked, -1};
  auto ref = replay_of(source);
  auto key_it = keys_.find(source.key);
  if (ref) {
    if (key_it == keys_.end()) return {verdict::skip_stale_replay, ref->dlq_offset};
    const auto& list = key_it->second;
    bool listed = std::any_of(list.begin(), list.end(),
                              [&](const auto& x) { return x.dlq_offset == ref->dlq_offset; });
    if (!listed) return {verdict::skip_stale_replay, ref->dlq_offset};
    // Keyless entries do not wait for each other; a key's entries go oldest first, so a copy
    // of a later entry waits (it stays parked) until it is replayed again.
    if (source.key && list.front().dlq_offset != ref->dlq_offset) {
      return {verdict::skip_stale_replay, ref->dlq_offset};
    }
    return {verdict::handle_replay, ref->dlq_offset};
  }
  if (source.key && key_it != keys_.end()) return {verdict::park_behind, -1};
  return {verdict::handle, -1};
}

void dead_letter_index::forget_sources_below(std::int64_t next_offset) {
  // Sources of still-parked entries stay: their replayed copies are told apart by offset, but
  // the entries themselves must be recognised if their source record comes back.
  std::set<std::int64_t> keep;
  for (const auto& [key, list] : keys_) {
    for (const auto& e : list)
      keep.insert(e.source_offset);
  }
  std::erase_if(sources_, [&](std::int64_t o) { return o < next_offset && !keep.contains(o); });
}

std::vector<dead_letter_entry> dead_letter_index::unresolved() const {
  std::vector<dead_letter_entry> out;
  for (const auto& [key, list] : keys_)
    out.insert(out.end(), list.begin(), list.end());
  return out;
}

std::vector<dead_letter_entry> dead_letter_index::unresolved(
    const std::optional<std::string>& key) const {
  auto it = keys_.find(key);
  if (it == keys_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void dead_letter_index::check_invariants() const {
  std::size_t listed = 0;
  for (const auto& [key, list] : keys_) {
    CAIRN_ASSERT(!list.empty(), "a parked key with no entries");
    listed += list.size();
    for (const auto& e : list) {
      auto at = by_offset_.find(e.dlq_offset);
      CAIRN_ASSERT(at != by_offset_.end(), "entry at DLQ offset {} not in the offset map",
                   e.dlq_offset);
      CAIRN_ASSERT(at->second == key, "entry at DLQ offset {} mapped to another key", e.dlq_offset);
      CAIRN_ASSERT(sources_.contains(e.source_offset), "entry source {} not remembered",
                   e.source_offset);
    }
  }
  CAIRN_ASSERT(listed == by_offset_.size(), "listed {} != mapped {}", listed, by_offset_.size());
}

}  // namespace cairn::es
