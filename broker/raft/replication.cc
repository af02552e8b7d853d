// Log replication (§3.5): appends with batching and pipelining, fast backtracking by term,
// the install path for followers behind the leader's log start, the commit rule (§3.6.2) and
// the leader's heartbeat, quorum check and transfer timer.
#include <algorithm>
#include <utility>

#include "broker/raft/node.h"
#include "cairn/base/assert.h"

namespace cairn::raft {

log_offset node::append_local(entry_kind kind, std::string records, std::int64_t record_count,
                              configuration config) {
  CAIRN_ASSERT(role_ == role::leader, "{} appends as {}", options_.id, to_string(role_));
  const log_offset base = log_.end_offset();
  entry e{.base_offset = base,
          .last_offset = base + (record_count - 1),
          .term = hs_.term,
          .kind = kind,
          .config = std::move(config),
          .records = std::move(records)};
  log_.append(e);
  CAIRN_ASSERT(log_.end_offset() == e.end_offset(), "log end {} after appending up to {}",
               log_.end_offset(), e.last_offset);
  if (kind == entry_kind::config) sync_progress();
  entries_pending_ = true;
  return base;
}

void node::tick_leader() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (transfer_target_ != no_node && ++transfer_elapsed_ >= options_.election_timeout_ticks_min) {
    transfer_target_ = no_node;  // the target did not take over in time: lead on
  }
  if (election_elapsed_ >= options_.election_timeout_ticks_min) {
    election_elapsed_ = 0;
    if (options_.check_quorum) {
      const configuration cfg = log_.config();
      std::size_t active = cfg.contains(options_.id) ? 1 : 0;
      for (auto& [id, p] : progress_) {
        if (p.recent_active && cfg.contains(id)) ++active;
        p.recent_active = false;
      }
      if (active < cfg.quorum()) {
        become_follower(hs_.term, no_node);
        return;
      }
    }
  }
  for (auto& [id, p] : progress_) {
    ++p.stalled_ticks;
    if (p.state == progress::mode::replicate && !p.inflight.empty() &&
        p.stalled_ticks >= options_.election_timeout_ticks_min) {
      // Appends in flight and nothing acknowledged for an election timeout (far above a round
      // trip): some were lost. Resend from what the follower has acknowledged.
      p.state = progress::mode::probe;
      p.next = p.appended_end;
      p.inflight.clear();
      p.probe_sent = false;
      p.stalled_ticks = 0;
    }
  }
  if (heartbeat_elapsed_ >= options_.heartbeat_interval_ticks) {
    heartbeat_elapsed_ = 0;
    for (auto& [id, p] : progress_) {
      p.probe_sent = false;
      send_append(id, p, true);
    }
  }
}

void node::send_install(node_id to, progress& p) {
  p.state = progress::mode::install;
  p.inflight.clear();
  const log_offset start = log_.start_offset();
  // The follower restarts its log at `start` with the configuration in force there; a config
  // batch above `start` reaches it by append afterwards.
  configuration cfg = log_.config_at(start);
  send(to, install_request{.term = hs_.term,
                           .start_offset = start,
                           .prev_term = log_.term_at(start - 1),
                           .config = std::move(cfg),
                           .leader_commit = commit_});
}

