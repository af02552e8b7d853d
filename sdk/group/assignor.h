// Consumer-group partition assignors, run by the group leader on the client side as in Kafka: the
// broker collects every member's subscription, hands them all to one member, and relays the
// assignment that member computes. Pure functions of their inputs (no I/O, no clock, no
// randomness), so every member that computed the same inputs would get the same answer.
//
// Shared contract of the assign_* functions:
//   - Every member of `members` appears in the result, possibly with an empty list; no other key
//     does. Each list is sorted by (topic, partition) and holds no duplicates.
//   - A partition is only ever given to a member that subscribes to its topic, and to at most one
//     member.
//   - Topics missing from `partitions_per_topic` (or with a count <= 0) are skipped; a member's
//     duplicate topics count once.
//   - REQUIRES: member ids are distinct (the broker names each member once; a caller that takes
//     the list from the network checks this first). Checked with CAIRN_ASSERT.
//
// Member order, where it decides who gets what (range, round-robin, tie-breaks): Kafka's
// MemberInfo order, so a static member keeps its place across restarts: members with an instance
// id (static membership, KIP-345) first, ordered by instance id, then the others by member id.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/base/assert.h"
#include "cairn/types.h"

namespace cairn::sdk {

// One member's part of a rebalance, as the leader sees it.
struct member_subscription {
  std::string member_id;                   // the broker-assigned id
  std::optional<std::string> instance_id;  // group.instance.id of a static member
  std::vector<std::string> topics;         // what it subscribes to
  // What the member held before this rebalance, and the generation it held it in (-1: unknown,
  // e.g. a new member). Read by cooperative-sticky only.
  std::vector<topic_partition> owned;
  std::int32_t generation = -1;
};

using assignment_map = std::map<std::string /*member_id*/, std::vector<topic_partition>>;

// Kafka's RangeAssignor, topic by topic: the topic's subscribers in member order, its partitions
// cut into contiguous ranges of n / m, the first n % m subscribers taking one more. With two
// members and two topics of 3 partitions, the first gets t0:{0,1} t1:{0,1}, the second t0:{2}
// t1:{2}: the first members are favoured on every topic alike.
assignment_map assign_range(const std::vector<member_subscription>& members,
                            const std::map<std::string, std::int32_t>& partitions_per_topic);

// Kafka's RoundRobinAssignor: every subscribed topic-partition in (topic, partition) order, dealt
// to the members in member order as a ring; a member not subscribed to the partition's topic is
// passed over (the ring moves on to the next one that is).
assignment_map assign_round_robin(const std::vector<member_subscription>& members,
                                  const std::map<std::string, std::int32_t>& partitions_per_topic);

// Kafka's CooperativeStickyAssignor (KIP-429), in our own algorithm:
//
// 1. Claims. A member claims each partition in its `owned` list. When several members claim a
//    partition, the claims of the highest generation count and lower ones are ignored as stale
//    (that member missed a rebalance; Kafka's rule). One claim left: that member is the
//    partition's holder. Several claims of the same highest generation: all of them are holders
//    and none may keep it.
// 2. Target. A holder keeps its partition if it still subscribes to the topic. Every other
//    partition goes to the subscriber with the fewest partitions so far (partitions of topics
//    with the fewest subscribers first). Then, while some partition sits on a member with at
//    least two more partitions than another subscriber of its topic, it moves there (freshly
//    placed partitions before kept ones, and always to the least loaded such member). At the
//    end no single move can even the counts out further: members with equal subscriptions
//    differ by at most one partition, and a member whose subscriptions include another's has at
//    most one partition less than it. Owned partitions move only for that balance.
// 3. Cooperative withholding. A partition whose target differs from its holder(s) is left out of
//    this assignment entirely: its holder loses it now and revokes it, and nobody gets it until
//    a follow-up rebalance (after the revocation), when it is free. So no partition is ever
//    consumed by two members at once. needs_follow_up() tells the caller the second round is due.
//
// Claims of partitions the metadata does not list (unknown topic, partition past the count) are
// ignored. Cost, for P partitions, M members and T topics: O(P * M) to place, O(M * M * T) per
// balancing move; each move lowers the sum of squared counts, so there are at most P * P / 2
// (in practice about one per partition that has to change hands).
assignment_map assign_cooperative_sticky(
    const std::vector<member_subscription>& members,
    const std::map<std::string, std::int32_t>& partitions_per_topic);

// Whether this assignment takes from some member a partition it owned: that member revokes it
// and must rejoin, and the group needs another rebalance before the partition reaches its new
// owner (what Kafka's ConsumerCoordinator does after a cooperative revocation). `members` are
// the inputs of the assignment, `assignment` its result. Also true when a partition is dropped
// for another reason (its topic left the subscription or the metadata): one idle extra round,
// as in Kafka.
bool needs_follow_up(const std::vector<member_subscription>& members,
                     const assignment_map& assignment);

// --- lookup by the protocol name members advertise in JoinGroup ---

// Eager: every member revokes everything before a rebalance (range, roundrobin). Cooperative:
// members keep consuming what they keep, and revoke only what the assignment takes away.
enum class rebalance_protocol { eager, cooperative };

using assign_fn = assignment_map (*)(const std::vector<member_subscription>&,
                                     const std::map<std::string, std::int32_t>&);

struct assignor {
  std::string_view name;  // Kafka's protocol name, which other clients advertise too
  rebalance_protocol protocol;
  assign_fn assign;
};

inline constexpr std::string_view range_assignor_name = "range";
inline constexpr std::string_view round_robin_assignor_name = "roundrobin";
inline constexpr std::string_view cooperative_sticky_assignor_name = "cooperative-sticky";

// The assignor of a protocol name, or nullopt for a name this client does not implement (the
// group may still agree on another one both sides list).
inline std::optional<assignor> find_assignor(std::string_view name) {
  if (name == range_assignor_name) {
    return assignor{range_assignor_name, rebalance_protocol::eager, &assign_range};
  }
  if (name == round_robin_assignor_name) {
    return assignor{round_robin_assignor_name, rebalance_protocol::eager, &assign_round_robin};
  }
  if (name == cooperative_sticky_assignor_name) {
    return assignor{cooperative_sticky_assignor_name, rebalance_protocol::cooperative,
                    &assign_cooperative_sticky};
  }
  return std::nullopt;
}

// Kafka's member order (see the top of this file): a strict weak order, member id breaking ties.
inline bool member_order_less(const member_subscription& a, const member_subscription& b) {
  if (a.instance_id.has_value() != b.instance_id.has_value()) return a.instance_id.has_value();
  if (a.instance_id && *a.instance_id != *b.instance_id) return *a.instance_id < *b.instance_id;
  return a.member_id < b.member_id;
}

namespace detail {

// Every member with an empty list. Asserts the REQUIRES on distinct member ids.
inline assignment_map empty_assignment(const std::vector<member_subscription>& members) {
  assignment_map out;
  for (const auto& m : members) {
    bool inserted = out.try_emplace(m.member_id).second;
    CAIRN_ASSERT(inserted, "member id {} appears twice in the group", m.member_id);
  }
  return out;
}

// Sorts each list by (topic, partition); asserts that no list holds a partition twice.
inline void sort_lists(assignment_map& assignment) {
  for (auto& [member_id, partitions] : assignment) {
    std::sort(partitions.begin(), partitions.end());
    auto dup = std::adjacent_find(partitions.begin(), partitions.end());
    CAIRN_ASSERT(dup == partitions.end(), "{} assigned twice to {}", *dup, member_id);
  }
}

}  // namespace detail

}  // namespace cairn::sdk
