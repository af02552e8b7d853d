#include "broker/group/group.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cairn/base/assert.h"

namespace cairn::broker::group {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string_view to_string(group_state state) {
  switch (state) {
    case group_state::empty:
      return "Empty";
    case group_state::preparing_rebalance:
      return "PreparingRebalance";
    case group_state::completing_rebalance:
      return "CompletingRebalance";
    case group_state::stable:
      return "Stable";
    case group_state::dead:
      return "Dead";
  }
  return "Unknown";
}

bool group_fsm::name_ok(std::string_view name, std::size_t bytes_max) {
  return !name.empty() && name.size() <= bytes_max;
}

const std::string* group_fsm::metadata_for(const std::vector<protocol>& protocols,
                                           std::string_view name) {
  for (const protocol& p : protocols)
    if (p.name == name) return &p.metadata;
  return nullptr;
}

group_fsm::group_fsm(std::string group_id, const group_config& config, std::uint64_t member_id_seed)
    : id_(std::move(group_id)), config_(config), rng_state_(member_id_seed) {
  CAIRN_ASSERT(!id_.empty(), "a group needs an id");
  CAIRN_ASSERT(config_.name_bytes_max >= 64, "name_bytes_max {} leaves no room for member ids",
               config_.name_bytes_max);
  CAIRN_ASSERT(config_.name_bytes_max <= kRecordStringBytesMax, "name_bytes_max {} over {}",
               config_.name_bytes_max, kRecordStringBytesMax);
  CAIRN_ASSERT(config_.offset_metadata_bytes_max <= kRecordStringBytesMax,
               "offset_metadata_bytes_max {} over {}", config_.offset_metadata_bytes_max,
               kRecordStringBytesMax);
  CAIRN_ASSERT(config_.session_timeout_ms_min > 0, "session_timeout_ms_min {}",
               config_.session_timeout_ms_min);
  CAIRN_ASSERT(config_.session_timeout_ms_min <= config_.session_timeout_ms_max,
               "session timeout range [{}, {}]", config_.session_timeout_ms_min,
               config_.session_timeout_ms_max);
  CAIRN_ASSERT(config_.rebalance_timeout_ms_max > 0, "rebalance_timeout_ms_max {}",
               config_.rebalance_timeout_ms_max);
  CAIRN_ASSERT(config_.initial_rebalance_delay_ms >= 0, "initial_rebalance_delay_ms {}",
               config_.initial_rebalance_delay_ms);
  CAIRN_ASSERT(config_.members_max > 0, "members_max 0");
  CAIRN_ASSERT(config_.protocols_max > 0, "protocols_max 0");
  CAIRN_ASSERT(config_.group_record_bytes_max <= static_cast<std::size_t>(INT32_MAX),
               "group_record_bytes_max {}", config_.group_record_bytes_max);
}

// --- join ---

std::optional<join_response> group_fsm::join(const join_request& request, request_token token,
                                             std::int64_t now_ms) {
  CAIRN_ASSERT(request.group_id == id_, "join for {} routed to {}", request.group_id, id_);
  CAIRN_DEBUG_ASSERT(!holds(token), "group {}: token {} is held already", id_, token);
  observe(now_ms);
  auto response = join_impl(request, token, now_ms);
  check_invariants();
  return response;
}

std::optional<join_response> group_fsm::join_impl(const join_request& request, request_token token,
                                                  std::int64_t now_ms) {
  auto refuse = [&](std::error_code ec) {
    join_response r;
    r.error = ec;
    r.member_id = request.member_id;
    return std::optional<join_response>{std::move(r)};
  };
  if (state_ == group_state::dead) return refuse(errc::coordinator_not_available);

  // The member this join speaks for, if it is one already (a static member by its instance id).
  const member* self = nullptr;
  if (!request.member_id.empty()) {
    self = find(request.member_id);
  } else if (request.group_instance_id) {
    if (auto it = instances_.find(*request.group_instance_id); it != instances_.end()) {
      self = find(it->second);
    }
  }
  if (auto ec = validate_join(request, self)) return refuse(ec);

  if (request.member_id.empty()) {
    if (self != nullptr) return join_static_member(*find(self->id), request, token, now_ms);
    return join_new_member(request, token, now_ms);
  }
  if (auto it = pending_members_.find(request.member_id); it != pending_members_.end()) {
    // A new member back with the id it was given (KIP-394): now it joins for real.
    if (request.group_instance_id && instances_.contains(*request.group_instance_id)) {
      return refuse(errc::fenced_instance_id);
    }
    pending_members_.erase(it);
    member& m = add_member(request.member_id, request, now_ms);
    return hold_join(m, token, now_ms);
  }
  if (is_fenced(request.member_id, request.group_instance_id)) {
    return refuse(errc::fenced_instance_id);
  }
  if (self == nullptr) return refuse(errc::unknown_member_id);
  return join_known_member(*find(self->id), request, token, now_ms);
}

std::error_code group_fsm::validate_join(const join_request& request, const member* self) const {
  if (request.session_timeout_ms < config_.session_timeout_ms_min ||
      request.session_timeout_ms > config_.session_timeout_ms_max) {
    return errc::invalid_session_timeout;
  }
  if (request.rebalance_timeout_ms <= 0 ||
      request.rebalance_timeout_ms > config_.rebalance_timeout_ms_max) {
    return errc::invalid_rebalance_timeout;
  }
  if (request.client_id.size() > config_.name_bytes_max ||
      request.client_host.size() > config_.name_bytes_max ||
      request.protocol_type.size() > config_.name_bytes_max) {
    return errc::invalid_request;
  }
  if (request.group_instance_id && !name_ok(*request.group_instance_id, config_.name_bytes_max)) {
    return errc::invalid_request;
  }
  if (request.protocol_type.empty() || request.protocols.empty()) {
    return errc::inconsistent_group_protocol;
  }
  if (request.protocols.size() > config_.protocols_max) return errc::invalid_request;
  std::set<std::string_view> names;
  for (const protocol& p : request.protocols) {
    if (!name_ok(p.name, config_.name_bytes_max)) return errc::invalid_request;
    if (!names.insert(p.name).second) return errc::invalid_request;
    if (p.metadata.size() > config_.protocol_metadata_bytes_max) {
      return errc::protocol_metadata_too_large;
    }
  }
  // The group's other members decide what it supports: the protocol type must be theirs, and one
  // of the offered protocols must be supported by every one of them.
  bool others = std::any_of(members_.begin(), members_.end(),
                            [&](const auto& kv) { return &kv.second != self; });
  if (!others) return {};
  if (protocol_type_ && request.protocol_type != *protocol_type_) {
    return errc::inconsistent_group_protocol;
  }
  for (const protocol& p : request.protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      return &kv.second == self || metadata_for(kv.second.protocols, p.name) != nullptr;
    });
    if (everyone) return {};
  }
  return errc::inconsistent_group_protocol;
}

