// What the per-partition APIs that read or move a partition's log (ListOffsets,
// OffsetForLeaderEpoch, DeleteRecords) check first: that this broker leads the partition, and
// the client's current_leader_epoch against the leader's (KIP-320). Leader epochs are the Raft
// terms; a standalone broker leads everything at epoch 0.
#pragma once

#include <cstdint>
#include <string_view>

#include "broker/kafka/error_code.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

struct leader_check {
  error_code error = error_code::none;
  std::int32_t leader_epoch = -1;  // this broker's epoch as leader (-1 when the check failed)
};

// Kafka's order (Partition.localLogWithEpochOrThrow): the epoch first, a newer one than the
// leader's is UNKNOWN_LEADER_EPOCH (this broker has not caught up), an older one
// FENCED_LEADER_EPOCH (the client has not); -1 checks nothing. Then the leadership:
// NOT_LEADER_OR_FOLLOWER when another broker leads or none does yet;
// UNKNOWN_TOPIC_OR_PARTITION when the cluster has no such partition.
leader_check check_leader(const services& s, std::string_view topic, std::int32_t partition,
                          std::int32_t current_leader_epoch);

}  // namespace cairn::broker::kafka
