// DeleteTopics (20): by name, or from v6 by topic id.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-6. The broker's own topics ("__...") are refused with INVALID_REQUEST; an id no
// topic has is UNKNOWN_TOPIC_ID.
response handle_delete_topics(services& s, const request& r);

}  // namespace cairn::broker::kafka
