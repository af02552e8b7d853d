// JoinGroup (11) request: a member's join, as the group coordinator takes it.
#pragma once

#include "broker/group/group.h"
#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

// The body read in full (the handler uses nothing of the frame after a suspension), with the
// client id and host from the request. v0's rebalance timeout is its session timeout, as in
// Kafka; v8's reason is read and dropped.
decoded<group::join_request> decode_join_group(const request& r);

}  // namespace cairn::broker::kafka
