// IncrementalAlterConfigs (44): SET, DELETE, APPEND and SUBTRACT on topic configs, applied at
// once and kept with the topic (in a cluster, by the controller).
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-1. Broker resources are read-only (the command line sets them): INVALID_REQUEST.
response handle_incremental_alter_configs(services& s, const request& r);

}  // namespace cairn::broker::kafka
