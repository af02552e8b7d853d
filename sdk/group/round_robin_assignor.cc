// Kafka's round-robin assignor: one ring over all subscribed partitions (see assignor.h).
#include <set>

#include "cairn/base/assert.h"
#include "sdk/group/assignor.h"

namespace cairn::sdk {

assignment_map assign_round_robin(const std::vector<member_subscription>& members,
                                  const std::map<std::string, std::int32_t>& partitions_per_topic) {
  assignment_map out = detail::empty_assignment(members);
  if (members.empty()) return out;

  std::vector<const member_subscription*> ring;
  ring.reserve(members.size());
  for (const auto& m : members) {
    ring.push_back(&m);
  }
  std::sort(ring.begin(), ring.end(),
            [](const member_subscription* a, const member_subscription* b) {
              return member_order_less(*a, *b);
            });
  std::vector<std::set<std::string, std::less<>>> topics_of;  // by ring position
  topics_of.reserve(ring.size());
  std::set<std::string, std::less<>> all_topics;  // sorted: the deal goes topic by topic
  for (const auto* m : ring) {
    topics_of.emplace_back(m->topics.begin(), m->topics.end());
    all_topics.insert(m->topics.begin(), m->topics.end());
  }

  std::size_t cursor = 0;
  for (const auto& topic : all_topics) {
    auto count = partitions_per_topic.find(topic);
    if (count == partitions_per_topic.end() || count->second <= 0) continue;
    for (std::int32_t p = 0; p < count->second; ++p) {
      // Pass over members without this topic; someone has it (it is in all_topics), so at most
      // one lap of the ring.
      std::size_t skipped = 0;
      while (!topics_of[cursor].contains(topic)) {
        cursor = (cursor + 1) % ring.size();
        ++skipped;
        CAIRN_ASSERT(skipped < ring.size(), "no subscriber of {} in the ring", topic);
      }
      out[ring[cursor]->member_id].push_back({topic, p});
      cursor = (cursor + 1) % ring.size();
    }
  }

  detail::sort_lists(out);
  return out;
}

}  // namespace cairn::sdk
