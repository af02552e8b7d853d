// Idempotent producer bookkeeping, sans-I/O: per-partition sequence numbers and in-flight
// batches, following the Java client's TransactionManager for a non-transactional producer
// (Kafka 2.5+, KIP-360). The broker keeps, per producer id and partition, the sequences of its
// last five batches: it writes a batch whose base sequence follows the last one, answers a
// duplicate of one of those five with its original offset, and rejects a gap with
// OUT_OF_ORDER_SEQUENCE_NUMBER.
//
// Rules kept here:
// - Sequences are per partition and count records: a batch of n records with base sequence s is
//   followed by s + n, wrapping from INT32_MAX to 0 (DefaultRecordBatch.incrementSequence).
// - At most kInFlightBatchesMax batches per partition are unacknowledged at once, because the
//   broker can recognise a retried duplicate only among the last five.
// - A retriable error resends the same bytes with the same sequence. A batch that already has a
//   sequence is sent again only when it is the oldest unacknowledged one of its partition, so
//   retries go one at a time and in order (RecordAccumulator.shouldStopDrainBatchesForPartition).
// - OUT_OF_ORDER_SEQUENCE_NUMBER on a batch that is not the next expected one (its predecessor
//   failed first) is retried as is. On the next expected batch it means the broker's state has a
//   real gap: bump the epoch and restart the partition's sequences at 0, re-sequencing its
//   in-flight batches in order (TransactionManager.canRetry, startSequencesAtBeginning).
// - UNKNOWN_PRODUCER_ID (the broker lost the producer's state, e.g. retention removed it): bump
//   the epoch and re-sequence, then retry.
// - A batch that fails for good (fatal error or delivery timeout) bumps the epoch and re-sequences
//   the partition. Kafka instead shifts later sequences down when it knows the batch was not
//   written (adjustSequencesDueToFailedBatch) and bumps only when the outcome is unknown; always
//   bumping is simpler and as safe, since a new epoch starts at sequence 0 on the broker.
// - The epoch is bumped locally (the broker accepts epoch + 1 starting at sequence 0). When it
//   would overflow, the producer id is dropped and the I/O shell must fetch a new one.
// - After a bump, other partitions keep their old identity until their in-flight batches finish,
//   then restart at sequence 0 under the new one
//   (TransactionManager.maybeUpdateProducerIdAndEpoch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "cairn/types.h"

namespace cairn::sdk {

// How the I/O shell classifies a failed produce of one batch.
enum class failure_kind {
  retriable,              // not leader, request timed out, connection lost: resend the same bytes
  out_of_order_sequence,  // the broker saw a gap in this producer's sequence for the partition
  unknown_producer_id,    // the broker has no state for this producer id on the partition
  fatal,                  // not retriable (invalid record, too large, not authorised, ...)
};

// A batch whose producer state changed; its bytes must be rebuilt with these before a resend.
struct resequenced_batch {
  batch_id id;
  producer_identity producer;
  std::int32_t base_sequence = -1;
};

// Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from INT32_MAX to 0.
std::int32_t increment_sequence(std::int32_t sequence, std::int32_t increment);

class idempotence_tracker {
 public:
  static constexpr std::size_t kInFlightBatchesMax = 5;

  // Sets the identity from InitProducerId. Partitions whose re-sequencing waited for an identity
  // (the epoch ran out) are re-sequenced under it and returned.
  std::vector<resequenced_batch> set_producer(producer_identity producer);
  const producer_identity& producer() const { return producer_; }
  // True until set_producer, and again after the epoch ran out: nothing can be sent meanwhile.
  bool needs_producer() const { return !producer_.valid(); }

  // May a batch that never had a sequence be sent on `tp` now?
  bool may_send_new(const topic_partition& tp) const;
  // May batch `id`, which has a sequence (a retry), be sent now? Only the oldest in flight may.
  bool may_resend(const topic_partition& tp, batch_id id) const;

  // Assigns the next base sequence to a new batch of `records_count` records and tracks it as in
  // flight until on_acked or on_final_failure. REQUIRES: may_send_new(tp).
  std::int32_t assign(const topic_partition& tp, batch_id id, std::int32_t records_count);

  void on_acked(const topic_partition& tp, batch_id id);
  // The batch will be retried. May bump the epoch; returns the re-sequenced batches of `tp`.
  // REQUIRES: kind != fatal.
  std::vector<resequenced_batch> on_retry(const topic_partition& tp, batch_id id,
                                          failure_kind kind);
  // The batch failed for good: forget it and bump the epoch; returns the re-sequenced batches.
  std::vector<resequenced_batch> on_final_failure(const topic_partition& tp, batch_id id);
  // Forgets everything (the producer is closing).
  void clear();

  std::size_t in_flight_count(const topic_partition& tp) const;
  std::int32_t next_sequence(const topic_partition& tp) const;
  std::int32_t last_acked_sequence(const topic_partition& tp) const;

  void check_invariants() const;

 private:
  struct in_flight_batch {
    batch_id id;
    std::int32_t base_sequence;
    std::int32_t records_count;
  };
  struct partition_state {
    producer_identity identity;  // the identity its sequences belong to
    std::int32_t next_sequence = 0;
    std::int32_t last_acked_sequence = -1;
    std::deque<in_flight_batch> in_flight;  // in sequence (= send) order; bounded by the 5 above
    bool resequence_pending = false;        // the epoch ran out: re-sequence once an id arrives
  };

  std::vector<resequenced_batch> bump_epoch(const topic_partition& tp);
  std::vector<resequenced_batch> resequence(partition_state& state);
  std::deque<in_flight_batch>::iterator find(partition_state& state, batch_id id);

  producer_identity producer_;
  std::map<topic_partition, partition_state> partitions_;
};

}  // namespace cairn::sdk
