// partition_log: the log of one partition, a directory of segments. It assigns offsets on append,
// rolls segments by size and age, reads whole batches from an offset as file ranges (for
// zero-copy sends), finds offsets by timestamp, truncates (for replication), applies retention and
// compaction, and makes appends durable under a flush policy with group commit.
//
// Threads: append, truncate, roll, apply_retention, advance_start, reset_to and close are the
// partition writer's and must come from one caller at a time. compact may run on a thread of its
// own beside the writer: it reads and replaces only sealed segments (truncation never reaches
// below what it compacts), and apply_retention, advance_start and reset_to, which remove
// segments, wait for it. read, scan,
// offset_for_timestamp, the flush calls and the offset getters may be called from any thread at
// the same time as the writer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cairn/base/result.h"
#include "eventstore/log/compaction.h"
#include "eventstore/log/file.h"
#include "eventstore/log/flush_policy.h"
#include "eventstore/log/retention.h"
#include "eventstore/log/segment.h"
#include "eventstore/record/record_batch.h"

namespace cairn::eventstore {

struct log_options {
  // Redpanda's default segment size; Kafka's is 1 GiB. Smaller segments make retention finer.
  std::int64_t segment_bytes_max = 128 * 1024 * 1024;
  std::int64_t segment_ms_max = 7LL * 24 * 60 * 60 * 1000;
  segment_options segment;
  flush_policy flush = flush_policy::never();
  // Wall-clock milliseconds; tests substitute their own.
  std::function<std::int64_t()> clock_ms;
};

struct append_result {
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  std::int64_t max_timestamp_ms = 0;
};

// A byte range of a segment file. Holding it keeps the file open even if retention or compaction
// removes the segment meanwhile.
struct file_range {
  std::shared_ptr<const file> source;
  std::int64_t position = 0;
  std::int64_t size = 0;

  result<std::string> read() const;
};

struct read_result {
  file_range range;              // whole batches; size 0 when there is nothing to return
  std::int64_t next_offset = 0;  // where the next read should start
};

class partition_log {
 public:
  static result<std::unique_ptr<partition_log>> open(const std::string& dir, log_options options,
                                                     recovery_report* report = nullptr);
  // Without close(), nothing more is written: like a crash after the last append. Waits for a
  // segment that is being sealed in the background.
  ~partition_log();

  // ---- writer ----
  // Validates the batch (CRC and framing), assigns its offsets by stamping baseOffset in place, and
  // writes it. Durability follows the flush policy: see flush_per_policy.
  result<append_result> append(std::span<char> batch);
  // The same for a batch the caller has just parsed: `validated` must be
  // record_batch_view::parse(batch), so the CRC is verified once on the whole path.
  result<append_result> append(std::span<char> batch, const record_batch_view& validated);
  // Removes every batch at or after the one holding `offset`. Returns the new end offset.
  result<std::int64_t> truncate(std::int64_t offset);
  result<void> roll();
  // Deletes the oldest segments the policy selects, but never one holding an offset at or past
  // `end_max` (a replicated log passes its commit end: Raft requires start <= commit end).
  result<std::size_t> apply_retention(
      const retention_policy& policy,
      std::int64_t end_max = std::numeric_limits<std::int64_t>::max());
  result<compaction_result> compact(const compaction_options& options);
  // Replaces the whole log by an empty one whose first offset is `start` (Kafka's
  // truncateFullyAndStartAt; a Raft follower installing its leader's log start). Durable on
  // return: every old segment file is gone and the new one is in the synced directory.
  result<void> reset_to(std::int64_t start);
  // Moves the log start up to `offset` (Kafka's DeleteRecords): readers see nothing below it
  // from the return on, and whole segments below it are removed. A start inside a segment is
  // recorded in `<dir>/log-start-offset` ("1 <offset>\n", written atomically and durable before
  // any segment goes), which open() reads back. Never moves the start back: an offset at or
  // below the start changes nothing. Returns the start. Errors: offset_out_of_range above
  // end_offset(), log_closed, I/O errors.
  result<std::int64_t> advance_start(std::int64_t offset);
  // Syncs and seals the active segment's indexes so the next open need not scan it.
  result<void> close();

