#include "broker/controller/leadership_table.h"

namespace cairn::broker::controller {

bool leadership_table::update(raft::node_id reporter, const raft::partition_leadership& entry,
                              std::int64_t now_ms) {
  auto [it, added] = entries_.try_emplace(entry.group(), slot{entry, reporter, now_ms});
  if (added) return true;
  slot& s = it->second;
  const raft::partition_leadership& old = s.entry;
  bool take = false;
  if (entry.epoch > old.epoch) {
    take = true;
  } else if (entry.epoch == old.epoch && entry.leader == old.leader) {
    const bool old_from_leader = s.reporter == old.leader;
    const bool new_from_leader = reporter == entry.leader;
    take = new_from_leader || !old_from_leader;
  }
  if (!take) return false;
  s = slot{entry, reporter, now_ms};
  return true;
}

std::size_t leadership_table::expire(std::int64_t now_ms, std::int64_t stale_after_ms) {
  return std::erase_if(
      entries_, [&](const auto& kv) { return kv.second.updated_ms < now_ms - stale_after_ms; });
}

void leadership_table::remove_topic(std::string_view topic) {
  std::erase_if(entries_, [&](const auto& kv) { return kv.first.topic == topic; });
}

const raft::partition_leadership* leadership_table::find(const raft::group_id& group) const {
  auto it = entries_.find(group);
  return it == entries_.end() ? nullptr : &it->second.entry;
}

std::vector<raft::partition_leadership> leadership_table::entries() const {
  std::vector<raft::partition_leadership> out;
  out.reserve(entries_.size());
  for (const auto& [k, s] : entries_)
    out.push_back(s.entry);
  return out;
}

}  // namespace cairn::broker::controller
