// Kafka's range assignor: contiguous ranges per topic (see assignor.h).
#include <set>

#include "cairn/base/assert.h"
#include "sdk/group/assignor.h"

namespace cairn::sdk {

assignment_map assign_range(const std::vector<member_subscription>& members,
                            const std::map<std::string, std::int32_t>& partitions_per_topic) {
  assignment_map out = detail::empty_assignment(members);

  // topic -> its subscribers; a member listing a topic twice is one subscriber.
  std::map<std::string, std::vector<const member_subscription*>> subscribers;
  for (const auto& m : members) {
    for (const auto& topic : std::set<std::string>(m.topics.begin(), m.topics.end())) {
      subscribers[topic].push_back(&m);
    }
  }

  for (auto& [topic, subs] : subscribers) {
    auto count = partitions_per_topic.find(topic);
    if (count == partitions_per_topic.end() || count->second <= 0) continue;
    std::sort(subs.begin(), subs.end(),
              [](const member_subscription* a, const member_subscription* b) {
                return member_order_less(*a, *b);
              });
    const auto partitions = static_cast<std::size_t>(count->second);
    const std::size_t per_member = partitions / subs.size();
    const std::size_t extra = partitions % subs.size();  // the first `extra` take one more
    std::size_t next = 0;
    for (std::size_t i = 0; i < subs.size(); ++i) {
      const std::size_t length = per_member + (i < extra ? 1 : 0);
      auto& list = out[subs[i]->member_id];
      for (std::size_t p = next; p < next + length; ++p) {
        list.push_back({topic, static_cast<std::int32_t>(p)});
      }
      next += length;
    }
    CAIRN_ASSERT(next == partitions, "range gave out {} of {} partitions of {}", next, partitions,
                 topic);
  }

  detail::sort_lists(out);
  return out;
}

}  // namespace cairn::sdk
