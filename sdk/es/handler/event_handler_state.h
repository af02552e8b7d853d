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

namespace cairn::es {

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
};

// Checks the options (invalid_config) before anything is created.
result<void> validate(const event_handler_options& o);

// run()/async_run() go on after these: the broker or the group may be back by the next poll.
bool worth_retrying(std::error_code ec);

// The wall clock for dlq-parked-at-ms (informational: nothing orders by it).
std::int64_t now_ms();

// Partition -> the first offset of a batch not yet handled / the next offset to commit.
using offsets_by_partition = std::map<topic_partition, std::int64_t>;

}  // namespace cairn::es
