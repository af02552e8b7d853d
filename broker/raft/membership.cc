// Single-server membership changes (§4.1): one voter added or removed per config batch, in force
// from its append on every replica (the log answers config()), the next change only once the
// previous one is committed and the leader has committed an entry of its own term.
#include "broker/raft/node.h"
#include "eventstore/base/assert.h"

namespace cairn::raft {

void node::sync_progress() {
  const configuration cfg = log_.config();
  for (auto it = progress_.begin(); it != progress_.end();) {
    it = cfg.contains(it->first) ? std::next(it) : progress_.erase(it);
  }
  for (node_id v : cfg.voters) {
    if (v == options_.id || progress_.contains(v)) continue;
    progress p;
    p.next = log_.end_offset();  // optimistic; a refusal backtracks (§3.5)
    p.recent_active = true;      // a new voter gets one quorum-check period to answer
    progress_.emplace(v, p);
  }
  if (transfer_target_ != no_node && !cfg.contains(transfer_target_)) transfer_target_ = no_node;
}

result<offset_range> node::change_config(config_op op, node_id voter) {
  if (role_ != role::leader) return errc::not_leader;
  if (transfer_target_ != no_node) return errc::transfer_in_progress;
  if (log_.config_offset() >= commit_) return errc::config_change_pending;
  if (commit_ <= term_start_) return errc::leader_not_ready;
  configuration cfg = log_.config();
  if (op == config_op::add_voter) {
    if (voter == no_node || cfg.contains(voter)) return errc::invalid_config_change;
    cfg.voters.push_back(voter);
    std::sort(cfg.voters.begin(), cfg.voters.end());
  } else {
    if (!cfg.contains(voter) || cfg.voters.size() == 1) return errc::invalid_config_change;
    std::erase(cfg.voters, voter);
  }
  const log_offset base = append_local(entry_kind::config, {}, 1, std::move(cfg));
  // With ourselves removed, the commit now needs a majority of the others.
  maybe_commit();
  check_invariants();
  return offset_range{base, base};
}

}  // namespace cairn::raft
