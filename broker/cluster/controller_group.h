// controller_group: the cluster's metadata as a Raft group over every broker (KRaft's model):
// its log is the internal partition "__cluster_metadata"/0 under <data-dir>/controller, each
// record one controller command (broker/controller/commands.h), and every broker folds the
// committed records into the same controller_state. The leader of this group is the
// controller: it checks, assigns and proposes topic changes; the others answer not_controller.
//
// Applying a committed command tells the broker what changed (topics and partitions created or
// removed); the `on_change` callback opens or closes the replicas this broker holds.
//
// Threads: the broker's I/O thread, except submit(), which any other thread may call.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>

#include "broker/controller/controller_state.h"
#include "broker/partition/partition.h"
#include "broker/raftlog/partition_raft_log.h"
#include "broker/replication/replica_manager.h"

namespace cairn::broker::cluster {

class controller_group {
 public:
  using change_callback = std::function<void(const controller::state_change&)>;
  // Runs the flush of the controller log (fdatasync off the I/O thread) and calls done there.
  using flush_runner =
      std::function<void(std::shared_ptr<partition>, std::int64_t end, std::function<void(bool)>)>;

  // Opens (creating) the controller log under `dir` and adds its group to `replicas`, with every
  // broker of the cluster (`voters`) as a voter.
  static result<std::unique_ptr<controller_group>> open(
      boost::asio::io_context& io, const std::string& dir, partition::options partition_options,
      std::vector<std::int32_t> voters, replication::replica_manager& replicas, flush_runner flush,
      change_callback on_change);
  ~controller_group();

  // The controller's id, -1 while the group has no leader.
  std::int32_t controller_id() const;
  bool is_controller() const;

  // Builds a command from the current state (on the I/O thread: an assignment needs the
  // brokers' load), proposes it at the controller and waits until this broker applied it (or
  // `timeout`). Any thread except the I/O thread. The answer is what applying the command
  // changed (a granted producer id block, say) and the controller log's end after it. Errors:
  // protocol::errc::not_controller when this broker is not the controller, request_timed_out,
  // the builder's, and what apply() refuses (controller_state::check).
  using command_builder =
      std::function<result<controller::command>(const controller::controller_state&)>;
  struct applied {
    controller::state_change change;
    std::int64_t end = 0;  // the offset after the command's record
  };
  result<applied> submit(command_builder build, std::chrono::milliseconds timeout);
  // The same on the I/O thread, without waiting: `done` runs there once this broker applied the
  // command, or at once with the refusal.
  using completion = std::function<void(result<applied>)>;
  void propose(const command_builder& build, completion done);

  // Waits until this broker has applied the controller log below `end` (a change the controller
  // applied there, seen here too), at most until `deadline`. Any thread except the I/O thread.
  bool wait_applied(std::int64_t end, std::chrono::steady_clock::time_point deadline) const;

  // The group's members as this broker's log has them (the newest configuration, in force from
  // its append). I/O thread only.
  raft::configuration membership() const;

  // On the controller, one step towards a group of exactly `brokers` (the cluster map) as
  // voters: a broker missing from the group joins as a learner, a learner that has caught up
  // with the controller's log is promoted, and a member no longer in the map is removed. One
  // change at a time, each committed before the next (Raft's single-server changes); nothing
  // while a change is pending or on another broker. I/O thread; called every gossip.
  void reconcile_members(const std::vector<std::int32_t>& brokers);

  // The folded state. I/O thread only (copies for other threads come from the broker).
  const controller::controller_state& state() const { return state_; }

  result<void> close();

 private:
  controller_group(boost::asio::io_context& io, std::shared_ptr<partition> log,
                   replication::replica_manager& replicas, change_callback on_change);
  // Applies the committed records not applied yet, and completes the proposals they answer.
  void apply_committed(std::int64_t commit_end);
  // The controller lost leadership or term: proposals waiting may never commit.
  void fail_waiting(std::error_code why);

  boost::asio::io_context& io_;
  std::shared_ptr<partition> log_;
  replication::replica_manager& replicas_;
  const change_callback on_change_;
  controller::controller_state state_;
  std::int64_t applied_end_ = 0;  // records below it are folded into state_
  // Proposals waiting to be applied: end offset of their batch → completion.
  std::multimap<std::int64_t, completion> waiting_;
  // Outcomes of applied records, kept until the proposal waiting for them reads them.
  std::map<std::int64_t, result<controller::state_change>> outcomes_;
  // applied_end_ for other threads (wait_applied).
  mutable std::mutex applied_mu_;
  mutable std::condition_variable applied_changed_;
  std::int64_t applied_end_published_ = 0;  // guarded by applied_mu_
  mutable std::mutex leader_mu_;            // guards controller_id_ (read by handler threads)
  std::int32_t controller_id_ = -1;
  bool is_controller_ = false;
};

}  // namespace cairn::broker::cluster
