// OffsetForLeaderEpoch (23) request: for each partition, the leader epoch whose end is asked.
#pragma once

#include <cstdint>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"
#include "broker/kafka/requests/topic_partitions.h"

namespace cairn::broker::kafka {

struct offset_for_leader_epoch_request {
  struct partition {
    std::int32_t index = 0;
    std::int32_t current_leader_epoch = -1;  // v2+
    std::int32_t leader_epoch = -1;
  };

  // On failure, the entries read whole (topic_partitions.h).
  std::vector<topic_partitions<partition>> topics;
};

// replica_id (v3+: -1 for consumers; followers replicate by Raft) is read and dropped.
decoded<offset_for_leader_epoch_request> decode_offset_for_leader_epoch(const request& r);

}  // namespace cairn::broker::kafka
