#include "broker/kafka/handlers/partition_leader.h"

#include "broker/raft/leadership.h"

namespace cairn::broker::kafka {
namespace {

error_code epoch_error(std::int32_t requested, std::int32_t leader) {
  if (requested < 0 || requested == leader) return error_code::none;
  return requested > leader ? error_code::unknown_leader_epoch : error_code::fenced_leader_epoch;
}

}  // namespace

leader_check check_leader(const services& s, std::string_view topic, std::int32_t partition,
                          std::int32_t current_leader_epoch) {
  if (s.core.cluster == nullptr) {
    // Alone, this broker leads every partition it has, and no election ever moved the epoch.
    error_code e = epoch_error(current_leader_epoch, 0);
    return {e, e == error_code::none ? 0 : -1};
  }
  auto l = s.core.cluster->partition(topic, partition);
  if (!l) return {error_code::unknown_topic_or_partition, -1};
  const std::int32_t epoch = raft::kafka_leader_epoch(l->epoch);
  if (error_code e = epoch_error(current_leader_epoch, epoch); e != error_code::none) {
    return {e, -1};
  }
  if (!l->has_leader() || l->leader.value() != s.core.self.node_id) {
    return {error_code::not_leader_or_follower, -1};
  }
  return {error_code::none, epoch};
}

}  // namespace cairn::broker::kafka
