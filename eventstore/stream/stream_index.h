// stream_index: the per-partition index of event streams (DESIGN.md "Streams on a partitioned
// log"). For each stream key: its current version and the log offset of every version, plus the
// log offset up to which the index has applied the partition. Derived state: it can always be
// rebuilt from the log, so it is written without fsync (see stream_index.cc) and recovered by
// catch_up(). Layout and rules: docs/storage.md ("Stream index").
//
// A stream event is a record with a key (the stream) and a header kStreamVersionHeader whose value
// is the event's version in canonical decimal ("0", "1", ... no sign, no leading zeros). Records
// without either are plain Kafka-style records and cost the index nothing but a header scan.
//
// Version rules, applied in log order so that every replica and every rebuild agrees:
//   - a stream not yet in the index accepts its first seen version (retention may have removed
//     its beginning);
//   - an existing stream accepts only current + 1;
//   - anything else (gap, duplicate, malformed header, key too long) is skipped and counted, never
//     an error: log contents are untrusted input.
//
// Not thread-safe: one owner (the partition) calls it, from one thread at a time. Every call runs
// its own LMDB transaction and none is held between calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/base/result.h"
#include "cairn/base/strong_type.h"
#include "cairn/lmdb/env.h"
#include "cairn/lmdb/txn.h"
#include "eventstore/record/record_batch.h"

namespace cairn::eventstore {

// The record header that makes a record a stream event.
inline constexpr std::string_view kStreamVersionHeader = "cairn-stream-version";
// The index's directory inside a partition directory.
inline constexpr std::string_view kStreamIndexDirName = "stream-index";

// Strict parse of a kStreamVersionHeader value: "0" or [1-9][0-9]* fitting int64.
std::optional<stream_version> parse_stream_version(std::string_view text);
// The canonical header value of `v`. REQUIRES: v >= 0.
std::string format_stream_version(stream_version v);

struct stream_entry {
  stream_version version;
  log_offset offset;

  constexpr bool operator==(const stream_entry&) const = default;
};

struct apply_stats {
  std::int64_t events_indexed = 0;
  // Carried the version header but were not indexed: malformed version, not current + 1,
  // empty key, or key longer than max_key_size_bytes().
  std::int64_t events_skipped = 0;
  // Not stream events: no key, no version header, or in a control batch.
  std::int64_t records_ignored = 0;
  // Below the applied offset: already indexed by an earlier apply (re-apply is a no-op).
  std::int64_t records_already_applied = 0;

  apply_stats& operator+=(const apply_stats& other);
  bool operator==(const apply_stats&) const = default;
};

struct stream_index_options {
  // Initial map size; on MDB_MAP_FULL the index doubles it, up to map_size_bytes_max, and
  // retries. The data file grows only as pages are written.
  std::size_t map_size_bytes = std::size_t{64} << 20;
  std::size_t map_size_bytes_max = std::size_t{64} << 30;
  // rebuild()/catch_up() commit after this many records, bounding a txn's dirty pages.
  std::int64_t chunk_records = 8192;
};

// Calls the visitor with each batch of the log, in offset order, starting with the batch that
// contains `from_offset` (or the first after it); stops at the first error and returns it.
using batch_source = std::function<result<void>(std::int64_t from_offset, const batch_visitor&)>;

// The full content of an index, for tests that compare two indexes exactly.
struct stream_dump {
  std::string key;
  stream_version current;
  std::vector<stream_entry> entries;

  bool operator==(const stream_dump&) const = default;
};
struct stream_index_dump {
  std::int64_t applied_offset = 0;
  std::vector<stream_dump> streams;  // in key order

  bool operator==(const stream_index_dump&) const = default;
};

class stream_index {
 public:
  // Opens (creating if missing) the index in `dir`, normally <partition dir>/kStreamIndexDirName.
  // An index written by another format version is emptied (catch_up() then rebuilds it).
  static result<stream_index> open(const std::filesystem::path& dir,
                                   const stream_index_options& opts = {});

  // Indexes the stream events of `batches` (in offset order) in one write transaction, which
  // also moves the applied offset to the end of the last batch. Records below the applied offset
  // are skipped, so applying the same batches again changes nothing.
  result<apply_stats> apply(std::span<const record_batch_view> batches);

  // nullopt: no such stream. errc::stream_key_too_long / errc::invalid_argument (empty key).
  result<std::optional<stream_version>> current_version(std::string_view key) const;

  // Entries of `key` with from_version <= version < to_version_exclusive, at most max_count,
  // in version order. Empty when the stream or the range does not exist.
  result<std::vector<stream_entry>> offsets(std::string_view key, stream_version from_version,
                                            stream_version to_version_exclusive,
                                            std::size_t max_count) const;

  // The next log offset to apply (0 for an empty index).
  result<std::int64_t> applied_offset() const;

  // Drops every stream and sets the applied offset back to 0.
  result<void> reset();

  // reset(), then replays the whole log from offset 0, committing every chunk_records records.
  result<apply_stats> rebuild(const batch_source& source);

  // Brings the index up to `log_end_offset` (the log's next offset). When the index is ahead of
  // the log (a crash lost the log's unflushed tail that the index had applied), rebuilds.
  // REQUIRES: after a log truncation, call this before anything is appended past the new end.
  result<apply_stats> catch_up(const batch_source& source, std::int64_t log_end_offset);

  // Forces written pages to disk (the index is written with MDB_NOSYNC) and records that it is
  // clean, so that it is trusted after a machine restart. The owner calls it on shutdown.
  result<void> flush();

  result<stream_index_dump> dump() const;

  std::size_t max_key_size_bytes() const { return max_key_size_bytes_; }

 private:
  class writer;

  stream_index(lmdb::env e, const stream_index_options& opts)
      : env_(std::move(e)), options_(opts), max_key_size_bytes_(env_.max_key_size_bytes()) {}
  result<void> check_key(std::string_view key) const;
  // Records (durably) that the index is being written, once per open or flush.
  result<void> mark_dirty();
  // Runs `source` from the applied offset through chunked write txns; grows the map and resumes
  // from the last committed chunk on MDB_MAP_FULL.
  result<apply_stats> replay(const batch_source& source);
  // true when the map could grow.
  bool grow_map();

  lmdb::env env_;
  stream_index_options options_;
  std::size_t max_key_size_bytes_ = 0;
  bool dirty_marked_ = false;
  lmdb::dbi streams_;   // key → current version (8 bytes, big-endian)
  lmdb::dbi versions_;  // key → (version, offset) pairs, 16 bytes big-endian, DUPSORT|DUPFIXED
  lmdb::dbi meta_;      // "format" → 1 byte; "applied_offset" → 8 bytes big-endian
};

}  // namespace cairn::eventstore
