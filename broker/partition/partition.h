// partition: one topic-partition on this broker — its log, its idempotent-producer state, its
// stream index (opened on first stream use, then kept current) and its high watermark.
//
// Every change to the log is a local append followed by commit(end), the seam replication fills:
// on a single node, a batch is committed once it is flushed as the flush policy asks, and the
// high watermark (what consumers may read) moves to it then; a replicated partition's commit end
// is its Raft group's (broker/replication), set from outside. Produce exposes the two
// and stream appends expose the two steps (append / stream_append, then commit) so the broker's
// event loop appends without waiting for the disk and hands only the wait to the commit flusher.
//
// Threads: any thread may call any method. Appends are serialised by writer_mu_ (which also
// guards the producer table and the stream index); fdatasync runs outside it so that concurrent
// commits share one (group commit). Only commit() with commit_syncs() blocks for long on disk
// I/O (and a stream read of cold pages); the broker runs those off its Asio I/O thread.
//
// Replicated mode (options::replicated): the partition's log is a Raft log (broker/raftlog,
// docs/raft.md "Storage: the Raft log on the partition"). append() and stream_append() still
// validate, deduplicate and check expected versions, then hand the batch to the replicator
// (the Raft driver: node::propose), which appends it through partition_raft_log, which calls
// append_replicated() here. The driver moves the high watermark (set_high_watermark) to the
// Raft commit end; commit(), produce() and append_to_stream() are for standalone mode only.
//
// The locking rule of replicated mode: every write (append, stream_append, and the storage
// calls append_replicated / truncate_replicated / reset_replicated from partition_raft_log)
// runs on one thread at a time, the broker's I/O thread, synchronously; writer_mu_ is never
// held while the replicator is called, because the proposal re-enters append_replicated(),
// which takes it. Both halves are asserted: a re-entrant lock attempt and a second writing
// thread abort with a message instead of deadlocking or racing. Readers (fetch, read_stream)
// stay free-threaded as in standalone mode.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/partition/producer_state.h"
#include "cairn/base/result.h"
#include "eventstore/log/partition_log.h"
#include "eventstore/record/timestamp_type.h"
#include "eventstore/stream/expected_version.h"
#include "eventstore/stream/stream_index.h"

namespace cairn::broker {

enum class acks { none, leader, all };

struct produce_result {
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  bool duplicate = false;  // an idempotent retry of a batch already appended: not written again
  // The time the leader stamped on the batch when its topic is LogAppendTime (a retry's: the
  // original's); -1 under CreateTime. Produce responses answer it (Kafka's log_append_time_ms).
  std::int64_t log_append_time_ms = -1;

  std::int64_t end_offset() const { return last_offset + 1; }
};

struct stream_append_result {
  // Set when the expected version did not hold: nothing was appended.
  std::optional<eventstore::version_conflict> conflict;
  stream_version first_version{-1};
  stream_version last_version{-1};
  std::int64_t base_offset = -1;
  std::int64_t log_append_time_ms = -1;  // as in produce_result
  std::int64_t end_offset() const { return base_offset + (last_version - first_version) + 1; }
};

struct stream_read_result {
  std::string records;  // RecordBatch v2 bytes: the events, with their original offsets
  std::vector<eventstore::stream_entry> entries;  // (version, offset) of each event returned
  std::optional<stream_version> last_version;     // the stream's current version, if it exists
  // >= 0 when the read stopped before events of this range that are appended but not committed
  // yet: all of them are readable once the high watermark reaches pending_end.
  std::int64_t pending_end = -1;
};

struct fetch_result {
  eventstore::file_range range;  // whole batches below the high watermark
  std::int64_t next_offset = 0;
  std::int64_t high_watermark = 0;
  std::int64_t log_start_offset = 0;
};

// The seam replication fills (implemented by the Raft driver). Called by a replicated
// partition's append() and stream_append() on the leader with a validated, deduplicated batch
// whose offsets are not assigned yet.
class replicator {
 public:
  virtual ~replicator() = default;
  // Appends `batch` to the Raft log (node::propose, which calls partition_raft_log::append and
  // so partition::append_replicated before it returns) and returns its offsets; replication and
  // the commit follow asynchronously. `record_count` is the offset span (lastOffsetDelta + 1).
  // Errors pass through to the caller unchanged: raft::errc::not_leader (the driver knows the
  // leader to name), transfer_in_progress.
  virtual result<eventstore::append_result> replicate(std::span<char> batch,
                                                      std::int64_t record_count) = 0;
};

class partition {
 public:
  struct options {
    eventstore::log_options log;
    eventstore::stream_index_options stream_index;
    // A Raft group owns the log: see "Replicated mode" above. The high watermark then starts at
    // the log start on open and moves only by set_high_watermark().
    bool replicated = false;
  };

