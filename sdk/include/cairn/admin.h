// cairn::admin: create, delete, list and describe topics, describe the cluster, and list,
// describe, delete and reset the offsets of consumer groups, over a cairn::client.
#pragma once

#include <chrono>
#include <map>

#include "cairn/client.h"

namespace cairn {

enum class cleanup_policy { remove, compact };
// Kafka's message.timestamp.type: a record's timestamp is its producer's, or the time the
// broker appended it (consumer_record::log_append_time says which a record has).
enum class timestamp_type { create_time, log_append_time };

struct topic_settings {
  std::int32_t partitions = -1;          // -1: the broker's default
  std::int16_t replication_factor = -1;  // -1: the broker's default
  std::int64_t retention_ms = 604'800'000;
  std::int64_t retention_bytes = -1;
  cleanup_policy cleanup = cleanup_policy::remove;
  timestamp_type timestamp = timestamp_type::create_time;
};

struct topic_listing {
  std::string name{};
  std::int32_t partitions = 0;
  bool internal = false;
};

struct topic_description {
  std::string name{};
  topic_settings settings{};  // effective values
  std::vector<partition_info> partitions{};
};

// --- the cluster ---

// A broker's place in the controller's Raft group: a broker that joined a running cluster is a
// learner until it has caught up, then a voter.
enum class controller_role { none, voter, learner };

struct cluster_broker {
  std::int32_t node_id = -1;
  std::string host{};
  std::uint16_t port = 0;
  bool alive = false;                  // answered the controller recently
  std::int64_t last_seen_ms_ago = -1;  // -1: never, or the broker cannot tell
  controller_role in_controller = controller_role::none;
};

struct cluster_description {
  std::string cluster_id{};
  std::int32_t controller_id = -1;  // -1 while the controller has no leader
  std::vector<cluster_broker> brokers{};
  // Every topic, internal ones (names starting with "__") included; per partition its leader,
  // replicas, in-sync set and replica states (lag).
  std::vector<topic_info> topics{};
};

// --- consumer groups ---

struct group_listing {
  std::string group_id{};
  std::string protocol_type{};  // "consumer" for cairn and Kafka consumers
  std::string state{};          // Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
};

struct group_member_description {
  std::string member_id{};
  std::optional<std::string> group_instance_id{};
  std::string client_id{};
  std::string client_host{};
  std::vector<topic_partition> assignment{};  // decoded; empty for a non-consumer protocol
};

// One partition the group reads or has offsets for.
struct group_partition_offsets {
  topic_partition partition{};
  std::optional<std::int64_t> committed{};  // the group's next offset; nullopt: none committed
  std::string metadata{};                   // stored with the commit
  std::int64_t log_end_offset = -1;         // the high watermark (ListOffsets latest); -1: unknown
  std::optional<std::int64_t> lag{};        // log_end_offset - committed, when both are known
  std::string member_id{};                  // the member it is assigned to; empty: none
};

struct group_description {
  std::string group_id{};
  std::string state{};
  std::string protocol_type{};
  std::string protocol_name{};  // the assignor in use
  std::int32_t generation = -1;
  std::string leader{};
  std::vector<group_member_description> members{};
  // Assigned partitions and partitions with a committed offset, by (topic, partition).
  std::vector<group_partition_offsets> partitions{};
};

// Where reset_offsets moves a group (Kafka's kafka-consumer-groups --to-earliest|--to-latest|
// --to-offset|--to-datetime). An offset beyond the log is clamped into [log start, end].
struct offset_target {
  enum class kind { earliest, latest, offset, timestamp };
  kind what = kind::earliest;
  std::int64_t value = 0;  // the offset, or the timestamp in ms

  static offset_target earliest() { return {kind::earliest, 0}; }
  static offset_target latest() { return {kind::latest, 0}; }
  static offset_target at_offset(std::int64_t offset) { return {kind::offset, offset}; }
  static offset_target at_timestamp(std::int64_t ms) { return {kind::timestamp, ms}; }
};

class admin {
 public:
  explicit admin(client& c) : client_(c) {}

  // Topic creation and deletion go to the controller (the metadata's controllerId; any broker
  // before one is known). A broker answering not_controller makes the client refresh its
  // metadata and try the controller it names again, pausing kControllerRetryBackoffMin at first
  // and twice as long each time up to kControllerRetryBackoffMax, until the request's timeout
  // (the client's request timeout plus `timeout_ms`) has passed: a controller election answers
  // not_controller everywhere for a moment.
  static constexpr std::chrono::milliseconds kControllerRetryBackoffMin{20};
  static constexpr std::chrono::milliseconds kControllerRetryBackoffMax{500};

  // protocol::errc::topic_already_exists, invalid_partitions, invalid_replication_factor,
  // invalid_config, not_controller (the controller kept moving), or a connection error.
  awaitable<result<void>> async_create_topic(std::string name, topic_settings settings = {},
                                             std::int32_t timeout_ms = 30'000);
  result<void> create_topic(std::string name, topic_settings settings = {},
                            std::int32_t timeout_ms = 30'000);

  // protocol::errc::unknown_topic when there is no such topic.
  awaitable<result<void>> async_delete_topic(std::string name, std::int32_t timeout_ms = 30'000);
  result<void> delete_topic(std::string name, std::int32_t timeout_ms = 30'000);

  awaitable<result<std::vector<topic_listing>>> async_list_topics(bool include_internal = false);
  result<std::vector<topic_listing>> list_topics(bool include_internal = false);

  awaitable<result<topic_description>> async_describe_topic(std::string name);
  result<topic_description> describe_topic(std::string name);

  // Brokers (with liveness), the controller, and every topic's partitions with their leader,
  // replicas, in-sync set and lag, from any broker (Kafka's DescribeCluster).
  awaitable<result<cluster_description>> async_describe_cluster();
  result<cluster_description> describe_cluster();

  // Every group of every broker (ListGroups goes to each broker the metadata names). An error
  // when a broker cannot be asked: a partial list would mislead.
  awaitable<result<std::vector<group_listing>>> async_list_groups();
  result<std::vector<group_listing>> list_groups();

  // State, members with their decoded assignments, and per partition the committed offset, the
  // log end offset and the lag. protocol::errc::group_id_not_found for a group that does not
  // exist (no members, no offsets).
  awaitable<result<group_description>> async_describe_group(std::string group);
  result<group_description> describe_group(std::string group);

  // Deletes a group and its committed offsets. protocol::errc::non_empty_group while it has
  // members, group_id_not_found when there is no such group.
  awaitable<result<void>> async_delete_group(std::string group);
  result<void> delete_group(std::string group);

  // Sets the group's committed offsets of every partition of `topic` (ListOffsets, then an
  // OffsetCommit from outside the group: generation -1, no member id). Only for a group without
  // members: protocol::errc::non_empty_group otherwise (stop its consumers first). Returns the
  // offsets committed.
  awaitable<result<std::map<topic_partition, std::int64_t>>> async_reset_offsets(std::string group,
                                                                                 std::string topic,
                                                                                 offset_target to);
  result<std::map<topic_partition, std::int64_t>> reset_offsets(std::string group,
                                                                std::string topic,
                                                                offset_target to);

 private:
  client& client_;
};

}  // namespace cairn
