// raft::node: construction, the input dispatch, outputs and the state invariants. The protocol
// phases live in election.cc, replication.cc and membership.cc.
#include "broker/raft/node.h"

#include <utility>

#include "cairn/base/assert.h"

namespace cairn::raft {

const char* to_string(role r) {
  switch (r) {
    case role::follower:
      return "follower";
    case role::pre_candidate:
      return "pre_candidate";
    case role::candidate:
      return "candidate";
    case role::leader:
      return "leader";
  }
  return "?";
}

const char* to_string(config_op op) {
  switch (op) {
    case config_op::add_learner:
      return "add_learner";
    case config_op::promote:
      return "promote";
    case config_op::add_voter:
      return "add_voter";
    case config_op::remove:
      return "remove";
  }
  return "?";
}

node::node(options opts, log& log, hard_state hs)
    : options_(opts), log_(log), hs_(hs), rng_state_(opts.rng_seed) {
  CAIRN_ASSERT(options_.id != no_node, "node id 0 is reserved");
  CAIRN_ASSERT(options_.election_timeout_ticks_min > options_.heartbeat_interval_ticks,
               "election timeout {} must exceed the heartbeat interval {}",
               options_.election_timeout_ticks_min, options_.heartbeat_interval_ticks);
  CAIRN_ASSERT(options_.election_timeout_ticks_max > options_.election_timeout_ticks_min,
               "election timeout range [{}, {}) is empty", options_.election_timeout_ticks_min,
               options_.election_timeout_ticks_max);
  CAIRN_ASSERT(options_.inflight_appends_max > 0 && options_.append_batches_max > 0,
               "inflight {} batches {}", options_.inflight_appends_max,
               options_.append_batches_max);
  // Everything below the log start is committed (retention and reset only remove committed
  // entries); the rest is learned from a leader.
  commit_ = log_.start_offset();
  durable_end_ = log_.end_offset();
  reset_election_timer();
  check_invariants();
}

void node::tick() {
  if (role_ == role::leader) {
    tick_leader();
  } else {
    tick_election();
  }
  check_invariants();
}

void node::step(const message& m) {
  CAIRN_ASSERT(m.to == options_.id, "message for {} stepped into {}", m.to, options_.id);
  const term_id t = term_of(m.body);
  const auto* vreq = std::get_if<vote_request>(&m.body);
  const auto* vresp = std::get_if<vote_response>(&m.body);

  if (t > hs_.term) {
    if (vreq != nullptr) {
      // A vote request while a leader is known and heard from: ignore it (unless it comes from
      // a leadership transfer), so a rejoining node cannot depose a healthy leader (§4.2.3).
      if (!vreq->transfer && in_lease()) {
        check_invariants();
        return;
      }
      // A pre-vote request changes nothing here; a real one moves us to its term.
      if (!vreq->pre_vote) become_follower(t, no_node);
    } else if (vresp != nullptr && vresp->pre_vote && vresp->granted) {
      // A granted pre-vote carries the term we would campaign in: not a newer term.
    } else if (std::holds_alternative<append_request>(m.body) ||
               std::holds_alternative<install_request>(m.body) ||
               std::holds_alternative<timeout_now>(m.body)) {
      become_follower(t, m.from);
    } else {
      become_follower(t, no_node);
    }
  } else if (t < hs_.term) {
    // A stale sender: tell it our term so that it steps down (a deposed leader, an old
    // candidate). A pre-vote for a term we are already in is refused the same way.
    if (std::holds_alternative<append_request>(m.body) ||
        std::holds_alternative<install_request>(m.body)) {
      send(m.from, append_response{.term = hs_.term, .success = false});
    } else if (vreq != nullptr) {
      send(m.from, vote_response{.term = hs_.term, .pre_vote = vreq->pre_vote, .granted = false});
    }
    check_invariants();
    return;
  }

  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, vote_request>) {
          on_vote_request(m.from, body);
        } else if constexpr (std::is_same_v<T, vote_response>) {
          on_vote_response(m.from, body);
        } else if constexpr (std::is_same_v<T, append_request>) {
          on_append_request(m.from, body);
        } else if constexpr (std::is_same_v<T, append_response>) {
          on_append_response(m.from, body);
        } else if constexpr (std::is_same_v<T, install_request>) {
          on_install_request(m.from, body);
        } else if constexpr (std::is_same_v<T, timeout_now>) {
          on_timeout_now(m.from);
        }
      },
      m.body);
  check_invariants();
}