  // Opens (creating) the partition in `dir`: recovers the log, rebuilds producer state from it,
  // and opens and catches up the stream index if this partition has one.
  static result<std::unique_ptr<partition>> open(const std::string& dir, options opts);

  // Appends a producer's batch (validated, offsets assigned in place) unless it is an idempotent
  // retry. Returns once `a` is satisfied: append() then commit().
  result<produce_result> produce(std::span<char> batch, acks a);

  // Produce in two steps, so that an event loop can append without waiting for the disk and
  // hand only the wait to a thread that may block. append() validates, deduplicates and writes
  // (to the page cache); the batch is readable once commit(result.end_offset()) returned.
  result<produce_result> append(std::span<char> batch);
  // Whether commit(end) would wait for fdatasync (flush always, or an interval flush due).
  bool commit_syncs(std::int64_t end) const { return log_->flush_per_policy_syncs(end); }
  // Makes everything below `end` durable as the flush policy asks, then moves the high watermark
  // there. Blocks on fdatasync when commit_syncs(end); concurrent callers share one sync.
  result<void> commit(std::int64_t end);

  // AppendToStream: checks `expected` against the stream `key` and appends `events` (a batch whose
  // records have the stream's key or none) with consecutive versions, atomically: two writers
  // racing with the same expected version cannot both succeed.
  // append_to_stream() is stream_append() then commit(end_offset()) (blocking).
  result<stream_append_result> append_to_stream(std::string_view key,
                                                eventstore::expected_version expected,
                                                std::string_view events, acks a);
  // The append without the commit: the events are in the log and the index (so the next
  // expected-version check sees them) and become readable at commit(result.end_offset()).
  result<stream_append_result> stream_append(std::string_view key,
                                             eventstore::expected_version expected,
                                             std::string_view events);

  // ReadStream: up to max_count events of `key` from `from_version`, through the index, and
  // about max_bytes of records at most (the first event is always returned).
  result<stream_read_result> read_stream(
      std::string_view key, stream_version from_version, std::size_t max_count,
      std::int64_t max_bytes = std::numeric_limits<std::int64_t>::max());

  // Whole batches from `offset`, up to max_bytes, never past the high watermark.
  result<fetch_result> fetch(std::int64_t offset, std::int64_t max_bytes) const;

  result<std::optional<std::int64_t>> offset_for_timestamp(std::int64_t timestamp_ms) const {
    return log_->offset_for_timestamp(timestamp_ms);
  }

  // DeleteRecords: moves the log start up to `before` (kDeleteToHighWatermark: the high
  // watermark), never past the high watermark and never back; returns the log start (Kafka's
  // low watermark). Standalone only: a replicated log's start is its Raft log's, which moves by
  // whole batches through retention, so the caller refuses DeleteRecords in cluster mode.
  // Errors: eventstore::errc::offset_out_of_range (below -1 or above the high watermark), the
  // log's I/O errors.
  static constexpr std::int64_t kDeleteToHighWatermark = -1;
  result<std::int64_t> delete_records(std::int64_t before);

  // The topic's message.timestamp.type, which the topic manager sets at open and on every
  // alter. It applies to batches appended from then on: append() and stream_append() stamp
  // each new batch by it (eventstore/record/timestamp_type.h) before storing or replicating
  // it; batches already in the log keep what they were stored with, and append_replicated
  // (a follower's copy of its leader's bytes) stores what it is given.
  void set_timestamp_type(eventstore::timestamp_type type) { timestamp_type_ = type; }
  eventstore::timestamp_type timestamp_type() const { return timestamp_type_.load(); }

  std::int64_t high_watermark() const { return high_watermark_.load(); }
  std::int64_t log_start_offset() const { return log_->start_offset(); }
  std::int64_t log_end_offset() const { return log_->end_offset(); }
  bool has_stream_index() const;

  // Called (from the committing thread) each time the high watermark moves; the broker uses it
  // to wake fetches that wait for data. Set before the partition is shared.
  void on_commit(std::function<void(std::int64_t high_watermark)> callback) {
    on_commit_ = std::move(callback);
  }

