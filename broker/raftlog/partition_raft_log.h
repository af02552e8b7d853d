// partition_raft_log: raft::log on a broker::partition in replicated mode. The partition's log
// IS the Raft log: one record batch per entry, the term in partitionLeaderEpoch, noop and config
// entries as control batches (eventstore/record/control_batch.h). See docs/raft.md, "Storage:
// the Raft log on the partition".
//
// Beside the partition's segments it keeps two small files, each written atomically (temporary
// file, fsync, rename, directory fsync):
//   - raft-hard-state: the term and vote (save_hard_state, durable on return);
//   - raft-log-state: the epoch cache, the config index and the base (term of start - 1, config
//     in force at the start) — see log_state.h. It is written before any log change that adds
//     an epoch or a config (so it may run ahead of the log, never behind it), and after a
//     truncation or retention that removes some; reset writes it first and open finishes an
//     interrupted reset. On open the epochs and configs of the retained log are rebuilt from
//     batch headers (a missing or inconsistent file is repaired with a warning); the base comes
//     from the file. A corrupt file of either kind fails open with a clear error.
//
// I/O failures inside the void raft::log calls (append, truncate, reset, save_hard_state, and
// reads the core cannot do without) cannot be returned: the broker logs them as critical and
// aborts, as Kafka halts on a log-directory failure. Carrying on would let the core believe a
// write happened (a vote, an acknowledged append) that did not, which is how Raft loses
// committed data; a restart runs recovery and rejoins the group from what is on disk.
//
// Threads: not thread-safe. All calls come from the thread that drives the node (the broker's
// I/O thread), as do the partition's replicated writes (see partition.h, the locking rule).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "broker/partition/partition.h"
#include "broker/raft/log.h"
#include "broker/raftlog/log_state.h"
#include "cairn/base/result.h"
#include "eventstore/log/compaction.h"
#include "eventstore/log/retention.h"
#include "eventstore/record/record_batch.h"

namespace cairn::raftlog {

inline constexpr const char* kHardStateFileName = "raft-hard-state";
inline constexpr const char* kLogStateFileName = "raft-log-state";

struct partition_raft_log_options {
  // The base configuration of a brand-new log (start 0, no state file yet). Empty: a replica
  // that learns its configuration from the leader.
  raft::configuration bootstrap;
  // Timestamps of the control batches this replica builds (noop, config); wall clock if empty.
  std::function<std::int64_t()> clock_ms;
  // Largest batch accepted from the node (the partition log enforces its own limit too).
  std::int32_t batch_bytes_max = eventstore::kBatchBytesMaxDefault;
};

class partition_raft_log final : public raft::log {
 public:
  // Opens the Raft log of `p` (which must be in replicated mode and outlive it): loads the hard
  // state and the log state, finishes an interrupted reset, rebuilds epochs and configs from the
  // batch headers. Errors: errc::not_replicated, errc::state_file_corrupt, state_file_version,
  // and I/O errors.
  static result<std::unique_ptr<partition_raft_log>> open(broker::partition& p,
                                                          partition_raft_log_options opts = {});

  // What save_hard_state() last made durable (for the raft::node constructor).
  const raft::hard_state& hard_state() const { return hard_state_; }
  const log_state& state() const { return state_; }

  // ---- raft::log ----
  raft::log_offset start_offset() const override;
  raft::log_offset end_offset() const override;
  raft::term_id term_at(raft::log_offset o) const override;
  raft::batch_info batch_at(raft::log_offset o) const override;
  std::vector<raft::entry> read(raft::log_offset from, std::size_t batches_max) const override;
  raft::configuration config() const override { return state_.newest_config(); }
  raft::configuration config_at(raft::log_offset o) const override;
  raft::log_offset config_offset() const override { return state_.config_offset(); }
  void append(const raft::entry& e) override;
  void truncate(raft::log_offset from) override;
  void reset(raft::log_offset start, raft::term_id prev_term,
             const raft::configuration& config) override;
  void save_hard_state(const raft::hard_state& hs) override;

  // ---- housekeeping of a replicated partition (instead of partition::log()'s own) ----
  // Retention below the high watermark only (Raft: start <= commit end), then the base moves.
  result<std::size_t> apply_retention(const eventstore::retention_policy& policy);
  // DeleteRecords on a replicated partition: moves the partition's log start (what readers see:
  // fetches below it are out of range) up to `offset`, which must be committed (at most the high
  // watermark, so every replica holds the same records below it). Whole segments below it go,
  // and this log's start with them, by whole segments: the Raft log starts at the first stored
  // batch (partition_log::stored_start_offset), a batch boundary at or below the partition's log
  // start, because Raft sends and installs whole batches. Never moves back; survives a restart
  // (partition_log::advance_start's file). Returns the partition's log start.
  // Errors: eventstore::errc::offset_out_of_range (negative or above the high watermark), I/O.
  result<std::int64_t> advance_log_start(std::int64_t offset);
  // Compaction of committed segments only, keeping every batch boundary and control batch (so
  // the Raft state, which follows batch headers, is unchanged). Static and on the partition, not
  // on this log: it may run on a thread of its own (eventstore::partition_log::compact), and
  // holding the partition keeps it valid even if the replica closes meanwhile.
  static result<eventstore::compaction_result> compact(broker::partition& p,
                                                       std::int64_t delete_retention_ms);

  // The input check for an entry that arrived from the network, before node::step sees it: its
  // bytes are one valid RecordBatch spanning [base_offset, last_offset], a control batch of the
  // right kind (and configuration) for noop/config entries, a non-control batch for data.
  // Errors: eventstore errors of parse/decode, eventstore::errc::invalid_argument.
  static result<void> check_entry(const raft::entry& e, std::int32_t batch_bytes_max);

 private:
  partition_raft_log(broker::partition& p, partition_raft_log_options opts);
  // Rebuilds epochs and configs of [start, end) from batch headers onto `base`.
  result<log_state> rebuild(log_state base) const;
  result<void> persist_state();
  // The batch bytes to append for `e`, stamped and validated.
  std::string batch_bytes_for(const raft::entry& e) const;
  std::int64_t now_ms() const;

  broker::partition& partition_;
  const partition_raft_log_options options_;
  const std::string dir_;
  raft::hard_state hard_state_;
  log_state state_;
};

}  // namespace cairn::raftlog