std::optional<join_response> group_fsm::join_new_member(const join_request& request,
                                                        request_token token, std::int64_t now_ms) {
  if (members_.size() + pending_members_.size() >= config_.members_max) {
    join_response r;
    r.error = errc::group_max_size_reached;
    return r;
  }
  std::string id = generate_member_id(request.client_id);
  if (request.group_instance_id) {
    // Static members skip the member-id round trip: their instance id already names them.
    member& m = add_member(std::move(id), request, now_ms);
    return hold_join(m, token, now_ms);
  }
  pending_members_.emplace(id, now_ms + request.session_timeout_ms);
  join_response r;
  r.error = errc::member_id_required;
  r.member_id = std::move(id);
  return r;
}

std::optional<join_response> group_fsm::join_static_member(member& old, const join_request& request,
                                                           request_token token,
                                                           std::int64_t now_ms) {
  // A restarted static member takes over its slot under a new member id; the old id is fenced.
  CAIRN_ASSERT(state_ != group_state::empty && state_ != group_state::dead,
               "group {} in {} has members", id_, to_string(state_));
  const bool protocols_unchanged = old.protocols == request.protocols;
  answer_held(old, errc::fenced_instance_id);
  std::string old_id = old.id;
  member m = std::move(old);
  members_.erase(old_id);
  m.id = generate_member_id(request.client_id);
  auto [it, inserted] = members_.emplace(m.id, std::move(m));
  CAIRN_ASSERT(inserted, "generated member id {} taken", it->first);
  member& replaced = it->second;
  instances_[*replaced.instance_id] = replaced.id;
  if (leader_id_ == old_id) leader_id_ = replaced.id;
  update_member(replaced, request, now_ms);

  if (state_ == group_state::stable && protocols_unchanged) {
    // No rebalance: the member gets the current generation back and, with SyncGroup, its
    // assignment. The new member id must be persisted before the answer goes out.
    pending_write_ = snapshot();
    join_response r = current_join_response(replaced);
    r.skip_assignment = replaced.id == leader_id_;
    return r;
  }
  return hold_join(replaced, token, now_ms);
}

