#include "broker/kafka/error_code.h"

#include "broker/errc.h"
#include "broker/handlers/wire_errors.h"

namespace cairn::broker::kafka {
namespace {

// The native protocol's codes are Kafka's under other numbers (cairn.capnp names the Kafka
// error of each), so one table on top of the native mapping serves both front ends.
error_code from_native(protocol::errc e) {
  using P = protocol::errc;
  using K = error_code;
  switch (e) {
    case P::ok:
      return K::none;
    case P::unknown_topic:
    case P::unknown_partition:
      return K::unknown_topic_or_partition;
    case P::not_leader:
      return K::not_leader_or_follower;
    case P::offset_out_of_range:
      return K::offset_out_of_range;
    case P::wrong_expected_version:
      // Kafka has no conditional append (KIP-27 never shipped): the batch's records are refused
      // as invalid, and record_errors / error_message name the stream and its version.
      return K::invalid_record;
    case P::record_too_large:
      return K::message_too_large;
    case P::corrupt_batch:
      return K::corrupt_message;
    case P::invalid_request:
      return K::invalid_request;
    case P::unsupported_version:
      return K::unsupported_version;
    case P::topic_already_exists:
      return K::topic_already_exists;
    case P::invalid_partitions:
      return K::invalid_partitions;
    case P::invalid_replication_factor:
      return K::invalid_replication_factor;
    case P::invalid_config:
      return K::invalid_config;
    case P::out_of_order_sequence:
      return K::out_of_order_sequence_number;
    case P::duplicate_sequence:
      return K::duplicate_sequence_number;
    case P::invalid_producer_epoch:
      return K::invalid_producer_epoch;
    case P::request_timed_out:
      return K::request_timed_out;
    case P::not_enough_replicas:
      return K::not_enough_replicas;
    case P::unknown_request:
      return K::invalid_request;
    case P::internal:
      return K::unknown_server_error;
    case P::coordinator_not_available:
      return K::coordinator_not_available;
    case P::not_coordinator:
      return K::not_coordinator;
    case P::coordinator_load_in_progress:
      return K::coordinator_load_in_progress;
    case P::illegal_generation:
      return K::illegal_generation;
    case P::unknown_member_id:
      return K::unknown_member_id;
    case P::rebalance_in_progress:
      return K::rebalance_in_progress;
    case P::invalid_session_timeout:
      return K::invalid_session_timeout;
    case P::inconsistent_group_protocol:
      return K::inconsistent_group_protocol;
    case P::member_id_required:
      return K::member_id_required;
    case P::fenced_instance_id:
      return K::fenced_instance_id;
    case P::group_max_size_reached:
      return K::group_max_size_reached;
    case P::offset_metadata_too_large:
      return K::offset_metadata_too_large;
    case P::non_empty_group:
      return K::non_empty_group;
    case P::group_id_not_found:
      return K::group_id_not_found;
    case P::invalid_group_id:
      return K::invalid_group_id;
    case P::not_controller:
      return K::not_controller;
    case P::leader_not_available:
      return K::leader_not_available;
    case P::frame_too_large:
    case P::frame_too_many_segments:
    case P::unknown_error_code:
      break;
  }
  return K::unknown_server_error;
}

}  // namespace

kafka_error to_kafka_error(const std::error_code& ec) {
  if (!ec) return {};
  // Kafka has a finer code than the native protocol here.
  if (ec == broker::errc::records_not_deletable)
    return {error_code::policy_violation, ec.message()};
  wire_error native = to_wire_error(ec);
  return {from_native(native.code), std::move(native.message)};
}

}  // namespace cairn::broker::kafka
