// group_coordinator: the Asio shell around group_registry (broker/group). One registry per
// partition of the internal compacted topic `__consumer_offsets`; a group lives in the partition
// its id hashes to, and its committed offsets and group state are records there, so a restart
// rebuilds every group from the log; in a cluster the coordinator of a partition is its Raft
// leader, and a new leader rebuilds its groups from the replicated log.
//
// Everything runs on the broker's I/O thread: the registries are plain state machines and take
// microseconds. After each call the records it produced are appended to the group's partition
// and committed (flush policy: under `always` the commit waits on the commit_flusher, holding no
// thread) before its answers go out, as group_registry requires; a call that wrote nothing waits
// for the records other calls appended before it. Heartbeats and the read-only calls
// (OffsetFetch, Describe, List) answer at once: under flush `always` they may show state whose
// records are a few hundred microseconds from durable. A JoinGroup or SyncGroup the
// group holds waits on a timer until the registry hands back its answer; one timer per registry
// runs expire() (session timeouts, rebalance timeouts).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "broker/group/group_registry.h"
#include "broker/partition/commit_flusher.h"
#include "broker/topics/topic_manager.h"

namespace cairn::broker {

inline constexpr std::string_view kConsumerOffsetsTopic = "__consumer_offsets";

struct coordinator_options {
  std::int32_t offsets_partitions = 8;  // of __consumer_offsets (Kafka's default is 50)
  group::group_config group;
};

class group_coordinator {
 public:
  group_coordinator(boost::asio::io_context& io, topic_manager& topics, commit_flusher& flusher,
                    coordinator_options options = {});
  ~group_coordinator();

  // Creates `__consumer_offsets` if it is missing and rebuilds every registry from it. Call once,
  // before serving. A record that does not decode is an error naming its partition and offset:
  // the broker refuses to start rather than serve groups with a silently partial state.
  result<void> load();

  // Cluster mode, instead of load(): a registry exists only for the __consumer_offsets
  // partitions this broker leads (Kafka's coordinator moves with that leadership). The cluster
  // calls these on the I/O thread when a leadership changes; groups of other partitions answer
  // not_coordinator, so clients ask FindCoordinator again.
  void start_clustered(std::int32_t offsets_partitions);
  // Rebuilds the registry of partition `p` from its log (everything this new leader holds: its
  // uncommitted tail commits with its first entry) and serves its groups once that is committed.
  void on_leadership_gained(std::int32_t p);
  // Drops the registry of `p`; requests it holds answer not_coordinator.
  void on_leadership_lost(std::int32_t p);
  // The high watermark of __consumer_offsets partition `p` moved (or its leader changed): writes
  // waiting for their commit look again.
  void on_commit(std::int32_t p);

  // The calls of group_registry, with the records made durable before answering.
  boost::asio::awaitable<group::join_response> join(group::join_request request);
  boost::asio::awaitable<group::sync_response> sync(group::sync_request request);
  std::error_code heartbeat(const group::heartbeat_request& request);
  boost::asio::awaitable<group::leave_response> leave(group::leave_request request);
  boost::asio::awaitable<group::commit_response> commit_offsets(group::commit_request request);
  boost::asio::awaitable<std::error_code> delete_group(std::string group_id);

  result<std::vector<group::fetched_offset>> fetch_offsets(
      const std::string& group_id,
      const std::optional<std::vector<group::topic_partition>>& partitions) const;
  result<group::group_description> describe(const std::string& group_id) const;
  std::vector<group::group_listing> list_groups() const;

  // Stops the expiry timers and answers every held request (the broker is stopping).
  void stop();

 private:
  struct shard;
  struct held;

  // The registry of the group's partition; null when this broker does not serve it (cluster
  // mode: not the partition's leader) or before load().
  std::shared_ptr<shard> shard_for(std::string_view group_id) const;
  // Why a request finds no usable shard (null, broken), or nothing.
  std::error_code unavailable(const shard* s) const;
  result<std::shared_ptr<shard>> load_shard(std::int32_t p, std::int32_t partitions);
  // Cluster mode: waits until the shard's partition committed `end`, or its leadership is lost.
  boost::asio::awaitable<std::error_code> wait_replicated(shard& s, std::int64_t end);
  // Appends `records` to the shard's partition and waits for their commit.
  boost::asio::awaitable<std::error_code> persist(
      shard& s, const std::vector<group::offsets_record>& records);
  // Persists, then answers the completions; returns the persist error.
  template <class T>
  boost::asio::awaitable<std::error_code> settle(shard& s, group::registry_output<T>& out);
  // The steps JoinGroup, SyncGroup, LeaveGroup, OffsetCommit and DeleteGroups share, around
  // the registry's call `step`; write_held for the requests a group may hold.
  template <class Response, class Step>
  boost::asio::awaitable<Response> write(std::string_view group_id, Step step);
  template <class Response, class Step>
  boost::asio::awaitable<Response> write_held(std::string_view group_id, Step step);
  template <class Response>
  boost::asio::awaitable<Response> wait_for(group::request_token token);
  // Answers `ec` to every request held by `owner`'s registry (every shard's when null) that has
  // no answer yet.
  void fail_held(const shard* owner, std::error_code ec);
  void deliver(std::vector<group::completion>& completions);
  void arm_timer(const std::shared_ptr<shard>& s);
  std::int64_t now_ms() const;

  boost::asio::io_context& io_;
  topic_manager& topics_;
  commit_flusher& flusher_;
  coordinator_options options_;
  // By partition; null where not served. Shared: a request in flight keeps its shard alive
  // after a lost leadership dropped it here.
  std::vector<std::shared_ptr<shard>> shards_;
  bool clustered_ = false;
  std::map<std::uint64_t, std::shared_ptr<held>> held_;  // token → waiting request
  std::uint64_t next_token_ = 1;
  bool stopped_ = false;
};

}  // namespace cairn::broker
