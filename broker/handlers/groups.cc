#include "broker/handlers/groups.h"

#include <algorithm>
#include <cctype>

#include "broker/handlers/per_partition.h"

namespace cairn::broker {
namespace {

std::string text(capnp::Text::Reader t) {
  return std::string(t.cStr(), t.size());
}

std::string bytes(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

capnp::Data::Reader data(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(s.data()), s.size());
}

template <class Reader>
std::optional<std::string> instance_id(Reader r) {
  if (!r.hasGroupInstanceId()) return std::nullopt;
  return text(r.getGroupInstanceId());
}

// The request-level outcome on the response root.
void set_root_error(wire::Response::Builder root, std::error_code ec) {
  if (!ec) return;
  wire_error e = to_wire_error(ec);
  root.setErrorCode(protocol::to_wire(e.code));
  root.setErrorMessage(e.message);
}

}  // namespace

result<std::int32_t> find_group_coordinator(const handler_context& ctx, std::string_view group_id) {
  if (group_id.empty()) return group::errc::invalid_group_id;
  if (ctx.cluster == nullptr) return ctx.self.node_id;
  constexpr std::string_view kOffsets = "__consumer_offsets";
  if (auto offsets = ctx.cluster->topic(kOffsets)) {
    const std::int32_t p = group::group_partition_for(group_id, offsets->partitions);
    const std::int32_t leader = known_leader(ctx, kOffsets, p);
    for (const controller::broker_status& b : ctx.cluster->brokers()) {
      if (b.node_id == leader) return leader;
    }
  }
  return group::errc::coordinator_not_available;
}

std::vector<group::group_listing> groups_in_states(std::vector<group::group_listing> groups,
                                                   const std::vector<std::string>& states) {
  if (states.empty()) return groups;
  auto same = [](std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) ==
             std::tolower(static_cast<unsigned char>(y));
    });
  };
  std::erase_if(groups, [&](const group::group_listing& g) {
    return std::ranges::none_of(states,
                                [&](const std::string& s) { return same(s, to_string(g.state)); });
  });
  return groups;
}

group::join_request read_join(wire::JoinGroupRequest::Reader r, const std::string& client_host) {
  group::join_request out{.group_id = text(r.getGroupId()),
                          .member_id = text(r.getMemberId()),
                          .group_instance_id = instance_id(r),
                          .client_id = text(r.getClientId()),
                          .client_host = client_host,
                          .session_timeout_ms = r.getSessionTimeoutMs(),
                          .rebalance_timeout_ms = r.getRebalanceTimeoutMs(),
                          .protocol_type = text(r.getProtocolType())};
  for (auto p : r.getProtocols())
    out.protocols.push_back({text(p.getName()), bytes(p.getMetadata())});
  return out;
}

group::sync_request read_sync(wire::SyncGroupRequest::Reader r) {
  group::sync_request out{.group_id = text(r.getGroupId()),
                          .member_id = text(r.getMemberId()),
                          .generation = group::generation_id{r.getGenerationId()},
                          .group_instance_id = instance_id(r)};
  for (auto a : r.getAssignments())
    out.assignments.push_back({text(a.getMemberId()), bytes(a.getAssignment())});
  return out;
}

group::heartbeat_request read_heartbeat(wire::HeartbeatRequest::Reader r) {
  return {.group_id = text(r.getGroupId()),
          .member_id = text(r.getMemberId()),
          .generation = group::generation_id{r.getGenerationId()},
          .group_instance_id = instance_id(r)};
}

group::leave_request read_leave(wire::LeaveGroupRequest::Reader r) {
  group::leave_request out{.group_id = text(r.getGroupId())};
  for (auto m : r.getMembers())
    out.members.push_back({text(m.getMemberId()), instance_id(m)});
  return out;
}

group::commit_request read_commit(wire::OffsetCommitRequest::Reader r) {
  group::commit_request out{.group_id = text(r.getGroupId()),
                            .member_id = text(r.getMemberId()),
                            .generation = group::generation_id{r.getGenerationId()},
                            .group_instance_id = instance_id(r)};
  for (auto t : r.getTopics()) {
    for (auto p : t.getPartitions()) {
      out.entries.push_back({.topic = text(t.getName()),
                             .partition = p.getPartition(),
                             .offset = log_offset{p.getOffset()},
                             .metadata = text(p.getMetadata())});
    }
  }
  return out;
}

