// The event handler's state, shared by its blocking shell (event_handler.cc) and its coroutine
// shell (event_handler_async.cc). The decisions live in dead_letter_index (pure); what is here
// is bookkeeping both shells do alike.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>

#include "cairn/es/dead_letter_index.h"
#include "cairn/es/event_handler.h"
#include "cairn/metadata.h"
#include "cairn/producer.h"

namespace cairn::es {

// Partition -> the first offset of a batch not yet handled / the next offset to commit.
using offsets_by_partition = std::map<topic_partition, std::int64_t>;

// How one record's attempts ended.
struct attempt_outcome {
  std::error_code ec;  // empty: handled
  std::string error;   // the message for dlq-error
  std::int32_t attempts = 0;
};

struct event_handler::state {
  state(client& cl, event_handler_options o) : c(cl), options(std::move(o)) {}

  client& c;
  event_handler_options options;
  std::variant<record_handler, async_record_handler> fn;
  std::unique_ptr<consumer> cons;
  std::unique_ptr<producer> prod;
  // The parked keys of every owned partition that has been rebuilt from its DLQ partition.
  std::map<topic_partition, dead_letter_index> indexes;
  // Assigned (listener) and not rebuilt yet: rebuilt before any of their records is handled.
  std::set<topic_partition> to_rebuild;
  bool dlq_ready = false;
  bool closed = false;

  std::string dlq_topic(const std::string& topic) const {
    return topic + std::string(kDeadLetterSuffix);
  }
  // The wait after the n-th failed attempt (n >= 1): initial × 2^(n-1), at most backoff_max_ms.
  std::int64_t backoff_ms(std::int32_t failed_attempts) const;
  rebalance_listener listener();
  // Partitions with records in `batch` but no index yet, plus those waiting for a rebuild.
  std::set<topic_partition> needing_rebuild(const std::vector<consumer_record>& batch) const;
  // The entry to produce for `r`, not yet written.
  dead_letter_entry entry_for(const consumer_record& r, park_reason why,
                              const attempt_outcome& outcome,
                              std::optional<std::int64_t> replaces) const;
  // After `next` was committed: the indexes no longer need the source offsets below it (a
  // re-delivery cannot reach them), unless their entries are still parked.
  void committed(const std::map<topic_partition, std::int64_t>& next);
  // After a commit of `next` was tried (both shells commit the same way, then rewind).
  void commit_tried(const std::map<topic_partition, std::int64_t>& next, bool ok,
                    handler_stats& stats);
  // tp's parked keys were rebuilt from its DLQ partition.
  void rebuilt(const topic_partition& tp, dead_letter_index index);

  // The DLQ record for a resolved replay of `r`, not yet written.
  dead_letter_resolution resolution_for(const consumer_record& r, std::int64_t entry_offset) const;
  // A DLQ write was acknowledged at `dlq_offset`: the index learns the entry / resolution.
  void parked(dead_letter_index& index, const consumer_record& r, dead_letter_entry entry,
              const record_metadata& md) const;
  void resolved(dead_letter_index& index, dead_letter_resolution res,
                std::int64_t dlq_offset) const;
};

// The DLQ partition `dlq` as the metadata describes it: [start, end) to rebuild from; empty
// when the DLQ does not exist (create_dlq off) or holds nothing.
struct dlq_extent {
  std::int64_t start = 0;
  std::int64_t end = 0;
};
dlq_extent extent_of(const cluster_info& meta, const topic_partition& dlq);

// Reads a DLQ partition's records into an index up to the extent's end (both shells' rebuild).
struct dlq_rebuild {
  dlq_rebuild(std::string group, dlq_extent e)
      : index(std::move(group)), next(e.start), end(e.end) {}
  dead_letter_index index;
  std::int64_t next;
  std::int64_t end;
  bool done() const { return next >= end; }
  void take(const std::vector<consumer_record>& records);
};

// One run_once's bookkeeping of a batch, shared by both shells: which partitions are rewound
// (their records come again), what is committed, the last failure.
struct batch_progress {
  offsets_by_partition rewind;  // partition -> first offset not handled (-1: none seen yet)
  offsets_by_partition next;    // partition -> next offset to commit
  std::error_code failure;

  void rebuild_failed(const topic_partition& tp, std::error_code ec);
  // True when r's partition is being rewound: r is left for the next poll.
  bool left_for_later(const consumer_record& r);
  void done(const consumer_record& r);
  void failed(const consumer_record& r, std::error_code ec);
};

// Checks the options (invalid_config) before anything is created.
result<void> validate(const event_handler_options& o);

// run()/async_run() go on after these: the broker or the group may be back by the next poll.
bool worth_retrying(std::error_code ec);

// The wall clock for dlq-parked-at-ms (informational: nothing orders by it).
std::int64_t now_ms();

}  // namespace cairn::es
