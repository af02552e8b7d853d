// cluster_view: what the request handlers ask about the cluster in cluster mode (brokers and
// their liveness, the controller, topics and their partitions' leadership). The broker
// implements it over the controller state, the leadership table and liveness; tests fake it.
// Handlers call it from worker threads, concurrently: implementations must be thread-safe, and
// answer by value (nothing borrowed outlives the call).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/raft/leadership.h"
#include "broker/topics/topic_config.h"

namespace cairn::broker::controller {

// A broker's place in the controller's Raft group.
enum class controller_role { none, voter, learner };

struct broker_status {
  std::int32_t node_id = -1;
  std::string host;  // advertised
  std::uint16_t port = 0;
  bool alive = false;
  std::int64_t last_seen_ms_ago = -1;  // -1: never, or this broker cannot tell
  controller_role in_controller = controller_role::none;
};

class cluster_view {
 public:
  virtual ~cluster_view() = default;

  // Every broker of the cluster map, by id.
  virtual std::vector<broker_status> brokers() const = 0;
  // -1 while the controller group has no leader.
  virtual std::int32_t controller_id() const = 0;
  // Every topic of the controller state (internal ones included), by name.
  virtual std::vector<topic_config> topics() const = 0;
  virtual std::optional<topic_config> topic(std::string_view name) const = 0;
  // The partition's state: replicas from the assignment, leader and the rest from the
  // leadership table (raft::no_node while none is known). nullopt for no such partition.
  virtual std::optional<raft::partition_leadership> partition(std::string_view topic,
                                                              std::int32_t partition) const = 0;
};

}  // namespace cairn::broker::controller