  // ---- readers ----
  // Whole batches from the one holding `offset`, up to max_bytes (at least one batch, as Kafka),
  // stopping before any batch that reaches `max_offset` (the high watermark) or a segment end.
  // offset_out_of_range below start_offset() or past the end.
  result<read_result> read(
      std::int64_t offset, std::int64_t max_bytes,
      std::int64_t max_offset = std::numeric_limits<std::int64_t>::max()) const;
  // read() for the log's owner, which still sees the batches below start_offset() that are
  // stored (from stored_start_offset()): a Raft log sends them to a follower that lacks them,
  // since its entries start at a batch boundary while advance_start() may cut inside a batch.
  result<read_result> read_stored(
      std::int64_t offset, std::int64_t max_bytes,
      std::int64_t max_offset = std::numeric_limits<std::int64_t>::max()) const;
  // Visits every batch whose last offset is >= from_offset, validated again from disk.
  result<void> scan(std::int64_t from_offset, const batch_visitor& visit) const;
  // Visits the header of every batch whose last offset is >= from_offset, without re-validating
  // the bodies (they were validated on append or recovery): cheap walks such as rebuilding
  // producer state.
  result<void> scan_headers(std::int64_t from_offset,
                            const std::function<result<void>(const batch_header&)>& visit) const;
  // The header of the first batch whose last offset is >= `offset` (the one holding it, unless
  // compaction removed it), found through the offset index without reading records; nullopt
  // when there is none below the end. Any stored batch (from stored_start_offset()) is found.
  result<std::optional<batch_header>> header_at(std::int64_t offset) const;
  // The first offset whose record timestamp is >= timestamp_ms (record_timestamp: a
  // LogAppendTime batch's records all have its stamp); nullopt when there is none.
  result<std::optional<std::int64_t>> offset_for_timestamp(std::int64_t timestamp_ms) const;

  // ---- durability ----
  // Returns once every offset below `end_offset` is on disk. Callers that arrive while a sync runs
  // wait for it and share the next one: many appends, one fdatasync (group commit).
  result<void> flush_to(std::int64_t end_offset);
  result<void> flush() { return flush_to(end_offset()); }
  // What the policy requires after appending up to `end_offset`: always → flush_to; interval →
  // flush if the interval has passed; never → nothing.
  result<void> flush_per_policy(std::int64_t end_offset);
  // Whether flush_per_policy(end_offset) would call fdatasync now: lets a caller on an event
  // loop hand only those commits to a thread that may block.
  bool flush_per_policy_syncs(std::int64_t end_offset) const;

  // The first offset readers may see: advance_start()'s, or the first stored batch's if later.
  std::int64_t start_offset() const;
  // The base offset of the first stored batch (the first segment's base), at or below
  // start_offset() and always a batch boundary: where a Raft log on this log starts.
  std::int64_t stored_start_offset() const;
  std::int64_t end_offset() const;
  std::int64_t flushed_offset() const { return flushed_offset_.load(); }
  std::int64_t size_bytes() const;
  std::size_t segment_count() const;
  std::int64_t fdatasync_count() const { return fdatasync_count_.load(); }
  const std::string& dir() const { return dir_; }
  // The log's clock (log_options::clock_ms): segment ages, and the LogAppendTime a leader stamps.
  std::int64_t now_ms() const { return options_.clock_ms(); }

 private:
  partition_log(std::string dir, log_options options);
  // read() (stored: false, from start_offset()) and read_stored() (from stored_start_offset()).
  result<read_result> read_from(std::int64_t offset, std::int64_t max_bytes,
                                std::int64_t max_offset, bool stored) const;
  // Seals the active segment and starts a new one. The seal (fdatasync, then the index files)
  // runs in the background so appends do not stall behind a whole segment's writeback; at most
  // one seal is in flight. REQUIRES: mu_ held.
  result<void> roll_locked();
  // Waits for the background seal, if any, and returns its outcome. REQUIRES: mu_ held.
  result<void> wait_for_seal_locked();
  void note_flushed(std::int64_t offset);

  const std::string dir_;
  const log_options options_;
  file lock_file_;  // `.lock`, flock'ed while this log is open: one owner per directory

  // Held by compact() throughout, and by apply_retention() and reset_to(): no segment that a
  // compaction is cleaning is removed under it. Taken before mu_.
  std::mutex cleaning_mu_;
  // Where the last compaction pass ended (the next offset of the last sealed segment it read),
  // and when it finished: a pass with nothing newly sealed is skipped. Guarded by cleaning_mu_.
  std::int64_t cleaned_end_ = -1;
  std::int64_t cleaned_at_ms_ = 0;
  mutable std::mutex mu_;                           // guards segments_, start_floor_, closed_
  std::vector<std::shared_ptr<segment>> segments_;  // oldest first; never empty
  // The start advance_start() set, which may lie inside the first segment: start_offset() is
  // the larger of it and the first segment's base.
  std::int64_t start_floor_ = 0;
  std::int64_t start_locked() const;  // REQUIRES: mu_ held
  bool closed_ = false;

  std::mutex flush_mu_;  // guards flushing_
  std::condition_variable flush_done_;
  bool flushing_ = false;
  std::atomic<std::int64_t> flushed_offset_{0};
  std::atomic<std::int64_t> last_flush_ms_{0};
  std::atomic<std::int64_t> fdatasync_count_{0};

  // The background seal of the previous active segment (guarded by mu_). Last member, so it is
  // waited for before anything it touches is destroyed.
  std::shared_future<std::error_code> sealing_;
};

}  // namespace cairn::eventstore
