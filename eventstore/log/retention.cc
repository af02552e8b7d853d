#include "eventstore/log/retention.h"

#include <algorithm>

namespace cairn::eventstore {

std::size_t segments_to_delete(std::span<const segment_summary> oldest_first,
                               const retention_policy& policy, std::int64_t now_ms) {
  if (oldest_first.size() <= 1) return 0;
  const std::size_t deletable = oldest_first.size() - 1;

  std::size_t by_time = 0;
  if (policy.retention_ms >= 0) {
    while (by_time < deletable &&
           oldest_first[by_time].max_timestamp_ms < now_ms - policy.retention_ms) {
      ++by_time;
    }
  }

  std::size_t by_bytes = 0;
  if (policy.retention_bytes >= 0) {
    std::int64_t total = 0;
    for (const segment_summary& s : oldest_first)
      total += s.size_bytes;
    // Delete the oldest while what would remain still meets the limit.
    while (by_bytes < deletable &&
           total - oldest_first[by_bytes].size_bytes >= policy.retention_bytes &&
           total > policy.retention_bytes) {
      total -= oldest_first[by_bytes].size_bytes;
      ++by_bytes;
    }
  }
  return std::max(by_time, by_bytes);
}

}  // namespace cairn::eventstore
