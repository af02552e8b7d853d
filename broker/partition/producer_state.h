// producer_state_table: the idempotent-producer bookkeeping of one partition, with Kafka's rules.
// Pure state, no I/O: the partition asks check() before appending a batch and record()s it after;
// on open it is rebuilt by record()ing every batch of the log, so a restarted (or, later, newly
// elected) leader deduplicates exactly as the old one did.
//
// Kafka's rules (ProducerStateManager), per producer id on this partition:
//   - producer id -1: not idempotent, nothing is checked;
//   - an epoch below the known one: a fenced producer, rejected (invalid_producer_epoch);
//   - a new epoch (or an unknown producer) must start at sequence 0;
//   - a batch whose sequence range equals one of the last five appended is a retry: not appended
//     again, answered with the offsets it got the first time;
//   - otherwise the first sequence must be the last one + 1 (wrapping at INT32_MAX to 0).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include "cairn/base/result.h"
#include "eventstore/record/batch_header.h"

namespace cairn::broker {

struct appended_batch {
  std::int32_t first_sequence = 0;
  std::int32_t last_sequence = 0;
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  // As stored: on a LogAppendTime topic the broker's stamp, which a retry is answered with.
  std::int64_t max_timestamp = -1;
  bool operator==(const appended_batch&) const = default;
};

class producer_state_table {
 public:
  // Kafka keeps the last five batches per producer: the most a producer has in flight.
  static constexpr std::size_t kCachedBatchesMax = 5;

  explicit producer_state_table(std::size_t producers_max = 100'000)
      : producers_max_(producers_max) {}

  // nullopt: append it. A value: a duplicate of that earlier batch, do not append.
  // Errors: errc::invalid_producer_epoch, errc::out_of_order_sequence.
  result<std::optional<appended_batch>> check(const eventstore::batch_header& h) const;

  // Records a batch appended at [base_offset, last_offset]. Batches without a producer id are
  // ignored. Also used to rebuild the table from the log.
  void record(const eventstore::batch_header& h, std::int64_t base_offset);

  std::size_t size() const { return producers_.size(); }
  // Same producers, epochs and cached batches: a replica's table against a rebuild from its log.
  bool operator==(const producer_state_table& other) const {
    return producers_ == other.producers_;
  }

 private:
  struct producer {
    std::int16_t epoch = 0;
    std::deque<appended_batch> batches;  // oldest first, at most kCachedBatchesMax
    bool operator==(const producer&) const = default;
  };
  // Bounds memory against clients that invent producer ids: the producer that appended least
  // recently is forgotten (it must then start a new epoch or sequence 0, as after expiry in Kafka).
  void evict_if_full();

  std::size_t producers_max_;
  std::unordered_map<std::int64_t, producer> producers_;
};

// The last sequence of a batch: base_sequence + lastOffsetDelta, wrapping at INT32_MAX to 0.
std::int32_t last_sequence_of(const eventstore::batch_header& h);

}  // namespace cairn::broker
