// CreateTopics (19): topics with partitions, a replication factor or a manual assignment, and
// configs under Kafka's names (topic_configs.h); validate_only. v5+ answers the created topic's
// partitions, replication factor and configs, v7 its id.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-7. A name given twice in one request is refused (INVALID_REQUEST) for every entry.
response handle_create_topics(services& s, const request& r);

}  // namespace cairn::broker::kafka
