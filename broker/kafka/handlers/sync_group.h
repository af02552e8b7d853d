// SyncGroup (14): a member of a consumer group receives its assignment from the group leader's,
// on the group coordinator the native front end uses.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// SyncGroup versions 0-5. The leader's assignments answer every member; a follower's sync is
// held until they arrive. v5's protocol type and name are answered as the member sent them
// (null when it sent none): the coordinator already chose the protocol from what each member
// offered.
boost::asio::awaitable<response> handle_sync_group(services& s, const request& r);

}  // namespace cairn::broker::kafka
