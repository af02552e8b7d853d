// OffsetCommit (8): a consumer commits the offsets it consumed up to, into the same group state
// SDK consumers commit to (a Kafka consumer resumes where an SDK consumer of its group stopped).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-8. A member commits with its generation and member id (v1+; v7+ static members add
// their group_instance_id); v0, or generation -1 with no member id, is a standalone consumer's
// commit, accepted while the group has no members. v1's commit timestamp and v2-4's retention
// time are read and ignored (offsets are kept until the group is deleted). A coroutine: the
// offsets are durable in __consumer_offsets before the answer goes out.
boost::asio::awaitable<response> handle_offset_commit(services& s, const request& r);

}  // namespace cairn::broker::kafka
