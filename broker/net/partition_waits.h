// partition_waits: the waits both front ends (native and Kafka) share, on the I/O thread:
// - a produce or stream append waiting for its partitions' commits (fdatasync on the commit
//   flusher, or the Raft commit of a replicated partition), bounded by the request's timeout;
// - a fetch or stream read waiting for a partition's high watermark to move (long poll).
// Every wait is woken by notify_commit(), which the partitions and the cluster call on every
// commit and change of leadership; nothing polls.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <vector>

#include "broker/handlers/handlers.h"
#include "broker/partition/commit_flusher.h"
#include "broker/partition/partition.h"
#include "broker/raft/group.h"

namespace cairn::broker {

// One waiting reader or writer: a timer that a commit cancels.
struct partition_waiter;

// A produce with no timeout of its own waits this long for its commit.
inline constexpr auto kProduceTimeoutDefault = std::chrono::seconds(30);

class partition_waits {
 public:
  partition_waits(boost::asio::io_context& io, commit_flusher& flusher);
  ~partition_waits();

  // A partition's high watermark moved, or its leadership changed: wake what waits on it. Any
  // thread.
  void notify_commit(const std::string& topic, std::int32_t partition);
  // Wakes every wait (the broker is stopping); later waits end at once. On the I/O thread.
  void stop();
  bool stopped() const { return stopped_; }

  // Cluster mode: the term in which this broker leads a partition (nullopt: it does not). A
  // produce waiting for acks=all on a replicated partition fails not_leader as soon as the
  // leadership it appended under is gone.
  using leadership_probe =
      std::function<std::optional<std::int64_t>(std::string_view topic, std::int32_t partition)>;
  // And the term of the batch holding `offset` in this broker's log of the partition (nullopt
  // when the log does not hold it): a commit that reached a waiting batch's end counts only if
  // that batch is still the one appended, not a new leader's batch that replaced it there.
  using term_probe = std::function<std::optional<std::int64_t>(
      std::string_view topic, std::int32_t partition, std::int64_t offset)>;
  void set_leadership_probe(leadership_probe probe, term_probe term_at);

  // One appended batch (or run of batches) waiting for its partition's commit.
  struct pending_commit {
    std::shared_ptr<partition> target;
    std::int64_t end = 0;
    std::error_code error;  // set when the commit failed or did not finish in time
    // Replicated partitions: where to wait, and the leader's term the batch was appended in.
    raft::group_id key;
    std::optional<std::int64_t> term;
  };
  pending_commit make_pending(std::shared_ptr<partition> target, std::string_view topic,
                              std::int32_t partition, std::int64_t end);

  // Commits each entry: at once when that needs no fdatasync, else on the flusher; replicated
  // partitions wait for their Raft commit. Resumes when all are done or `timeout` has passed
  // (entries still waiting then get request_timed_out; their batches stay appended and commit
  // later, so an idempotent retry is answered as a duplicate). Holds no thread.
  boost::asio::awaitable<void> await_commits(std::vector<pending_commit>& entries,
                                             std::chrono::milliseconds timeout);

  // The commit step of a produce, whichever front end it came through: waits for the commits
  // its acks ask for and records each entry's failure in it. `leader_only` (acks=1): a
  // replicated partition answers once on the leader's log, as Kafka; standalone partitions
  // still commit per the flush policy.
  boost::asio::awaitable<void> await_produce(produce_plan& plan, bool leader_only,
                                             std::chrono::milliseconds timeout);

  // A registration on some partitions' commits, for a reader that checks, then waits. Register
  // before reading, so a commit between the read and the wait still wakes it.
  class watch {
   public:
    watch(partition_waits& waits, std::vector<raft::group_id> keys);
    ~watch();
    watch(const watch&) = delete;
    watch& operator=(const watch&) = delete;
    // Starts a new round: forgets earlier wake-ups, and the next wait ends at `deadline`.
    void arm(std::chrono::steady_clock::time_point deadline);
    // Whether a commit came since arm().
    bool notified() const;
    // Until a commit on one of the partitions (returns true) or the deadline (false). Returns
    // at once when a commit came since arm().
    boost::asio::awaitable<bool> wait();

   private:
    partition_waits& waits_;
    std::vector<raft::group_id> keys_;
    std::shared_ptr<partition_waiter> waiter_;
  };

 private:
  friend class watch;
  boost::asio::awaitable<void> await_replicated(std::vector<pending_commit*> entries,
                                                std::chrono::steady_clock::time_point deadline);
  void add(const raft::group_id& key, const std::shared_ptr<partition_waiter>& w);
  void remove(const raft::group_id& key, const std::shared_ptr<partition_waiter>& w);

  boost::asio::io_context& io_;
  commit_flusher& flusher_;
  std::map<raft::group_id, std::set<std::shared_ptr<partition_waiter>>> waiters_;
  leadership_probe leading_term_;  // cluster mode only
  term_probe term_at_;             // cluster mode only
  bool stopped_ = false;
};

}  // namespace cairn::broker
