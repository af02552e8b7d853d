// Leader election (§3.4) with pre-vote (§9.6), leader stickiness (§4.2.3), and the role changes.
#include <utility>

#include "broker/raft/node.h"
#include "cairn/base/assert.h"

namespace cairn::raft {

void node::reset_election_timer() {
  election_elapsed_ = 0;
  // splitmix64: a deterministic draw from the injected seed.
  rng_state_ += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = rng_state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  const auto span = static_cast<std::uint64_t>(options_.election_timeout_ticks_max -
                                               options_.election_timeout_ticks_min);
  randomized_timeout_ = options_.election_timeout_ticks_min + static_cast<int>(z % span);
}

bool node::promotable() const {
  return log_.config().contains(options_.id);
}

bool node::in_lease() const {
  return options_.check_quorum && leader_ != no_node &&
         election_elapsed_ < options_.election_timeout_ticks_min;
}

void node::tick_election() {
  ++election_elapsed_;
  if (election_elapsed_ >= randomized_timeout_) {
    reset_election_timer();
    if (promotable()) campaign(false);
  }
}

void node::campaign_now() {
  if (role_ == role::leader || !promotable()) return;
  reset_election_timer();
  campaign(false);
}

void node::campaign(bool transfer) {
  if (options_.pre_vote && !transfer) {
    // Ask whether a majority would vote for us in term + 1, without leaving our term (§9.6).
    role_ = role::pre_candidate;
    leader_ = no_node;
    votes_.clear();
    votes_[options_.id] = true;
    const configuration cfg = log_.config();
    if (votes_.size() >= cfg.quorum()) {
      become_candidate(false);
      return;
    }
    for (node_id v : cfg.voters) {
      if (v == options_.id) continue;
      send(v, vote_request{.term = hs_.term + 1,
                           .pre_vote = true,
                           .last_offset = last_offset(),
                           .last_term = last_term()});
    }
    return;
  }
  become_candidate(transfer);
}

void node::become_candidate(bool transfer) {
  hs_ = hard_state{.term = hs_.term + 1, .voted_for = options_.id};
  save_hard_state();
  role_ = role::candidate;
  leader_ = no_node;
  votes_.clear();
  votes_[options_.id] = true;
  reset_election_timer();
  const configuration cfg = log_.config();
  if (votes_.size() >= cfg.quorum()) {
    become_leader();
    return;
  }
  for (node_id v : cfg.voters) {
    if (v == options_.id) continue;
    send(v, vote_request{.term = hs_.term,
                         .transfer = transfer,
                         .last_offset = last_offset(),
                         .last_term = last_term()});
  }
}

void node::become_follower(term_id term, node_id leader) {
  CAIRN_ASSERT(term >= hs_.term, "{}: back from term {} to {}", options_.id, hs_.term, term);
  // What was verified equal to a leader's log holds for that leader in that term only: the same
  // node leading again in a later term may have lost and rewritten that suffix.
  if (term > hs_.term || leader != leader_ || role_ != role::follower) {
    ack_end_ = log_offset{0};
    ack_durable_sent_ = log_offset{0};
  }
  if (term > hs_.term) {
    hs_ = hard_state{.term = term, .voted_for = no_node};
    save_hard_state();
  }
  role_ = role::follower;
  leader_ = leader;
  votes_.clear();
  progress_.clear();
  transfer_target_ = no_node;
  entries_pending_ = false;
  reset_election_timer();
}

void node::become_leader() {
  CAIRN_ASSERT(role_ == role::candidate, "{} becomes leader as {}", options_.id, to_string(role_));
  role_ = role::leader;
  leader_ = options_.id;
  votes_.clear();
  transfer_target_ = no_node;
  heartbeat_elapsed_ = 0;
  election_elapsed_ = 0;
  commit_sent_ = commit_;
  progress_.clear();
  sync_progress();
  // The no-op of this term (§3.6.2): entries of earlier terms commit when it does.
  term_start_ = append_local(entry_kind::noop, {}, 1);
}

void node::on_vote_request(node_id from, const vote_request& req) {
  const bool up_to_date = req.last_term > last_term() ||
                          (req.last_term == last_term() && req.last_offset >= last_offset());
  if (req.pre_vote) {
    // The term check ran in step(): here req.term >= our term; grant only a future term.
    const bool grant = req.term > hs_.term && up_to_date;
    send(from,
         vote_response{.term = grant ? req.term : hs_.term, .pre_vote = true, .granted = grant});
    return;
  }
  CAIRN_ASSERT(req.term == hs_.term, "vote request of term {} in term {}", req.term, hs_.term);
  const bool can_vote = hs_.voted_for == from || (hs_.voted_for == no_node && leader_ == no_node);
  const bool grant = can_vote && up_to_date;
  if (grant) {
    hs_.voted_for = from;
    save_hard_state();
    reset_election_timer();
  }
  send(from, vote_response{.term = hs_.term, .granted = grant});
}

void node::on_vote_response(node_id from, const vote_response& resp) {
  const bool counts =
      (role_ == role::pre_candidate && resp.pre_vote && resp.term == hs_.term + 1) ||
      (role_ == role::candidate && !resp.pre_vote && resp.term == hs_.term);
  if (!counts) return;
  const configuration cfg = log_.config();
  if (!cfg.contains(from)) return;
  votes_[from] = resp.granted;
  std::size_t granted = 0;
  std::size_t refused = 0;
  for (const auto& [id, g] : votes_) {
    if (!cfg.contains(id)) continue;
    ++(g ? granted : refused);
  }
  if (granted >= cfg.quorum()) {
    if (role_ == role::pre_candidate) {
      become_candidate(false);
    } else {
      become_leader();
    }
  } else if (refused >= cfg.quorum()) {
    become_follower(hs_.term, no_node);
  }
}

}  // namespace cairn::raft
