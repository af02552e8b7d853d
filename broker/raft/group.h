// group_id: which of a broker's Raft groups a message, a replica or a leadership report belongs
// to. A broker runs one group per hosted partition, named by its topic-partition, and one for the
// controller, whose log is the internal partition __cluster_metadata/0. The core never reads it
// (a raft::node is one replica of one group); it sits with the core's vocabulary because every
// layer that routes or tracks groups (peer, replication, controller, cluster) links the core.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::raft {

// A topic-partition: the key of a group wherever the broker keeps one per partition.
struct group_id {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const group_id&) const = default;
};

// The controller's log (KRaft's name for it): the group every broker of the cluster is in.
inline constexpr std::string_view controller_topic = "__cluster_metadata";

inline group_id controller_group() {
  return {std::string(controller_topic), 0};
}

}  // namespace cairn::raft