std::optional<join_response> group_fsm::join_known_member(member& m, const join_request& request,
                                                          request_token token,
                                                          std::int64_t now_ms) {
  switch (state_) {
    case group_state::preparing_rebalance:
      update_member(m, request, now_ms);
      return hold_join(m, token, now_ms);
    case group_state::completing_rebalance:
      // Same protocols: the member lost its join answer; give it again. Else a new phase.
      if (m.protocols == request.protocols) {
        m.last_heard_ms = now_ms;
        return current_join_response(m);
      }
      update_member(m, request, now_ms);
      return hold_join(m, token, now_ms);
    case group_state::stable:
      // A follower with unchanged protocols gets the current generation; the leader rejoining,
      // or anyone with new protocols (a new subscription), starts a rebalance.
      if (m.id != leader_id_ && m.protocols == request.protocols) {
        m.last_heard_ms = now_ms;
        return current_join_response(m);
      }
      update_member(m, request, now_ms);
      return hold_join(m, token, now_ms);
    case group_state::empty:
    case group_state::dead:
      break;
  }
  CAIRN_ASSERT(false, "group {} in {} has member {}", id_, to_string(state_), m.id);
  return std::nullopt;
}

group_fsm::member& group_fsm::add_member(std::string id, const join_request& request,
                                         std::int64_t now_ms) {
  if (members_.empty()) protocol_type_ = request.protocol_type;
  member m;
  m.id = std::move(id);
  m.instance_id = request.group_instance_id;
  m.join_order = next_join_order_++;
  update_member(m, request, now_ms);
  auto [it, inserted] = members_.emplace(m.id, std::move(m));
  CAIRN_ASSERT(inserted, "member id {} added twice", it->first);
  if (it->second.instance_id) instances_[*it->second.instance_id] = it->first;
  if (!leader_id_) leader_id_ = it->first;  // the first member leads
  return it->second;
}

void group_fsm::update_member(member& m, const join_request& request, std::int64_t now_ms) {
  m.client_id = request.client_id;
  m.client_host = request.client_host;
  m.session_timeout_ms = request.session_timeout_ms;
  m.rebalance_timeout_ms = request.rebalance_timeout_ms;
  m.protocols = request.protocols;
  m.last_heard_ms = now_ms;
}

std::optional<join_response> group_fsm::hold_join(member& m, request_token token,
                                                  std::int64_t now_ms) {
  const std::size_t from = completions_.size();
  if (m.join_token) {
    join_response superseded;
    superseded.error = errc::rebalance_in_progress;
    superseded.member_id = m.id;
    completions_.push_back({*m.join_token, std::move(superseded)});
  }
  m.join_token = token;
  if (state_ == group_state::preparing_rebalance) {
    // During the initial delay each newcomer buys the others another delay (Kafka's
    // InitialDelayedJoin), up to the rebalance timeout.
    if (initial_delay_until_ms_ > now_ms) {
      initial_delay_until_ms_ =
          std::min(now_ms + config_.initial_rebalance_delay_ms, rebalance_deadline_ms_);
    }
  } else {
    prepare_rebalance(now_ms);
  }
  maybe_complete_join(now_ms);
  return take_own<join_response>(token, from);
}

