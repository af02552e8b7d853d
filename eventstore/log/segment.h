// segment: one file of a partition log, `<base offset, 20 digits>.log`, with its sparse offset and
// time indexes. Batches are appended at the end, never rewritten in place (compaction writes a new
// file). Not thread-safe: partition_log serialises access to its metadata.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cairn/base/result.h"
#include "eventstore/log/file.h"
#include "eventstore/log/offset_index.h"
#include "eventstore/log/time_index.h"
#include "eventstore/record/record_batch.h"

namespace cairn::eventstore {

struct segment_options {
  std::int32_t index_interval_bytes = 4096;
  std::int32_t batch_bytes_max = kBatchBytesMaxDefault;
};

// What opening a log found and did, for logs, tests and the recovery benchmark.
struct recovery_report {
  int segments_opened = 0;
  int indexes_loaded = 0;   // sealed indexes trusted after their trailer checked out
  int indexes_rebuilt = 0;  // missing or damaged indexes rebuilt by scanning the segment
  std::int64_t batches_scanned = 0;
  std::int64_t bytes_truncated = 0;  // torn or corrupt bytes cut from segment tails
  int stray_files_removed = 0;       // leftovers of an interrupted compaction or roll
};

class segment {
 public:
  static std::string path_for(const std::string& dir, std::int64_t base_offset,
                              const char* extension);
  // Parses "<20 digits>.log"; nullopt for any other name.
  static std::optional<std::int64_t> parse_base_offset(const std::string& file_name);

  // A new, empty segment file (`extension` ".cleaned" for compaction's output).
  static result<std::unique_ptr<segment>> create(const std::string& dir, std::int64_t base_offset,
                                                 const segment_options& options,
                                                 const char* extension = ".log");

  // Opens an existing segment. Its sealed indexes are used when their trailers match the file;
  // otherwise every batch is validated from the start, the indexes rebuilt, and the file cut at
  // the first batch that is torn, corrupt or out of order. `contiguous` (the active segment, which
  // compaction never touches) also requires each batch to start right after the previous one:
  // baseOffset lies outside the CRC, so this is what catches its damage.
  static result<std::unique_ptr<segment>> open(const std::string& dir, std::int64_t base_offset,
                                               const segment_options& options, bool contiguous,
                                               recovery_report& report);

  std::int64_t base_offset() const { return base_offset_; }
  // One past the last offset in the segment; the base offset when it is empty.
  std::int64_t next_offset() const { return next_offset_; }
  std::int64_t size_bytes() const { return size_bytes_; }
  bool empty() const { return size_bytes_ == 0; }
  // Largest record timestamp in the segment, -1 when empty.
  std::int64_t max_timestamp_ms() const { return max_timestamp_ms_; }
  // Max timestamp of the first batch: the segment's age for time-based rolling (as Kafka).
  std::int64_t first_batch_timestamp_ms() const { return first_batch_timestamp_ms_; }
  const offset_index& index() const { return offset_index_; }
  const time_index& timestamps() const { return time_index_; }
  std::shared_ptr<const file> log_file() const { return log_file_; }
  const std::string& path() const { return log_file_->path(); }

  // Whether `batch` still fits: relative offsets and positions must stay within u32.
  bool can_hold(const record_batch_view& batch, std::int64_t segment_bytes_max) const;

  // REQUIRES: batch.base_offset() >= next_offset(), can_hold(batch).
  result<void> append(const record_batch_view& batch);
  result<void> sync() const;
  // Adds the final time index entry, so that a sealed segment's largest timestamp is its last
  // entry. Called once no more batches will be appended.
  void finish_time_index();
  // Writes both index files (atomically, with trailers). Only after sync(): a sealed index on
  // disk is the promise that its segment is durable, so open() may trust it without a scan.
  // Reads the in-memory indexes only, so it may run beside readers of a sealed segment.
  result<void> write_indexes() const;
  // Whether open() found valid sealed indexes (false: it scanned and rebuilt them).
  bool opened_with_sealed_indexes() const { return opened_with_sealed_indexes_; }
  // Removes index files (for the active segment, whose in-memory index is ahead of them).
  result<void> remove_index_files();
  // Cuts the segment before the batch that contains `offset`. Returns the new next offset.
  result<std::int64_t> truncate(std::int64_t offset);
  // Deletes the log and index files; open descriptors held by readers stay valid.
  result<void> remove_files();

  // Replaces this segment's files with `cleaned`'s (compaction): renames them over ours.
  static result<std::unique_ptr<segment>> replace(std::unique_ptr<segment> cleaned,
                                                  const segment& original);

 private:
  segment(std::string dir, std::int64_t base_offset, file log, const segment_options& options);
  // Validates batches from `from_position` (where size_bytes_/next_offset_ already stand) to
  // `file_size`, indexing them, and cuts the file at the first torn, corrupt or disordered one.
  result<void> recover_tail(std::int64_t from_position, std::int64_t file_size, bool contiguous,
                            recovery_report& report);
  // Book-keeping for a batch now at `position`: indexes, timestamps, size and next offset.
  void note_batch(const record_batch_view& batch, std::int64_t position);

  std::string dir_;
  std::int64_t base_offset_;
  segment_options options_;
  std::shared_ptr<file> log_file_;
  offset_index offset_index_;
  time_index time_index_;
  std::int64_t next_offset_;
  std::int64_t size_bytes_ = 0;
  std::int64_t bytes_since_index_entry_ = 0;
  std::int64_t max_timestamp_ms_ = -1;
  std::int64_t max_timestamp_offset_ = -1;
  std::int64_t first_batch_timestamp_ms_ = -1;
  bool opened_with_sealed_indexes_ = false;
};

}  // namespace cairn::eventstore
