// The Raft core's vocabulary: node ids, terms, batches and configurations. The log is addressed
// by Kafka offsets (the first record is offset 0), one log entry is one record batch covering
// [base_offset, last_offset], and the term is the batch's partitionLeaderEpoch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "cairn/base/strong_type.h"

namespace cairn::raft {

using node_id = strong_type<std::int32_t, struct node_id_tag>;
// A leader epoch. Term 0 is "before any leader": the term of the (empty) entry before offset 0.
using term_id = strong_type<std::int64_t, struct term_id_tag>;
using cairn::log_offset;

// What a batch carries for Raft: the partition's records (opaque here), a leader's no-op (the
// first batch of each term, so that it can commit the entries of earlier terms, §3.6.2) or a
// configuration (the voter set from this batch on, §4.1).
enum class entry_kind : std::uint8_t { data, noop, config };

// The members of a group: voters, and learners (§4.2.1: replicated to, but neither voting nor
// counted for the commit, so that a new replica catches up before it joins the quorum). Both
// sorted, unique and disjoint. No voters means "not known yet" (a new replica that has not
// received its first configuration): such a replica never campaigns.
struct configuration {
  std::vector<node_id> voters;
  std::vector<node_id> learners;

  bool contains(node_id id) const { return std::binary_search(voters.begin(), voters.end(), id); }
  bool is_learner(node_id id) const {
    return std::binary_search(learners.begin(), learners.end(), id);
  }
  bool is_member(node_id id) const { return contains(id) || is_learner(id); }
  std::size_t quorum() const { return voters.size() / 2 + 1; }
  bool operator==(const configuration&) const = default;
};

// One log entry: a record batch. Offsets are assigned by the leader's log; `records` is the
// batch's payload (Kafka RecordBatch bytes in the broker, a token in the simulator).
struct entry {
  log_offset base_offset{0};
  log_offset last_offset{0};
  term_id term{0};
  entry_kind kind = entry_kind::data;
  configuration config;  // kind == config only
  std::string records;

  log_offset end_offset() const { return last_offset + 1; }
  bool operator==(const entry&) const = default;
};

// What must be durable before any message that depends on it leaves the node (§3.8 / Figure 3.1
// "persistent state"): the current term and the vote cast in it.
struct hard_state {
  term_id term{0};
  node_id voted_for{0};  // 0: none (node ids are > 0)
  bool operator==(const hard_state&) const = default;
};

inline constexpr node_id no_node{0};

}  // namespace cairn::raft
