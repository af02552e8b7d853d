// fill_by_topic: Produce, Fetch, OffsetCommit and OffsetFetch list each topic once with its
// partitions under it, while the client holds flat (topic, partition) items. This groups the
// items by topic (topics in name order, a topic's partitions in the items' order), sizes the
// request's lists, and leaves each partition entry to the caller.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::sdk {

// `topic_of(item)` names an item's topic (a view into the item, which outlives the call);
// `init_topics(n)` initialises the request's topic list with n entries and returns it;
// `fill(partitions, i, item)` writes `item` as entry i of its topic's partition list (a list of
// structs, or of partition ids for OffsetFetch).
template <class Items, class TopicOf, class InitTopics, class Fill>
void fill_by_topic(const Items& items, TopicOf topic_of, InitTopics init_topics, Fill fill) {
  using item = typename Items::value_type;
  std::map<std::string_view, std::vector<const item*>> by_topic;
  for (const item& i : items)
    by_topic[topic_of(i)].push_back(&i);
  auto topics = init_topics(static_cast<unsigned>(by_topic.size()));
  unsigned t = 0;
  for (const auto& [name, list] : by_topic) {
    auto topic = topics[t++];
    topic.setName(std::string(name));
    auto partitions = topic.initPartitions(static_cast<unsigned>(list.size()));
    for (unsigned i = 0; i < list.size(); ++i)
      fill(partitions, i, *list[i]);
  }
}

}  // namespace cairn::sdk
