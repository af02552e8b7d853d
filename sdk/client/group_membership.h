// group_membership: one consumer's membership in its consumer group (Kafka's ConsumerCoordinator),
// the Asio shell around the pure parts in sdk/group/. Everything runs on the client's io thread.
//
// Three activities share the state below and interleave only at co_await:
//   - poll's step(): non-blocking. It hands the consumer one event at a time (revoked, lost,
//     assigned) and starts a rebalance when one is due; the consumer applies the event to its
//     positions and runs the listener on the application's thread before it asks again. So an
//     eager member has revoked (and could commit) everything before its JoinGroup goes out.
//   - the rebalance task (group_join.cc): FindCoordinator, JoinGroup (memberIdRequired: again
//     with the given id), the leader's assignment, SyncGroup. It runs in the background, so a
//     poll() with a short timeout returns while it runs and a cooperative member keeps reading
//     what it owns; its outcome waits for the next step().
//   - the heartbeat loop: from the end of a sync until the next rebalance, leave or close, on its
//     own timer, independent of poll(). It asks for a rejoin on rebalance_in_progress, marks the
//     partitions lost on illegal_generation / unknown_member_id, and leaves the group when poll()
//     was not called for the max poll interval (heartbeat_clock).
// Every coroutine holds a shared_ptr to the membership and an epoch; after each co_await it
// checks that its epoch is still current, so a leave or a newer rebalance silences it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/consumer.h"
#include "sdk/client/coordinator_lookup.h"
#include "sdk/group/assignor.h"
#include "sdk/group/heartbeat_clock.h"
#include "sdk/group/recovery.h"

namespace cairn::sdk {

// What the consumer must do next, in this order, each before asking step() again.
struct group_event {
  enum class kind { revoked, lost, assigned };
  kind what = kind::assigned;
  std::vector<topic_partition> partitions;  // sorted
};

struct membership_config {
  std::string group_id;
  std::vector<std::string> topics;  // sorted, distinct
  std::optional<std::string> instance_id;
  std::int32_t session_timeout_ms = 45'000;
  std::int32_t rebalance_timeout_ms = 300'000;
  std::int32_t heartbeat_interval_ms = 3'000;
  std::vector<assignor> assignors;  // in order of preference, at least one
  std::string client_id;

  // invalid_config for an empty group or topic list, an unknown assignor, or a non-positive
  // timeout.
  static result<membership_config> make(const consumer_options& options,
                                        std::vector<std::string> topics, std::string group_id,
                                        std::string client_id);
};

class group_membership : public std::enable_shared_from_this<group_membership> {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  group_membership(client_impl& c, membership_config config);
  ~group_membership();

  // --- poll ---

  // The next event for the consumer, or nullopt when there is none now (stable, or a rebalance
  // is running). Starts a rebalance when one is due. Errors: a fatal group error (it stays), or
  // the last error of a rebalance that gave up (retriable; the next step tries again).
  result<std::optional<group_event>> step();
  // Waits until something changed that step() should see (a rebalance ended, a heartbeat asked
  // for a rejoin or reported the partitions lost), or until `deadline`.
  boost::asio::awaitable<void> wait_for_change(time_point deadline);
  // The max poll interval counts from the end of one poll() to the start of the next.
  void poll_started();
  void poll_ended();

  // New topics for the same group: rejoin at the next step.
  void resubscribe(std::vector<std::string> topics);

  // --- offsets ---

  // OffsetCommit with this member's generation and id, until the client's request timeout.
  // illegal_generation / unknown_member_id mark the partitions lost, rebalance_in_progress asks
  // for a rejoin (the next step() acts on both). Fails locally with the error that made this
  // member lose its partitions, or rebalance_in_progress before the first generation.
  boost::asio::awaitable<result<void>> commit(std::map<topic_partition, std::int64_t> offsets,
                                              std::string metadata);
  // OffsetFetch: the committed offsets of these partitions; partitions without one are left out.
  boost::asio::awaitable<result<std::map<topic_partition, std::int64_t>>> fetch_committed(
      std::vector<topic_partition> partitions);

