// leadership_table: who leads each partition, as far as this broker knows, merged from its own
// replicas and from the other brokers' gossip (PartitionLeadership in Replicate requests). It
// answers Metadata for partitions this broker does not host. Pure: the caller passes the time
// (a monotonic clock in ms); not thread-safe (the broker updates it from one strand).
//
// Merge rules, per (topic, partition):
//   - a higher leader epoch replaces the entry (Raft: a newer term's leader);
//   - a lower epoch is stale and ignored;
//   - the same epoch replaces the entry when it is the same leader (fresher offsets, in-sync set,
//     lag), unless it comes from a broker that is not the leader while the entry came from the
//     leader itself (a follower knows the leader, not its followers' progress); a different
//     leader at the same epoch cannot happen in Raft and is ignored (the first report stands);
//   - entries not refreshed for `stale_after_ms` are dropped by expire(): their reporter stopped
//     gossiping (dead, cut off, or no longer the leader).
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "broker/raft/leadership.h"

namespace cairn::broker::controller {

class leadership_table {
 public:
  // `reporter` saw `entry` (its own replica, or gossip from it) at now_ms. Returns true when the
  // entry was taken (new, newer, or a refresh), false when ignored as stale.
  bool update(raft::node_id reporter, const raft::partition_leadership& entry, std::int64_t now_ms);
  // Drops entries last taken before now_ms - stale_after_ms; returns how many.
  std::size_t expire(std::int64_t now_ms, std::int64_t stale_after_ms);
  // A deleted topic (controller_state said so): its entries go at once.
  void remove_topic(std::string_view topic);

  const raft::partition_leadership* find(const raft::group_id& group) const;
  std::vector<raft::partition_leadership> entries() const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct slot {
    raft::partition_leadership entry;
    raft::node_id reporter = raft::no_node;
    std::int64_t updated_ms = 0;
  };
  std::map<raft::group_id, slot> entries_;
};

}  // namespace cairn::broker::controller
