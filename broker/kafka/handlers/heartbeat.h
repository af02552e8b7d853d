// Heartbeat (12): a consumer-group member keeps its session alive and learns of rebalances.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-4 (v3+ static members name their group_instance_id). Runs on the I/O thread: the
// coordinator answers heartbeats at once, writing nothing.
response handle_heartbeat(services& s, const request& r);

}  // namespace cairn::broker::kafka
