// Retention: which of the oldest segments to delete, by total bytes and by age. Whole segments
// only, never the active one (as Kafka): the log start offset moves to the first one kept.
#pragma once

#include <cstdint>
#include <span>

namespace cairn::eventstore {

struct retention_policy {
  std::int64_t retention_bytes = -1;  // keep at most this many bytes; -1: no limit
  std::int64_t retention_ms = -1;     // delete segments whose newest record is older; -1: none
};

struct segment_summary {
  std::int64_t size_bytes = 0;
  std::int64_t max_timestamp_ms = -1;
};

// How many segments, from the oldest, the policy deletes. The last segment always stays.
std::size_t segments_to_delete(std::span<const segment_summary> oldest_first,
                               const retention_policy& policy, std::int64_t now_ms);

}  // namespace cairn::eventstore
