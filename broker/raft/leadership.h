// partition_leadership: the leadership gossip one broker sends its peers in every Replicate
// request (wire::PartitionLeadership): for each partition it leads, who replicates it, how far
// each replica is, and the partition's offsets, so that any broker can answer Metadata with the
// leaders of partitions it does not host. A plain value; decoding checks it (raft_codec.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "broker/raft/types.h"

namespace cairn::peer {

// One replica as the leader sees it (wire::ReplicaState).
struct replica_state {
  raft::node_id node{0};
  log_offset match_end{0};  // durable on the replica and equal to the leader's below it
  std::int64_t lag = 0;     // the leader's log end minus match_end
  bool in_sync = false;
  bool operator==(const replica_state&) const = default;
};

struct partition_leadership {
  std::string topic;
  std::int32_t partition = 0;
  raft::node_id leader{0};              // > 0: gossip names a leader, it never says "none"
  raft::term_id epoch{0};               // the leader's term (partitionLeaderEpoch)
  std::vector<raft::node_id> replicas;  // in assignment order (the first is preferred), unique
  std::vector<raft::node_id> isr;       // a subset of replicas
  log_offset log_start{0};              // log_start <= high_watermark <= log_end
  log_offset high_watermark{0};
  log_offset log_end{0};
  std::vector<replica_state> replica_states;  // one per replica at most
  bool operator==(const partition_leadership&) const = default;
};

}  // namespace cairn::peer
