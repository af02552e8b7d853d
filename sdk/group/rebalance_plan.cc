#include "sdk/group/rebalance_plan.h"

#include <algorithm>
#include <iterator>
#include <set>

namespace cairn::sdk {

namespace {

std::vector<topic_partition> sorted_unique(std::vector<topic_partition> list) {
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  return list;
}

}  // namespace

std::vector<topic_partition> revoke_before_join(rebalance_protocol protocol,
                                                const std::vector<topic_partition>& owned,
                                                const std::vector<std::string>& topics) {
  std::vector<topic_partition> out = sorted_unique(owned);
  if (protocol == rebalance_protocol::eager) return out;
  std::set<std::string> subscribed(topics.begin(), topics.end());
  std::erase_if(out, [&](const topic_partition& tp) { return subscribed.contains(tp.topic); });
  return out;
}

assignment_change apply_assignment(rebalance_protocol protocol,
                                   const std::vector<topic_partition>& owned,
                                   const std::vector<topic_partition>& assigned) {
  auto before = sorted_unique(owned);
  auto after = sorted_unique(assigned);
  assignment_change change;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(change.revoked));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(change.added));
  std::set_intersection(before.begin(), before.end(), after.begin(), after.end(),
                        std::back_inserter(change.kept));
  change.rejoin = protocol == rebalance_protocol::cooperative && !change.revoked.empty();
  CAIRN_ASSERT(change.kept.size() + change.added.size() == after.size(), "{} + {} != {}",
               change.kept.size(), change.added.size(), after.size());
  CAIRN_ASSERT(change.kept.size() + change.revoked.size() == before.size(), "{} + {} != {}",
               change.kept.size(), change.revoked.size(), before.size());
  return change;
}

}  // namespace cairn::sdk
