// Handshake, metadata and topic administration.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "broker/errc.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/per_partition.h"

namespace cairn::broker {
namespace {

constexpr const char* kBrokerVersion = "0.1.0";

wire::CleanupPolicy to_wire(cleanup_policy p) {
  return p == cleanup_policy::compact ? wire::CleanupPolicy::COMPACT : wire::CleanupPolicy::DELETE;
}

void fill_partition(wire::PartitionMetadata::Builder out, const handler_context& ctx,
                    const partition& p, std::int32_t id) {
  out.setPartition(id);
  out.setLeader(ctx.self.node_id);
  out.setLeaderEpoch(0);
  out.initReplicas(1).set(0, ctx.self.node_id);
  out.initInSyncReplicas(1).set(0, ctx.self.node_id);
  out.setLogStartOffset(p.log_start_offset());
  out.setHighWatermark(p.high_watermark());
  out.setLogEndOffset(p.log_end_offset());
}

// Standalone: the one replica is the leader, and its own state is the whole story.
void fill_own_replica_state(wire::PartitionMetadata::Builder out, const handler_context& ctx,
                            const partition& p) {
  auto state = out.initReplicaStates(1)[0];
  state.setNodeId(ctx.self.node_id);
  state.setMatchEnd(p.log_end_offset());
  state.setLag(0);
  state.setInSync(true);
}

void set_ids(capnp::List<std::int32_t>::Builder out, const std::vector<raft::node_id>& ids) {
  for (unsigned i = 0; i < ids.size(); ++i)
    out.set(i, ids[i].value());
}

// Cluster mode: what the cluster view knows (the controller's assignment, the leadership
// table); no leader known yet reads as leaderNotAvailable, which clients retry.
void fill_partition_from_view(wire::PartitionMetadata::Builder out, const handler_context& ctx,
                              std::string_view topic, std::int32_t id) {
  out.setPartition(id);
  auto state = ctx.cluster->partition(topic, id);
  if (!state || !state->has_leader()) {
    out.setErrorCode(wire::ErrorCode::LEADER_NOT_AVAILABLE);
    out.setErrorMessage("the partition has no leader right now (an election is running): retry");
    out.setLeader(-1);
  }
  if (!state) return;
  const raft::partition_leadership& s = *state;
  if (s.has_leader()) out.setLeader(s.leader.value());
  out.setLeaderEpoch(raft::kafka_leader_epoch(s.epoch));
  set_ids(out.initReplicas(static_cast<unsigned>(s.replicas.size())), s.replicas);
  set_ids(out.initInSyncReplicas(static_cast<unsigned>(s.isr.size())), s.isr);
  out.setLogStartOffset(s.log_start.value());
  out.setHighWatermark(s.high_watermark.value());
  out.setLogEndOffset(s.log_end.value());
  auto states = out.initReplicaStates(static_cast<unsigned>(s.replica_states.size()));
  for (unsigned i = 0; i < s.replica_states.size(); ++i) {
    const raft::replica_state& r = s.replica_states[i];
    states[i].setNodeId(r.node.value());
    states[i].setMatchEnd(r.match_end.value());
    states[i].setLag(r.lag);
    states[i].setInSync(r.in_sync);
  }
}

void fill_partitions(capnp::List<wire::PartitionMetadata>::Builder out, handler_context& ctx,
                     const topic_config& config, bool with_replica_states = false) {
  for (std::int32_t id = 0; id < config.partitions; ++id) {
    auto slot = out[static_cast<unsigned>(id)];
    if (ctx.cluster != nullptr) {
      fill_partition_from_view(slot, ctx, config.name, id);
      continue;
    }
    auto p = ctx.topics.get(config.name, id);
    if (!p) {
      slot.setPartition(id);
      set_wire_error(slot, p.error());
      continue;
    }
    fill_partition(slot, ctx, *p.value(), id);
    if (with_replica_states) fill_own_replica_state(slot, ctx, *p.value());
  }
}

// The topics this broker answers about: the controller's (cluster mode) or its own.
std::vector<topic_config> known_topics(const handler_context& ctx) {
  return ctx.cluster != nullptr ? ctx.cluster->topics() : ctx.topics.list();
}

result<topic_config> describe_topic(const handler_context& ctx, std::string_view name) {
  if (ctx.cluster == nullptr) return ctx.topics.describe(name);
  auto config = ctx.cluster->topic(name);
  if (!config) return errc::unknown_topic;
  return std::move(*config);
}

}  // namespace

protocol::frame finish_response(protocol::frame_writer& writer, std::uint64_t correlation_id,
                                std::size_t frame_bytes_max) {
  auto done = writer.finish(frame_bytes_max);
  if (done) return std::move(done).value();
  return protocol::make_error_response(correlation_id, protocol::errc::record_too_large,
                                       "the response does not fit a frame: ask for fewer bytes");
}

protocol::frame handle_handshake(handler_context& ctx, std::uint64_t correlation_id,
                                 wire::HandshakeRequest::Reader request) {
  protocol::frame_writer w;
  auto r = w.init_response(correlation_id);
  std::uint32_t version = std::min(request.getProtocolVersion(), wire::PROTOCOL_VERSION);
  if (version < wire::PROTOCOL_VERSION_MIN || version < request.getProtocolVersionMin()) {
    r.setErrorCode(wire::ErrorCode::UNSUPPORTED_VERSION);
    r.setErrorMessage("no protocol version in common with this broker (it speaks 1)");
    r.setRejected();
    return finish_response(w, correlation_id, ctx.frame_bytes_max);
  }
  auto h = r.initHandshake();
  h.setProtocolVersion(version);
  h.setNodeId(ctx.self.node_id);
  h.setClusterId(ctx.self.cluster_id);
  h.setBrokerVersion(kBrokerVersion);
  h.setFrameBytesMax(ctx.frame_bytes_max);
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_metadata(handler_context& ctx, std::uint64_t correlation_id,
                                wire::MetadataRequest::Reader request) {
  protocol::frame_writer w;
  auto m = w.init_response(correlation_id).initMetadata();
  if (ctx.cluster != nullptr) {
    // Every broker of the map, alive or not, as Kafka's metadata lists registered brokers:
    // clients learn addresses here and find out about liveness by connecting.
    auto brokers = ctx.cluster->brokers();
    auto out = m.initBrokers(static_cast<unsigned>(brokers.size()));
    for (unsigned i = 0; i < brokers.size(); ++i) {
      out[i].setNodeId(brokers[i].node_id);
      out[i].setHost(brokers[i].host);
      out[i].setPort(brokers[i].port);
    }
    m.setControllerId(ctx.cluster->controller_id());
  } else {
    auto broker = m.initBrokers(1)[0];
    broker.setNodeId(ctx.self.node_id);
    broker.setHost(ctx.self.host);
    broker.setPort(ctx.self.port);
    m.setControllerId(ctx.self.node_id);
  }
  m.setClusterId(ctx.self.cluster_id);

  std::vector<std::string> names;
  if (request.getAllTopics()) {
    for (const auto& c : known_topics(ctx)) {
      if (!is_internal_topic(c.name)) names.push_back(c.name);
    }
  } else {
    for (auto n : request.getTopics())
      names.emplace_back(n.cStr(), n.size());
  }
  auto topics = m.initTopics(static_cast<unsigned>(names.size()));
  for (unsigned i = 0; i < names.size(); ++i) {
    auto t = topics[i];
    t.setName(names[i]);
    auto config = describe_topic(ctx, names[i]);
    if (!config) {
      set_wire_error(t, config.error());
      continue;
    }
    fill_partitions(t.initPartitions(static_cast<unsigned>(config.value().partitions)), ctx,
                    config.value());
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

std::int32_t known_leader(const handler_context& ctx, std::string_view topic,
                          std::int32_t partition) {
  if (ctx.cluster == nullptr) return -1;
  auto p = ctx.cluster->partition(topic, partition);
  return p && p->has_leader() ? p->leader.value() : -1;
}

protocol::frame handle_create_topics(handler_context& ctx, std::uint64_t correlation_id,
                                     wire::CreateTopicsRequest::Reader request) {
  protocol::frame_writer w;
  auto results =
      w.init_response(correlation_id).initCreateTopics().initTopics(request.getTopics().size());
  unsigned i = 0;
  for (auto t : request.getTopics()) {
    auto out = results[i++];
    out.setName(t.getName());
    auto c = t.getConfig();
    topic_config config{
        .name = std::string(t.getName().cStr(), t.getName().size()),
        .partitions = c.getPartitions() == -1 ? 1 : c.getPartitions(),
        .replication_factor =
            c.getReplicationFactor() == -1 ? std::int16_t{1} : c.getReplicationFactor(),
        .retention_bytes = c.getRetentionBytes(),
        .retention_ms = c.getRetentionMs(),
        .cleanup = c.getCleanupPolicy() == wire::CleanupPolicy::COMPACT ? cleanup_policy::compact
                                                                        : cleanup_policy::remove};
    if (is_internal_topic(config.name)) {
      out.setErrorCode(wire::ErrorCode::INVALID_REQUEST);
      out.setErrorMessage("names starting with \"__\" are reserved for the broker's own topics");
      continue;
    }
    // Name the field that is wrong, as Kafka's distinct error codes do.
    if (config.partitions < 1 || config.partitions > kPartitionsMax) {
      out.setErrorCode(wire::ErrorCode::INVALID_PARTITIONS);
      out.setErrorMessage(fmt::format("partitions must be 1..{}", kPartitionsMax));
      continue;
    }
    const std::int32_t brokers = ctx.admin != nullptr ? ctx.admin->broker_count() : 1;
    if (ctx.admin != nullptr && c.getReplicationFactor() == -1) {
      // Cluster default: three replicas (survives one broker lost), fewer on a smaller cluster.
      config.replication_factor = static_cast<std::int16_t>(std::min(3, brokers));
    }
    if (config.replication_factor < 1 || config.replication_factor > brokers) {
      out.setErrorCode(wire::ErrorCode::INVALID_REPLICATION_FACTOR);
      out.setErrorMessage(
          brokers == 1 ? std::string("this broker runs alone: the replication factor must be 1")
                       : fmt::format("the replication factor must be 1..{} (the brokers of the "
                                     "cluster)",
                                     brokers));
      continue;
    }
    if (request.getValidateOnly()) {
      if (auto valid = validate(config, brokers); !valid) set_wire_error(out, valid.error());
      continue;
    }
    if (ctx.admin != nullptr) {
      const auto timeout =
          std::chrono::milliseconds(request.getTimeoutMs() > 0 ? request.getTimeoutMs() : 30'000);
      if (auto created = ctx.admin->create_topic(config, timeout); !created) {
        set_wire_error(out, created.error());
      }
      continue;
    }
    if (auto created = ctx.topics.create(config); !created) set_wire_error(out, created.error());
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_delete_topics(handler_context& ctx, std::uint64_t correlation_id,
                                     wire::DeleteTopicsRequest::Reader request) {
  protocol::frame_writer w;
  auto results =
      w.init_response(correlation_id).initDeleteTopics().initTopics(request.getNames().size());
  unsigned i = 0;
  for (auto name : request.getNames()) {
    auto out = results[i++];
    out.setName(name);
    if (is_internal_topic(std::string_view(name.cStr(), name.size()))) {
      out.setErrorCode(wire::ErrorCode::INVALID_REQUEST);
      out.setErrorMessage("the broker's own topics cannot be deleted");
      continue;
    }
    if (ctx.admin != nullptr) {
      const auto timeout =
          std::chrono::milliseconds(request.getTimeoutMs() > 0 ? request.getTimeoutMs() : 30'000);
      if (auto removed = ctx.admin->delete_topic(std::string(name.cStr(), name.size()), timeout);
          !removed) {
        set_wire_error(out, removed.error());
      }
      continue;
    }
    if (auto removed = ctx.topics.remove(std::string_view(name.cStr(), name.size())); !removed) {
      set_wire_error(out, removed.error());
    }
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_list_topics(handler_context& ctx, std::uint64_t correlation_id,
                                   wire::ListTopicsRequest::Reader) {
  protocol::frame_writer w;
  auto configs = ctx.topics.list();
  std::erase_if(configs, [](const topic_config& c) { return is_internal_topic(c.name); });
  auto out = w.init_response(correlation_id)
                 .initListTopics()
                 .initTopics(static_cast<unsigned>(configs.size()));
  for (unsigned i = 0; i < configs.size(); ++i) {
    out[i].setName(configs[i].name);
    out[i].setPartitions(configs[i].partitions);
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_describe_topics(handler_context& ctx, std::uint64_t correlation_id,
                                       wire::DescribeTopicsRequest::Reader request) {
  protocol::frame_writer w;
  auto out =
      w.init_response(correlation_id).initDescribeTopics().initTopics(request.getNames().size());
  unsigned i = 0;
  for (auto name : request.getNames()) {
    auto t = out[i++];
    t.setName(name);
    auto config = describe_topic(ctx, std::string_view(name.cStr(), name.size()));
    if (!config) {
      set_wire_error(t, config.error());
      continue;
    }
    const topic_config& c = config.value();
    auto wc = t.initConfig();
    wc.setPartitions(c.partitions);
    wc.setReplicationFactor(c.replication_factor);
    wc.setRetentionBytes(c.retention_bytes);
    wc.setRetentionMs(c.retention_ms);
    wc.setCleanupPolicy(to_wire(c.cleanup));
    fill_partitions(t.initPartitions(static_cast<unsigned>(c.partitions)), ctx, c);
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_describe_cluster(handler_context& ctx, std::uint64_t correlation_id,
                                        wire::DescribeClusterRequest::Reader) {
  protocol::frame_writer w;
  auto d = w.init_response(correlation_id).initDescribeCluster();
  d.setClusterId(ctx.self.cluster_id);
  if (ctx.cluster != nullptr) {
    auto brokers = ctx.cluster->brokers();
    auto out = d.initBrokers(static_cast<unsigned>(brokers.size()));
    for (unsigned i = 0; i < brokers.size(); ++i) {
      out[i].setNodeId(brokers[i].node_id);
      out[i].setHost(brokers[i].host);
      out[i].setPort(brokers[i].port);
      out[i].setAlive(brokers[i].alive);
      out[i].setLastSeenMsAgo(brokers[i].last_seen_ms_ago);
      out[i].setControllerRole(brokers[i].in_controller == controller::controller_role::voter
                                   ? wire::ControllerRole::VOTER
                               : brokers[i].in_controller == controller::controller_role::learner
                                   ? wire::ControllerRole::LEARNER
                                   : wire::ControllerRole::NONE);
    }
    d.setControllerId(ctx.cluster->controller_id());
  } else {
    // Alone, this broker is the cluster and its controller, and it is alive by answering.
    auto self = d.initBrokers(1)[0];
    self.setNodeId(ctx.self.node_id);
    self.setHost(ctx.self.host);
    self.setPort(ctx.self.port);
    self.setAlive(true);
    self.setLastSeenMsAgo(0);
    self.setControllerRole(wire::ControllerRole::VOTER);
    d.setControllerId(ctx.self.node_id);
  }
  auto configs = known_topics(ctx);
  auto topics = d.initTopics(static_cast<unsigned>(configs.size()));
  for (unsigned i = 0; i < configs.size(); ++i) {
    topics[i].setName(configs[i].name);
    fill_partitions(topics[i].initPartitions(static_cast<unsigned>(configs[i].partitions)), ctx,
                    configs[i], /*with_replica_states=*/true);
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

}  // namespace cairn::broker
