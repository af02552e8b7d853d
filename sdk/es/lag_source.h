// Where lag() and run_until_caught_up() of projections and event handlers get the other end of
// the gap: each partition's log start and high watermark, from a Metadata request.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cairn/client.h"
#include "cairn/es/lag.h"

namespace cairn::es {

struct log_bounds {
  std::int64_t log_start = 0;
  std::int64_t high_watermark = 0;
};
using bounds_by_partition = std::map<topic_partition, log_bounds>;

// The bounds of every partition of `topics`. A topic or partition the broker answers with an
// error (unknown_topic, leader_not_available during an election) is that error.
result<bounds_by_partition> log_bounds_of(client& c, std::vector<std::string> topics);

// The bounds of `partitions` (one Metadata request for their topics).
result<bounds_by_partition> log_bounds_of(client& c,
                                          const std::vector<topic_partition>& partitions);

// The report for `bounds` given the next offset to apply/handle per partition; a partition
// missing from `committed` counts from its log start.
lag_report lag_between(const bounds_by_partition& bounds,
                       const std::map<topic_partition, std::int64_t>& committed);

// Whether every partition of `targets` is at or past its high watermark in `committed`.
bool reached(const bounds_by_partition& targets,
             const std::map<topic_partition, std::int64_t>& committed);

}  // namespace cairn::es
