// ListOffsets for one partition, as both front ends answer it (the native handler below and
// broker/kafka/handlers/list_offsets): the log start, the high watermark, the first offset at or
// after a time, or the record with the largest timestamp. Answers never reach past the high
// watermark, so read_committed and read_uncommitted are alike while there are no transactions
// (the last stable offset is the high watermark).
#pragma once

#include <cstdint>
#include <system_error>

#include "broker/partition/partition.h"

namespace cairn::broker {

// Kafka's ListOffsets timestamp sentinels (the native schema's latestTimestamp and
// earliestTimestamp have the same values).
constexpr std::int64_t kLatestTimestamp = -1;
constexpr std::int64_t kEarliestTimestamp = -2;
constexpr std::int64_t kMaxTimestamp = -3;  // KIP-734 (Kafka ListOffsets v7)

struct offset_lookup {
  std::error_code error;
  std::int64_t offset = -1;     // -1: no record at or after the time asked
  std::int64_t timestamp = -1;  // the record's timestamp for a time lookup; -1 for the sentinels
};

// `timestamp`: one of the sentinels above, or milliseconds since the epoch. Any other negative
// value is protocol::errc::invalid_request. A time lookup answers the first record at or after
// the log start whose timestamp is >= `timestamp` (LogAppendTime batches count by the time the
// broker stamped), as Kafka's fetchOffsetByTimestamp. Errors: the log's read errors.
offset_lookup lookup_offset(partition& p, std::int64_t timestamp);

}  // namespace cairn::broker