template <class Response>
std::optional<Response> group_fsm::take_own(request_token token, std::size_t from) {
  for (std::size_t i = from; i < completions_.size(); ++i) {
    if (completions_[i].token != token) continue;
    if (!std::holds_alternative<Response>(completions_[i].response)) continue;
    Response r = std::get<Response>(std::move(completions_[i].response));
    completions_.erase(completions_.begin() + static_cast<std::ptrdiff_t>(i));
    return r;
  }
  return std::nullopt;
}

// --- the join phase ---

void group_fsm::prepare_rebalance(std::int64_t now_ms) {
  CAIRN_ASSERT(state_ != group_state::dead && state_ != group_state::preparing_rebalance,
               "prepare_rebalance of {} in {}", id_, to_string(state_));
  if (state_ == group_state::completing_rebalance) {
    // Held syncs are told to rejoin. (A join may be held already: the one starting this phase.)
    for (auto& [id, m] : members_) {
      if (!m.sync_token) continue;
      completions_.push_back({*m.sync_token, sync_response{errc::rebalance_in_progress, {}}});
      m.sync_token.reset();
      m.last_heard_ms = now_ms;  // answered: its session runs again from now
    }
  }
  const bool from_empty = state_ == group_state::empty;
  transition(group_state::preparing_rebalance, now_ms);
  rebalance_deadline_ms_ = now_ms + rebalance_timeout_ms();
  initial_delay_until_ms_ = 0;
  if (from_empty && config_.initial_rebalance_delay_ms > 0) {
    initial_delay_until_ms_ =
        std::min(now_ms + config_.initial_rebalance_delay_ms, rebalance_deadline_ms_);
  }
}

void group_fsm::maybe_complete_join(std::int64_t now_ms) {
  if (state_ != group_state::preparing_rebalance) return;
  const bool everyone_joined =
      pending_members_.empty() && std::all_of(members_.begin(), members_.end(), [](const auto& kv) {
        return kv.second.join_token.has_value();
      });
  if ((everyone_joined && now_ms >= initial_delay_until_ms_) || now_ms >= rebalance_deadline_ms_) {
    complete_join(now_ms);
  }
}

void group_fsm::complete_join(std::int64_t now_ms) {
  std::vector<std::string> missing;
  for (const auto& [id, m] : members_)
    if (!m.join_token) missing.push_back(id);
  for (const std::string& id : missing)
    erase_member(id, errc::unknown_member_id);
  // Kafka's int32 generation; a restored INT32_MAX (2^31 rebalances, or a record that says so)
  // wraps to 1 rather than overflowing into the "no generation" values.
  generation_ = generation_.value() == INT32_MAX ? generation_id{1} : generation_ + 1;
  initial_delay_until_ms_ = 0;
  if (members_.empty()) {
    protocol_name_.reset();
    leader_id_.reset();
    transition(group_state::empty, now_ms);
    pending_write_ = snapshot();  // the new generation survives a restart
    return;
  }
  protocol_name_ = select_protocol();
  transition(group_state::completing_rebalance, now_ms);
  sync_deadline_ms_ = now_ms + rebalance_timeout_ms();
  for (const member* m : members_in_join_order()) {
    member& mm = members_.at(m->id);
    mm.last_heard_ms = now_ms;
    request_token token = *mm.join_token;
    mm.join_token.reset();
    completions_.push_back({token, current_join_response(mm)});
  }
}

