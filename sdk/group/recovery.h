// What a group member does about an error from the coordinator (Kafka's AbstractCoordinator and
// ConsumerCoordinator response handlers), as a pure function of the error. The Asio shell
// (sdk/client/group_membership) acts on the answer; the same table serves JoinGroup, SyncGroup,
// Heartbeat and OffsetCommit.
#pragma once

#include <string_view>
#include <system_error>

namespace cairn::sdk {

enum class group_recovery {
  none,                 // success
  retry,                // the same request again after a backoff (coordinator loading, ...)
  find_coordinator,     // the coordinator moved or cannot be reached: FindCoordinator, then retry
  rejoin,               // the group is rebalancing: JoinGroup again (member id and generation kept)
  use_given_member_id,  // member_id_required: JoinGroup again at once with the id in the answer
  reset_generation,     // illegal_generation: owned partitions are lost; rejoin (member id kept)
  reset_member,         // unknown_member_id: owned partitions are lost; rejoin without member id
  fatal,                // nothing a retry or rejoin fixes (fenced static member, inconsistent
                        // protocol, bad session timeout, full group, bad group id, a broker
                        // without groups, a malformed answer): stop and tell the application
};

group_recovery recovery_for(std::error_code ec);

// Whether the member's partitions are lost (on_lost, not on_revoked): it is no longer the member
// of the generation it owned them in, so someone else may already read them.
inline bool loses_partitions(group_recovery r) {
  return r == group_recovery::reset_generation || r == group_recovery::reset_member;
}

std::string_view to_string(group_recovery r);

}  // namespace cairn::sdk
