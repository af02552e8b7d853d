// What a group member gives up and takes on around a rebalance (Kafka's ConsumerCoordinator
// onJoinPrepare / onJoinComplete), as pure functions of what it owns and what it is given.
//
// Eager protocols (range, roundrobin): the member revokes everything it owns before it rejoins,
// since the leader may hand any of it to someone else. Cooperative (cooperative-sticky): it keeps
// consuming during the rebalance, revokes afterwards only what the new assignment took away, and
// then rejoins once more so that what it released reaches its new owner (KIP-429).
#pragma once

#include <string>
#include <vector>

#include "sdk/group/assignor.h"

namespace cairn::sdk {

// Before JoinGroup: the owned partitions to revoke now. Eager: all of them. Cooperative: only
// those of topics the member no longer subscribes to (Kafka revokes those before rejoining too).
// The result is sorted.
std::vector<topic_partition> revoke_before_join(rebalance_protocol protocol,
                                                const std::vector<topic_partition>& owned,
                                                const std::vector<std::string>& topics);

// After SyncGroup: how the member's partitions change. Each list is sorted; revoked, added and
// kept are disjoint, kept + added is the new assignment, kept + revoked what was owned.
struct assignment_change {
  std::vector<topic_partition> revoked;  // owned, not assigned any more: on_revoked, stop reading
  std::vector<topic_partition> added;    // newly assigned: start at the committed offset
  std::vector<topic_partition> kept;     // owned and assigned again: the position carries on
  // Cooperative and something was revoked: rejoin so the follow-up rebalance can hand it on.
  bool rejoin = false;
};

assignment_change apply_assignment(rebalance_protocol protocol,
                                   const std::vector<topic_partition>& owned,
                                   const std::vector<topic_partition>& assigned);

}  // namespace cairn::sdk
