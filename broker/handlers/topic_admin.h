// topic_admin: topic metadata and administration as both front ends serve them (the native
// Metadata/CreateTopics/DeleteTopics/DescribeTopics/DescribeCluster, and Kafka's Metadata,
// CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs and the config alters). Each
// function picks the standalone or the cluster path (the topic manager, or the controller
// through ctx.admin and the cluster view) and returns plain values; the front ends only decode
// the request and encode these. Blocking (disk, the controller): worker threads only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "broker/handlers/handlers.h"
#include "broker/raft/leadership.h"

namespace cairn::broker {

// A refusal, with what the client is told. `code` is a broker::errc or protocol::errc (or any
// error the core returns); an empty message means the code's own.
struct admin_error {
  std::error_code code;
  std::string message;

  explicit operator bool() const { return static_cast<bool>(code); }
};

// ---- what the cluster looks like ----

// Every broker of the cluster (standalone: this one, alive), by node id.
std::vector<controller::broker_status> cluster_brokers(const handler_context& ctx);
// -1 while a cluster's controller is not known; this broker standalone.
std::int32_t controller_id(const handler_context& ctx);
// The topics this broker answers about: the controller's (cluster mode) or its own, internal
// ones included, by name.
std::vector<topic_config> known_topics(const handler_context& ctx);
// errc::unknown_topic.
result<topic_config> describe_topic(const handler_context& ctx, std::string_view name);
// The topic with this id, errc::unknown_topic when none has it.
result<topic_config> describe_topic(const handler_context& ctx, const topic_id& id);

// One partition as Metadata, DescribeTopics and DescribeCluster report it.
struct partition_report {
  std::int32_t partition = 0;
  admin_error error;   // leader_not_available (electing), unknown_partition...
  bool known = false;  // the fields below were filled (a cluster may not know the partition yet)
  std::int32_t leader = -1;
  std::int32_t leader_epoch = -1;  // the Raft term (raft::kafka_leader_epoch); 0 standalone
  std::vector<std::int32_t> replicas;
  std::vector<std::int32_t> isr;
  std::int64_t log_start_offset = -1;
  std::int64_t high_watermark = -1;
  std::int64_t log_end_offset = -1;
  std::vector<raft::replica_state> replica_states;  // with_replica_states only
};
std::vector<partition_report> describe_partitions(const handler_context& ctx,
                                                  const topic_config& config,
                                                  bool with_replica_states = false);

// ---- changes ----

struct create_topic_request {
  // Name and settings (retention, cleanup policy...): the rest of topic_config is decided here.
  topic_config settings;
  std::int32_t partitions = -1;          // -1: the default (1), or the assignment's size
  std::int16_t replication_factor = -1;  // -1: 1 alone; min(3, brokers) in a cluster
  // Manual placement, one list of node ids per partition (empty: the controller places them).
  std::vector<std::vector<std::int32_t>> assignment;
  bool validate_only = false;
  std::chrono::milliseconds timeout{30'000};
};
struct create_topic_outcome {
  admin_error error;
  topic_config topic;  // as created (or as it would be, validate_only)
};
// Refusals: invalid_request (a "__" name), invalid_partitions, invalid_replication_factor,
// broker::errc::invalid_replica_assignment, invalid_topic_config, topic_already_exists,
// not_controller, request_timed_out.
create_topic_outcome create_topic(handler_context& ctx, create_topic_request request);

// invalid_request (internal topics), unknown_topic, not_controller, request_timed_out.
admin_error delete_topic(handler_context& ctx, std::string_view name,
                         std::chrono::milliseconds timeout);

// Grows a topic to `count` partitions. `assignment`: the new partitions' replicas (empty: placed
// by the controller; standalone, this broker). invalid_partitions (not more than it has, or
// above the maximum), invalid_replica_assignment, unknown_topic, not_controller...
admin_error create_partitions(handler_context& ctx, std::string_view name, std::int32_t count,
                              std::vector<std::vector<std::int32_t>> assignment, bool validate_only,
                              std::chrono::milliseconds timeout);

// Changes a topic's settings: `edit` gets the current config and returns the new one (only
// settings may change; see topic_manager::alter). Applied at once, and kept with the topic (and
// in a cluster, by the controller, on every broker). edit's refusals come back as they are.
using topic_edit = std::function<result<topic_config>(const topic_config& current)>;
admin_error alter_topic_config(handler_context& ctx, std::string_view name, topic_edit edit,
                               bool validate_only, std::chrono::milliseconds timeout);

}  // namespace cairn::broker
