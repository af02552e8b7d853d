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
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::broker::controller {

struct replica_state {
  std::int32_t node_id = -1;
  std::int64_t match_end = -1;  // durable on the replica and equal to the leader's below it
  std::int64_t lag = -1;        // the leader's log end minus match_end
  bool in_sync = false;

  bool operator==(const replica_state&) const = default;
};

struct partition_leadership {
  std::string topic;
  std::int32_t partition = 0;
  std::int32_t leader = -1;  // -1: none known
  std::int64_t leader_epoch = -1;
  std::vector<std::int32_t> replicas;
  std::vector<std::int32_t> in_sync_replicas;
  std::int64_t log_start_offset = -1;
  std::int64_t high_watermark = -1;
  std::int64_t log_end_offset = -1;
  std::vector<replica_state> replica_states;  // empty unless reported by the leader

  bool operator==(const partition_leadership&) const = default;
};

class leadership_table {
 public:
  // `reporter` saw `entry` (its own replica, or gossip from it) at now_ms. Returns true when the
  // entry was taken (new, newer, or a refresh), false when ignored as stale.
  bool update(std::int32_t reporter, const partition_leadership& entry, std::int64_t now_ms);
  // Drops entries last taken before now_ms - stale_after_ms; returns how many.
  std::size_t expire(std::int64_t now_ms, std::int64_t stale_after_ms);
  // A deleted topic (controller_state said so): its entries go at once.
  void remove_topic(std::string_view topic);

  const partition_leadership* find(std::string_view topic, std::int32_t partition) const;
  std::vector<partition_leadership> entries() const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct slot {
    partition_leadership entry;
    std::int32_t reporter = -1;
    std::int64_t updated_ms = 0;
  };
  using key = std::pair<std::string, std::int32_t>;
  std::map<key, slot, std::less<>> entries_;
};

}  // namespace cairn::broker::controller
