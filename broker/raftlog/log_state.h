// log_state: what a Raft log on a partition knows about itself beyond its batches, answered
// from memory (the core asks term_at() and config() on most inputs):
//
//   - the epoch cache (Kafka's leader-epoch-checkpoint): term → the first offset written in it,
//     in offset order, from `base` on; term_at(o) is the term of the last entry starting at or
//     before o, or base_term (the term of base - 1) when none does;
//   - the config index: the last offset of each config control batch and its configuration,
//     from `base` on, with base_config the configuration in force at `base`.
//
// `base` is the log start the state was last aligned to (retention or reset); entries below it
// are folded into base_term and base_config. Pure state, no I/O: encode()/decode() give its file
// format (see docs/raft.md, "Storage: the Raft log on the partition").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/raft/types.h"
#include "cairn/base/result.h"

namespace cairn::raftlog {

struct epoch_entry {
  raft::term_id term{0};
  raft::log_offset start{0};
  bool operator==(const epoch_entry&) const = default;
};

struct config_entry {
  raft::log_offset offset{0};  // the config batch's (single) offset
  raft::configuration config;
  bool operator==(const config_entry&) const = default;
};

class log_state {
 public:
  log_state() = default;
  log_state(raft::log_offset base, raft::term_id base_term, raft::configuration base_config);

  raft::log_offset base() const { return base_; }
  raft::term_id base_term() const { return base_term_; }
  const raft::configuration& base_config() const { return base_config_; }
  const std::vector<epoch_entry>& epochs() const { return epochs_; }
  const std::vector<config_entry>& configs() const { return configs_; }

  // The term of offset `o`. REQUIRES: o >= base - 1.
  raft::term_id term_at(raft::log_offset o) const;
  // The configuration in force just before `o` (from the newest config batch below it).
  const raft::configuration& config_at(raft::log_offset o) const;
  const raft::configuration& newest_config() const;
  // The offset of the newest config batch, or base - 1.
  raft::log_offset config_offset() const;

  // A batch of `term` starting at `offset` (at the log end). true when it opened a new epoch.
  // REQUIRES: term >= the last term; offset >= the last epoch's start.
  bool note_batch(raft::term_id term, raft::log_offset offset);
  // A config batch at `offset`. REQUIRES: above every config entry.
  void note_config(raft::log_offset offset, raft::configuration config);
  // Forgets epochs starting and configs at or above `from` (a truncated suffix). true if any.
  bool truncate_from(raft::log_offset from);
  // Retention moved the log start to `start`: folds what lies below it into the base.
  // REQUIRES: start >= base.
  void advance_base(raft::log_offset start);

  bool operator==(const log_state&) const = default;

  // The file: magic "CRLS", version, the fields big-endian, CRC32C. decode() checks everything
  // (the file is untrusted): raftlog::errc::state_file_corrupt / state_file_version.
  std::string encode() const;
  static result<log_state> decode(std::string_view bytes);

 private:
  raft::log_offset base_{0};
  raft::term_id base_term_{0};
  raft::configuration base_config_;
  std::vector<epoch_entry> epochs_;    // starts strictly increasing, all >= base_
  std::vector<config_entry> configs_;  // offsets strictly increasing, all >= base_
};

// The hard state file: magic "CRHS", version, term, vote, CRC32C.
std::string encode_hard_state(const raft::hard_state& hs);
result<raft::hard_state> decode_hard_state(std::string_view bytes);

}  // namespace cairn::raftlog
