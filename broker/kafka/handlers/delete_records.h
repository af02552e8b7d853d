// DeleteRecords (21), v0-2: moves partitions' log start (the low watermark) up to an offset, -1
// meaning the high watermark, through partition::delete_records. Standalone only: in cluster
// mode a partition's log start is its Raft log's and moves by whole segments through retention,
// so DeleteRecords is refused there, each partition answered POLICY_VIOLATION (the broker logs
// why; the response has no message field).
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Runs on a worker: it writes and fsyncs the log start and may unlink segments.
response handle_delete_records(services& s, const request& r);

}  // namespace cairn::broker::kafka
