// group_fsm, continued: offsets (commit, reset, fetch), the admin calls (describe, delete) and
// persistence (snapshot, restore). The membership rules are in group.cc.
#include <utility>

#include "broker/group/group.h"
#include "cairn/base/assert.h"

namespace cairn::broker::group {

// --- offsets ---

commit_response group_fsm::commit_offsets(const commit_request& request, std::int64_t now_ms) {
  CAIRN_ASSERT(request.group_id == id_, "commit for {} routed to {}", request.group_id, id_);
  observe(now_ms);
  auto response = commit_impl(request, now_ms);
  check_invariants();
  return response;
}

commit_response group_fsm::commit_impl(const commit_request& request, std::int64_t now_ms) {
  auto refuse = [](std::error_code ec) { return commit_response{ec, {}}; };
  if (state_ == group_state::dead) return refuse(errc::coordinator_not_available);
  const bool standalone = request.generation.value() < 0 && request.member_id.empty();
  if (standalone && state_ == group_state::empty) return store_offsets(request.entries, now_ms);
  // The zombie fence: only a member of the current generation may commit.
  if (auto ec = validate_member(request.member_id, request.group_instance_id)) return refuse(ec);
  if (request.generation != generation_) return refuse(errc::illegal_generation);
  if (state_ == group_state::completing_rebalance) return refuse(errc::rebalance_in_progress);
  find(request.member_id)->last_heard_ms = now_ms;
  return store_offsets(request.entries, now_ms);
}

commit_response group_fsm::reset_offsets(const std::vector<offset_commit_entry>& entries,
                                         std::int64_t now_ms) {
  observe(now_ms);
  commit_response r;
  if (state_ == group_state::dead) {
    r.error = errc::coordinator_not_available;
  } else if (state_ != group_state::empty) {
    r.error = errc::non_empty_group;
  } else {
    r = store_offsets(entries, now_ms);
  }
  check_invariants();
  return r;
}

commit_response group_fsm::store_offsets(const std::vector<offset_commit_entry>& entries,
                                         std::int64_t now_ms) {
  commit_response r;
  r.partition_errors.reserve(entries.size());
  for (const offset_commit_entry& e : entries) {
    if (!name_ok(e.topic, config_.name_bytes_max) || e.partition < 0 || e.offset.value() < 0) {
      r.partition_errors.emplace_back(errc::invalid_request);
    } else if (e.metadata.size() > config_.offset_metadata_bytes_max) {
      r.partition_errors.emplace_back(errc::offset_metadata_too_large);
    } else {
      offsets_[{e.topic, e.partition}] = {e.offset, e.metadata, now_ms};
      r.partition_errors.emplace_back();
    }
  }
  return r;
}

std::vector<fetched_offset> group_fsm::fetch_offsets(
    const std::optional<std::vector<topic_partition>>& partitions) const {
  std::vector<fetched_offset> out;
  if (!partitions) {
    out.reserve(offsets_.size());
    for (const auto& [tp, committed] : offsets_)
      out.push_back({tp, committed});
    return out;
  }
  out.reserve(partitions->size());
  for (const topic_partition& tp : *partitions) {
    auto it = offsets_.find(tp);
    out.push_back({tp, it == offsets_.end() ? std::nullopt : std::optional{it->second}});
  }
  return out;
}

// --- admin and persistence ---

group_description group_fsm::describe() const {
  group_description d;
  d.group_id = id_;
  d.state = state_;
  d.protocol_type = protocol_type_.value_or("");
  d.protocol_name = protocol_name_.value_or("");
  d.leader_id = leader_id_.value_or("");
  d.generation = generation_;
  for (const member* m : members_in_join_order()) {
    const std::string* metadata =
        protocol_name_ ? metadata_for(m->protocols, *protocol_name_) : nullptr;
    d.members.push_back({m->id, m->instance_id, m->client_id, m->client_host,
                         metadata ? *metadata : std::string{}, m->assignment});
  }
  return d;
}

std::error_code group_fsm::mark_dead() {
  if (state_ == group_state::dead) return errc::group_id_not_found;
  if (state_ != group_state::empty) return errc::non_empty_group;
  pending_members_.clear();
  offsets_.clear();
  state_ = group_state::dead;
  check_invariants();
  return {};
}

group_metadata_value group_fsm::snapshot() const {
  group_metadata_value v;
  v.protocol_type = protocol_type_.value_or("");
  v.generation = generation_;
  v.current_state_timestamp_ms = state_timestamp_ms_;
  if (members_.empty()) return v;
  v.protocol_name = protocol_name_;
  v.leader_id = leader_id_;
  for (const member* m : members_in_join_order()) {
    const std::string* subscription =
        protocol_name_ ? metadata_for(m->protocols, *protocol_name_) : nullptr;
    v.members.push_back({m->id, m->instance_id, m->client_id, m->client_host,
                         m->rebalance_timeout_ms, m->session_timeout_ms,
                         subscription ? *subscription : std::string{}, m->assignment});
  }
  return v;
}

std::optional<group_metadata_value> group_fsm::take_metadata_write() {
  if (pending_write_) persisted_ = true;
  return std::exchange(pending_write_, std::nullopt);
}

void group_fsm::restore(const group_metadata_value& value, std::int64_t now_ms) {
  CAIRN_ASSERT(state_ == group_state::empty && members_.empty() && generation_.value() == 0,
               "restore into a used group {}", id_);
  observe(now_ms);
  generation_ = value.generation;
  if (!value.protocol_type.empty()) protocol_type_ = value.protocol_type;
  state_timestamp_ms_ = value.current_state_timestamp_ms;
  persisted_ = true;
  if (!value.members.empty()) {
    protocol_name_ = value.protocol_name;
    leader_id_ = value.leader_id;
    for (const member_metadata& mm : value.members) {
      member m;
      m.id = mm.member_id;
      m.instance_id = mm.group_instance_id;
      m.client_id = mm.client_id;
      m.client_host = mm.client_host;
      m.session_timeout_ms = mm.session_timeout_ms;
      m.rebalance_timeout_ms = mm.rebalance_timeout_ms;
      m.protocols = {{*value.protocol_name, mm.subscription}};
      m.assignment = mm.assignment;
      m.join_order = next_join_order_++;
      m.last_heard_ms = now_ms;  // every session starts over at the restart
      if (m.instance_id) instances_[*m.instance_id] = m.id;
      members_.emplace(m.id, std::move(m));
    }
    state_ = group_state::stable;
  }
  check_invariants();
}

void group_fsm::restore_offset(const topic_partition& partition, const offset_commit_value& value) {
  offsets_[partition] = {value.offset, value.metadata, value.commit_timestamp_ms};
}

bool group_fsm::is_vacant() const {
  return state_ == group_state::empty && members_.empty() && pending_members_.empty() &&
         offsets_.empty() && completions_.empty();
}

}  // namespace cairn::broker::group