std::string group_fsm::select_protocol() const {
  // Candidates: the protocols every member supports, in the leader's order of preference. Each
  // member votes for its most preferred candidate; most votes wins, ties go to the leader's
  // preference (Kafka leaves ties unspecified).
  const member& leader = members_.at(*leader_id_);
  std::vector<std::string_view> candidates;
  for (const protocol& p : leader.protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      return metadata_for(kv.second.protocols, p.name) != nullptr;
    });
    if (everyone) candidates.push_back(p.name);
  }
  CAIRN_ASSERT(!candidates.empty(), "group {}: members share no protocol", id_);
  std::map<std::string_view, std::size_t> votes;
  for (const auto& [id, m] : members_) {
    for (const protocol& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string_view best = candidates.front();
  for (std::string_view c : candidates)
    if (votes[c] > votes[best]) best = c;
  return std::string(best);
}

join_response group_fsm::current_join_response(const member& m) const {
  join_response r;
  r.generation = generation_;
  r.protocol_type = protocol_type_.value_or("");
  r.protocol_name = protocol_name_.value_or("");
  r.leader_id = leader_id_.value_or("");
  r.member_id = m.id;
  if (m.id == leader_id_) {
    for (const member* other : members_in_join_order()) {
      const std::string* metadata = metadata_for(other->protocols, r.protocol_name);
      CAIRN_ASSERT(metadata != nullptr, "member {} lacks protocol {}", other->id, r.protocol_name);
      r.members.push_back({other->id, other->instance_id, *metadata});
    }
  }
  return r;
}

// --- sync ---

std::optional<sync_response> group_fsm::sync(const sync_request& request, request_token token,
                                             std::int64_t now_ms) {
  CAIRN_ASSERT(request.group_id == id_, "sync for {} routed to {}", request.group_id, id_);
  CAIRN_DEBUG_ASSERT(!holds(token), "group {}: token {} is held already", id_, token);
  observe(now_ms);
  auto response = sync_impl(request, token, now_ms);
  check_invariants();
  return response;
}

std::optional<sync_response> group_fsm::sync_impl(const sync_request& request, request_token token,
                                                  std::int64_t now_ms) {
  auto refuse = [](std::error_code ec) {
    return std::optional<sync_response>(sync_response{ec, {}});
  };
  if (state_ == group_state::dead) return refuse(errc::coordinator_not_available);
  if (auto ec = validate_member(request.member_id, request.group_instance_id)) return refuse(ec);
  member& m = *find(request.member_id);
  if (request.generation != generation_) return refuse(errc::illegal_generation);
  switch (state_) {
    case group_state::preparing_rebalance:
      return refuse(errc::rebalance_in_progress);
    case group_state::stable:
      m.last_heard_ms = now_ms;
      return sync_response{{}, m.assignment};
    case group_state::completing_rebalance:
      break;
    case group_state::empty:
    case group_state::dead:
      CAIRN_ASSERT(false, "group {} in {} has member {}", id_, to_string(state_), m.id);
  }
  m.last_heard_ms = now_ms;
  const bool leader = m.id == leader_id_;
  if (leader) {
    if (auto ec = check_assignments(request.assignments)) {
      // The leader's plan cannot be stored: start over (the followers are told to rejoin).
      prepare_rebalance(now_ms);
      return refuse(ec);
    }
  }
  const std::size_t from = completions_.size();
  if (m.sync_token)
    completions_.push_back({*m.sync_token, sync_response{errc::rebalance_in_progress, {}}});
  m.sync_token = token;
  if (leader) apply_assignments(request.assignments, now_ms);
  return take_own<sync_response>(token, from);
}

std::error_code group_fsm::check_assignments(
    const std::vector<member_assignment>& assignments) const {
  // The size the group's record will have: every member's subscription and, from the leader's
  // plan, assignment (the last entry of a member listed twice; strangers are ignored).
  std::map<std::string_view, std::string_view> plan;
  for (const member_assignment& a : assignments) {
    if (a.assignment.size() > config_.assignment_bytes_max) {
      return errc::group_metadata_too_large;
    }
    plan.insert_or_assign(a.member_id, a.assignment);
  }
  group_metadata_value planned = snapshot();
  for (member_metadata& m : planned.members) {
    auto it = plan.find(m.member_id);
    m.assignment = it == plan.end() ? std::string{} : std::string(it->second);
  }
  if (encoded_size(planned) > config_.group_record_bytes_max) {
    return errc::group_metadata_too_large;
  }
  return {};
}

void group_fsm::apply_assignments(const std::vector<member_assignment>& assignments,
                                  std::int64_t now_ms) {
  // Members the leader left out get an empty assignment; ids that are not members are ignored.
  // A member listed twice gets its last entry.
  for (auto& [id, m] : members_)
    m.assignment.clear();
  for (const member_assignment& a : assignments) {
    if (member* m = find(a.member_id)) m->assignment = a.assignment;
  }
  transition(group_state::stable, now_ms);
  pending_write_ = snapshot();
  for (const member* cm : members_in_join_order()) {
    member& m = members_.at(cm->id);
    m.last_heard_ms = now_ms;
    if (!m.sync_token) continue;
    completions_.push_back({*m.sync_token, sync_response{{}, m.assignment}});
    m.sync_token.reset();
  }
}

// --- heartbeat and leave ---

std::error_code group_fsm::heartbeat(const heartbeat_request& request, std::int64_t now_ms) {
  CAIRN_ASSERT(request.group_id == id_, "heartbeat for {} routed to {}", request.group_id, id_);
  observe(now_ms);
  auto ec = heartbeat_impl(request, now_ms);
  check_invariants();
  return ec;
}

std::error_code group_fsm::heartbeat_impl(const heartbeat_request& request, std::int64_t now_ms) {
  if (state_ == group_state::dead) return errc::coordinator_not_available;
  if (auto ec = validate_member(request.member_id, request.group_instance_id)) return ec;
  member& m = *find(request.member_id);
  if (request.generation != generation_) return errc::illegal_generation;
  m.last_heard_ms = now_ms;
  if (state_ == group_state::preparing_rebalance) return errc::rebalance_in_progress;
  return {};
}

leave_response group_fsm::leave(const leave_request& request, std::int64_t now_ms) {
  CAIRN_ASSERT(request.group_id == id_, "leave for {} routed to {}", request.group_id, id_);
  observe(now_ms);
  auto response = leave_impl(request, now_ms);
  check_invariants();
  return response;
}

leave_response group_fsm::leave_impl(const leave_request& request, std::int64_t now_ms) {
  leave_response r;
  if (state_ == group_state::dead) {
    r.error = errc::coordinator_not_available;
    return r;
  }
  if (request.members.empty()) {
    r.error = errc::invalid_request;
    return r;
  }
  bool members_left = false;
  for (const leave_member& lm : request.members) {
    std::error_code ec;
    if (lm.group_instance_id) {
      auto it = instances_.find(*lm.group_instance_id);
      if (it == instances_.end()) {
        ec = errc::unknown_member_id;
      } else if (!lm.member_id.empty() && lm.member_id != it->second) {
        ec = errc::fenced_instance_id;
      } else {
        erase_member(std::string(it->second), errc::unknown_member_id);
        members_left = true;
      }
    } else if (pending_members_.erase(lm.member_id) > 0) {
      // Not a member yet: nothing to rebalance, but a join phase may have waited for it.
    } else if (find(lm.member_id) != nullptr) {
      erase_member(lm.member_id, errc::unknown_member_id);
      members_left = true;
    } else {
      ec = errc::unknown_member_id;
    }
    r.member_errors.push_back(ec);
  }
  if (members_left) after_members_left(now_ms);
  maybe_complete_join(now_ms);
  return r;
}

// --- timers ---

std::optional<std::int64_t> group_fsm::expire(std::int64_t now_ms) {
  observe(now_ms);
  if (state_ != group_state::dead) {
    std::erase_if(pending_members_, [&](const auto& kv) { return kv.second <= now_ms; });
    // Members with a held join or sync are waiting on the group, not silent: the phase
    // deadlines bound them instead.
    std::vector<std::string> silent;
    for (const auto& [id, m] : members_) {
      if (!m.join_token && !m.sync_token && m.last_heard_ms + m.session_timeout_ms <= now_ms) {
        silent.push_back(id);
      }
    }
    for (const std::string& id : silent)
      erase_member(id, errc::unknown_member_id);
    if (!silent.empty()) after_members_left(now_ms);
    maybe_complete_join(now_ms);  // a lapsed member id may have been all a join phase awaited
    if (state_ == group_state::completing_rebalance && now_ms >= sync_deadline_ms_) {
      // The leader did not sync in time (else the group would be Stable): drop whoever has not
      // synced, and start over with the rest.
      std::vector<std::string> unsynced;
      for (const auto& [id, m] : members_)
        if (!m.sync_token) unsynced.push_back(id);
      for (const std::string& id : unsynced)
        erase_member(id, errc::unknown_member_id);
      prepare_rebalance(now_ms);
      maybe_complete_join(now_ms);
    }
  }
  check_invariants();
  auto next = next_deadline();
  CAIRN_ASSERT(!next || *next > now_ms, "group {}: deadline {} not after expire({})", id_, *next,
               now_ms);
  return next;
}

std::optional<std::int64_t> group_fsm::next_deadline() const {
  if (state_ == group_state::dead) return std::nullopt;
  std::optional<std::int64_t> next;
  auto consider = [&](std::int64_t t) { next = next ? std::min(*next, t) : t; };
  bool everyone_joined = pending_members_.empty();
  for (const auto& [id, m] : members_) {
    if (!m.join_token && !m.sync_token) consider(m.last_heard_ms + m.session_timeout_ms);
    if (!m.join_token) everyone_joined = false;
  }
  for (const auto& [id, lapse_ms] : pending_members_)
    consider(lapse_ms);
  if (state_ == group_state::preparing_rebalance) {
    consider(rebalance_deadline_ms_);
    if (everyone_joined && initial_delay_until_ms_ > last_now_ms_) {
      consider(initial_delay_until_ms_);
    }
  }
  if (state_ == group_state::completing_rebalance) consider(sync_deadline_ms_);
  return next;
}

std::vector<completion> group_fsm::take_completions() {
  std::vector<completion> out;
  out.reserve(completions_.size());
  for (completion& c : completions_)
    out.push_back(std::move(c));
  completions_.clear();
  return out;
}

// --- membership helpers ---

void group_fsm::erase_member(const std::string& member_id, errc error) {
  auto it = members_.find(member_id);
  CAIRN_ASSERT(it != members_.end(), "group {}: no member {} to erase", id_, member_id);
  answer_held(it->second, error);
  if (it->second.instance_id) instances_.erase(*it->second.instance_id);
  members_.erase(it);
  if (leader_id_ == member_id) elect_leader();
}

void group_fsm::after_members_left(std::int64_t now_ms) {
  switch (state_) {
    case group_state::stable:
    case group_state::completing_rebalance:
      prepare_rebalance(now_ms);
      maybe_complete_join(now_ms);
      break;
    case group_state::preparing_rebalance:
      maybe_complete_join(now_ms);
      break;
    case group_state::empty:
    case group_state::dead:
      break;
  }
}

void group_fsm::answer_held(member& m, errc error) {
  if (m.join_token) {
    join_response r;
    r.error = error;
    r.member_id = m.id;
    completions_.push_back({*m.join_token, std::move(r)});
    m.join_token.reset();
  }
  if (m.sync_token) {
    completions_.push_back({*m.sync_token, sync_response{error, {}}});
    m.sync_token.reset();
  }
}

void group_fsm::elect_leader() {
  leader_id_.reset();
  const member* first = nullptr;
  for (const auto& [id, m] : members_)
    if (first == nullptr || m.join_order < first->join_order) first = &m;
  if (first != nullptr) leader_id_ = first->id;
}

std::error_code group_fsm::validate_member(const std::string& member_id,
                                           const std::optional<std::string>& instance_id) const {
  if (is_fenced(member_id, instance_id)) return errc::fenced_instance_id;
  if (find(member_id) == nullptr) return errc::unknown_member_id;
  return {};
}

bool group_fsm::is_fenced(const std::string& member_id,
                          const std::optional<std::string>& instance_id) const {
  if (!instance_id) return false;
  auto it = instances_.find(*instance_id);
  return it != instances_.end() && it->second != member_id;
}

group_fsm::member* group_fsm::find(const std::string& member_id) {
  auto it = members_.find(member_id);
  return it == members_.end() ? nullptr : &it->second;
}

const group_fsm::member* group_fsm::find(const std::string& member_id) const {
  auto it = members_.find(member_id);
  return it == members_.end() ? nullptr : &it->second;
}

bool group_fsm::holds(request_token token) const {
  return std::any_of(members_.begin(), members_.end(), [&](const auto& kv) {
    return kv.second.join_token == token || kv.second.sync_token == token;
  });
}

void group_fsm::transition(group_state to, std::int64_t now_ms) {
  state_ = to;
  state_timestamp_ms_ = now_ms;
}

std::string group_fsm::generate_member_id(std::string_view client_id) {
  // Kafka's shape: client id, "-", a UUID. The prefix is cut so the id fits name_bytes_max.
  std::string_view prefix = client_id.substr(0, config_.name_bytes_max - 37);
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::uint64_t hi = splitmix64(rng_state_);
    std::uint64_t lo = splitmix64(rng_state_);
    std::string id =
        fmt::format("{}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", prefix, hi >> 32, (hi >> 16) & 0xffff,
                    hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
    if (!members_.contains(id) && !pending_members_.contains(id)) return id;
  }
  CAIRN_ASSERT(false, "group {}: eight member ids in a row were taken", id_);
  return {};
}

std::int32_t group_fsm::rebalance_timeout_ms() const {
  std::int32_t timeout = 0;
  for (const auto& [id, m] : members_)
    timeout = std::max(timeout, m.rebalance_timeout_ms);
  return timeout;
}

std::vector<const group_fsm::member*> group_fsm::members_in_join_order() const {
  std::vector<const member*> ordered;
  ordered.reserve(members_.size());
  for (const auto& [id, m] : members_)
    ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(),
            [](const member* a, const member* b) { return a->join_order < b->join_order; });
  return ordered;
}

