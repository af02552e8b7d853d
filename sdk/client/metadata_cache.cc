#include "sdk/client/metadata_cache.h"

#include <charconv>

#include "protocol/wire_errc.h"
#include "cairn/errc.h"

namespace cairn::sdk {

namespace wire = protocol::wire;

result<broker_info> parse_address(std::string_view address) {
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) {
    return errc::bad_address;
  }
  std::string_view host = address.substr(0, colon);
  std::string_view port_text = address.substr(colon + 1);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return errc::bad_address;
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return errc::bad_address;
  }
  return broker_info{-1, std::string(host), static_cast<std::uint16_t>(port)};
}

static std::error_code error_of(wire::ErrorCode code) {
  if (code == wire::ErrorCode::NONE) return {};
  return protocol::from_wire(code);
}

static std::vector<replica_status> to_replica_states(
    capnp::List<wire::ReplicaState>::Reader states) {
  std::vector<replica_status> out;
  out.reserve(states.size());
  for (auto r : states)
    out.push_back({r.getNodeId(), r.getMatchEnd(), r.getLag(), r.getInSync()});
  return out;
}

static std::vector<std::int32_t> to_ids(capnp::List<std::int32_t>::Reader ids) {
  std::vector<std::int32_t> out;
  out.reserve(ids.size());
  for (auto id : ids)
    out.push_back(id);
  return out;
}

partition_info to_partition_info(wire::PartitionMetadata::Reader p) {
  return partition_info{.partition = p.getPartition(),
                        .error = error_of(p.getErrorCode()),
                        .leader = p.getLeader(),
                        .log_start_offset = p.getLogStartOffset(),
                        .high_watermark = p.getHighWatermark(),
                        .log_end_offset = p.getLogEndOffset(),
                        .leader_epoch = p.getLeaderEpoch(),
                        .replicas = to_ids(p.getReplicas()),
                        .in_sync_replicas = to_ids(p.getInSyncReplicas()),
                        .replica_states = to_replica_states(p.getReplicaStates())};
}

cluster_info to_cluster_info(wire::MetadataResponse::Reader response) {
  cluster_info info;
  info.cluster_id = response.getClusterId();
  info.controller_id = response.getControllerId();
  for (auto b : response.getBrokers()) {
    info.brokers.push_back({b.getNodeId(), b.getHost(), b.getPort()});
  }
  for (auto t : response.getTopics()) {
    topic_info topic{.name = t.getName(), .error = error_of(t.getErrorCode()), .partitions = {}};
    for (auto p : t.getPartitions())
      topic.partitions.push_back(to_partition_info(p));
    info.topics.push_back(std::move(topic));
  }
  return info;
}

void metadata_cache::update(const cluster_info& info) {
  if (!info.brokers.empty()) {
    brokers_ = info.brokers;
    controller_id_ = info.controller_id;
  }
  for (const auto& t : info.topics) {
    if (t.error) {
      topics_.erase(t.name);
      continue;
    }
    topics_.insert_or_assign(t.name, t);
  }
}

void metadata_cache::clear() {
  brokers_.clear();
  topics_.clear();
  controller_id_ = -1;
}

const topic_info* metadata_cache::topic(std::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

std::optional<std::int32_t> metadata_cache::partition_count(std::string_view name) const {
  const topic_info* t = topic(name);
  if (t == nullptr) return std::nullopt;
  return static_cast<std::int32_t>(t->partitions.size());
}

std::optional<broker_info> metadata_cache::broker(std::int32_t node_id) const {
  for (const auto& b : brokers_) {
    if (b.node_id == node_id) return b;
  }
  return std::nullopt;
}

std::optional<broker_info> metadata_cache::leader_for(const topic_partition& tp) const {
  const topic_info* t = topic(tp.topic);
  if (t == nullptr || tp.partition < 0 ||
      static_cast<std::size_t>(tp.partition) >= t->partitions.size()) {
    return std::nullopt;
  }
  const partition_info& p = t->partitions[static_cast<std::size_t>(tp.partition)];
  if (p.error || p.leader < 0) return std::nullopt;
  return broker(p.leader);
}

std::optional<broker_info> metadata_cache::controller() const {
  if (controller_id_ < 0) return std::nullopt;
  return broker(controller_id_);
}

void metadata_cache::mark_stale(std::string_view name) {
  if (auto it = topics_.find(name); it != topics_.end()) topics_.erase(it);
}

}  // namespace cairn::sdk
