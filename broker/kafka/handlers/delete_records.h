// DeleteRecords (21), v0-2: moves partitions' log start up to an offset, -1 meaning the high
// watermark, through the protocol-neutral broker::delete_records (broker/handlers/
// delete_records.h): standalone at once; in a cluster on the leader, which waits up to the
// request's timeout_ms for its live followers' starts and answers their least (Kafka's low
// watermark). docs/kafka.md, "DeleteRecords in a cluster".
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Runs on a worker: it writes and fsyncs the log start, may unlink segments, and in a cluster
// waits for the followers.
response handle_delete_records(services& s, const request& r);

}  // namespace cairn::broker::kafka
