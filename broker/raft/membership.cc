// Single-server membership changes (§4.1): one member added, promoted or removed per config
// batch (learners, §4.2.1, do not count for the quorum, so adding one is always safe), in force
// from its append on every replica (the log answers config()), the next change only once the
// previous one is committed and the leader has committed an entry of its own term.
#include "broker/raft/node.h"
#include "cairn/base/assert.h"

namespace cairn::raft {

void node::sync_progress() {
  const configuration cfg = log_.config();
  for (auto it = progress_.begin(); it != progress_.end();) {
    it = cfg.is_member(it->first) ? std::next(it) : progress_.erase(it);
  }
  for (const auto* members : {&cfg.voters, &cfg.learners}) {
    for (node_id v : *members) {
      if (v == options_.id || progress_.contains(v)) continue;
      progress p;
      p.next = log_.end_offset();  // optimistic; a refusal backtracks (§3.5)
      p.recent_active = true;      // a new member gets one quorum-check period to answer
      progress_.emplace(v, p);
    }
  }
  if (transfer_target_ != no_node && !cfg.contains(transfer_target_)) transfer_target_ = no_node;
}

result<offset_range> node::change_config(config_op op, node_id member) {
  if (role_ != role::leader) return errc::not_leader;
  if (transfer_target_ != no_node) return errc::transfer_in_progress;
  if (log_.config_offset() >= commit_) return errc::config_change_pending;
  if (commit_ <= term_start_) return errc::leader_not_ready;
  configuration cfg = log_.config();
  const auto insert = [](std::vector<node_id>& set, node_id id) {
    set.insert(std::upper_bound(set.begin(), set.end(), id), id);
  };
  switch (op) {
    case config_op::add_learner:
    case config_op::add_voter:
      if (member == no_node || cfg.is_member(member)) return errc::invalid_config_change;
      insert(op == config_op::add_voter ? cfg.voters : cfg.learners, member);
      break;
    case config_op::promote:
      if (!cfg.is_learner(member)) return errc::invalid_config_change;
      std::erase(cfg.learners, member);
      insert(cfg.voters, member);
      break;
    case config_op::remove:
      if (cfg.is_learner(member)) {
        std::erase(cfg.learners, member);
      } else if (cfg.contains(member) && cfg.voters.size() > 1) {
        std::erase(cfg.voters, member);
      } else {
        return errc::invalid_config_change;
      }
      break;
  }
  const log_offset base = append_local(entry_kind::config, {}, 1, std::move(cfg));
  // With ourselves removed, the commit now needs a majority of the others.
  maybe_commit();
  check_invariants();
  return offset_range{base, base};
}

}  // namespace cairn::raft
