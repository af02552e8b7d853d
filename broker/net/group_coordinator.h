// group_coordinator: the Asio shell around group_registry (broker/group). One registry per
// partition of the internal compacted topic `__consumer_offsets`; a group lives in the partition
// its id hashes to, and its committed offsets and group state are records there, so a restart
// rebuilds every group from the log (and replication will make them fault tolerant).
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

  shard& shard_for(std::string_view group_id);
  const shard& shard_for(std::string_view group_id) const;
  // Appends `records` to the shard's partition and waits for their commit.
  boost::asio::awaitable<std::error_code> persist(
      shard& s, const std::vector<group::offsets_record>& records);
  // Persists, then answers the completions; returns the persist error.
  template <class T>
  boost::asio::awaitable<std::error_code> settle(shard& s, group::registry_output<T>& out);
  template <class Response>
  boost::asio::awaitable<Response> wait_for(group::request_token token);
  void deliver(std::vector<group::completion>& completions);
  void arm_timer(shard& s);
  std::int64_t now_ms() const;

  boost::asio::io_context& io_;
  topic_manager& topics_;
  commit_flusher& flusher_;
  coordinator_options options_;
  std::vector<std::unique_ptr<shard>> shards_;
  std::map<std::uint64_t, std::shared_ptr<held>> held_;  // token → waiting request
  std::uint64_t next_token_ = 1;
  bool stopped_ = false;
};

}  // namespace cairn::broker
