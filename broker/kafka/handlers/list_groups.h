// ListGroups (16): the consumer groups this broker coordinates.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-4 (v4: a filter on group states, and each group's state). In cluster mode a broker
// lists the groups of the __consumer_offsets partitions it leads: Kafka clients ask every
// broker and merge, as they do with Kafka. Runs on the I/O thread.
response handle_list_groups(services& s, const request& r);

}  // namespace cairn::broker::kafka
