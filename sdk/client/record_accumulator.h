// The producer's record accumulator, sans-I/O (Kafka's RecordAccumulator + the batch side of
// Sender): records are appended into one open RecordBatch v2 per topic-partition, batches become
// ready by size or by linger, drain() hands ready batches to the I/O shell grouped per leader,
// and the shell reports each send's outcome back, which yields per-record delivery reports.
//
// No clock and no socket: every call that depends on time takes `now_ms`, so tests drive it.
//
// Batch life: open (takes appends) -> closed (full; waits) -> in flight (drained; its producer id,
// epoch and base sequence were set on the builder before finish(), inside the CRC) -> acked, or
// queued again for a retry (same bytes, same sequence; rebuilt only when the idempotence rules
// re-sequence it), or failed for good.
//
// Memory is bounded: the bytes of every batch not yet acknowledged or failed count against
// buffer_bytes_max, and an append over it returns errc::buffer_full instead of growing (Kafka
// blocks for max.block.ms instead; the shell waits for delivery reports and tries again).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cairn/base/result.h"
#include "cairn/errc.h"
#include "cairn/types.h"
#include "eventstore/record/record_batch.h"
#include "sdk/client/idempotence.h"

namespace cairn::sdk {

// What the caller produces; the views must stay valid until append() returns.
using producer_record = eventstore::record_input;

// Defaults are Kafka's producer defaults.
struct accumulator_config {
  std::int32_t batch_bytes_max = 16 * 1024;          // batch.size
  std::int64_t linger_ms = 5;                        // linger.ms (5 since Kafka 4.0, KIP-1030)
  std::int64_t buffer_bytes_max = 32 * 1024 * 1024;  // buffer.memory
  std::int32_t request_bytes_max = 1024 * 1024;      // max.request.size
  std::int64_t retry_backoff_ms = 100;               // retry.backoff.ms
  std::int64_t delivery_timeout_ms = 120'000;        // delivery.timeout.ms
  bool idempotence = true;                           // enable.idempotence (default since 3.0)
  // compression.type. batch_bytes_max and the buffer count a batch's bytes before compression
  // while it is open, and its finished (compressed) bytes once sealed for sending.
  eventstore::compression_codec compression = eventstore::compression_codec::none;
};

// errc::invalid_config when a value is out of range.
result<void> validate(const accumulator_config& config);

// The outcome of one record, in the order outcomes become known.
struct delivery_report {
  record_id id;
  std::int32_t partition = 0;
  // The record's offset (base offset + its index in the batch; -1 when the broker gave no offset,
  // as with acks=none), or the error that failed it for good.
  result<std::int64_t> offset{std::int64_t{-1}};
};

// One batch to send. `bytes` stays valid until the next non-const call on the accumulator: the
// shell copies it into its request frame right away.
struct drained_batch {
  batch_id id;
  topic_partition tp;
  std::string_view bytes;
  std::int32_t records_count = 0;
  std::int32_t base_sequence = -1;  // -1 without idempotence
  std::int32_t attempt = 1;         // 1 on the first send
};

// The batches for one produce request to one broker: at most one batch per partition (Kafka's
// rule, which keeps a partition's batches in order across requests) and at most
// request_bytes_max bytes of batches, except that a single batch always goes.
struct drained_request {
  std::int32_t node_id = 0;
  std::vector<drained_batch> batches;
  std::int64_t size_bytes = 0;
};

// The leader of a partition, or nullopt when unknown (its batches wait).
using leader_lookup = std::function<std::optional<std::int32_t>(const topic_partition&)>;

class record_accumulator {
 public:
  // REQUIRES: validate(config) succeeded.
  explicit record_accumulator(const accumulator_config& config);
  ~record_accumulator();
  record_accumulator(record_accumulator&&) noexcept;
  record_accumulator& operator=(record_accumulator&&) noexcept;