void node::send_append(node_id to, progress& p, bool heartbeat) {
  const log_offset start = log_.start_offset();
  const log_offset end = log_.end_offset();
  if (p.state == progress::mode::install) {
    if (heartbeat) send_install(to, p);  // retried each heartbeat until answered
    return;
  }
  if (p.next < start) {
    send_install(to, p);
    return;
  }
  bool with_entries = p.next < end;
  if (p.state == progress::mode::probe && p.probe_sent) with_entries = false;
  if (p.state == progress::mode::replicate && p.inflight.size() >= options_.inflight_appends_max) {
    with_entries = false;
  }
  if (!with_entries) {
    if (!heartbeat) return;
    // A heartbeat: no entries, after what the follower is known to hold, carrying the commit.
    const log_offset after = std::max(p.appended_end, start);
    send(to, append_request{.term = hs_.term,
                            .prev_offset = after - 1,
                            .prev_term = log_.term_at(after - 1),
                            .leader_commit = commit_});
    return;
  }
  append_request req{.term = hs_.term,
                     .prev_offset = p.next - 1,
                     .prev_term = log_.term_at(p.next - 1),
                     .entries = log_.read(p.next, options_.append_batches_max),
                     .leader_commit = commit_};
  CAIRN_ASSERT(!req.entries.empty(), "read at {} (log [{}, {})) returned nothing", p.next, start,
               end);
  CAIRN_ASSERT(req.entries.front().base_offset == p.next, "read at {} starts at {}", p.next,
               req.entries.front().base_offset);
  const log_offset sent_end = req.entries.back().end_offset();
  if (p.state == progress::mode::probe) {
    p.probe_sent = true;
  } else {
    // Pipelining: the next append follows this one without waiting for its answer.
    p.next = sent_end;
    p.inflight.push_back(sent_end);
  }
  send(to, std::move(req));
}

log_offset node::term_floor(log_offset at_most, term_id t) const {
  const log_offset start = log_.start_offset();
  log_offset o = std::min(at_most, log_.end_offset() - 1);
  // A batch's last offset: the other replica's batches need not end where ours do at `at_most`
  // when the logs diverge there.
  if (o >= start && log_.batch_at(o).last_offset != o) o = log_.batch_at(o).base_offset - 1;
  while (o >= start && log_.term_at(o) > t)
    o = log_.batch_at(o).base_offset - 1;
  return std::max(o, start - 1);
}

void node::on_append_request(node_id from, const append_request& req) {
  if (role_ != role::follower || leader_ != from) become_follower(hs_.term, from);
  election_elapsed_ = 0;

  const log_offset start = log_.start_offset();
  const log_offset prev = req.prev_offset;
  if (prev >= start - 1) {
    if (prev >= log_.end_offset() || log_.term_at(prev) != req.prev_term) {
      const log_offset hint = term_floor(prev, req.prev_term);
      send(from, append_response{.term = hs_.term,
                                 .success = false,
                                 .rejected_prev = prev,
                                 .hint_offset = hint,
                                 .hint_term = log_.term_at(hint)});
      return;
    }
  }
  // Below our log start everything is committed, hence equal to the leader's: entries there are
  // skipped. Above it, an entry we hold with the same term is the same entry (log matching); a
  // different term is a divergent suffix from an older leader, dropped.
  log_offset matched_end = prev + 1;
  for (const entry& e : req.entries) {
    matched_end = e.end_offset();
    if (e.last_offset < start) continue;
    CAIRN_ASSERT(e.base_offset >= start, "batch [{}, {}] straddles the log start {}", e.base_offset,
                 e.last_offset, start);
    if (e.base_offset < log_.end_offset()) {
      if (log_.term_at(e.base_offset) == e.term) continue;
      CAIRN_ASSERT(e.base_offset >= commit_,
                   "{}: truncating committed entries: at {} (term {} vs {}), commit end {}",
                   options_.id, e.base_offset, log_.term_at(e.base_offset), e.term, commit_);
      log_.truncate(e.base_offset);
      durable_end_ = std::min(durable_end_, e.base_offset);
    }
    log_.append(e);
  }
  ack_end_ = std::max(ack_end_, matched_end);
  const log_offset commit = std::min(req.leader_commit, matched_end);
  if (commit > commit_) commit_ = std::min(commit, log_.end_offset());
  const log_offset durable = std::min(matched_end, durable_end_);
  ack_durable_sent_ = std::max(ack_durable_sent_, durable);
  send(from,
       append_response{
           .term = hs_.term, .success = true, .appended_end = matched_end, .durable_end = durable});
}

void node::send_ack() {
  if (role_ != role::follower || leader_ == no_node) return;
  const log_offset durable = std::min(ack_end_, durable_end_);
  if (durable <= ack_durable_sent_) return;
  ack_durable_sent_ = durable;
  send(leader_,
       append_response{
           .term = hs_.term, .success = true, .appended_end = ack_end_, .durable_end = durable});
}

