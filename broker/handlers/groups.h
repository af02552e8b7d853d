// Consumer-group requests on the wire ↔ the coordinator's plain structs (broker/group). Pure:
// the server reads a request into a struct, awaits the coordinator, and writes the answer with
// these. Text the client may leave unset (groupInstanceId) is read as absent when null.
#pragma once

#include <string>
#include <vector>

#include "broker/group/group.h"
#include "broker/group/group_registry.h"
#include "broker/handlers/handlers.h"

namespace cairn::broker {

group::join_request read_join(wire::JoinGroupRequest::Reader r, const std::string& client_host);
group::sync_request read_sync(wire::SyncGroupRequest::Reader r);
group::heartbeat_request read_heartbeat(wire::HeartbeatRequest::Reader r);
group::leave_request read_leave(wire::LeaveGroupRequest::Reader r);
group::commit_request read_commit(wire::OffsetCommitRequest::Reader r);

protocol::frame answer_join(std::uint64_t id, const group::join_response& r);
protocol::frame answer_sync(std::uint64_t id, const group::sync_response& r);
protocol::frame answer_heartbeat(std::uint64_t id, std::error_code ec);
protocol::frame answer_leave(std::uint64_t id, const group::leave_request& request,
                             const group::leave_response& r);
protocol::frame answer_commit(std::uint64_t id, const group::commit_request& request,
                              const group::commit_response& r);
protocol::frame answer_offset_fetch(std::uint64_t id, wire::OffsetFetchRequest::Reader request,
                                    const result<std::vector<group::fetched_offset>>& fetched);
protocol::frame answer_list_groups(std::uint64_t id, wire::ListGroupsRequest::Reader request,
                                   const std::vector<group::group_listing>& groups);
// `described` holds one entry per requested group id, in order.
protocol::frame answer_describe_groups(
    std::uint64_t id, const std::vector<std::string>& group_ids,
    const std::vector<result<group::group_description>>& described);
protocol::frame answer_delete_groups(std::uint64_t id, const std::vector<std::string>& group_ids,
                                     const std::vector<std::error_code>& outcomes);
protocol::frame answer_find_coordinator(std::uint64_t id, const broker_identity& self);
// Cluster mode: the coordinator is the leader of the group's __consumer_offsets partition;
// coordinator_not_available while that partition has no leader (or the topic is not created).
protocol::frame answer_find_coordinator(const handler_context& ctx, std::uint64_t id,
                                        std::string_view group_id);

}  // namespace cairn::broker