result<offset_range> node::propose(std::string records, std::int64_t record_count) {
  CAIRN_ASSERT(record_count > 0, "a batch of {} records", record_count);
  if (role_ != role::leader) return errc::not_leader;
  if (transfer_target_ != no_node) return errc::transfer_in_progress;
  const log_offset base = append_local(entry_kind::data, std::move(records), record_count);
  check_invariants();
  return offset_range{base, base + (record_count - 1)};
}

result<void> node::transfer_leadership(node_id to) {
  if (role_ != role::leader) return errc::not_leader;
  if (transfer_target_ != no_node) return errc::transfer_in_progress;
  if (to == options_.id || !log_.config().contains(to)) return errc::invalid_transfer_target;
  transfer_target_ = to;
  transfer_elapsed_ = 0;
  progress& p = progress_.at(to);
  if (p.appended_end == log_.end_offset()) {
    send(to, timeout_now{hs_.term});
  } else {
    send_append(to, p, false);
  }
  check_invariants();
  return success();
}

void node::flushed(log_offset end) {
  if (end > log_.end_offset()) end = log_.end_offset();
  if (end <= durable_end_) return;
  durable_end_ = end;
  if (role_ == role::leader) {
    maybe_commit();
  } else {
    send_ack();
  }
  check_invariants();
}

ready node::take_ready() {
  if (role_ == role::leader && (entries_pending_ || commit_sent_ != commit_)) {
    // Proposals since the last call go out together; a moved commit goes out at once rather
    // than with the next heartbeat.
    const bool commit_moved = commit_sent_ != commit_;
    for (auto& [id, p] : progress_) {
      // An install in flight is retried by the heartbeat, not on every commit.
      send_append(id, p, commit_moved && p.state != progress::mode::install);
    }
    entries_pending_ = false;
    commit_sent_ = commit_;
  }
  ready r;
  r.messages = std::exchange(outbox_, {});
  r.commit_end = commit_;
  r.current_role = role_;
  r.term = hs_.term;
  r.leader = leader_;
  return r;
}

std::vector<follower_status> node::followers() const {
  std::vector<follower_status> out;
  for (const auto& [id, p] : progress_) {
    out.push_back({.id = id,
                   .match_end = p.match_end,
                   .appended_end = p.appended_end,
                   .recent_active = p.recent_active,
                   .learner = !log_.config().contains(id)});
  }
  return out;
}

void node::send(node_id to, message_body body) {
  CAIRN_ASSERT(to != options_.id, "{} sends to itself", to);
  outbox_.push_back(message{.from = options_.id, .to = to, .body = std::move(body)});
}

void node::save_hard_state() {
  log_.save_hard_state(hs_);
}

void node::check_invariants() const {
  const log_offset start = log_.start_offset();
  const log_offset end = log_.end_offset();
  CAIRN_ASSERT(start <= end, "log start {} > end {}", start, end);
  CAIRN_ASSERT(start <= commit_, "{}: log start {} passed the commit end {}", options_.id, start,
               commit_);
  CAIRN_ASSERT(commit_ <= end, "{}: commit end {} > log end {}", options_.id, commit_, end);
  CAIRN_ASSERT(durable_end_ <= end, "{}: durable end {} > log end {}", options_.id, durable_end_,
               end);
  if (role_ == role::leader) {
    CAIRN_ASSERT(leader_ == options_.id, "leader {} names {} as leader", options_.id, leader_);
    CAIRN_ASSERT(hs_.voted_for == options_.id, "leader {} voted for {}", options_.id,
                 hs_.voted_for);
    CAIRN_ASSERT(term_start_ < end, "leader's no-op at {} not in its log (end {})", term_start_,
                 end);
    for (const auto& [id, p] : progress_) {
      CAIRN_ASSERT(p.match_end <= p.appended_end, "{}: match {} > appended {}", id, p.match_end,
                   p.appended_end);
      CAIRN_ASSERT(p.appended_end <= end, "{}: appended {} > log end {}", id, p.appended_end, end);
      CAIRN_ASSERT(p.next <= end, "{}: next {} > log end {}", id, p.next, end);
      CAIRN_ASSERT(p.inflight.size() <= options_.inflight_appends_max, "{}: {} in flight", id,
                   p.inflight.size());
    }
  } else {
    CAIRN_ASSERT(progress_.empty(), "{} is {} with progress", options_.id, to_string(role_));
    CAIRN_ASSERT(transfer_target_ == no_node, "{} is {} transferring", options_.id,
                 to_string(role_));
  }
}

}  // namespace cairn::raft
