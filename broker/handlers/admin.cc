// Handshake, metadata and topic administration.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "broker/errc.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/per_partition.h"
#include "broker/handlers/topic_admin.h"

namespace cairn::broker {
namespace {

constexpr const char* kBrokerVersion = "0.1.0";

wire::CleanupPolicy to_wire(cleanup_policy p) {
  return p == cleanup_policy::compact ? wire::CleanupPolicy::COMPACT : wire::CleanupPolicy::DELETE;
}

// An admin_error as the response's errorCode and errorMessage (the message given, or the
// code's own).
template <class Builder>
void set_admin_error(Builder out, const admin_error& e) {
  if (!e) return;
  wire_error w = to_wire_error(e.code);
  out.setErrorCode(protocol::to_wire(w.code));
  out.setErrorMessage(e.message.empty() ? w.message : e.message);
}

void fill_partitions(capnp::List<wire::PartitionMetadata>::Builder out, handler_context& ctx,
                     const topic_config& config, bool with_replica_states = false) {
  // A cluster's view has the replica states at hand; a standalone broker gives its own only
  // where asked (DescribeCluster).
  with_replica_states = with_replica_states || ctx.cluster != nullptr;
  auto reports = describe_partitions(ctx, config, with_replica_states);
  for (unsigned i = 0; i < reports.size(); ++i) {
    const partition_report& r = reports[i];
    auto slot = out[i];
    slot.setPartition(r.partition);
    set_admin_error(slot, r.error);
    if (r.error && ctx.cluster != nullptr) slot.setLeader(-1);
    if (!r.known) continue;
    slot.setLeader(r.leader);
    // Standalone answers 0 (no elections); a cluster the Raft term, -1 while none is known.
    slot.setLeaderEpoch(r.leader_epoch);
    auto replicas = slot.initReplicas(static_cast<unsigned>(r.replicas.size()));
    for (unsigned j = 0; j < r.replicas.size(); ++j)
      replicas.set(j, r.replicas[j]);
    auto isr = slot.initInSyncReplicas(static_cast<unsigned>(r.isr.size()));
    for (unsigned j = 0; j < r.isr.size(); ++j)
      isr.set(j, r.isr[j]);
    slot.setLogStartOffset(r.log_start_offset);
    slot.setHighWatermark(r.high_watermark);
    slot.setLogEndOffset(r.log_end_offset);
    if (!with_replica_states) continue;
    auto states = slot.initReplicaStates(static_cast<unsigned>(r.replica_states.size()));
    for (unsigned j = 0; j < r.replica_states.size(); ++j) {
      const raft::replica_state& rs = r.replica_states[j];
      states[j].setNodeId(rs.node.value());
      states[j].setMatchEnd(rs.match_end.value());
      states[j].setLag(rs.lag);
      states[j].setInSync(rs.in_sync);
    }
  }
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
  auto brokers = cluster_brokers(ctx);
  auto out = m.initBrokers(static_cast<unsigned>(brokers.size()));
  for (unsigned i = 0; i < brokers.size(); ++i) {
    out[i].setNodeId(brokers[i].node_id);
    out[i].setHost(brokers[i].host);
    out[i].setPort(brokers[i].port);
  }
  m.setControllerId(controller_id(ctx));
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
  const std::chrono::milliseconds timeout(request.getTimeoutMs() > 0 ? request.getTimeoutMs()
                                                                     : 30'000);
  unsigned i = 0;
  for (auto t : request.getTopics()) {
    auto out = results[i++];
    out.setName(t.getName());
    auto c = t.getConfig();
    create_topic_request create{
        .settings = {.name = std::string(t.getName().cStr(), t.getName().size()),
                     .retention_bytes = c.getRetentionBytes(),
                     .retention_ms = c.getRetentionMs(),
                     .cleanup = c.getCleanupPolicy() == wire::CleanupPolicy::COMPACT
                                    ? cleanup_policy::compact
                                    : cleanup_policy::remove,
                     .timestamp_type = c.getTimestampType() == wire::TimestampType::LOG_APPEND_TIME
                                           ? eventstore::timestamp_type::log_append_time
                                           : eventstore::timestamp_type::create_time},
        .partitions = c.getPartitions(),
        .replication_factor = c.getReplicationFactor(),
        .validate_only = request.getValidateOnly(),
        .timeout = timeout};
    set_admin_error(out, create_topic(ctx, std::move(create)).error);
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_delete_topics(handler_context& ctx, std::uint64_t correlation_id,
                                     wire::DeleteTopicsRequest::Reader request) {
  protocol::frame_writer w;
  auto results =
      w.init_response(correlation_id).initDeleteTopics().initTopics(request.getNames().size());
  const std::chrono::milliseconds timeout(request.getTimeoutMs() > 0 ? request.getTimeoutMs()
                                                                     : 30'000);
  unsigned i = 0;
  for (auto name : request.getNames()) {
    auto out = results[i++];
    out.setName(name);
    set_admin_error(out, delete_topic(ctx, std::string_view(name.cStr(), name.size()), timeout));
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
    wc.setTimestampType(c.timestamp_type == eventstore::timestamp_type::log_append_time
                            ? wire::TimestampType::LOG_APPEND_TIME
                            : wire::TimestampType::CREATE_TIME);
    fill_partitions(t.initPartitions(static_cast<unsigned>(c.partitions)), ctx, c);
  }
  return finish_response(w, correlation_id, ctx.frame_bytes_max);
}

protocol::frame handle_describe_cluster(handler_context& ctx, std::uint64_t correlation_id,
                                        wire::DescribeClusterRequest::Reader) {
  protocol::frame_writer w;
  auto d = w.init_response(correlation_id).initDescribeCluster();
  d.setClusterId(ctx.self.cluster_id);
  auto brokers = cluster_brokers(ctx);
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
  d.setControllerId(controller_id(ctx));
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
