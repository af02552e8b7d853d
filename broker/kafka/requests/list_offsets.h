// ListOffsets (2) request: for each partition, the offset at a time or a sentinel (-1 latest,
// -2 earliest, -3 the largest timestamp).
#pragma once

#include <cstdint>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"
#include "broker/kafka/requests/topic_partitions.h"

namespace cairn::broker::kafka {

struct list_offsets_request {
  struct partition {
    std::int32_t index = 0;
    std::int32_t current_leader_epoch = -1;  // v4+
    std::int64_t timestamp = 0;
  };

  // On failure, the entries read whole (topic_partitions.h).
  std::vector<topic_partitions<partition>> topics;
};

// replica_id (only consumers ask; followers replicate by Raft) and isolation_level (the same
// answer either way without transactions) are read and dropped.
decoded<list_offsets_request> decode_list_offsets(const request& r);

}  // namespace cairn::broker::kafka
