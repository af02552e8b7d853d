// Produce (0): each partition's batch through the broker's one produce path (append, then the
// commits acks asks for), the same the native front end uses.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Advertised from v0 (librdkafka's feature detection reads a low minimum as "a real Kafka"),
// served from v3, the first that carries RecordBatch v2: v0-v2 get UNSUPPORTED_VERSION in each
// partition. Transactional produce is not served (INVALID_REQUEST naming why).
boost::asio::awaitable<response> handle_produce(services& s, const request& r);

}  // namespace cairn::broker::kafka
