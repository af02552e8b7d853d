// The group leader's part of a rebalance, between JoinGroup and SyncGroup: decode every member's
// subscription (untrusted bytes from other clients, relayed by the broker), run the assignor the
// group agreed on, and encode each member's assignment. Pure; the caller fetches the partition
// counts of subscribed_topics() in between.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cairn/base/result.h"
#include "sdk/group/assignor.h"

namespace cairn::sdk {

// One member as JoinGroupResponse lists it to the leader.
struct joined_member {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string metadata;  // its subscription, for the chosen protocol
};

// sdk::errc::duplicate_member_id when the list names a member twice (the assignors REQUIRE
// distinct ids), malformed_group_data when a subscription does not decode. The result keeps the
// input order.
result<std::vector<member_subscription>> decode_members(const std::vector<joined_member>& members);

// Every topic some member subscribes to, sorted, once each.
std::vector<std::string> subscribed_topics(const std::vector<member_subscription>& members);

struct leader_assignment {
  assignment_map assignment;                   // member id -> partitions
  std::map<std::string, std::string> encoded;  // member id -> SyncGroup assignment bytes
  bool follow_up = false;                      // needs_follow_up(): another rebalance is due
};

// Runs `chosen` over the members. malformed_group_data if an assignment cannot be encoded
// (over the codec's limits).
result<leader_assignment> compute_assignment(
    const assignor& chosen, const std::vector<member_subscription>& members,
    const std::map<std::string, std::int32_t>& partitions_per_topic);

}  // namespace cairn::sdk
