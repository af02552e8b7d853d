// DeleteRecords, protocol-neutral: the Kafka front end's DeleteRecords calls it, and the native
// front end can (it has no such request yet).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "broker/handlers/handlers.h"

namespace cairn::broker {

// The longest a DeleteRecords waits for the followers, whatever timeout the client asks: the
// wait holds a worker thread, and a client's timeout (up to 2^31 ms) must not hold workers for
// days should a replica stay behind. librdkafka's default operation timeout is 60 s too.
inline constexpr std::chrono::seconds kDeleteRecordsWaitMax{60};

// Moves the log start of `topic`/`partition` up to `offset` (partition::kDeleteToHighWatermark,
// -1: the high watermark), as Kafka's DeleteRecords: records below it are no longer readable
// (fetches there are out of range, the earliest offset is the new start); never moves it back.
// Standalone: at once, through partition::delete_records; the low watermark is the new start.
// Cluster: on the partition's leader (cluster_admin::delete_records), which moves its own start;
// its followers follow within their commit end, and the answer waits until `deadline` for every
// live replica's start to reach the offset (at most kDeleteRecordsWaitMax), answering their
// least start (Kafka's low watermark) or request_timed_out. Call on a worker thread: it writes and
// fsyncs, and in a cluster waits. Errors: unknown_topic, unknown_partition, records_not_deletable
// (a compacted topic, as Kafka's POLICY_VIOLATION), offset_out_of_range, and those of
// cluster_admin::delete_records.
delete_records_outcome delete_records(handler_context& ctx, std::string_view topic,
                                      std::int32_t partition, std::int64_t offset,
                                      std::chrono::steady_clock::time_point deadline);

}  // namespace cairn::broker
