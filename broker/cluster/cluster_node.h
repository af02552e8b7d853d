// cluster_node: a broker as a member of a cluster. It owns the Raft groups this broker is in
// (the controller's and one per hosted partition), the links to the other brokers, the
// leadership table, and the view of the cluster the request handlers read.
//
//   peers ──Replicate──► receiver ──► replica_manager ──► replicas (partition_raft_log)
//                           │                  │ commit end → partition high watermark
//                           └─ gossip ──► leadership_table ◄── own leaders, every gossip tick
//   controller group: committed commands ──► controller_state ──► open / close replicas
//
// Threads: start(), stop(), and everything the groups do run on the broker's I/O thread. The
// cluster_view methods and create_topic()/delete_topic()/alter_topic() may be called from any
// thread (the handlers' workers); they read a snapshot published under a mutex on every gossip
// tick. So may the producer id grants and the controller requests other brokers send (see
// controller_service), which block a worker until the controller's log applied them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "broker/cluster/controller_block_source.h"
#include "broker/cluster/controller_group.h"
#include "broker/cluster/partition_replicator.h"
#include "broker/controller/cluster_map.h"
#include "broker/controller/cluster_view.h"
#include "broker/controller/leadership_table.h"
#include "broker/handlers/handlers.h"
#include "broker/peer/peer_call.h"
#include "broker/peer/peer_links.h"
#include "broker/peer/replicate_receiver.h"
#include "broker/replication/replica_manager.h"
#include "broker/topics/topic_manager.h"

