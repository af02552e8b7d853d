// Compaction of a compacted topic's sealed segments: keep only the latest record for each key, and
// drop tombstones (null values) once they are older than delete_retention_ms, so that consumers
// that were behind still see the delete. Records without a key are kept. Batches whose records all
// survive are copied byte for byte; the others are re-encoded with their original offsets,
// timestamps and producer fields (a new CRC), and empty ones disappear. The active segment is never
// compacted and its keys do not supersede older ones until it is sealed (as in Kafka). Control
// batches (the Raft group's noop and config records) are never compacted: they are log
// bookkeeping, not keyed data.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cairn/base/result.h"
#include "eventstore/log/segment.h"

namespace cairn::eventstore {

struct compaction_options {
  std::int64_t delete_retention_ms = 24 * 60 * 60 * 1000;  // Kafka's delete.retention.ms
  // Only sealed segments wholly below this offset are compacted (and only their keys count): a
  // replicated log passes its commit end, since a truncation may still remove what lies above.
  std::int64_t end_max = std::numeric_limits<std::int64_t>::max();
  // A batch whose records all go is kept as an empty batch (no records, same offsets, term and
  // producer fields, as Kafka's cleaner does for a producer's last batch) instead of vanishing.
  // A replicated log needs it: a Raft log is a gapless sequence of batches, and a follower that
  // catches up from a compacted leader appends each batch at exactly its own end.
  bool keep_batch_boundaries = false;
};

struct compaction_result {
  int segments_rewritten = 0;
  std::int64_t records_removed = 0;
  std::int64_t tombstones_removed = 0;
  std::int64_t bytes_before = 0;
  std::int64_t bytes_after = 0;
};

// Key → offset of its latest record in the given segments.
using key_offsets = std::unordered_map<std::string, std::int64_t>;

result<key_offsets> build_key_offsets(const std::vector<std::shared_ptr<segment>>& segments,
                                      std::int32_t batch_bytes_max);

// Writes the compacted copy of `seg` beside it (`<base>.cleaned`). nullptr when nothing in it
// would change, in which case no file is left behind.
result<std::unique_ptr<segment>> clean_segment(const std::string& dir, const segment& seg,
                                               const key_offsets& latest,
                                               const compaction_options& options,
                                               const segment_options& segment_opts,
                                               std::int64_t now_ms, compaction_result& stats);

}  // namespace cairn::eventstore
