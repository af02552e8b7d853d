// sim_log: an in-memory raft::log whose durability the simulator controls. Only what was flushed
// (or made durable by reset) survives crash(); hard state is durable at once. Every appended
// batch is checked against the ledger of all batches ever written by any replica, which is how
// the simulator checks log matching after every append (see ledger).
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "broker/raft/log.h"

namespace cairn::raft::sim {

// Thrown by a check that failed; the runner prints the seed and the trace.
struct sim_failure {
  std::string what;
};

// Log matching by induction (§3.5): a batch is identified by (last offset, term); two replicas
// holding the same identity must hold the same batch with the same predecessor (same base, same
// term just before it). Recorded the first time any replica appends it, checked every time after.
class ledger {
 public:
  void check(const entry& e, term_id prev_term, node_id who);

 private:
  struct seen {
    entry batch;
    term_id prev_term;
    node_id first;
  };
  std::map<std::pair<std::int64_t, std::int64_t>, seen> batches_;
};

class sim_log final : public log {
 public:
  sim_log(node_id owner, ledger& ledger, configuration base_config);

  log_offset start_offset() const override { return start_; }
  log_offset end_offset() const override;
  term_id term_at(log_offset o) const override;
  batch_info batch_at(log_offset o) const override;
  std::vector<entry> read(log_offset from, std::size_t batches_max) const override;
  configuration config() const override { return config_at(end_offset()); }
  configuration config_at(log_offset o) const override;
  log_offset config_offset() const override;
  void append(const entry& e) override;
  void truncate(log_offset from) override;
  void reset(log_offset start, term_id prev_term, const configuration& config) override;
  void save_hard_state(const hard_state& hs) override { hard_state_ = hs; }

  // The simulator's side.
  void flush() { durable_end_ = end_offset(); }
  log_offset durable_end() const { return durable_end_; }
  // Loses everything not flushed.
  void crash();
  // Retention: drops the batches below `start` (a batch boundary, committed).
  void truncate_prefix(log_offset start);
  const hard_state& durable_hard_state() const { return hard_state_; }
  void forget_hard_state() { hard_state_ = {}; }
  const std::vector<entry>& entries() const { return entries_; }
  // Whether the log holds exactly this batch.
  bool holds(const entry& e) const;

 private:
  std::size_t index_of(log_offset o) const;

  node_id owner_;
  ledger& ledger_;
  std::vector<entry> entries_;
  log_offset start_{0};
  term_id start_term_{0};
  configuration base_config_;
  log_offset durable_end_{0};
  hard_state hard_state_;
};

}  // namespace cairn::raft::sim
