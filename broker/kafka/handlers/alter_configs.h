// AlterConfigs (33): a topic's whole config set replaced (the configs not named go back to their
// defaults), as Kafka's legacy alter does; librdkafka 2.0 and KafkaJS alter configs with it.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-2. Broker resources are read-only: INVALID_REQUEST.
response handle_alter_configs(services& s, const request& r);

}  // namespace cairn::broker::kafka