  // --- leaving ---

  // Stops the heartbeats and any rebalance, and sends LeaveGroup (a dynamic member only: a static
  // member stays until its session times out, so a restart does not rebalance). Best effort,
  // bounded by min(request timeout, 5 s). The membership is then idle: step() joins again.
  boost::asio::awaitable<void> leave(std::string reason);

  // Owned partitions: what the consumer reads (the last assignment less what was revoked/lost).
  const std::vector<topic_partition>& owned() const { return owned_; }
  // Whether the owned partitions are lost (the next step() says so): callers revoking at close
  // report on_lost instead of on_revoked.
  bool partitions_lost() const { return lost_.has_value(); }
  group_membership_info info() const;
  const membership_config& config() const { return config_; }

 private:
  enum class phase {
    unjoined,     // no generation, or a rejoin is due: the next step() prepares and joins
    rebalancing,  // the rebalance task runs
    rebalanced,   // its outcome waits for step()
    stable,       // the assignment is applied; heartbeats run
  };

  // What the rebalance task hands to step().
  struct join_outcome {
    std::int32_t generation = -1;
    std::string protocol;
    std::vector<topic_partition> assigned;
    bool follow_up = false;  // the leader's needs_follow_up(): rejoin after applying
  };

  // group_join.cc: the rebalance task.
  static boost::asio::awaitable<void> run_rebalance(std::shared_ptr<group_membership> self,
                                                    std::uint64_t epoch);
  boost::asio::awaitable<result<join_outcome>> rebalance(std::uint64_t epoch);
  struct join_answer;
  boost::asio::awaitable<result<join_answer>> join_group(time_point deadline);
  boost::asio::awaitable<result<std::map<std::string, std::string>>> leader_assign(
      const join_answer& joined, bool& follow_up);
  boost::asio::awaitable<result<std::vector<topic_partition>>> sync_group(
      const join_answer& joined, const std::map<std::string, std::string>& assignments,
      time_point deadline);
  result<std::string> subscription_bytes() const;

  // group_membership.cc
  static boost::asio::awaitable<void> run_heartbeats(std::shared_ptr<group_membership> self,
                                                     std::uint64_t epoch);
  void start_heartbeats();
  void stop_heartbeats();
  boost::asio::awaitable<result<void>> send_heartbeat();
  boost::asio::awaitable<void> send_leave(std::string reason);
  // Acts on a group error that came from a request sent in `generation`.
  void on_group_error(std::error_code ec, std::int32_t generation);
  void mark_lost(std::error_code ec);
  void notify();
  std::int64_t now_ms() const;
  std::chrono::milliseconds request_timeout() const;
  std::optional<group_event> take_pending();

  client_impl& client_;
  membership_config config_;
  group_coordinator coordinator_;

  phase phase_ = phase::unjoined;
  std::string member_id_;
  std::int32_t generation_ = -1;
  std::string protocol_;  // agreed at the last join
  rebalance_protocol protocol_kind_ = rebalance_protocol::eager;
  std::vector<topic_partition> owned_;  // sorted

  bool rejoin_requested_ = false;
  std::optional<std::error_code> lost_;   // illegal_generation / unknown_member_id, to report
  std::optional<std::error_code> fatal_;  // sticky
  std::optional<result<join_outcome>> outcome_;
  std::vector<group_event> pending_;  // events of an applied outcome not yet handed out

  std::uint64_t epoch_ = 0;     // bumped by every rebalance start and leave
  std::uint64_t hb_epoch_ = 0;  // bumped by every heartbeat start and stop
  std::shared_ptr<boost::asio::steady_timer> hb_timer_;
  heartbeat_clock clock_;

  bool changed_ = false;  // something for step(): set by notify(), cleared by wait_for_change
  std::shared_ptr<boost::asio::steady_timer> change_timer_;
};

}  // namespace cairn::sdk
