#include "sdk/client/idempotence.h"

#include <algorithm>
#include <limits>

#include "cairn/base/assert.h"

namespace cairn::sdk {

std::int32_t increment_sequence(std::int32_t sequence, std::int32_t increment) {
  constexpr std::int32_t max = std::numeric_limits<std::int32_t>::max();
  if (sequence > max - increment) return increment - (max - sequence) - 1;
  return sequence + increment;
}

std::vector<resequenced_batch> idempotence_tracker::set_producer(producer_identity producer) {
  CAIRN_ASSERT(producer.valid(), "producer id {} epoch {}", producer.id, producer.epoch);
  producer_ = producer;
  std::vector<resequenced_batch> out;
  for (auto& [tp, state] : partitions_) {
    if (!state.resequence_pending) continue;
    auto batches = resequence(state);
    out.insert(out.end(), batches.begin(), batches.end());
  }
  return out;
}

bool idempotence_tracker::may_send_new(const topic_partition& tp) const {
  if (!producer_.valid()) return false;
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) return true;
  const partition_state& state = it->second;
  if (state.in_flight.size() >= kInFlightBatchesMax) return false;
  // A batch at sequence 0 of a new identity must not overtake batches of the old one.
  if (state.identity != producer_ && !state.in_flight.empty()) return false;
  return true;
}

bool idempotence_tracker::may_resend(const topic_partition& tp, batch_id id) const {
  if (!producer_.valid()) return false;
  auto it = partitions_.find(tp);
  CAIRN_ASSERT(it != partitions_.end(), "resend on {} without state", tp);
  const partition_state& state = it->second;
  CAIRN_ASSERT(!state.in_flight.empty(), "resend of batch {} on {} with none in flight", id, tp);
  // A stale identity is fine here: after another partition bumped the epoch, this partition's
  // broker state still expects the old one for the batches already numbered under it.
  return state.in_flight.front().id == id;
}

std::int32_t idempotence_tracker::assign(const topic_partition& tp, batch_id id,
                                         std::int32_t records_count) {
  CAIRN_ASSERT(may_send_new(tp), "assign on {} while sending is not allowed", tp);
  CAIRN_ASSERT(records_count > 0, "batch of {} records", records_count);
  partition_state& state = partitions_[tp];
  if (state.identity != producer_) {
    // New partition, or the epoch moved on while this one had nothing in flight.
    state.identity = producer_;
    state.next_sequence = 0;
    state.last_acked_sequence = -1;
  }
  std::int32_t base = state.next_sequence;
  state.next_sequence = increment_sequence(base, records_count);
  state.in_flight.push_back({id, base, records_count});
  return base;
}

std::deque<idempotence_tracker::in_flight_batch>::iterator idempotence_tracker::find(
    partition_state& state, batch_id id) {
  auto it = std::find_if(state.in_flight.begin(), state.in_flight.end(),
                         [&](const in_flight_batch& f) { return f.id == id; });
  CAIRN_ASSERT(it != state.in_flight.end(), "batch {} is not in flight", id);
  return it;
}

void idempotence_tracker::on_acked(const topic_partition& tp, batch_id id) {
  partition_state& state = partitions_.at(tp);
  auto it = find(state, id);
  std::int32_t last = increment_sequence(it->base_sequence, it->records_count - 1);
  // Responses may come back out of order; like Kafka, keep the highest (ignoring wrap-around).
  state.last_acked_sequence = std::max(state.last_acked_sequence, last);
  state.in_flight.erase(it);
}

std::vector<resequenced_batch> idempotence_tracker::on_retry(const topic_partition& tp, batch_id id,
                                                             failure_kind kind) {
  CAIRN_ASSERT(kind != failure_kind::fatal, "fatal failures are final, batch {}", id);
  partition_state& state = partitions_.at(tp);
  auto it = find(state, id);
  switch (kind) {
    case failure_kind::retriable:
      return {};
    case failure_kind::out_of_order_sequence:
      // Not the next expected batch: an earlier one failed first, and this one only needs to
      // follow it again. The next expected one itself: the broker really has a gap.
      if (it->base_sequence != increment_sequence(state.last_acked_sequence, 1)) return {};
      return bump_epoch(tp);
    case failure_kind::unknown_producer_id:
      return bump_epoch(tp);
    case failure_kind::fatal:
      break;
  }
  return {};
}

std::vector<resequenced_batch> idempotence_tracker::on_final_failure(const topic_partition& tp,
                                                                     batch_id id) {
  partition_state& state = partitions_.at(tp);
  state.in_flight.erase(find(state, id));
  return bump_epoch(tp);
}

std::vector<resequenced_batch> idempotence_tracker::bump_epoch(const topic_partition& tp) {
  partition_state& state = partitions_.at(tp);
  if (state.identity != producer_) {
    // Another partition bumped the epoch already; this one simply restarts under the new one.
    if (producer_.valid()) return resequence(state);
    state.resequence_pending = true;
    return {};
  }
  if (producer_.epoch == std::numeric_limits<std::int16_t>::max()) {
    // Kafka resetIdempotentProducerId: the epoch is spent, the shell must get a new producer id.
    producer_ = {};
    state.resequence_pending = true;
    return {};
  }
  ++producer_.epoch;
  return resequence(state);
}

std::vector<resequenced_batch> idempotence_tracker::resequence(partition_state& state) {
  CAIRN_ASSERT(producer_.valid(), "re-sequencing without a producer id");
  std::vector<resequenced_batch> out;
  std::int32_t sequence = 0;
  for (in_flight_batch& f : state.in_flight) {
    f.base_sequence = sequence;
    sequence = increment_sequence(sequence, f.records_count);
    out.push_back({f.id, producer_, f.base_sequence});
  }
  state.identity = producer_;
  state.next_sequence = sequence;
  state.last_acked_sequence = -1;
  state.resequence_pending = false;
  return out;
}

void idempotence_tracker::clear() {
  partitions_.clear();
}

std::size_t idempotence_tracker::in_flight_count(const topic_partition& tp) const {
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? 0 : it->second.in_flight.size();
}

std::int32_t idempotence_tracker::next_sequence(const topic_partition& tp) const {
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? 0 : it->second.next_sequence;
}

std::int32_t idempotence_tracker::last_acked_sequence(const topic_partition& tp) const {
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? -1 : it->second.last_acked_sequence;
}

void idempotence_tracker::check_invariants() const {
  for (const auto& [tp, state] : partitions_) {
    CAIRN_ASSERT(state.in_flight.size() <= kInFlightBatchesMax, "{} has {} batches in flight", tp,
                 state.in_flight.size());
    // Acknowledgements may arrive out of order, so in-flight batches can have gaps between them,
    // but the newest one always ends where the next batch starts.
    if (state.in_flight.empty() || state.resequence_pending) continue;
    const in_flight_batch& newest = state.in_flight.back();
    CAIRN_ASSERT(
        increment_sequence(newest.base_sequence, newest.records_count) == state.next_sequence,
        "{} newest in-flight batch {} at {}+{}, next sequence {}", tp, newest.id,
        newest.base_sequence, newest.records_count, state.next_sequence);
  }
}

}  // namespace cairn::sdk
