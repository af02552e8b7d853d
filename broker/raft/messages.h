// The messages replicas exchange (Raft §3, Figure 3.1, with pre-vote §9.6, leadership transfer
// §3.10 and an install path for followers behind the leader's log start, §5 of the thesis
// reduced to Kafka's "reset to the leader's log start offset"). Every message carries the
// sender's term. Offsets follow Kafka: an "end" is exclusive (the high watermark is an end).
#pragma once

#include <variant>
#include <vector>

#include "broker/raft/types.h"

namespace cairn::raft {

// RequestVote, or its pre-vote form: `term` is the term the candidate would campaign in (its
// term + 1 for a pre-vote); a pre-vote changes no one's term or vote.
struct vote_request {
  term_id term{0};
  bool pre_vote = false;
  // Sent after a timeout_now: voters grant it even though they heard from a leader recently.
  bool transfer = false;
  log_offset last_offset{-1};  // the candidate's last offset (end - 1) and its term
  term_id last_term{0};
};

struct vote_response {
  term_id term{0};  // the request's term when granted, else the voter's term
  bool pre_vote = false;
  bool granted = false;
};

// AppendEntries: `entries` follow the batch ending at prev_offset, whose term is prev_term.
// Empty entries make a heartbeat. leader_commit is the leader's high watermark.
//
// leader_log_start is not Raft's: the driver stamps the partition's log start (Kafka's, which
// DeleteRecords moves, possibly inside a batch) on the way out, and a follower's driver moves its
// own up to it within its commit end, as Kafka's followers learn it from fetch responses. The
// core neither sets nor reads it (-1: not told).
struct append_request {
  term_id term{0};
  log_offset prev_offset{-1};
  term_id prev_term{0};
  std::vector<entry> entries;
  log_offset leader_commit{0};
  log_offset leader_log_start{-1};
};

// success: the follower's log matches the leader's up to appended_end, of which durable_end is
// flushed (the leader counts only durable_end towards the commit). A follower sends another
// success when a flush makes more of it durable.
// !success: the follower's log does not hold prev_offset with prev_term. hint_offset/hint_term:
// the follower's last offset <= prev_offset whose term <= prev_term (etcd's fast backtracking,
// KRaft's divergence by epoch end offsets), so the leader skips a whole term per round trip.
//
// log_start, like append_request::leader_log_start, is the driver's: the follower's partition log
// start, from which the leader's driver answers DeleteRecords' low watermark (Kafka's fetch
// request carries it). The core neither sets nor reads it (-1: not told).
struct append_response {
  term_id term{0};
  bool success = false;
  log_offset appended_end{0};
  log_offset durable_end{0};
  log_offset rejected_prev{-1};
  log_offset hint_offset{-1};
  term_id hint_term{0};
  log_offset log_start{-1};
};

// The leader's log starts after what the follower needs: the follower drops its log and restarts
// it at start_offset (Kafka's fetch "offset out of range" reset). There is no state-machine
// snapshot to ship: the partition's state is its log, and what retention removed is gone for
// every replica. Answered by an append_response (success, appended_end = start_offset).
struct install_request {
  term_id term{0};
  log_offset start_offset{0};
  term_id prev_term{0};  // term of start_offset - 1
  configuration config;  // in force at start_offset
  log_offset leader_commit{0};
};

// Leadership transfer: the target campaigns now, without pre-vote.
struct timeout_now {
  term_id term{0};
};

using message_body = std::variant<vote_request, vote_response, append_request, append_response,
                                  install_request, timeout_now>;

struct message {
  node_id from{0};
  node_id to{0};
  message_body body;
};

inline term_id term_of(const message_body& body) {
  return std::visit([](const auto& m) { return m.term; }, body);
}

}  // namespace cairn::raft