namespace cairn::broker::cluster {

struct cluster_options {
  std::int32_t self = 0;
  controller::cluster_map members = controller::cluster_map::standalone(1, {"127.0.0.1", 0});
  std::string cluster_id = "cairn";
  std::string data_dir;
  partition::options partition_options;  // the flush policy decides whether flushes are waited for
  std::chrono::milliseconds tick_interval{50};
  // Every this many ticks a broker gossips its leaderships and republishes the view.
  int gossip_every_ticks = 4;
  // Housekeeping (retention, compaction) of hosted partitions runs every this many gossips.
  int housekeeping_every_gossips = 5;
  // A leader waits this long between two hand-overs of a partition to its preferred replica.
  std::chrono::milliseconds preferred_leader_backoff{5'000};
  // How long CreateTopics waits, after the commit, for the new partitions to elect leaders.
  std::chrono::milliseconds leader_wait{5'000};
  // A broker not heard from for this long is shown as not alive; its gossip expires too.
  std::chrono::milliseconds liveness_timeout{3'000};
  // __consumer_offsets is created by the controller with this many partitions.
  std::int32_t offsets_partitions = 8;
  // A broker added to a running cluster (--join): a new controller log gets no voters.
  bool joining = false;
};

// What the rest of the broker hears from the cluster, on the I/O thread.
struct cluster_listener {
  // A hosted partition's commit end or leadership moved: the server wakes the requests waiting
  // on it (fetches, produce waiting for acks=all).
  std::function<void(const std::string& topic, std::int32_t partition)> partition_changed;
  // This broker became, or stopped being, a hosted partition's leader (the group coordinator
  // follows the leadership of __consumer_offsets).
  std::function<void(const std::string& topic, std::int32_t partition, bool leading)>
      leadership_changed;
};

class cluster_node final : public controller::cluster_view,
                           public cluster_admin,
                           public controller_service,
                           public producer_id_grantor {
 public:
  // `topics` holds the partitions on disk (opened in replicated mode).
  cluster_node(boost::asio::io_context& io, cluster_options options, topic_manager& topics,
               cluster_listener listener);
  ~cluster_node() override;

  // Opens the controller group and a replica for every hosted partition on disk, connects to
  // the peers and starts ticking.
  result<void> start();
  void stop();
  // Closes the controller log (after the I/O thread stopped).
  result<void> close();

  peer::replicate_sink& sink() { return *receiver_; }

  // I/O thread: the term in which this broker leads the partition, nullopt when it does not.
  std::optional<std::int64_t> leading_term(std::string_view topic, std::int32_t partition);
  // I/O thread: the term of the batch holding `offset` in this broker's log of the partition,
  // nullopt when the log does not hold it.
  std::optional<std::int64_t> term_at(std::string_view topic, std::int32_t partition,
                                      std::int64_t offset);

  // ---- cluster_admin (any thread but the I/O thread): topic changes, through the controller
  std::int32_t broker_count() const override {
    return static_cast<std::int32_t>(options_.members.size());
  }
  // Answers once the controller committed the topic and, in this broker's view, every partition
  // has a leader and every replica on a live broker is in sync (bounded by `leader_wait` within
  // `timeout`; the topic exists either way): a client may produce at once, through any broker
  // hosting the topic.
  result<void> create_topic(topic_config config, std::chrono::milliseconds timeout) override;
  result<void> delete_topic(const std::string& name, std::chrono::milliseconds timeout) override;
  // From any broker: `change` runs on the topic as this broker knows it, and the controller takes
  // the result only while the topic is still at that version (alter_topic's if_version); a
  // newer version makes this broker run `change` again on it, at most kAlterAttemptsMax times.
  // Not at the controller, the change is forwarded to it (an AlterTopic request) and this
  // broker waits (within `timeout`) until it applied the change too, so that a client reads
  // back through it what it just altered. Errors: as create_topic, unknown_topic, change's
  // own, request_timed_out when the controller cannot be reached or the topic kept changing.
  result<void> alter_topic(const std::string& name, topic_change change,
                           std::chrono::milliseconds timeout) override;
  static constexpr int kAlterAttemptsMax = 5;
  // Kafka's DeleteRecords on the leader: the I/O thread moves this replica's log start
  // (move_log_start), then the caller waits on the view for the low watermark: the least log
  // start of this broker and of the followers in its in-sync set (those that answered within
  // the last quorum-check period: Kafka's "live replicas"), as each last reported it in its
  // append responses. Followers learn the leader's start from its append requests and follow it
  // within their commit end (follow_leader_log_start).
  delete_records_outcome delete_records(const std::string& topic, std::int32_t partition,
                                        std::int64_t offset,
                                        std::chrono::steady_clock::time_point deadline) override;

  // ---- producer_id_grantor (any thread but the I/O thread): blocks for this broker's
  // allocator, from the controller here or over the network.
  result<controller::producer_id_grant> request_block(std::int32_t to, std::int64_t count,
                                                      std::int64_t at_least,
                                                      std::chrono::milliseconds timeout) override;

  // ---- controller_service (any thread but the I/O thread): what other brokers ask of the
  // controller, when this broker is it.
  bool accepts(std::string_view cluster_id, std::int32_t node) const override;
  result<id_block> grant_producer_ids(std::int32_t node, std::int64_t count,
                                      std::int64_t at_least) override;
  result<alter_outcome> alter_topic_from(std::int32_t node, std::string_view command) override;

  // ---- cluster_view (any thread) ----
  std::vector<controller::broker_status> brokers() const override;
  // (producer_id_grantor's too)
  std::int32_t controller_id() const override;
  std::vector<topic_config> topics() const override;
  std::optional<topic_config> topic(std::string_view name) const override;
  std::optional<raft::partition_leadership> partition(std::string_view topic,
                                                      std::int32_t partition) const override;

 private:
  struct hosted {
    std::shared_ptr<broker::partition> log;
    std::unique_ptr<partition_replicator> replicator;
    std::vector<raft::node_id> replicas;              // the assignment: the first is preferred
    raftlog::partition_raft_log* raft_log = nullptr;  // owned by the replica
    std::int64_t transfer_tried_ms = 0;               // preferred-leader balancing
    // DeleteRecords. As a follower: the highest log start the leader of its term announced, which
    // this replica reaches as its commit end does. As a leader: each follower's log start, as
    // its latest append response of this term said.
    std::int64_t leader_log_start = -1;
    std::map<raft::node_id, std::int64_t> follower_log_starts;
  };
  // What move_log_start did: the offset the low watermark must reach, in which term.
  struct moved_start {
    std::error_code error;
    std::int64_t offset = -1;
    raft::term_id term{0};
  };
  struct snapshot {
    std::vector<controller::broker_status> brokers;
    std::int32_t controller = -1;
    std::map<std::string, topic_config, std::less<>> topics;
    std::map<std::string, std::int64_t, std::less<>> topic_versions;  // topic_record::version
    std::map<raft::group_id, raft::partition_leadership> partitions;
  };

  void on_controller_change(const controller::state_change& change);
  result<void> open_replica(const topic_config& config, std::int32_t partition);
  void close_replica(const std::string& topic, std::int32_t partition);
  replication::replica::hooks hooks_for(const std::shared_ptr<broker::partition>& log,
                                        const std::string& topic, std::int32_t partition);
  void flush(std::shared_ptr<broker::partition> log, std::int64_t end,
             std::function<void(bool)> done);
  void on_gossip_tick();
  // Rebuilds the view the handlers read (brokers, controller, topics, leaders): every gossip,
  // and soon after a hosted replica's role, term or leader changed (schedule_publish).
  void publish_view(std::int64_t now);
  void schedule_publish();
  // A peer's message, after the entries it carries were checked as batches (untrusted bytes
  // must not reach the log, whose append asserts).
  void on_peer_message(peer::group_message&& m);
  // Retention and compaction of hosted partitions, through their Raft logs (only committed
  // data goes). Retention moves the Raft log's start, so it runs here on the I/O thread like
  // every replicated write (it unlinks whole segments: cheap). Compaction reads and rewrites
  // segments (seconds for a large partition), so it runs on compaction_thread_, one partition
  // at a time, never twice at once for one partition.
  void run_housekeeping();
  // Kafka's auto.leader.rebalance: a leader that is not its partition's preferred replica hands
  // leadership over once the preferred one is caught up, so leaders stay spread as assigned.
  void balance_leaders(std::int64_t now);
  void schedule_gossip();
  // The partition as this broker's own leader replica sees it.
  raft::partition_leadership own_leadership(const replication::replica& r, const hosted& h,
                                            const std::vector<raft::node_id>& replicas) const;
  // DeleteRecords' first step, on the I/O thread: this broker must lead the partition; -1 is the
  // high watermark; the offset must not pass it (offset_out_of_range).
  moved_start move_log_start(const raft::group_id& group, std::int64_t offset);
  // The log starts that ride on append messages (raft::append_request::leader_log_start,
  // append_response::log_start): stamped on the way out, noted on the way in.
  void stamp_log_start(const raft::group_id& group, raft::message& m) const;
  void note_log_start(const raft::group_id& group, const raft::message& m);
  // A follower moves its log start up to the leader's, never past its own commit end (what it
  // holds below that is the leader's, committed): on each append request and each commit.
  void follow_leader_log_start(const raft::group_id& group);
  // The controller command creating `config`, assigning its replicas from the state's load
  // unless config.replicas already says where they go.
  controller_group::command_builder create_command(topic_config config) const;
  // The alter_topic command taking `current` (a topic's record) to what `change` makes of it,
  // compare-and-set on current's version; partitions it adds without replicas are placed from
  // `load` as a create places them.
  result<controller::alter_topic> alter_command(const controller::topic_record& current,
                                                const topic_change& change,
                                                const controller::load_map& load) const;
  // The topic's record and the brokers' load as the published view has them.
  std::optional<controller::topic_record> view_record(std::string_view name,
                                                      controller::load_map& load) const;
  // Sends `command` to broker `to`, the controller (AlterTopic): its applied end, or the topic's
  // record when the topic has moved past the command's version.
  struct forwarded_alter {
    std::int64_t applied_end = -1;
    std::optional<controller::topic_record> stale;
  };
  result<forwarded_alter> forward_alter(std::int32_t to, const controller::alter_topic& command,
                                        std::chrono::milliseconds timeout);
  // Makes sure __consumer_offsets exists, once this broker is the controller.
  void ensure_internal_topics();
  std::int64_t now_ms() const;

  boost::asio::io_context& io_;
  const cluster_options options_;
  topic_manager& topics_;
  const cluster_listener listener_;
  const bool flush_waits_;  // flush `always`: durability is an fdatasync, reported when done

  replication::replica_manager replicas_;
  std::unique_ptr<peer::peer_links> links_;
  std::unique_ptr<peer::replicate_receiver> receiver_;
  std::unique_ptr<controller_group> controller_;
  boost::asio::thread_pool flush_threads_{2};
  boost::asio::thread_pool compaction_thread_{1};
  std::set<raft::group_id> compacting_;  // I/O thread
  boost::asio::steady_timer gossip_timer_;
  bool running_ = false;
  bool creating_internal_ = false;
  int gossips_ = 0;

  std::map<raft::group_id, hosted> hosted_;
  controller::leadership_table leaders_;
  std::map<std::int32_t, std::int64_t> last_heard_ms_;  // peer → when (I/O thread)

  bool alive_in_view(std::int32_t broker) const;  // REQUIRES: view_mu_ held
  // The group's leadership as the view has it (the leadership table, or a leader's own report)
  // under the leader and term this broker's replica knows, when those are newer: the one place
  // a follower's leader is read. nullopt for a group the view lacks. REQUIRES: view_mu_ held.
  std::optional<raft::partition_leadership> leadership_locked(const raft::group_id& group) const;
  mutable std::mutex view_mu_;
  snapshot view_;                         // guarded by view_mu_
  std::condition_variable view_changed_;  // view_ was republished
  bool publish_pending_ = false;          // I/O thread: a publish_view is posted
  // The leader and term each hosted replica knows, set by its `changed` hook as it happens and
  // laid over the published view by leadership_locked (Metadata, CreateTopics' wait): a follower
  // knows its leader from the leader's first append, before any gossip, and Metadata after an
  // append this broker acknowledged names that append's leader. Guarded by view_mu_.
  struct live_leader {
    raft::node_id leader = raft::no_node;  // no_node: electing
    raft::term_id term{0};
  };
  std::map<raft::group_id, live_leader> live_leaders_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  peer::peer_call_options call_options_;  // controller requests to other brokers
};

}  // namespace cairn::broker::cluster
