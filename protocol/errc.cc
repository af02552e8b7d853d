#include "protocol/wire_errc.h"

#include <string>

namespace cairn::protocol {
namespace {

// errc's wire values are the ErrorCode ordinals, so the conversion is a range check and a cast.
// If an enumerant is added to one side only, one of these fails to compile.
using wire_code = wire::ErrorCode;
static_assert(static_cast<int>(errc::ok) == static_cast<int>(wire_code::NONE));
static_assert(static_cast<int>(errc::unknown_topic) == static_cast<int>(wire_code::UNKNOWN_TOPIC));
static_assert(static_cast<int>(errc::unknown_partition) ==
              static_cast<int>(wire_code::UNKNOWN_PARTITION));
static_assert(static_cast<int>(errc::not_leader) == static_cast<int>(wire_code::NOT_LEADER));
static_assert(static_cast<int>(errc::offset_out_of_range) ==
              static_cast<int>(wire_code::OFFSET_OUT_OF_RANGE));
static_assert(static_cast<int>(errc::wrong_expected_version) ==
              static_cast<int>(wire_code::WRONG_EXPECTED_VERSION));
static_assert(static_cast<int>(errc::record_too_large) ==
              static_cast<int>(wire_code::RECORD_TOO_LARGE));
static_assert(static_cast<int>(errc::corrupt_batch) == static_cast<int>(wire_code::CORRUPT_BATCH));
static_assert(static_cast<int>(errc::invalid_request) ==
              static_cast<int>(wire_code::INVALID_REQUEST));
static_assert(static_cast<int>(errc::unsupported_version) ==
              static_cast<int>(wire_code::UNSUPPORTED_VERSION));
static_assert(static_cast<int>(errc::topic_already_exists) ==
              static_cast<int>(wire_code::TOPIC_ALREADY_EXISTS));
static_assert(static_cast<int>(errc::invalid_partitions) ==
              static_cast<int>(wire_code::INVALID_PARTITIONS));
static_assert(static_cast<int>(errc::invalid_replication_factor) ==
              static_cast<int>(wire_code::INVALID_REPLICATION_FACTOR));
static_assert(static_cast<int>(errc::invalid_config) ==
              static_cast<int>(wire_code::INVALID_CONFIG));
static_assert(static_cast<int>(errc::out_of_order_sequence) ==
              static_cast<int>(wire_code::OUT_OF_ORDER_SEQUENCE));
static_assert(static_cast<int>(errc::duplicate_sequence) ==
              static_cast<int>(wire_code::DUPLICATE_SEQUENCE));
static_assert(static_cast<int>(errc::invalid_producer_epoch) ==
              static_cast<int>(wire_code::INVALID_PRODUCER_EPOCH));
static_assert(static_cast<int>(errc::request_timed_out) ==
              static_cast<int>(wire_code::REQUEST_TIMED_OUT));
static_assert(static_cast<int>(errc::not_enough_replicas) ==
              static_cast<int>(wire_code::NOT_ENOUGH_REPLICAS));
static_assert(static_cast<int>(errc::unknown_request) ==
              static_cast<int>(wire_code::UNKNOWN_REQUEST));
static_assert(static_cast<int>(errc::internal) == static_cast<int>(wire_code::INTERNAL));
static_assert(static_cast<int>(errc::coordinator_not_available) ==
              static_cast<int>(wire_code::COORDINATOR_NOT_AVAILABLE));
static_assert(static_cast<int>(errc::not_coordinator) ==
              static_cast<int>(wire_code::NOT_COORDINATOR));
static_assert(static_cast<int>(errc::coordinator_load_in_progress) ==
              static_cast<int>(wire_code::COORDINATOR_LOAD_IN_PROGRESS));
static_assert(static_cast<int>(errc::illegal_generation) ==
              static_cast<int>(wire_code::ILLEGAL_GENERATION));
static_assert(static_cast<int>(errc::unknown_member_id) ==
              static_cast<int>(wire_code::UNKNOWN_MEMBER_ID));
static_assert(static_cast<int>(errc::rebalance_in_progress) ==
              static_cast<int>(wire_code::REBALANCE_IN_PROGRESS));
static_assert(static_cast<int>(errc::invalid_session_timeout) ==
              static_cast<int>(wire_code::INVALID_SESSION_TIMEOUT));
static_assert(static_cast<int>(errc::inconsistent_group_protocol) ==
              static_cast<int>(wire_code::INCONSISTENT_GROUP_PROTOCOL));
static_assert(static_cast<int>(errc::member_id_required) ==
              static_cast<int>(wire_code::MEMBER_ID_REQUIRED));
static_assert(static_cast<int>(errc::fenced_instance_id) ==
              static_cast<int>(wire_code::FENCED_INSTANCE_ID));
static_assert(static_cast<int>(errc::group_max_size_reached) ==
              static_cast<int>(wire_code::GROUP_MAX_SIZE_REACHED));
static_assert(static_cast<int>(errc::offset_metadata_too_large) ==
              static_cast<int>(wire_code::OFFSET_METADATA_TOO_LARGE));
static_assert(static_cast<int>(errc::non_empty_group) ==
              static_cast<int>(wire_code::NON_EMPTY_GROUP));
static_assert(static_cast<int>(errc::group_id_not_found) ==
              static_cast<int>(wire_code::GROUP_ID_NOT_FOUND));
static_assert(static_cast<int>(errc::invalid_group_id) ==
              static_cast<int>(wire_code::INVALID_GROUP_ID));

static_assert(static_cast<int>(errc::not_controller) ==
              static_cast<int>(wire_code::NOT_CONTROLLER));
static_assert(static_cast<int>(errc::leader_not_available) ==
              static_cast<int>(wire_code::LEADER_NOT_AVAILABLE));

constexpr int wire_code_max = static_cast<int>(errc::leader_not_available);

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "cairn.protocol"; }

