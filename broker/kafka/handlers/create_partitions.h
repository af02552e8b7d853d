// CreatePartitions (37): grows topics to a new partition count, on this broker alone or, in a
// cluster, through the controller (which places the new replicas unless an assignment is given).
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-3.
response handle_create_partitions(services& s, const request& r);

}  // namespace cairn::broker::kafka