void group_fsm::observe(std::int64_t now_ms) {
  CAIRN_ASSERT(now_ms >= last_now_ms_, "group {}: time went back from {} to {} ms", id_,
               last_now_ms_, now_ms);
  last_now_ms_ = now_ms;
}

void group_fsm::check_invariants() const {
  CAIRN_ASSERT(generation_.value() >= 0, "group {}: generation {}", id_, generation_);
  if (state_ == group_state::dead) {
    CAIRN_ASSERT(members_.empty(), "dead group {} has {} members", id_, members_.size());
    CAIRN_ASSERT(pending_members_.empty(), "dead group {} has pending members", id_);
    return;
  }
  if (state_ == group_state::empty) {
    CAIRN_ASSERT(members_.empty(), "empty group {} has {} members", id_, members_.size());
  }
  const bool assigned =
      state_ == group_state::completing_rebalance || state_ == group_state::stable;
  if (assigned) {
    CAIRN_ASSERT(!members_.empty(), "group {} in {} has no members", id_, to_string(state_));
    CAIRN_ASSERT(protocol_name_.has_value(), "group {} in {} has no protocol", id_,
                 to_string(state_));
  }
  CAIRN_ASSERT(members_.empty() == !leader_id_.has_value(), "group {}: {} members, leader {}", id_,
               members_.size(), leader_id_.value_or("none"));
  if (leader_id_) {
    CAIRN_ASSERT(members_.contains(*leader_id_), "group {}: leader {} not a member", id_,
                 *leader_id_);
  }
  CAIRN_ASSERT(members_.empty() || protocol_type_.has_value(), "group {}: no protocol type", id_);
  std::size_t statics = 0;
  for (const auto& [id, m] : members_) {
    CAIRN_ASSERT(id == m.id, "member keyed {} is {}", id, m.id);
    CAIRN_ASSERT(!m.join_token || state_ == group_state::preparing_rebalance,
                 "group {}: member {} holds a join in {}", id_, id, to_string(state_));
    CAIRN_ASSERT(!m.sync_token || state_ == group_state::completing_rebalance,
                 "group {}: member {} holds a sync in {}", id_, id, to_string(state_));
    CAIRN_ASSERT(!pending_members_.contains(id), "group {}: {} both member and pending", id_, id);
    if (m.instance_id) {
      ++statics;
      auto it = instances_.find(*m.instance_id);
      CAIRN_ASSERT(it != instances_.end() && it->second == id,
                   "group {}: instance {} does not map to {}", id_, *m.instance_id, id);
    }
    if (assigned) {
      CAIRN_ASSERT(metadata_for(m.protocols, *protocol_name_) != nullptr,
                   "group {}: member {} lacks protocol {}", id_, id, *protocol_name_);
    }
  }
  CAIRN_ASSERT(statics == instances_.size(), "group {}: {} static members, {} instance ids", id_,
               statics, instances_.size());
}

}  // namespace cairn::broker::group
