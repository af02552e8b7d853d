// timestamp_type: Kafka's message.timestamp.type, and what it means for a batch's bytes and its
// records' timestamps.
//
// Under CreateTime a record's timestamp is the producer's (baseTimestamp + timestampDelta).
// Under LogAppendTime the leader stamps each batch as it appends it, as Kafka's LogValidator
// does for RecordBatch v2 (both the uncompressed path and the compressed one with in-place
// offset assignment): attributes bit 3 is set, maxTimestamp becomes the broker's clock, and the
// CRC is recomputed (both fields lie inside it). baseTimestamp and the records themselves are
// left as the producer wrote them, so a compressed batch is never recompressed; every reader
// then takes the batch's maxTimestamp as the timestamp of each of its records.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "eventstore/record/record_batch.h"

namespace cairn::eventstore {

enum class timestamp_type : std::int8_t { create_time, log_append_time };

// Kafka's names, "CreateTime" and "LogAppendTime".
std::string_view to_string(timestamp_type type);
std::optional<timestamp_type> timestamp_type_from_string(std::string_view name);

// Whether the batch's attributes say LogAppendTime (bit 3).
inline bool is_log_append_time(const batch_header& h) {
  return (h.attributes & batch_layout::kTimestampTypeLogAppend) != 0;
}

// The timestamp of record `r` of `batch`, as Kafka's clients read it: the batch's maxTimestamp
// under LogAppendTime, else the record's own.
inline std::int64_t record_timestamp(const record_batch_view& batch, const record_view& r) {
  return is_log_append_time(batch.header()) ? batch.header().max_timestamp
                                            : batch.header().base_timestamp + r.timestamp_delta;
}

// Makes `batch` (whose validated view is `validated`, over the same bytes) say what a topic of
// type `type` stores, in place, and returns the view of the result:
//   - log_append_time: bit 3 set and maxTimestamp = now_ms;
//   - create_time: a batch that claims LogAppendTime (a producer may not choose that on a
//     CreateTime topic) gets bit 3 cleared and maxTimestamp set to its largest record
//     timestamp; any other batch is left as it is.
// The CRC is recomputed when a byte changed, and only then. The leader calls this once per
// batch, before the batch is stored or replicated; followers store the leader's bytes.
record_batch_view apply_timestamp_type(std::span<char> batch, const record_batch_view& validated,
                                       timestamp_type type, std::int64_t now_ms);

}  // namespace cairn::eventstore