protocol::frame answer_join(std::uint64_t id, const group::join_response& r) {
  protocol::frame_writer w;
  auto root = w.init_response(id);
  set_root_error(root, r.error);
  auto out = root.initJoinGroup();
  out.setGenerationId(r.generation.value());
  out.setProtocolType(r.protocol_type);
  out.setProtocolName(r.protocol_name);
  out.setLeader(r.leader_id);
  out.setMemberId(r.member_id);
  out.setSkipAssignment(r.skip_assignment);
  auto members = out.initMembers(static_cast<unsigned>(r.members.size()));
  for (unsigned i = 0; i < r.members.size(); ++i) {
    members[i].setMemberId(r.members[i].member_id);
    if (r.members[i].group_instance_id) {
      members[i].setGroupInstanceId(*r.members[i].group_instance_id);
    }
    members[i].setMetadata(data(r.members[i].metadata));
  }
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

protocol::frame answer_sync(std::uint64_t id, const group::sync_response& r) {
  protocol::frame_writer w;
  auto root = w.init_response(id);
  set_root_error(root, r.error);
  root.initSyncGroup().setAssignment(data(r.assignment));
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

protocol::frame answer_heartbeat(std::uint64_t id, std::error_code ec) {
  protocol::frame_writer w;
  auto root = w.init_response(id);
  set_root_error(root, ec);
  root.initHeartbeat();
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

protocol::frame answer_leave(std::uint64_t id, const group::leave_request& request,
                             const group::leave_response& r) {
  protocol::frame_writer w;
  auto root = w.init_response(id);
  set_root_error(root, r.error);
  auto members = root.initLeaveGroup().initMembers(static_cast<unsigned>(r.member_errors.size()));
  for (unsigned i = 0; i < r.member_errors.size() && i < request.members.size(); ++i) {
    members[i].setMemberId(request.members[i].member_id);
    if (request.members[i].group_instance_id) {
      members[i].setGroupInstanceId(*request.members[i].group_instance_id);
    }
    set_wire_error(members[i], r.member_errors[i]);
  }
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

protocol::frame answer_commit(std::uint64_t id, const group::commit_request& request,
                              const group::commit_response& r) {
  protocol::frame_writer w;
  auto root = w.init_response(id);
  // A whole-request error applies to every partition: Kafka reports it on each.
  std::vector<std::pair<std::string, std::vector<std::size_t>>> by_topic;
  for (std::size_t i = 0; i < request.entries.size(); ++i) {
    const auto& topic = request.entries[i].topic;
    if (by_topic.empty() || by_topic.back().first != topic) by_topic.push_back({topic, {}});
    by_topic.back().second.push_back(i);
  }
  set_root_error(root, r.error);
  auto topics = root.initOffsetCommit().initTopics(static_cast<unsigned>(by_topic.size()));
  for (unsigned t = 0; t < by_topic.size(); ++t) {
    topics[t].setName(by_topic[t].first);
    const auto& indexes = by_topic[t].second;
    auto parts = topics[t].initPartitions(static_cast<unsigned>(indexes.size()));
    for (unsigned i = 0; i < indexes.size(); ++i) {
      std::size_t e = indexes[i];
      parts[i].setPartition(request.entries[e].partition);
      std::error_code ec = r.error;
      if (!ec && e < r.partition_errors.size()) ec = r.partition_errors[e];
      if (ec) set_wire_error(parts[i], ec);
    }
  }
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

protocol::frame answer_offset_fetch(std::uint64_t id, wire::OffsetFetchRequest::Reader request,
                                    const result<std::vector<group::fetched_offset>>& fetched) {
  protocol::frame_writer w;
  auto root = w.init_response(id);
  auto body = root.initOffsetFetch();
  if (!fetched) {
    set_root_error(root, fetched.error());
    return finish_response(w, id, protocol::frame_bytes_max_default);
  }
  (void)request;
  std::vector<std::pair<std::string, std::vector<const group::fetched_offset*>>> by_topic;
  for (const auto& f : fetched.value()) {
    if (by_topic.empty() || by_topic.back().first != f.partition.topic) {
      by_topic.push_back({f.partition.topic, {}});
    }
    by_topic.back().second.push_back(&f);
  }
  auto topics = body.initTopics(static_cast<unsigned>(by_topic.size()));
  for (unsigned t = 0; t < by_topic.size(); ++t) {
    topics[t].setName(by_topic[t].first);
    const auto& list = by_topic[t].second;
    auto parts = topics[t].initPartitions(static_cast<unsigned>(list.size()));
    for (unsigned i = 0; i < list.size(); ++i) {
      parts[i].setPartition(list[i]->partition.partition);
      parts[i].setOffset(list[i]->committed ? list[i]->committed->offset.value() : -1);
      if (list[i]->committed) parts[i].setMetadata(list[i]->committed->metadata);
    }
  }
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

protocol::frame answer_list_groups(std::uint64_t id, wire::ListGroupsRequest::Reader request,
                                   const std::vector<group::group_listing>& groups) {
  std::vector<std::string> states;
  for (auto s : request.getStates())
    states.emplace_back(s.cStr(), s.size());
  std::vector<group::group_listing> kept = groups_in_states(groups, states);
  protocol::frame_writer w;
  auto list = w.init_response(id).initListGroups().initGroups(static_cast<unsigned>(kept.size()));
  for (unsigned i = 0; i < kept.size(); ++i) {
    list[i].setGroupId(kept[i].group_id);
    list[i].setProtocolType(kept[i].protocol_type);
    list[i].setState(std::string(group::to_string(kept[i].state)));
  }
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

protocol::frame answer_describe_groups(
    std::uint64_t id, const std::vector<std::string>& group_ids,
    const std::vector<result<group::group_description>>& described) {
  protocol::frame_writer w;
  auto list =
      w.init_response(id).initDescribeGroups().initGroups(static_cast<unsigned>(group_ids.size()));
  for (unsigned i = 0; i < group_ids.size(); ++i) {
    auto out = list[i];
    out.setGroupId(group_ids[i]);
    if (!described[i]) {
      set_wire_error(out, described[i].error());
      continue;
    }
    const group::group_description& d = described[i].value();
    out.setState(std::string(group::to_string(d.state)));
    out.setProtocolType(d.protocol_type);
    out.setProtocolName(d.protocol_name);
    out.setGenerationId(d.generation.value());
    out.setLeader(d.leader_id);
    auto members = out.initMembers(static_cast<unsigned>(d.members.size()));
    for (unsigned m = 0; m < d.members.size(); ++m) {
      const auto& src = d.members[m];
      members[m].setMemberId(src.member_id);
      if (src.group_instance_id) members[m].setGroupInstanceId(*src.group_instance_id);
      members[m].setClientId(src.client_id);
      members[m].setClientHost(src.client_host);
      members[m].setMetadata(data(src.metadata));
      members[m].setAssignment(data(src.assignment));
    }
  }
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

protocol::frame answer_delete_groups(std::uint64_t id, const std::vector<std::string>& group_ids,
                                     const std::vector<std::error_code>& outcomes) {
  protocol::frame_writer w;
  auto list =
      w.init_response(id).initDeleteGroups().initResults(static_cast<unsigned>(group_ids.size()));
  for (unsigned i = 0; i < group_ids.size(); ++i) {
    list[i].setGroupId(group_ids[i]);
    if (outcomes[i]) set_wire_error(list[i], outcomes[i]);
  }
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

protocol::frame answer_find_coordinator(const handler_context& ctx, std::uint64_t id,
                                        std::string_view group_id) {
  auto node = find_group_coordinator(ctx, group_id);
  if (!node) {
    wire_error e = to_wire_error(node.error());
    return protocol::make_error_response(id, e.code, e.message);
  }
  broker_identity coordinator = ctx.self;
  if (node.value() != ctx.self.node_id) {
    // find_group_coordinator names only brokers the cluster view lists.
    for (const controller::broker_status& b : ctx.cluster->brokers()) {
      if (b.node_id == node.value())
        coordinator = {.node_id = b.node_id, .host = b.host, .port = b.port};
    }
  }
  protocol::frame_writer w;
  auto out = w.init_response(id).initFindCoordinator();
  out.setNodeId(coordinator.node_id);
  out.setHost(coordinator.host);
  out.setPort(coordinator.port);
  return finish_response(w, id, protocol::frame_bytes_max_default);
}

}  // namespace cairn::broker
