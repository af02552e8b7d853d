// raft::node: one replica of one Raft group, as a pure state machine (no clock, socket, thread or
// file). Inputs: step(message), tick(), propose(), transfer_leadership(), change_config() and the
// storage completion flushed(). Outputs: calls on the raft::log it is given (synchronous appends
// and truncations, durable hard state) and take_ready() (messages to send, the commit end).
//
// The caller (the simulator now, the broker's Asio driver later) owns the loop: it ticks the
// node on its clock, feeds it messages, flushes the log on its own policy and reports flushed(),
// and after each input drains take_ready() and sends the messages. Nothing in here blocks.
//
// Sections of Ongaro's thesis: election with pre-vote and leader stickiness (§3.4, §9.6,
// §4.2.3), replication (§3.5) with pipelining and batching (§10.2.1), commit of the leader's
// term only (§3.6.2), leadership transfer (§3.10), single-server membership changes and
// learners (§4.1–§4.2.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "broker/raft/errc.h"
#include "broker/raft/log.h"
#include "broker/raft/messages.h"
#include "broker/raft/types.h"
#include "cairn/base/result.h"

namespace cairn::raft {

enum class role : std::uint8_t { follower, pre_candidate, candidate, leader };
const char* to_string(role r);

struct options {
  node_id id{0};
  // The election timeout is drawn in [min, max) ticks after each reset; a leader sends a
  // heartbeat every heartbeat_interval_ticks and checks it still has a quorum every min ticks.
  int election_timeout_ticks_min = 10;
  int election_timeout_ticks_max = 20;
  int heartbeat_interval_ticks = 2;
  // Replication: batches per append message and append messages in flight per follower.
  std::size_t append_batches_max = 8;
  std::size_t inflight_appends_max = 4;
  // §9.6: campaign only after a majority would vote (a partitioned node does not inflate its
  // term). Off only to show, in a test, what it prevents.
  bool pre_vote = true;
  // §6.2 / etcd CheckQuorum: a leader that has not heard from a quorum for an election timeout
  // steps down, and a follower that heard from a leader within the minimum election timeout
  // ignores vote requests (leader stickiness).
  bool check_quorum = true;
  // Seeds the election timeout draws: deterministic, never from a clock.
  std::uint64_t rng_seed = 1;
};

struct offset_range {
  log_offset base_offset{0};
  log_offset last_offset{0};
};

struct ready {
  std::vector<message> messages;  // to send, in any order, each at most once (loss is fine)
  log_offset commit_end{0};       // the high watermark: [start, commit_end) is committed
  // The soft state, so that the driver sees a change of role, term or leader (to answer
  // not_leader with the leader, fence a deposed leader's pending produce requests...).
  role current_role = role::follower;
  term_id term{0};
  node_id leader{0};
};

enum class config_op : std::uint8_t {
  add_learner,  // a new member that receives the log but does not vote yet
  promote,      // a learner becomes a voter
  add_voter,    // a new member that votes at once (counts in the quorum while it catches up)
  remove,       // a voter or a learner leaves
};
const char* to_string(config_op op);

// A follower as its leader sees it: for metrics, for under-replication alerts, and for an
// operator (or the controller) waiting for a replica to catch up.
struct follower_status {
  node_id id{0};
  log_offset match_end{0};     // durable on the follower and equal to the leader's below it
  log_offset appended_end{0};  // equal to the leader's below it
  bool recent_active = false;  // answered within the current quorum-check period
  bool learner = false;
};

class node {
 public:
  // `log` outlives the node. `hs` is what save_hard_state() last made durable. The log is the
  // recovered, durable one: everything in it counts as flushed.
  node(options opts, log& log, hard_state hs);

  void tick();
  void step(const message& m);

  // Leader only: appends a data batch of `record_count` records at the log end and returns its
  // offsets. The batch is replicated at the next take_ready() (proposals made between two
  // take_ready() calls share append messages). Errors: not_leader (leader() names the leader
  // known, if any), transfer_in_progress.
  result<offset_range> propose(std::string records, std::int64_t record_count = 1);

  // Leader only: hands leadership to `to` (§3.10): stops taking proposals, brings `to` up to
  // date and sends it timeout_now. Abandoned after an election timeout. Errors: not_leader,
  // invalid_transfer_target, transfer_in_progress.
  result<void> transfer_leadership(node_id to);

