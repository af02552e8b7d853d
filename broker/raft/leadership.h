// partition_leadership: who leads a partition's Raft group and how far its replicas are, as a
// broker knows it. The leader describes its own groups from its replica; every broker gossips
// those descriptions to its peers in Replicate requests (wire::PartitionLeadership, checked by
// peer/raft_codec); the leadership table merges them, and the cluster view answers Metadata
// from it for partitions this broker does not host. A plain value, the same at every step.
//
// Conventions, one for each field: node ids are raft::node_id, and "no leader known" is
// raft::no_node (0: ids are > 0); the epoch is the leader's raft::term_id (0: no leader known,
// since no leader is elected in term 0); offsets are Kafka offsets, -1 while no report from the
// leader gave them.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "broker/raft/group.h"
#include "broker/raft/types.h"
#include "cairn/base/assert.h"

namespace cairn::raft {

// One replica as the leader sees it (wire::ReplicaState).
struct replica_state {
  node_id node = no_node;
  log_offset match_end{0};  // durable on the replica and equal to the leader's below it
  std::int64_t lag = 0;     // the leader's log end minus match_end
  bool in_sync = false;
  // The replica's partition log start (DeleteRecords' low watermark is the least over the live
  // replicas), as it last reported it to the leader; -1: not reported yet.
  log_offset log_start{-1};
  bool operator==(const replica_state&) const = default;
};

struct partition_leadership {
  std::string topic;
  std::int32_t partition = 0;
  node_id leader = no_node;       // gossip always names one (> 0)
  term_id epoch{0};               // the leader's term (partitionLeaderEpoch)
  std::vector<node_id> replicas;  // in assignment order (the first is preferred), unique
  std::vector<node_id> isr;       // a subset of replicas
  log_offset log_start{-1};       // log_start <= high_watermark <= log_end once known
  log_offset high_watermark{-1};
  log_offset log_end{-1};
  std::vector<replica_state> replica_states;  // one per replica at most; empty unless the
                                              // leader reported them
  bool has_leader() const { return leader != no_node; }
  group_id group() const { return {topic, partition}; }
  bool operator==(const partition_leadership&) const = default;
};

// Kafka's leader epoch, an int32 (Metadata's leaderEpoch): -1 while no leader is known (term 0).
// The narrowing is checked, not clamped: a term is stamped into every batch as the int32
// partitionLeaderEpoch (partition_raft_log asserts it fits before the append), and gossip
// refuses larger ones, so a term that does not fit here is a bug.
inline std::int32_t kafka_leader_epoch(term_id epoch) {
  if (epoch == term_id{0}) return -1;
  CAIRN_ASSERT(epoch.value() > 0, "leader epoch {} is negative", epoch);
  CAIRN_ASSERT(epoch.value() <= std::numeric_limits<std::int32_t>::max(),
               "leader epoch {} does not fit Kafka's int32", epoch);
  return static_cast<std::int32_t>(epoch.value());
}

}  // namespace cairn::raft
