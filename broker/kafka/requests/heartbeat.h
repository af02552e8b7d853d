// Heartbeat (12) request: a member's heartbeat, as the group coordinator takes it.
#pragma once

#include "broker/group/group.h"
#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

decoded<group::heartbeat_request> decode_heartbeat(const request& r);

}  // namespace cairn::broker::kafka
