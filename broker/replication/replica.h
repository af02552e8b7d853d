// replica: one Raft group on this broker (a partition, or the controller): the raft::node, the
// log it runs on, and what the node's outputs mean for the broker.
//
// Synchronous and single-threaded: the replica_manager calls it on the broker's I/O thread. It
// ticks it on its clock, steps the messages peers send, proposes the batches producers send, and
// calls drain() once per I/O-loop turn, so that everything proposed or received in one turn
// shares one round of messages (and, with flush `always`, one fdatasync).
//
// Durability: with flush `always` the log's end is made durable by the `flush` hook (fdatasync
// on a commit-flusher thread) and reported to the node when it completes; the node counts only
// durable ends towards the commit, so an acknowledged record is on the disks of a quorum. With
// flush `never` or `interval` there is no hook, and an append counts as durable at once: Kafka's
// model, where durability comes from replication and a record survives the loss of a minority
// of replicas, but not a power cut that takes down a majority at the same moment.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "broker/raft/group.h"
#include "broker/raft/log.h"
#include "broker/raft/node.h"

namespace cairn::broker::replication {

// A replica's place in its group's elections, reported to the broker each time it changes: the
// broker follows leadership with it (the coordinator, the leader a follower names in Metadata).
// How far a leader's replicas are is partition_leadership's (broker/raft/leadership.h).
struct election_state {
  raft::role role = raft::role::follower;
  raft::term_id term{0};
  raft::node_id leader = raft::no_node;  // none known
};

class replica {
 public:
  struct hooks {
    // A message for a peer: sent at most once, and losing it is fine (Raft resends).
    std::function<void(raft::message)> send;
    // Makes [.., end) of the log durable, then calls `done` (with whether it worked) on the I/O
    // thread. Null when appends count as durable at once (flush never/interval).
    std::function<void(std::int64_t end, std::function<void(bool ok)> done)> flush;
    // The commit end (the high watermark) moved forward.
    std::function<void(std::int64_t commit_end)> committed;
    // Role, term or known leader changed.
    std::function<void(const election_state&)> changed;
    // Something is waiting for drain(): the manager schedules one drain pass per loop turn.
    std::function<void()> wake;
  };

  // `log` is the recovered, durable log; `hs` the hard state last saved with it.
  replica(raft::group_id group, raft::options options, std::unique_ptr<raft::log> log,
          raft::hard_state hs, hooks h);
  replica(const replica&) = delete;
  replica& operator=(const replica&) = delete;

  void tick();
  void step(const raft::message& m);
  // Leader only: appends a batch of `record_count` records (raft::errc::not_leader otherwise).
  // It is in the local log when this returns; it is committed when commit_end() passes it.
  result<raft::offset_range> propose(std::string records, std::int64_t record_count);
  result<void> transfer_leadership(raft::node_id to);
  // Campaigns at once (raft::node::campaign_now): a new group's preferred replica.
  void campaign_now();
  // Leader only: one membership change (raft::node::change_config).
  result<raft::offset_range> change_config(raft::config_op op, raft::node_id member);
  // Hands the node's outputs out: flush requests, messages, commit, state changes.
  void drain();

  const raft::group_id& group() const { return group_; }
  election_state election() const;
  bool is_leader() const { return node_.current_role() == raft::role::leader; }
  raft::node_id leader() const { return node_.leader(); }
  raft::term_id term() const { return node_.term(); }
  std::int64_t commit_end() const { return node_.commit_end().value(); }
  std::vector<raft::follower_status> followers() const { return node_.followers(); }
  const raft::log& log() const { return tracked_; }

 private:
  // The node's log, forwarding to the real one, noting truncations: a flush that began before a
  // truncation below its end must not be reported (node::flushed's contract).
  class tracked_log final : public raft::log {
   public:
    explicit tracked_log(std::unique_ptr<raft::log> inner) : inner_(std::move(inner)) {}
    raft::log_offset start_offset() const override { return inner_->start_offset(); }
    raft::log_offset end_offset() const override { return inner_->end_offset(); }
    raft::term_id term_at(raft::log_offset o) const override { return inner_->term_at(o); }
    raft::batch_info batch_at(raft::log_offset o) const override { return inner_->batch_at(o); }
    std::vector<raft::entry> read(raft::log_offset from, std::size_t n) const override {
      return inner_->read(from, n);
    }
    raft::configuration config() const override { return inner_->config(); }
    raft::configuration config_at(raft::log_offset o) const override {
      return inner_->config_at(o);
    }
    raft::log_offset config_offset() const override { return inner_->config_offset(); }
    void append(const raft::entry& e) override { inner_->append(e); }
    void truncate(raft::log_offset from) override;
    void reset(raft::log_offset start, raft::term_id prev_term,
               const raft::configuration& config) override;
    void save_hard_state(const raft::hard_state& hs) override { inner_->save_hard_state(hs); }

    // The lowest offset truncated (or reset) since the last call, or max when none. Only the
    // flush path reads it: it takes it when a flush starts and again when it completes.
    std::int64_t take_truncated_below();

   private:
    std::unique_ptr<raft::log> inner_;
    std::int64_t truncated_below_ = std::numeric_limits<std::int64_t>::max();
  };

  void start_flush();

  const raft::group_id group_;
  const hooks hooks_;
  tracked_log tracked_;
  raft::node node_;

  bool flush_in_flight_ = false;
  std::int64_t commit_reported_ = 0;
  election_state election_reported_;
  // Watched by the flush completion, which may arrive after this replica was removed.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::broker::replication
