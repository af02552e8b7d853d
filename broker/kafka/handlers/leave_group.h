// LeaveGroup (13): members leave a consumer group (a closing consumer, or an admin removing
// static members), which rebalances the rest at once instead of after a session timeout.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-5: one member by id (v0-2), or a batch of members by id or group_instance_id with
// an error each (v3+, KIP-345). A coroutine: the group's new state is made durable first.
boost::asio::awaitable<response> handle_leave_group(services& s, const request& r);

}  // namespace cairn::broker::kafka
