// raft::log: the replica's log as the core sees it. The simulator implements it in memory; the
// broker will implement it on the partition log (eventstore::partition_log), whose batches carry
// the term as partitionLeaderEpoch.
//
// Contract: reads and writes are synchronous (to the page cache). Durability is asynchronous:
// the caller flushes on its own policy and reports what is durable with node::flushed(end). The
// two exceptions must be durable when they return: save_hard_state() (a vote must never be
// forgotten) and reset() (a follower's log replaced by a leader's start offset).
#pragma once

#include <cstddef>
#include <vector>

#include "broker/raft/types.h"

namespace cairn::raft {

// The offsets and term of one batch, without its records.
struct batch_info {
  log_offset base_offset{0};
  log_offset last_offset{0};
  term_id term{0};
};

class log {
 public:
  virtual ~log() = default;

  // The first offset still in the log (retention moves it forward) and the next offset to write.
  // start_offset() <= end_offset(); both are batch boundaries.
  virtual log_offset start_offset() const = 0;
  virtual log_offset end_offset() const = 0;

  // The term of the batch holding offset `o`. REQUIRES: start_offset() - 1 <= o < end_offset().
  // At start_offset() - 1 it is the term of the last batch removed by retention or reset (the
  // "snapshot term"); at -1 it is term 0.
  virtual term_id term_at(log_offset o) const = 0;
  // The batch holding `o`. REQUIRES: start_offset() <= o < end_offset().
  virtual batch_info batch_at(log_offset o) const = 0;
  // Whole batches from `from` (a batch boundary inside the log), at most `batches_max` of them.
  virtual std::vector<entry> read(log_offset from, std::size_t batches_max) const = 0;

  // The newest configuration in the log: from its last config batch, or the configuration in
  // force at start_offset() when no config batch is left (set by bootstrap, retention, reset).
  virtual configuration config() const = 0;
  // The configuration in force just before offset `o`: from the newest config batch ending
  // before `o`, else the base one. REQUIRES: start_offset() <= o <= end_offset().
  virtual configuration config_at(log_offset o) const = 0;
  // The last offset of that config batch, or start_offset() - 1 for the base configuration.
  virtual log_offset config_offset() const = 0;

  // Appends one batch at end_offset(). REQUIRES: e.base_offset == end_offset().
  virtual void append(const entry& e) = 0;
  // Drops [from, end_offset()): a follower's divergent suffix. REQUIRES: from is a batch boundary
  // and from >= start_offset().
  virtual void truncate(log_offset from) = 0;
  // Replaces the whole log by an empty one that starts at `start`, with `prev_term` the term of
  // start - 1 and `config` the configuration in force there. Durable on return.
  virtual void reset(log_offset start, term_id prev_term, const configuration& config) = 0;

  // Durable on return.
  virtual void save_hard_state(const hard_state& hs) = 0;
};

}  // namespace cairn::raft
