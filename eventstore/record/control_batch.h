// Control batches: Kafka's way of putting the log's own bookkeeping between the data (the
// transaction markers, KRaft's LeaderChange). A control batch has the control attribute bit set
// and one record whose key is (version int16, type int16); consumers skip control batches, so
// a Kafka client reading a Cairn partition never sees these records.
//
// Cairn writes two kinds, both for the Raft group of a replicated partition (docs/raft.md):
//   - raft_noop: the first batch of each leader's term (§3.6.2), value empty;
//   - raft_config: a new membership, value = version int16 (0), voter count int32, voter ids
//     int32..., learner count int32, learner ids int32... (big-endian; each list sorted, unique,
//     the two disjoint, ids > 0).
// Our type numbers start at 100 so that they never collide with Kafka's (0 abort, 1 commit, 2
// KRaft leader change, 3..6 snapshot and voter records): a Kafka tool that decodes control keys
// sees an unknown type and skips the batch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cairn/base/result.h"
#include "eventstore/record/batch_header.h"
#include "eventstore/record/record_batch.h"

namespace cairn::eventstore {

enum class control_type : std::int16_t {
  raft_noop = 100,
  raft_config = 101,
};

struct control_record {
  control_type type = control_type::raft_noop;
  std::vector<std::int32_t> voters;    // raft_config only
  std::vector<std::int32_t> learners;  // raft_config only

  bool operator==(const control_record&) const = default;
};

// Members per list in a config record: bounds the allocation a corrupt or hostile count asks for.
inline constexpr std::int32_t kControlMembersMax = 1024;

inline bool is_control_batch(const batch_header& h) {
  return (h.attributes & batch_layout::kControl) != 0;
}

struct control_batch_options {
  std::int64_t base_offset = 0;
  std::int32_t partition_leader_epoch = -1;
  std::int64_t timestamp_ms = 0;
  // A leader of a LogAppendTime topic's partition marks its control batches as such too (their
  // timestamp_ms is its clock), as Kafka's validator does every batch of such a topic.
  bool log_append_time = false;
};

// A one-record control batch (producer id -1: control batches never touch producer state).
// REQUIRES: for raft_config, the lists are valid as described above (a bug otherwise).
std::string build_control_batch(const control_record& record, const control_batch_options& opts);

// Decodes a validated batch. Errors (the bytes are untrusted): errc::invalid_argument when the
// batch is not a control batch; errc::record_malformed when it does not hold exactly one record
// with a well-formed key and value of a known type, or a config's lists are not sorted, unique,
// disjoint and positive.
result<control_record> decode_control_batch(const record_batch_view& batch);

}  // namespace cairn::eventstore
