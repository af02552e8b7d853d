// Fetch (1): committed batches of each partition, as stored (compressed batches stay
// compressed), with Kafka's long poll: the answer waits until min_bytes are there, an error
// occurs, or max_wait_ms passes, woken by commits on the fetched partitions (never by polling).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 4-12. No fetch sessions (KIP-227): the answer's session id is 0, which tells the
// client to send full requests. Both isolation levels read up to the high watermark, which is
// also the last stable offset while transactions are not served.
boost::asio::awaitable<response> handle_fetch(services& s, const request& r);

}  // namespace cairn::broker::kafka
