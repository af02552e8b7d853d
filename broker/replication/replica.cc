#include "broker/replication/replica.h"

#include <algorithm>
#include <utility>

namespace cairn::broker::replication {

void replica::tracked_log::truncate(raft::log_offset from) {
  truncated_below_ = std::min(truncated_below_, from.value());
  inner_->truncate(from);
}

void replica::tracked_log::reset(raft::log_offset start, raft::term_id prev_term,
                                 const raft::configuration& config) {
  // A reset replaces the whole log: nothing flushed before it may be reported.
  truncated_below_ = std::numeric_limits<std::int64_t>::min();
  inner_->reset(start, prev_term, config);
}

std::int64_t replica::tracked_log::take_truncated_below() {
  return std::exchange(truncated_below_, std::numeric_limits<std::int64_t>::max());
}

replica::replica(raft::group_id group, raft::options options, std::unique_ptr<raft::log> log,
                 raft::hard_state hs, hooks h)
    : group_(std::move(group)),
      hooks_(std::move(h)),
      tracked_(std::move(log)),
      node_(options, tracked_, hs) {
  commit_reported_ = node_.commit_end().value();
  election_reported_ = election();
}

void replica::tick() {
  node_.tick();
  hooks_.wake();
}

void replica::step(const raft::message& m) {
  node_.step(m);
  hooks_.wake();
}

result<raft::offset_range> replica::propose(std::string records, std::int64_t record_count) {
  auto proposed = node_.propose(std::move(records), record_count);
  if (proposed) hooks_.wake();
  return proposed;
}

result<void> replica::transfer_leadership(raft::node_id to) {
  auto started = node_.transfer_leadership(to);
  hooks_.wake();
  return started;
}

result<raft::offset_range> replica::change_config(raft::config_op op, raft::node_id member) {
  auto changed = node_.change_config(op, member);
  hooks_.wake();
  return changed;
}

void replica::campaign_now() {
  node_.campaign_now();
  hooks_.wake();
}

election_state replica::election() const {
  return {.role = node_.current_role(), .term = node_.term(), .leader = node_.leader()};
}

void replica::start_flush() {
  const std::int64_t end = tracked_.end_offset().value();
  flush_in_flight_ = true;
  // Truncations before this point are in what the flush covers; only later ones matter.
  tracked_.take_truncated_below();
  hooks_.flush(end, [this, end, alive = std::weak_ptr<bool>(alive_)](bool ok) {
    if (alive.expired()) return;
    flush_in_flight_ = false;
    // The log may have been truncated below `end` (and appended again) while the flush ran:
    // then what was flushed is not what the log holds there now, and it is not reported.
    if (ok && tracked_.take_truncated_below() >= end) node_.flushed(raft::log_offset{end});
    hooks_.wake();  // report it, and flush what was appended meanwhile
  });
}

void replica::drain() {
  // Durability first, so that what it unlocks (an ack, a commit) leaves in this round.
  if (!hooks_.flush) {
    if (tracked_.end_offset() > node_.durable_end()) node_.flushed(tracked_.end_offset());
  } else if (!flush_in_flight_ && tracked_.end_offset() > node_.durable_end()) {
    start_flush();
  }

  raft::ready out = node_.take_ready();
  for (raft::message& m : out.messages)
    hooks_.send(std::move(m));
  if (out.commit_end.value() > commit_reported_) {
    commit_reported_ = out.commit_end.value();
    if (hooks_.committed) hooks_.committed(commit_reported_);
  }
  if (out.current_role != election_reported_.role || out.term != election_reported_.term ||
      out.leader != election_reported_.leader) {
    election_reported_ = election();
    if (hooks_.changed) hooks_.changed(election_reported_);
  }
}

}  // namespace cairn::broker::replication
