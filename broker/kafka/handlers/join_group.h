// JoinGroup (11): a member joins a consumer group's rebalance, on the group coordinator the
// native front end uses (one group, whichever protocol its members speak).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// JoinGroup versions 0-9. v0 has no rebalance timeout (the session timeout serves, as in
// Kafka); v0-3 predate KIP-394, so a new member's MEMBER_ID_REQUIRED round trip is made here,
// on the client's behalf, with the id the coordinator handed out; v5+ static membership
// (group_instance_id); v9 skip_assignment (KIP-814). A coroutine: the coordinator holds the
// join until the rebalance's join phase completes.
boost::asio::awaitable<response> handle_join_group(services& s, const request& r);

}  // namespace cairn::broker::kafka
