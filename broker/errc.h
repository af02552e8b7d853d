// Errors of the broker's own logic (partitions, topics, producers), as std::error_code. Storage
// errors keep their eventstore category; the wire layer maps both onto protocol error codes.
#pragma once

#include <system_error>

namespace cairn::broker {

enum class errc {
  ok = 0,
  out_of_order_sequence,       // an idempotent batch's sequence does not follow the last one
  invalid_producer_epoch,      // a batch from an older producer epoch (a fenced, zombie producer)
  invalid_stream_batch,        // AppendToStream events whose keys are not the stream's key, or none
  stream_index_unavailable,    // the partition's stream index could not be opened or caught up
  unknown_topic,               // no topic of that name
  unknown_partition,           // the topic has no partition with that id
  topic_already_exists,        // create of a topic that exists
  invalid_topic_config,        // partitions, replication factor or retention outside their ranges
  invalid_replica_assignment,  // a manual placement: unknown brokers, duplicates, uneven sizes
  records_not_deletable,       // DeleteRecords on a compacted topic (Kafka: POLICY_VIOLATION)
};

const std::error_category& broker_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), broker_category()};
}

}  // namespace cairn::broker

template <>
struct std::is_error_code_enum<cairn::broker::errc> : std::true_type {};