  // Each message says what happened and what the caller can do about it.
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok:
        return "ok";
      case errc::unknown_topic:
        return "the topic does not exist: create it with `cairn topic create`, or check its name "
               "with `cairn topic list`";
      case errc::unknown_partition:
        return "the topic has no such partition: check the partition count with `cairn topic "
               "describe`";
      case errc::not_leader:
        return "this broker is not the partition's leader: refresh metadata and retry on the "
               "leader";
      case errc::offset_out_of_range:
        return "the offset is outside the log (below its start or past its end): seek to a "
               "valid offset, e.g. with `cairn consume -o beginning` or `-o end`";
      case errc::wrong_expected_version:
        return "the stream is not at the expected version (another writer appended first): "
               "reload the stream and decide again";
      case errc::record_too_large:
        return "the batch is larger than the broker accepts: send smaller batches or records";
      case errc::corrupt_batch:
        return "the record batch failed validation (CRC, length or format): the client built a "
               "bad batch; do not resend it unchanged";
      case errc::invalid_request:
        return "the request is malformed or contradictory: check the client version and the "
               "request's fields";
      case errc::unsupported_version:
        return "client and broker share no protocol version: upgrade the older side";
      case errc::topic_already_exists:
        return "a topic with this name already exists: pick another name or use the existing "
               "topic";
      case errc::invalid_partitions:
        return "invalid partition count: use at least 1 (and no more than the broker allows)";
      case errc::invalid_replication_factor:
        return "invalid replication factor: use at least 1 and at most the number of brokers";
      case errc::invalid_config:
        return "invalid topic configuration value: see `cairn topic create --help` for ranges";
      case errc::out_of_order_sequence:
        return "the producer's sequence has a gap (a batch was lost): the producer must reset "
               "its idempotence state and resend";
      case errc::duplicate_sequence:
        return "the batch was already written (a retried duplicate): treat it as acknowledged";
      case errc::invalid_producer_epoch:
        return "a newer instance of this producer fenced this one: stop producing from this "
               "instance";
      case errc::request_timed_out:
        return "the broker timed out waiting for the request to complete: retry, or raise the "
               "timeout";
      case errc::not_enough_replicas:
        return "too few in-sync replicas for acks=all: retry later, or check the brokers' health";
      case errc::unknown_request:
        return "the broker does not support this request: upgrade the broker or use an older "
               "client";
      case errc::internal:
        return "internal broker error: see the broker's log";
      case errc::coordinator_not_available:
        return "the group coordinator is not available yet: retry after a backoff";
      case errc::not_coordinator:
        return "this broker does not coordinate the group: find the coordinator again and retry "
               "there";
      case errc::coordinator_load_in_progress:
        return "the group coordinator is still loading the group's state: retry after a backoff";
      case errc::illegal_generation:
        return "the member's generation is not the group's current one (a rebalance happened): "
               "rejoin the group; commits from the old generation are refused";
      case errc::unknown_member_id:
        return "the group does not know this member (its session expired or it left): rejoin "
               "without a member id";
      case errc::rebalance_in_progress:
        return "the group is rebalancing: rejoin to get the new assignment";
      case errc::invalid_session_timeout:
        return "the session timeout is outside the range the broker allows (6 s to 30 min by "
               "default): pick one inside it";
      case errc::inconsistent_group_protocol:
        return "the member's protocol type or assignors share nothing with the group's members: "
               "configure a common assignor";
      case errc::member_id_required:
        return "first join: join again with the member id in this response";
      case errc::fenced_instance_id:
        return "another member joined with this static instance id and fenced this one: stop "
               "this instance, or give each instance its own id";
      case errc::group_max_size_reached:
        return "the group already has as many members as the broker allows: add partitions "
               "rather than members, or raise the broker's limit";
      case errc::offset_metadata_too_large:
        return "the commit's metadata string is too long: keep it under 4096 bytes";
      case errc::non_empty_group:
        return "the group still has members: stop its consumers first";
      case errc::group_id_not_found:
        return "no such group: check its name with `cairn group list`";
      case errc::invalid_group_id:
        return "the group id is empty or too long: use 1 to 255 bytes";
      case errc::not_controller:
        return "this broker is not the cluster's controller: refresh metadata and send the "
               "change to the controller";
      case errc::leader_not_available:
        return "the partition has no leader right now (an election is running): retry after a "
               "backoff";
      case errc::frame_too_large:
        return "frame larger than the configured frame_bytes_max: the peer is misbehaving or "
               "the limit is too low; the connection must be closed";
      case errc::frame_too_many_segments:
        return "frame has more segments than segment_count_max: the peer is misbehaving; the "
               "connection must be closed";
      case errc::unknown_error_code:
        return "the peer sent an error code this build does not know: upgrade this side";
    }
    return "unknown protocol error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& protocol_category() noexcept {
  static const category instance;
  return instance;
}

