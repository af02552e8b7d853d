// DescribeConfigs (32): every topic config under Kafka's names (topic_configs.h), and the
// broker's own settings (resource type 4).
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-4: synonyms from v1 when asked, config types and documentation from v3. A broker
// resource names this broker (or "" for the broker defaults); another broker's is INVALID_REQUEST.
response handle_describe_configs(services& s, const request& r);

}  // namespace cairn::broker::kafka
