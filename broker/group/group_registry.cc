#include "broker/group/group_registry.h"

#include "broker/group/group_errc.h"
#include "cairn/base/assert.h"

namespace cairn::broker::group {

group_registry::group_registry(const registry_config& config)
    : config_(config), seed_state_(config.member_id_seed) {
  CAIRN_ASSERT(config_.partitions_count > 0, "__consumer_offsets partitions_count {}",
               config_.partitions_count);
  CAIRN_ASSERT(config_.partition >= 0 && config_.partition < config_.partitions_count,
               "partition {} of {}", config_.partition, config_.partitions_count);
}

std::error_code group_registry::check_group_id(std::string_view group_id) const {
  if (group_id.empty() || group_id.size() > config_.group.name_bytes_max) {
    return errc::invalid_group_id;
  }
  if (group_partition_for(group_id, config_.partitions_count) != config_.partition) {
    return errc::not_coordinator;
  }
  return {};
}

group_fsm* group_registry::find(std::string_view group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

const group_fsm* group_registry::find(std::string_view group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

group_fsm& group_registry::create(const std::string& group_id) {
  auto [it, inserted] =
      groups_.try_emplace(group_id, group_id, config_.group, splitmix64(seed_state_));
  CAIRN_ASSERT(inserted, "group {} created twice", group_id);
  return it->second;
}

template <class T>
void group_registry::collect(const std::string& group_id, registry_output<T>& out) {
  auto it = groups_.find(group_id);
  if (it == groups_.end()) return;
  group_fsm& g = it->second;
  const bool was_persisted = g.persisted();
  std::optional<group_metadata_value> write = g.take_metadata_write();
  for (completion& c : g.take_completions())
    out.completions.push_back(std::move(c));
  if (g.is_vacant()) {
    // Nothing left worth keeping (Kafka removes such groups at its periodic cleanup).
    if (was_persisted) out.records.push_back({encode_key(group_metadata_key{group_id}), {}});
    groups_.erase(it);
    return;
  }
  if (write) {
    out.records.push_back({encode_key(group_metadata_key{group_id}), encode_value(*write)});
  }
}

void group_registry::append_offset_records(const std::string& group_id,
                                           const std::vector<offset_commit_entry>& entries,
                                           const commit_response& response, std::int64_t now_ms,
                                           std::vector<offsets_record>& records) const {
  if (response.error) return;
  CAIRN_ASSERT(response.partition_errors.size() == entries.size(), "{} errors for {} entries",
               response.partition_errors.size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (response.partition_errors[i]) continue;
    const offset_commit_entry& e = entries[i];
    offset_commit_value value;
    value.offset = e.offset;
    value.metadata = e.metadata;
    value.commit_timestamp_ms = now_ms;
    records.push_back(
        {encode_key(offset_commit_key{group_id, e.topic, e.partition}), encode_value(value)});
  }
}

registry_output<std::optional<join_response>> group_registry::join(const join_request& request,
                                                                   request_token token,
                                                                   std::int64_t now_ms) {
  registry_output<std::optional<join_response>> out;
  auto refuse = [&](std::error_code ec) {
    join_response r;
    r.error = ec;
    r.member_id = request.member_id;
    out.response = std::move(r);
    return std::move(out);
  };
  if (auto ec = check_group_id(request.group_id)) return refuse(ec);
  group_fsm* g = find(request.group_id);
  if (g == nullptr) {
    if (!request.member_id.empty()) return refuse(errc::unknown_member_id);
    g = &create(request.group_id);
  }
  out.response = g->join(request, token, now_ms);
  collect(request.group_id, out);
  return out;
}

registry_output<std::optional<sync_response>> group_registry::sync(const sync_request& request,
                                                                   request_token token,
                                                                   std::int64_t now_ms) {
  registry_output<std::optional<sync_response>> out;
  std::error_code ec = check_group_id(request.group_id);
  group_fsm* g = ec ? nullptr : find(request.group_id);
  if (!ec && g == nullptr) ec = errc::unknown_member_id;
  if (ec) {
    out.response = sync_response{ec, {}};
    return out;
  }
  out.response = g->sync(request, token, now_ms);
  collect(request.group_id, out);
  return out;
}

std::error_code group_registry::heartbeat(const heartbeat_request& request, std::int64_t now_ms) {
  if (auto ec = check_group_id(request.group_id)) return ec;
  group_fsm* g = find(request.group_id);
  if (g == nullptr) return errc::unknown_member_id;
  return g->heartbeat(request, now_ms);
}

registry_output<leave_response> group_registry::leave(const leave_request& request,
                                                      std::int64_t now_ms) {
  registry_output<leave_response> out;
  if (auto ec = check_group_id(request.group_id)) {
    out.response.error = ec;
    return out;
  }
  group_fsm* g = find(request.group_id);
  if (g == nullptr) {
    out.response.member_errors.assign(request.members.size(), errc::unknown_member_id);
    return out;
  }
  out.response = g->leave(request, now_ms);
  collect(request.group_id, out);
  return out;
}

registry_output<commit_response> group_registry::commit_offsets(const commit_request& request,
                                                                std::int64_t now_ms) {
  registry_output<commit_response> out;
  if (auto ec = check_group_id(request.group_id)) {
    out.response.error = ec;
    return out;
  }
  group_fsm* g = find(request.group_id);
  if (g == nullptr) {
    // Kafka: a commit without a generation creates the group (a standalone consumer); one with a
    // generation comes from a member of a group that no longer exists.
    if (request.generation.value() >= 0) {
      out.response.error = errc::illegal_generation;
      return out;
    }
    g = &create(request.group_id);
  }
  out.response = g->commit_offsets(request, now_ms);
  append_offset_records(request.group_id, request.entries, out.response, now_ms, out.records);
  collect(request.group_id, out);
  return out;
}

registry_output<commit_response> group_registry::reset_offsets(
    const std::string& group_id, const std::vector<offset_commit_entry>& entries,
    std::int64_t now_ms) {
  registry_output<commit_response> out;
  if (auto ec = check_group_id(group_id)) {
    out.response.error = ec;
    return out;
  }
  group_fsm* g = find(group_id);
  if (g == nullptr) g = &create(group_id);
  out.response = g->reset_offsets(entries, now_ms);
  append_offset_records(group_id, entries, out.response, now_ms, out.records);
  collect(group_id, out);
  return out;
}

registry_output<std::error_code> group_registry::delete_group(const std::string& group_id,
                                                              std::int64_t /*now_ms*/) {
  registry_output<std::error_code> out;
  if (auto ec = check_group_id(group_id)) {
    out.response = ec;
    return out;
  }
  auto it = groups_.find(group_id);
  if (it == groups_.end()) {
    out.response = errc::group_id_not_found;
    return out;
  }
  std::vector<topic_partition> partitions;
  for (const auto& [tp, committed] : it->second.offsets())
    partitions.push_back(tp);
  out.response = it->second.mark_dead();
  if (out.response) return out;
  for (const topic_partition& tp : partitions) {
    out.records.push_back({encode_key(offset_commit_key{group_id, tp.topic, tp.partition}), {}});
  }
  out.records.push_back({encode_key(group_metadata_key{group_id}), {}});
  for (completion& c : it->second.take_completions())
    out.completions.push_back(std::move(c));
  groups_.erase(it);
  return out;
}

registry_output<std::optional<std::int64_t>> group_registry::expire(std::int64_t now_ms) {
  registry_output<std::optional<std::int64_t>> out;
  std::vector<std::string> ids;
  ids.reserve(groups_.size());
  for (const auto& [id, g] : groups_)
    ids.push_back(id);
  for (const std::string& id : ids) {
    groups_.at(id).expire(now_ms);
    collect(id, out);
  }
  out.response = next_deadline();
  return out;
}

std::optional<std::int64_t> group_registry::next_deadline() const {
  std::optional<std::int64_t> next;
  for (const auto& [id, g] : groups_) {
    if (auto d = g.next_deadline()) next = next ? std::min(*next, *d) : *d;
  }
  return next;
}

result<std::vector<fetched_offset>> group_registry::fetch_offsets(
    const std::string& group_id,
    const std::optional<std::vector<topic_partition>>& partitions) const {
  if (auto ec = check_group_id(group_id)) return ec;
  if (const group_fsm* g = find(group_id)) return g->fetch_offsets(partitions);
  std::vector<fetched_offset> none;
  if (partitions) {
    for (const topic_partition& tp : *partitions)
      none.push_back({tp, std::nullopt});
  }
  return none;
}

result<group_description> group_registry::describe(const std::string& group_id) const {
  if (auto ec = check_group_id(group_id)) return ec;
  if (const group_fsm* g = find(group_id)) return g->describe();
  group_description d;
  d.group_id = group_id;
  d.state = group_state::dead;
  return d;
}

std::vector<group_listing> group_registry::list_groups() const {
  std::vector<group_listing> out;
  out.reserve(groups_.size());
  for (const auto& [id, g] : groups_) {
    group_description d = g.describe();
    out.push_back({id, d.protocol_type, d.state});
  }
  return out;
}

// --- rebuild ---

std::error_code group_registry::replay(std::string_view key,
                                       std::optional<std::string_view> value) {
  CAIRN_ASSERT(groups_.empty(), "replay into a registry that serves {} groups", groups_.size());
  auto decoded = decode_key(key);
  if (!decoded) return decoded.error();
  if (auto* k = std::get_if<offset_commit_key>(&decoded.value())) {
    if (group_partition_for(k->group_id, config_.partitions_count) != config_.partition) {
      ++staged_foreign_;
      return {};
    }
    std::pair<std::string, topic_partition> staged_key{k->group_id, {k->topic, k->partition}};
    if (!value) {
      staged_offsets_.erase(staged_key);
      return {};
    }
    auto v = decode_offset_commit_value(*value);
    if (!v) return v.error();
    staged_offsets_.insert_or_assign(std::move(staged_key), std::move(v).value());
    return {};
  }
  const auto& k = std::get<group_metadata_key>(decoded.value());
  if (group_partition_for(k.group_id, config_.partitions_count) != config_.partition) {
    ++staged_foreign_;
    return {};
  }
  if (!value) {
    if (auto it = staged_groups_.find(k.group_id); it != staged_groups_.end()) {
      staged_groups_.erase(it);
    }
    return {};
  }
  auto v = decode_group_metadata_value(*value);
  if (!v) return v.error();
  staged_groups_.insert_or_assign(k.group_id, std::move(v).value());
  return {};
}

replay_summary group_registry::finish_replay(std::int64_t now_ms) {
  CAIRN_ASSERT(groups_.empty(), "finish_replay into a registry that serves {} groups",
               groups_.size());
  replay_summary summary;
  summary.foreign_records = staged_foreign_;
  for (auto& [id, value] : staged_groups_)
    create(id).restore(value, now_ms);
  for (auto& [key, value] : staged_offsets_) {
    group_fsm* g = find(key.first);
    if (g == nullptr) g = &create(key.first);
    g->restore_offset(key.second, value);
    ++summary.offsets;
  }
  summary.groups = groups_.size();
  staged_groups_.clear();
  staged_offsets_.clear();
  staged_foreign_ = 0;
  return summary;
}

rebuild_outcome group_registry::rebuild(std::span<const offsets_record> records,
                                        std::int64_t now_ms) {
  rebuild_outcome outcome;
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::optional<std::string_view> value;
    if (records[i].value) value = *records[i].value;
    if (auto ec = replay(records[i].key, value)) {
      staged_groups_.clear();
      staged_offsets_.clear();
      staged_foreign_ = 0;
      outcome.error = ec;
      outcome.record_index = i;
      return outcome;
    }
  }
  outcome.summary = finish_replay(now_ms);
  return outcome;
}

}  // namespace cairn::broker::group
