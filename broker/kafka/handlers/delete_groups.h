// DeleteGroups (42): groups with no members are deleted with their committed offsets.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-2. Each group answers on its own: NON_EMPTY_GROUP while it has members,
// GROUP_ID_NOT_FOUND when unknown. A coroutine: each deletion's tombstones are durable before
// the answer.
boost::asio::awaitable<response> handle_delete_groups(services& s, const request& r);

}  // namespace cairn::broker::kafka
