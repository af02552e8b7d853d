// dead_letter_index: one group's parked records of one source partition, which are the entries
// of the same-numbered DLQ partition (the DLQ is co-partitioned with its topic). Pure: no I/O,
// no clock. The event handler feeds it the DLQ partition from its start when the partition is
// assigned (rebuild), then every entry and marker it writes, once acknowledged; it asks it what
// to do with each source record. `cairn dlq list|replay` builds one per partition too.
//
// Invariants (check_invariants): every listed entry is in the offset map under its key and the
// other way round; no key has an empty list; every listed entry's source offset is remembered.
// A key's list is in the order its records were parked; an entry that replaces another (a
// replayed copy that failed again) takes the other's place, so the order survives a retry.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cairn/consumer.h"
#include "cairn/es/dead_letter.h"

namespace cairn::es {

enum class verdict {
  handle,               // call the handler
  handle_replay,        // a replayed copy of its key's oldest parked entry: its turn; handle it
  park_behind,          // its key has a parked entry: park it too, without calling the handler
  skip_already_parked,  // this source record is in the DLQ already (a re-delivery after a crash)
  skip_stale_replay,    // a replayed copy of an entry that is resolved, or not its key's oldest
};

struct decision {
  verdict what = verdict::handle;
  std::int64_t replay_of = -1;  // handle_replay: the entry's DLQ offset
};

class dead_letter_index {
 public:
  // `group`: entries of other groups in the same DLQ are ignored.
  explicit dead_letter_index(std::string group) : group_(std::move(group)) {}

  // Takes in one DLQ record. A resolution of an entry that is not parked, and an entry whose
  // source position is already known, change nothing (duplicates after a crash).
  void apply(const dead_letter_record& r);
  void apply(const consumer_record& dlq_record) { apply(decode_dead_letter(dlq_record)); }

  // What to do with `source`, a record of the source partition, given what is parked now.
  decision classify(const consumer_record& source) const;

  // Forgets the source positions below `next_offset` (committed: never delivered again), which
  // bounds the memory the duplicate check takes; parked entries stay.
  void forget_sources_below(std::int64_t next_offset);

  bool is_parked(const std::optional<std::string>& key) const { return keys_.contains(key); }
  std::size_t parked_keys() const { return keys_.size(); }
  std::size_t parked_entries() const { return by_offset_.size(); }
  // Unresolved entries, key by key, each key's in its order (the order a replay must keep).
  std::vector<dead_letter_entry> unresolved() const;
  // One key's unresolved entries, oldest first.
  std::vector<dead_letter_entry> unresolved(const std::optional<std::string>& key) const;

  void check_invariants() const;

 private:
  void add(const dead_letter_entry& e);
  void resolve(std::int64_t dlq_offset);

  std::string group_;
  // Parked keys, each with its entries in parking order. A keyless record has no aggregate
  // to keep in order: nullopt lists keyless entries, which never park anything behind them.
  std::map<std::optional<std::string>, std::deque<dead_letter_entry>> keys_;
  std::map<std::int64_t, std::optional<std::string>> by_offset_;  // DLQ offset -> key
  std::set<std::int64_t> sources_;  // source offsets with an entry (parked or resolved)
};

}  // namespace cairn::es
