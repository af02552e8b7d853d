// Consumer-group requests on the wire ↔ the coordinator's plain structs (broker/group). Pure:
// the server reads a request into a struct, awaits the coordinator, and writes the answer with
// these. Text the client may leave unset (groupInstanceId) is read as absent when null.
//
// The group logic both front ends share beyond the coordinator's calls (who coordinates a group,
// the ListGroups state filter) is in the protocol-neutral functions at the top; the native and
// the Kafka codecs only encode their answers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/group/group.h"
#include "broker/group/group_registry.h"
#include "broker/handlers/handlers.h"

namespace cairn::broker {

// FindCoordinator, for both front ends: the node id of the broker coordinating `group_id`. This
// broker when standalone; in cluster mode the leader of the group's __consumer_offsets
// partition (Kafka's coordinator moves with that leadership). group::errc::invalid_group_id for
// an empty id; coordinator_not_available while that partition has no leader (or the topic is
// not created yet), so the client retries after a backoff.
result<std::int32_t> find_group_coordinator(const handler_context& ctx, std::string_view group_id);

// ListGroups' state filter, for both front ends: the listings whose state is one of `states`
// (Kafka's names, "Stable", "Empty"..., compared ignoring case as Kafka does), or all of them
// when `states` is empty.
std::vector<group::group_listing> groups_in_states(std::vector<group::group_listing> groups,
                                                   const std::vector<std::string>& states);

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
// The native address of find_group_coordinator()'s node, or its error.
protocol::frame answer_find_coordinator(const handler_context& ctx, std::uint64_t id,
                                        std::string_view group_id);

}  // namespace cairn::broker
