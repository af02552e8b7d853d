// How far a projection or an event handler is behind its topics: per partition, the events
// between its committed position and the partition's high watermark, and their sum.
//
// "Committed position" is what survives a restart: a projection's checkpoint (in the model's
// LMDB environment), an event handler's group offset (on the broker). The high watermark is the
// broker's answer at the time of the call (Metadata), so lag is a snapshot: events appended
// after it are not counted, and in a cluster a follower may answer a little behind the leader.
#pragma once

#include <cstdint>
#include <vector>

#include "cairn/types.h"

namespace cairn::es {

struct partition_lag {
  sdk::topic_partition partition{};
  std::int64_t committed = 0;       // next offset to apply/handle (the log start without one)
  std::int64_t high_watermark = 0;  // end of the committed log when asked
  std::int64_t lag = 0;             // high_watermark - committed, never below 0
};

struct lag_report {
  std::vector<partition_lag> partitions{};  // sorted by topic, then partition
  std::int64_t total = 0;                   // sum of partitions[i].lag

  bool caught_up() const { return total == 0; }
};

}  // namespace cairn::es