void node::on_install_request(node_id from, const install_request& req) {
  if (role_ != role::follower || leader_ != from) become_follower(hs_.term, from);
  election_elapsed_ = 0;
  const log_offset s = req.start_offset;
  log_offset matched_end{0};
  if (s <= log_.start_offset()) {
    matched_end = log_.start_offset();  // below our start all is committed: equal to the leader's
  } else if (s - 1 < log_.end_offset() && log_.term_at(s - 1) == req.prev_term) {
    matched_end = s;  // we already hold the leader's entry before its start: keep our log
  } else {
    CAIRN_ASSERT(commit_ <= s, "{}: install at {} below the commit end {}", options_.id, s,
                 commit_);
    log_.reset(s, req.prev_term, req.config);
    durable_end_ = s;
    commit_ = s;
    matched_end = s;
  }
  ack_end_ = std::max(ack_end_, matched_end);
  const log_offset commit = std::min(req.leader_commit, matched_end);
  if (commit > commit_) commit_ = commit;
  const log_offset durable = std::min(matched_end, durable_end_);
  ack_durable_sent_ = std::max(ack_durable_sent_, durable);
  send(from,
       append_response{
           .term = hs_.term, .success = true, .appended_end = matched_end, .durable_end = durable});
}

void node::on_append_response(node_id from, const append_response& resp) {
  if (role_ != role::leader) return;
  auto it = progress_.find(from);
  if (it == progress_.end()) return;  // not a voter (any more)
  progress& p = it->second;
  p.recent_active = true;
  if (resp.success) {
    if (resp.durable_end > p.match_end || resp.appended_end > p.appended_end) p.stalled_ticks = 0;
    p.match_end = std::max(p.match_end, resp.durable_end);
    p.appended_end = std::max({p.appended_end, resp.appended_end, p.match_end});
    while (!p.inflight.empty() && p.inflight.front() <= p.appended_end)
      p.inflight.pop_front();
    if (p.state != progress::mode::replicate) {
      p.state = progress::mode::replicate;
      p.inflight.clear();
      p.next = p.appended_end;
    }
    p.next = std::max(p.next, p.appended_end);
    maybe_commit();
    if (role_ != role::leader) return;  // removed by a committed configuration
    if (transfer_target_ == from && p.appended_end == log_.end_offset()) {
      send(from, timeout_now{hs_.term});
    }
    send_append(from, p, false);
    return;
  }
  // A refusal. Stale ones (for an offset already known matched, or not for our current probe)
  // are dropped.
  if (resp.rejected_prev < p.match_end) return;
  if (p.state == progress::mode::probe && resp.rejected_prev != p.next - 1) return;
  if (p.state == progress::mode::install) return;
  p.stalled_ticks = 0;
  p.inflight.clear();
  p.appended_end = p.match_end;
  p.probe_sent = false;
  p.state = progress::mode::probe;
  const log_offset start = log_.start_offset();
  const log_offset floor = term_floor(resp.hint_offset, resp.hint_term);
  if (resp.hint_offset < start - 1 ||
      (floor == start - 1 && log_.term_at(start - 1) > resp.hint_term)) {
    send_install(from, p);
    return;
  }
  p.next = std::max(floor + 1, p.match_end);
  send_append(from, p, false);
}

void node::on_timeout_now(node_id from) {
  if (leader_ != from || !promotable()) return;
  campaign(true);
}

void node::maybe_commit() {
  const configuration cfg = log_.config();
  std::vector<log_offset> ends;
  for (node_id v : cfg.voters) {
    ends.push_back(v == options_.id ? durable_end_ : progress_.at(v).match_end);
  }
  if (ends.empty()) return;
  std::sort(ends.begin(), ends.end(), std::greater<>());
  const log_offset candidate = ends[cfg.quorum() - 1];
  // Only an entry of this term is committed by counting (§3.6.2); earlier ones follow it.
  if (candidate <= commit_ || log_.term_at(candidate - 1) != hs_.term) return;
  commit_ = candidate;
  if (!cfg.contains(options_.id) && log_.config_offset() < commit_) {
    // Our removal is committed: step down (§4.2.2); the others elect a leader among them.
    become_follower(hs_.term, no_node);
  }
}

}  // namespace cairn::raft
