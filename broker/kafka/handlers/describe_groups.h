// DescribeGroups (15): a group's state, protocol, and members with their subscriptions and
// assignments, whichever protocol each member speaks.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-5. An unknown group is described as Dead with no members (no error), as in Kafka.
// v3+ authorized operations: every group operation when asked (this broker has no ACLs), Kafka's
// "not asked" value otherwise. Runs on the I/O thread.
response handle_describe_groups(services& s, const request& r);

}  // namespace cairn::broker::kafka
