// Kafka's error codes (the protocol's int16 ErrorCode fields; names as in Kafka's Errors class),
// those this broker answers with, and the one mapping from what the broker's parts return.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>

namespace cairn::broker::kafka {

enum class error_code : std::int16_t {
  unknown_server_error = -1,
  none = 0,
  offset_out_of_range = 1,
  corrupt_message = 2,
  unknown_topic_or_partition = 3,
  invalid_fetch_size = 4,
  leader_not_available = 5,
  not_leader_or_follower = 6,
  request_timed_out = 7,
  message_too_large = 10,
  offset_metadata_too_large = 12,
  coordinator_load_in_progress = 14,
  coordinator_not_available = 15,
  not_coordinator = 16,
  invalid_topic_exception = 17,
  record_list_too_large = 18,
  not_enough_replicas = 19,
  invalid_required_acks = 21,
  illegal_generation = 22,
  inconsistent_group_protocol = 23,
  invalid_group_id = 24,
  unknown_member_id = 25,
  invalid_session_timeout = 26,
  rebalance_in_progress = 27,
  invalid_commit_offset_size = 28,
  topic_authorization_failed = 29,
  group_authorization_failed = 30,
  cluster_authorization_failed = 31,
  invalid_timestamp = 32,
  unsupported_sasl_mechanism = 33,
  unsupported_version = 35,
  topic_already_exists = 36,
  invalid_partitions = 37,
  invalid_replication_factor = 38,
  invalid_replica_assignment = 39,
  invalid_config = 40,
  not_controller = 41,
  invalid_request = 42,
  unsupported_for_message_format = 43,
  policy_violation = 44,
  out_of_order_sequence_number = 45,
  duplicate_sequence_number = 46,
  invalid_producer_epoch = 47,
  invalid_txn_state = 48,
  invalid_producer_id_mapping = 49,
  invalid_transaction_timeout = 50,
  transactional_id_authorization_failed = 53,  // InitProducerId with a transactional id
  unsupported_compression_type = 76,
  kafka_storage_error = 56,
  log_dir_not_found = 57,
  unknown_producer_id = 59,
  reassignment_in_progress = 60,
  non_empty_group = 68,
  group_id_not_found = 69,
  fetch_session_id_not_found = 70,
  invalid_fetch_session_epoch = 71,
  listener_not_found = 72,
  topic_deletion_disabled = 73,
  fenced_leader_epoch = 74,
  unknown_leader_epoch = 75,
  stale_broker_epoch = 77,
  offset_not_available = 78,
  member_id_required = 79,
  preferred_leader_not_available = 80,
  group_max_size_reached = 81,
  fenced_instance_id = 82,
  invalid_record = 87,
  unstable_offset_commit = 88,
  unknown_topic_id = 100,
  inconsistent_topic_id = 103,
  unsupported_endpoint_type = 114,  // DescribeCluster v1 asking a broker for controllers
  producer_fenced = 90,
};

inline std::int16_t value_of(error_code e) {
  return static_cast<std::int16_t>(e);
}

struct kafka_error {
  error_code code = error_code::none;
  std::string message;  // for the error_message fields of the versions that have them
};

// What the broker's parts return (eventstore, broker, group, protocol and system errors) as
// Kafka's code and a message for humans, through the native front end's one table.
kafka_error to_kafka_error(const std::error_code& ec);

}  // namespace cairn::broker::kafka