errc from_wire(wire::ErrorCode code) noexcept {
  // An old build receives enumerant values it has no name for: capnp hands them through as is.
  const int value = static_cast<int>(code);
  if (value < 0 || value > wire_code_max) return errc::unknown_error_code;
  return static_cast<errc>(value);
}

wire::ErrorCode to_wire(errc e) noexcept {
  switch (e) {
    case errc::frame_too_large:
    case errc::frame_too_many_segments:
      return wire::ErrorCode::INVALID_REQUEST;
    case errc::unknown_error_code:
      return wire::ErrorCode::INTERNAL;
    default:
      break;
  }
  const int value = static_cast<int>(e);
  if (value < 0 || value > wire_code_max) return wire::ErrorCode::INTERNAL;
  return static_cast<wire::ErrorCode>(value);
}

wire::ErrorCode to_wire(std::error_code ec) noexcept {
  if (!ec) return wire::ErrorCode::NONE;
  if (ec.category() != protocol_category()) return wire::ErrorCode::INTERNAL;
  return to_wire(static_cast<errc>(ec.value()));
}

bool is_retriable(errc e) noexcept {
  switch (e) {
    // Kafka: InvalidMetadataException and its kin. The cluster changed under the client.
    case errc::unknown_topic:
    case errc::unknown_partition:
    case errc::not_leader:
    case errc::leader_not_available:
    case errc::not_controller:
    // Kafka: transient broker-side conditions.
    case errc::request_timed_out:
    case errc::not_enough_replicas:
    // Kafka: the coordinator moved or is not ready.
    case errc::coordinator_not_available:
    case errc::not_coordinator:
    case errc::coordinator_load_in_progress:
      return true;
    // Kafka marks CORRUPT_MESSAGE retriable because the bytes may have been damaged in transit.
    // Here a batch's bytes are the client's own and TCP already checksums: a resend of the same
    // bytes fails the same way, so corrupt_batch is final.
    case errc::corrupt_batch:
    default:
      return false;
  }
}

bool is_retriable(std::error_code ec) noexcept {
  return ec.category() == protocol_category() && is_retriable(static_cast<errc>(ec.value()));
}

bool needs_metadata_refresh(errc e) noexcept {
  return e == errc::unknown_topic || e == errc::unknown_partition || e == errc::not_leader ||
         e == errc::leader_not_available || e == errc::not_controller;
}

}  // namespace cairn::protocol