  eventstore::partition_log& log() { return *log_; }
  const eventstore::partition_log& log() const { return *log_; }
  bool replicated() const { return options_.replicated; }

  // ---- replicated mode (REQUIRES options.replicated; one writing thread, see above) ----

  // The driver's replicator; set before the partition takes writes. Not owned.
  void set_replicator(replicator* r) { replicator_ = r; }
  // Moves the high watermark to the Raft commit end (never backwards) and calls on_commit.
  // REQUIRES: end <= log_end_offset().
  void set_high_watermark(std::int64_t end);
  // Makes [.., end) durable without moving the high watermark: the driver reports the outcome
  // to node::flushed(). Any thread (the commit flusher's).
  result<void> flush_to(std::int64_t end) { return log_->flush_to(end); }

  // The storage calls of partition_raft_log, which has validated and stamped the batch
  // (baseOffset = the log end, partitionLeaderEpoch = the term). A data batch also updates the
  // producer state and the stream index (on leaders and followers alike, so that a follower
  // that becomes leader deduplicates and checks versions exactly); a control batch neither.
  result<eventstore::append_result> append_replicated(std::span<char> batch,
                                                      const eventstore::record_batch_view& view);
  // Drops [from, end) and rolls back what was derived from it: the producer state is rebuilt
  // from the remaining headers, the stream index rebuilt from the log (exact, and rare).
  result<void> truncate_replicated(std::int64_t from);
  // An empty log starting at `start` (durable on return), the producer state and the stream
  // index cleared, the high watermark raised to `start` if below (all below it is committed).
  result<void> reset_replicated(std::int64_t start);

  // Copies of the derived state, for tests that compare a replica with a rebuild from its log.
  producer_state_table producer_state() const;
  // nullopt when the partition has no open stream index.
  result<std::optional<eventstore::stream_index_dump>> stream_index_dump() const;

  // Flushes the log and the stream index and seals the log.
  result<void> close();

 private:
  // writer_mu_, remembering which thread holds it so that a re-entrant attempt (the replicated
  // mode's self-deadlock) is reported rather than hung on.
  class writer_lock;

  partition(std::string dir, options opts, std::unique_ptr<eventstore::partition_log> log);
  // The local append (and the stream index), under `writer`; commit(end) follows.
  result<eventstore::append_result> append_locked(const writer_lock& writer, std::span<char> batch,
                                                  const eventstore::record_batch_view& view);
  // Moves the high watermark to `end` if that is forward (never back, whichever commit lands
  // first) and tells on_commit.
  void advance_high_watermark(std::int64_t end);
  // Opens the stream index and catches it up with the log. REQUIRES: writer_mu_ held.
  result<void> ensure_stream_index();
  // Replicated mode: marks the calling thread as the partition's writer for the scope of one
  // write, asserting that no other thread is writing (the one-thread rule).
  class replicated_write_scope;
  // Replicated append()/stream_append() tail: replicate without writer_mu_ held.
  result<eventstore::append_result> replicate_unlocked(std::span<char> batch,
                                                       const eventstore::record_batch_view& view);
  result<void> rebuild_producer_state();
  // The leader's stamp of a new batch by timestamp_type(); sets *log_append_time_ms to the
  // time stamped (-1 under CreateTime).
  eventstore::record_batch_view stamp_timestamp(std::span<char> batch,
                                                const eventstore::record_batch_view& view,
                                                std::int64_t* log_append_time_ms) const;
  // What a retry of `original` is answered with as its log append time.
  std::int64_t log_append_time_of(const appended_batch& original) const;

  const std::string dir_;
  const options options_;
  std::unique_ptr<eventstore::partition_log> log_;

  mutable std::mutex writer_mu_;  // one appender; guards producers_ and streams_
  mutable std::atomic<std::thread::id> writer_mu_holder_{};
  std::atomic<std::thread::id> replicated_writer_{};
  int replicated_write_depth_ = 0;  // touched only by replicated_writer_
  replicator* replicator_ = nullptr;
  producer_state_table producers_;
  std::optional<eventstore::stream_index> streams_;

  std::atomic<eventstore::timestamp_type> timestamp_type_{eventstore::timestamp_type::create_time};
  std::atomic<std::int64_t> high_watermark_{0};
  std::function<void(std::int64_t)> on_commit_;
};

}  // namespace cairn::broker
