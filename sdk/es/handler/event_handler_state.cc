// Bookkeeping shared by the blocking and the coroutine handler shells.
#include "sdk/es/handler/event_handler_state.h"

#include <algorithm>
#include <chrono>

#include "cairn/base/assert.h"

namespace cairn::es {

handler_stats& handler_stats::operator+=(const handler_stats& o) {
  handled += o.handled;
  retried += o.retried;
  parked += o.parked;
  resolved += o.resolved;
  skipped += o.skipped;
  commit_failures += o.commit_failures;
  return *this;
}

result<void> validate(const event_handler_options& o) {
  if (o.topics.empty() || o.group.empty()) return sdk::errc::invalid_config;
  if (o.attempts_max < 1 || o.backoff_initial_ms < 0 || o.backoff_max_ms < o.backoff_initial_ms) {
    return sdk::errc::invalid_config;
  }
  if (o.poll_timeout_ms < 0 || o.rebuild_polls_max < 1) return sdk::errc::invalid_config;
  // The handler commits after handling; a timer committing positions would break at-least-once.
  if (o.consumer.auto_commit) return sdk::errc::invalid_config;
  for (const auto& t : o.topics) {
    // A DLQ of a DLQ would park its own failures into itself.
    if (t.empty() || t.ends_with(kDeadLetterSuffix)) return sdk::errc::invalid_config;
  }
  return success();
}

bool worth_retrying(std::error_code ec) {
  return sdk::is_retriable(ec) || ec == handler_errc::rebuild_incomplete ||
         ec == sdk::errc::delivery_timeout;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t event_handler::state::backoff_ms(std::int32_t failed_attempts) const {
  std::int64_t wait = options.backoff_initial_ms;
  for (std::int32_t i = 1; i < failed_attempts && wait < options.backoff_max_ms; ++i)
    wait *= 2;
  return std::min(wait, options.backoff_max_ms);
}

rebalance_listener event_handler::state::listener() {
  rebalance_listener l;
  // Runs inside poll (on the polling thread, or the client's for async_poll): only bookkeeping.
  l.on_assigned = [this](const std::vector<topic_partition>& tps) {
    for (const auto& tp : tps) {
      indexes.erase(tp);  // whatever we knew may be stale: another member may have parked since
      to_rebuild.insert(tp);
    }
  };
  // Offsets are committed after every batch, before the next poll: nothing is left to commit
  // here. The parked keys go with the partition (its next owner rebuilds them).
  auto drop = [this](const std::vector<topic_partition>& tps) {
    for (const auto& tp : tps) {
      indexes.erase(tp);
      to_rebuild.erase(tp);
    }
  };
  l.on_revoked = drop;
  l.on_lost = drop;
  return l;
}

void event_handler::state::committed(const std::map<topic_partition, std::int64_t>& next) {
  for (const auto& [tp, offset] : next) {
    if (auto it = indexes.find(tp); it != indexes.end()) it->second.forget_sources_below(offset);
  }
}

std::set<topic_partition> event_handler::state::needing_rebuild(
    const std::vector<consumer_record>& batch) const {
  std::set<topic_partition> out = to_rebuild;
  for (const auto& r : batch) {
    topic_partition tp{r.topic, r.partition};
    if (!indexes.contains(tp)) out.insert(tp);
  }
  return out;
}

dead_letter_entry event_handler::state::entry_for(const consumer_record& r, park_reason why,
                                                  const attempt_outcome& outcome,
                                                  std::optional<std::int64_t> replaces) const {
  return parked_entry(r, options.group, why, outcome.ec, outcome.error, outcome.attempts, now_ms(),
                      replaces);
}

}  // namespace cairn::es

namespace cairn::es {

void event_handler::state::commit_tried(const std::map<topic_partition, std::int64_t>& next,
                                        bool ok, handler_stats& stats) {
  if (ok) {
    committed(next);
  } else {
    ++stats.commit_failures;
  }
}

void event_handler::state::rebuilt(const topic_partition& tp, dead_letter_index index) {
  indexes.insert_or_assign(tp, std::move(index));
  to_rebuild.erase(tp);
}

dead_letter_resolution event_handler::state::resolution_for(const consumer_record& r,
                                                            std::int64_t entry_offset) const {
  return dead_letter_resolution{.group = options.group,
                                .key = r.key,
                                .dlq_partition = r.partition,
                                .resolves = entry_offset,
                                .dlq_offset = -1};
}

void event_handler::state::parked(dead_letter_index& index, const consumer_record& r,
                                  dead_letter_entry entry, const record_metadata& md) const {
  // Co-partitioned: the DLQ partition of a record is its source partition (rebuild relies on it).
  CAIRN_ASSERT(md.tp.partition == r.partition, "parked into DLQ partition {} from partition {}",
               md.tp.partition, r.partition);
  entry.dlq_offset = md.offset;
  index.apply(dead_letter_record{std::move(entry)});
}

void event_handler::state::resolved(dead_letter_index& index, dead_letter_resolution res,
                                    std::int64_t dlq_offset) const {
  res.dlq_offset = dlq_offset;
  index.apply(dead_letter_record{std::move(res)});
}

dlq_extent extent_of(const cluster_info& meta, const topic_partition& dlq) {
  dlq_extent e;
  for (const auto& t : meta.topics) {
    if (t.name != dlq.topic || t.error) continue;
    for (const auto& p : t.partitions) {
      if (p.partition == dlq.partition) {
        e.start = p.log_start_offset;
        e.end = p.high_watermark;
      }
    }
  }
  return e;
}

void dlq_rebuild::take(const std::vector<consumer_record>& records) {
  for (const auto& r : records) {
    // Entries written after the end was captured can only be ours (we own the partition now),
    // and we know them already.
    if (r.offset >= end) break;
    index.apply(r);
    next = r.offset + 1;
  }
}

void batch_progress::rebuild_failed(const topic_partition& tp, std::error_code ec) {
  failure = ec;
  rewind.emplace(tp, -1);
}

bool batch_progress::left_for_later(const consumer_record& r) {
  auto it = rewind.find(topic_partition{r.topic, r.partition});
  if (it == rewind.end()) return false;
  if (it->second < 0) it->second = r.offset;  // the first record not handled
  return true;
}

void batch_progress::done(const consumer_record& r) {
  next[topic_partition{r.topic, r.partition}] = r.offset + 1;
}

void batch_progress::failed(const consumer_record& r, std::error_code ec) {
  failure = ec;
  rewind[topic_partition{r.topic, r.partition}] = r.offset;
}

}  // namespace cairn::es