  // Starts an election now (a pre-vote first, when enabled) instead of waiting for the election
  // timeout: etcd's campaign. The driver calls it on a new group's preferred replica, so a topic
  // gets its leaders in a round trip rather than after a randomized timeout. Safe at any time
  // (an election is always safe in Raft); does nothing on a leader or a non-voter.
  void campaign_now();

  // Leader only: changes one member (§4.1) by appending a config batch, in force from its
  // append. Errors: not_leader, transfer_in_progress, leader_not_ready (no entry of this term
  // committed yet, the fix of §4.1's single-server bug), config_change_pending (the last change
  // is not committed), invalid_config_change (adding a member, promoting a non-learner,
  // removing a non-member or the last voter).
  result<offset_range> change_config(config_op op, node_id member);

  // Storage completion: [.., end) of the log is durable. REQUIRES: no truncate() or reset()
  // below `end` since the flush began (the driver drops such a stale completion).
  void flushed(log_offset end);

  // Drains the outputs.
  ready take_ready();

  node_id id() const { return options_.id; }
  role current_role() const { return role_; }
  term_id term() const { return hs_.term; }
  node_id leader() const { return leader_; }
  log_offset commit_end() const { return commit_; }
  log_offset durable_end() const { return durable_end_; }
  node_id transfer_target() const { return transfer_target_; }
  // Leader only (empty otherwise): every other member of the newest configuration.
  std::vector<follower_status> followers() const;
  const hard_state& current_hard_state() const { return hs_; }

 private:
  // A follower as the leader sees it (§3.5, etcd's Progress).
  struct progress {
    enum class mode : std::uint8_t { probe, replicate, install } state = mode::probe;
    log_offset match_end{0};          // durable on the follower and equal to ours below it
    log_offset appended_end{0};       // equal to ours below it (maybe not durable yet)
    log_offset next{0};               // the next offset to send
    std::deque<log_offset> inflight;  // ends of the appends sent and not acknowledged
    bool probe_sent = false;
    bool recent_active = false;  // answered since the last quorum check
    int stalled_ticks = 0;       // ticks since it last acknowledged something new
  };

  // election.cc
  void tick_election();
  void campaign(bool transfer);
  void become_candidate(bool transfer);
  void become_leader();
  void become_follower(term_id term, node_id leader);
  void on_vote_request(node_id from, const vote_request& req);
  void on_vote_response(node_id from, const vote_response& resp);
  bool in_lease() const;
  bool promotable() const;
  void reset_election_timer();

  // replication.cc
  void tick_leader();
  void on_append_request(node_id from, const append_request& req);
  void on_append_response(node_id from, const append_response& resp);
  void on_install_request(node_id from, const install_request& req);
  void on_timeout_now(node_id from);
  void send_append(node_id to, progress& p, bool heartbeat);
  void send_install(node_id to, progress& p);
  void maybe_commit();
  void send_ack();
  log_offset append_local(entry_kind kind, std::string records, std::int64_t record_count,
                          configuration config = {});
  // The largest batch end <= at_most whose term is <= t, or start - 1 (see append_response).
  log_offset term_floor(log_offset at_most, term_id t) const;

  // membership.cc
  void sync_progress();

  void send(node_id to, message_body body);
  void save_hard_state();
  log_offset last_offset() const { return log_.end_offset() - 1; }
  term_id last_term() const { return log_.term_at(last_offset()); }
  void check_invariants() const;

  const options options_;
  log& log_;
  hard_state hs_;
  role role_ = role::follower;
  node_id leader_ = no_node;
  log_offset commit_{0};
  log_offset durable_end_{0};
  std::uint64_t rng_state_;

  int election_elapsed_ = 0;
  int randomized_timeout_ = 0;
  int heartbeat_elapsed_ = 0;

  std::map<node_id, bool> votes_;  // candidate and pre-candidate

  // Leader.
  std::map<node_id, progress> progress_;
  log_offset term_start_{0};  // offset of this leader's no-op
  bool entries_pending_ = false;
  log_offset commit_sent_{0};
  node_id transfer_target_ = no_node;
  int transfer_elapsed_ = 0;

  // Follower: how much of the log is verified equal to the current leader's, and the durable
  // end last reported to it.
  log_offset ack_end_{0};
  log_offset ack_durable_sent_{0};

  std::vector<message> outbox_;
};

}  // namespace cairn::raft
