#include "sdk/group/leader_assignment.h"

#include <set>

#include "cairn/errc.h"
#include "sdk/group/membership_codec.h"

namespace cairn::sdk {

result<std::vector<member_subscription>> decode_members(const std::vector<joined_member>& members) {
  std::set<std::string_view> seen;
  for (const auto& m : members) {
    if (!seen.insert(m.member_id).second) return errc::duplicate_member_id;
  }
  std::vector<member_subscription> out;
  out.reserve(members.size());
  for (const auto& m : members) {
    CAIRN_TRY(auto sub, decode_subscription(m.metadata));
    out.push_back({.member_id = m.member_id,
                   .instance_id = m.instance_id,
                   .topics = std::move(sub.topics),
                   .owned = std::move(sub.owned),
                   .generation = sub.generation});
  }
  return out;
}

std::vector<std::string> subscribed_topics(const std::vector<member_subscription>& members) {
  std::set<std::string> topics;
  for (const auto& m : members)
    topics.insert(m.topics.begin(), m.topics.end());
  return {topics.begin(), topics.end()};
}

result<leader_assignment> compute_assignment(
    const assignor& chosen, const std::vector<member_subscription>& members,
    const std::map<std::string, std::int32_t>& partitions_per_topic) {
  leader_assignment out;
  out.assignment = chosen.assign(members, partitions_per_topic);
  CAIRN_ASSERT(out.assignment.size() == members.size(), "{} assignments for {} members",
               out.assignment.size(), members.size());
  for (const auto& [member_id, partitions] : out.assignment) {
    CAIRN_TRY(auto bytes, encode_assignment({.partitions = partitions, .user_data = {}}));
    out.encoded.emplace(member_id, std::move(bytes));
  }
  out.follow_up = chosen.protocol == rebalance_protocol::cooperative &&
                  needs_follow_up(members, out.assignment);
  return out;
}

}  // namespace cairn::sdk
