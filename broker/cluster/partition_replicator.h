// partition_replicator: the seam between a replicated partition and its Raft group. A producer's
// batch, validated and deduplicated by the partition, becomes a proposal of the partition's
// replica; the node appends it at once (through partition_raft_log, which stamps the offsets and
// the term) and the commit follows when a quorum holds it durably.
//
// Threads: the broker's I/O thread, like every replicated write (partition.h).
#pragma once

#include "broker/partition/partition.h"
#include "broker/replication/replica_manager.h"

namespace cairn::broker::cluster {

class partition_replicator final : public replicator {
 public:
  partition_replicator(replication::replica_manager& replicas, raft::group_id group)
      : replicas_(replicas), group_(std::move(group)) {}

  // protocol::errc::not_leader when this broker does not lead the partition (or hands it over).
  result<eventstore::append_result> replicate(std::span<char> batch,
                                              std::int64_t record_count) override;

 private:
  replication::replica_manager& replicas_;
  const raft::group_id group_;
};

}  // namespace cairn::broker::cluster
