// Errors of the native protocol as std::error_code: the wire ErrorCode enum (cairn.capnp), one
// for one, plus the few codes that only the frame codec produces and that never travel. Public:
// the SDK reports what the broker answered with these. The conversions to and from the wire enum
// live in protocol/wire_errc.h, which needs the generated schema header.
//
// Retriability follows Kafka's rules (RetriableException in Kafka's client): a retriable error
// may succeed if the same request is sent again, possibly after refreshing metadata; a
// non-retriable one will fail the same way until the caller changes something.
#pragma once

#include <cstdint>
#include <system_error>


namespace cairn::protocol {

enum class errc {
  // --- on the wire: values equal the wire::ErrorCode ordinals (static_asserted in errc.cc) ---
  ok = 0,                           // success (wire `none`)
  unknown_topic = 1,                // the topic does not exist (retriable: it may be being created)
  unknown_partition = 2,            // the topic has no such partition (retriable: metadata may lag)
  not_leader = 3,                   // this broker does not lead the partition (retriable)
  offset_out_of_range = 4,          // fetch offset below the log start or above the log end
  wrong_expected_version = 5,       // AppendToStream: the stream is not at the expected version
  record_too_large = 6,             // the batch or frame exceeds the broker's size limit
  corrupt_batch = 7,                // a RecordBatch failed validation (CRC, length, magic, ...)
  invalid_request = 8,              // malformed or contradictory request, bad frame content
  unsupported_version = 9,          // client and broker share no protocol version
  topic_already_exists = 10,        // CreateTopics: the name is taken
  invalid_partitions = 11,          // CreateTopics: partition count < 1 or above the maximum
  invalid_replication_factor = 12,  // CreateTopics: more replicas than brokers, or < 1
  invalid_config = 13,              // CreateTopics: a config value is out of range
  out_of_order_sequence = 14,       // idempotent producer: a sequence gap (a batch was lost)
  duplicate_sequence = 15,          // idempotent producer: the batch was already written
  invalid_producer_epoch = 16,      // idempotent producer: fenced by a newer epoch
  request_timed_out = 17,           // the broker gave up waiting (acks=all, create topics)
  not_enough_replicas = 18,         // too few in-sync replicas for acks=all (retriable)
  unknown_request = 19,             // the broker does not know or implement the request kind
  internal = 20,                    // a broker bug or an I/O failure on the broker
  coordinator_not_available = 21,   // groups: the coordinator is not ready (retriable)
  not_coordinator = 22,             // groups: ask FindCoordinator again (retriable)
  coordinator_load_in_progress = 23,  // groups: the coordinator is loading state (retriable)
  illegal_generation = 24,            // groups: the member's generation is stale: rejoin
  unknown_member_id = 25,             // groups: unknown member: rejoin without an id
  rebalance_in_progress = 26,         // groups: the group is rebalancing: rejoin
  invalid_session_timeout = 27,       // groups: session timeout outside the allowed range
  inconsistent_group_protocol = 28,   // groups: no protocol in common with the group
  member_id_required = 29,            // groups: join again with the member id given
  fenced_instance_id = 30,            // groups: another member took this static instance id
  group_max_size_reached = 31,        // groups: the group is full
  offset_metadata_too_large = 32,     // groups: commit metadata too long
  non_empty_group = 33,               // groups: the operation needs a group without members
  group_id_not_found = 34,            // groups: no such group
  invalid_group_id = 35,              // groups: empty or over-long group id
  not_controller = 36,                // topic changes go to the controller (retriable)
  leader_not_available = 37,          // the partition is electing a leader (retriable)

  // --- local only: produced by the frame codec or by mapping, never sent on the wire ---
  frame_too_large = 1000,          // a frame header claims more bytes than frame_bytes_max
  frame_too_many_segments = 1001,  // a frame header lists more segments than segment_count_max
  unknown_error_code = 1002,       // the peer sent an ErrorCode this build does not know
};

const std::error_category& protocol_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), protocol_category()};
}

// Kafka's rule: may the same request succeed if sent again (after a backoff, and after a
// metadata refresh when needs_metadata_refresh says so)? Retries stay bounded by the caller's
// deadline (Kafka's delivery.timeout.ms).
bool is_retriable(errc e) noexcept;
bool is_retriable(std::error_code ec) noexcept;  // false for every other category

// The client's view of the cluster is stale: refresh metadata (find the new leader, the new
// partition count) before retrying.
bool needs_metadata_refresh(errc e) noexcept;

}  // namespace cairn::protocol

template <>
struct std::is_error_code_enum<cairn::protocol::errc> : std::true_type {};