  // Appends a record to the open batch of `tp`, opening one when there is none or the record
  // does not fit. Errors: record_too_large (the record alone exceeds request_bytes_max or
  // buffer_bytes_max), buffer_full (back-pressure), invalid_partition (partition < 0), aborted
  // (after abort()).
  result<record_id> append(const topic_partition& tp, const producer_record& record,
                           std::int64_t now_ms);

  // Whether append(tp, record) would open a new batch (the sticky partitioner's cue).
  bool would_open_batch(const topic_partition& tp, const producer_record& record) const;

  // Sets the broker-assigned producer id and epoch; until then an idempotent accumulator sends
  // nothing (Kafka waits for InitProducerId the same way).
  void set_producer(producer_identity producer);
  // True when the shell must (again) ask the broker for a producer id.
  bool needs_producer() const;
  const producer_identity& producer() const { return idempotence_.producer(); }

  // Takes the ready batches: full ones, those whose first record waited linger_ms, all while a
  // flush is in progress or an append met a full buffer, and retries whose backoff has passed.
  // Batches past delivery_timeout_ms fail first. `leader_of` defaults to "every partition on
  // node 0". request_bytes_max <= 0 means the configured one.
  std::vector<drained_request> drain(std::int64_t now_ms, std::int32_t request_bytes_max = 0,
                                     const leader_lookup& leader_of = {});

  // The broker wrote batch `id` at `base_offset` (-1: unknown, e.g. acks=none).
  void on_acked(batch_id id, std::int64_t base_offset);
  // A send of batch `id` failed. Retriable kinds queue it again (at its place in sequence order)
  // unless delivery_timeout_ms has passed; fatal ones fail its records with `error`.
  void on_failed(batch_id id, std::error_code error, failure_kind kind, std::int64_t now_ms);

  // Delivery reports produced since the last call, oldest first.
  std::vector<delivery_report> take_delivery_reports();

  // While a flush is in progress every batch is ready regardless of linger (Kafka's flush()).
  void begin_flush() { ++flushes_in_progress_; }
  void end_flush();
  // Batches not yet acknowledged or failed (open, waiting, in flight): flush waits for 0.
  std::size_t incomplete_batches_count() const { return batches_.size(); }

  // Fails every incomplete batch with `error` and refuses further appends (closing the producer).
  void abort(std::error_code error = errc::aborted);

  // The earliest time a waiting batch becomes ready by linger or backoff, if any waits on time.
  std::optional<std::int64_t> next_ready_ms() const;

  std::int64_t buffer_bytes_used() const { return buffer_bytes_used_; }
  const idempotence_tracker& idempotence() const { return idempotence_; }
  void check_invariants() const;

 private:
  enum class batch_state { open, closed, in_flight, retry };
  struct batch;
  struct partition_queue {
    std::deque<batch*> waiting;  // retries (in sequence order), then closed, then open last
  };

  batch& open_batch(const topic_partition& tp, std::int64_t now_ms);
  void close(batch& b);
  bool ready(const batch& b, std::int64_t now_ms) const;
  bool may_send(const batch& b) const;
  void seal_for_send(batch& b);
  void requeue(batch& b);
  void restamp(const std::vector<resequenced_batch>& batches);
  void fail_for_good(batch& b, std::error_code error);
  void complete(batch& b, const std::function<result<std::int64_t>(std::int32_t)>& offset_of);
  void expire(std::int64_t now_ms);

  accumulator_config config_;
  idempotence_tracker idempotence_;
  std::unordered_map<std::uint64_t, std::unique_ptr<batch>> batches_;  // every incomplete batch
  std::map<topic_partition, partition_queue> partitions_;
  std::vector<delivery_report> reports_;
  std::int64_t buffer_bytes_used_ = 0;
  std::uint64_t next_record_id_ = 0;
  std::uint64_t next_batch_id_ = 0;
  std::size_t drain_cursor_ = 0;  // where the next drain starts, for fairness across partitions
  int flushes_in_progress_ = 0;
  bool buffer_exhausted_ = false;  // an append met a full buffer: send everything to free it
  bool aborted_ = false;
};

}  // namespace cairn::sdk
