// replica_manager: every Raft group this broker is a member of, driven on the broker's I/O
// thread. It ticks them all on one timer, steps the messages peers send into the right group,
// and runs one drain pass per I/O-loop turn in which anything happened, so that the messages of
// many groups to the same peer leave together (the transport batches a turn's messages into one
// Replicate frame).
//
// Threads: everything here runs on the io_context's thread; the flush completions a replica
// asks for are posted back to it by whoever runs the flush.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "broker/replication/replica.h"

namespace cairn::broker::replication {

struct manager_options {
  raft::node_id self{0};
  // One tick of every group's clock. The election timeout and the heartbeat interval are
  // counted in ticks (raft_template): 50 ms and 10..20 ticks give 0.5..1 s elections.
  std::chrono::milliseconds tick_interval{50};
  raft::options raft_template;
};

// Where a group's outgoing message goes (the peer links; an in-process loop in tests).
using send_function = std::function<void(const raft::group_id&, raft::message)>;

class replica_manager {
 public:
  replica_manager(boost::asio::io_context& io, manager_options options, send_function send);
  ~replica_manager();
  replica_manager(const replica_manager&) = delete;
  replica_manager& operator=(const replica_manager&) = delete;

  // Starts the tick timer. stop() cancels it; replicas stay until removed or destroyed.
  void start();
  void stop();

  // Adds a group. `h` gives flush/committed/changed (send and wake are the manager's). The
  // election timeout draws are seeded from the node and the group, so they differ per group
  // and per broker but replay the same way.
  replica& add(raft::group_id group, std::unique_ptr<raft::log> log, raft::hard_state hs,
               replica::hooks h);
  void remove(const raft::group_id& group);
  replica* find(const raft::group_id& group);
  const std::map<raft::group_id, std::unique_ptr<replica>>& replicas() const { return replicas_; }

  // A message from a peer. Dropped (counted) when this broker has no such group yet: the
  // controller may not have told it about the topic; the sender retries.
  void deliver(const raft::group_id& group, const raft::message& m);

  std::uint64_t dropped_unknown_group() const { return dropped_unknown_group_; }
  const manager_options& options() const { return options_; }

 private:
  void schedule_tick();
  void wake(const raft::group_id& group);

  boost::asio::io_context& io_;
  const manager_options options_;
  const send_function send_;
  boost::asio::steady_timer ticker_;
  bool running_ = false;

  std::map<raft::group_id, std::unique_ptr<replica>> replicas_;
  // Groups with outputs waiting, and whether a drain pass is already posted. By id, not by
  // pointer: a drain's hooks may remove groups (a topic deleted by the controller).
  std::set<raft::group_id> dirty_;
  bool drain_posted_ = false;
  std::uint64_t dropped_unknown_group_ = 0;
  // Posted drain passes check it: the manager may be gone when they run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cairn::broker::replication
