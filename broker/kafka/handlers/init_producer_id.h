// InitProducerId (22), v0-4, for idempotent producers: an id from the broker's
// producer_id_allocator (unique for the cluster's life), epoch 0, or the same id with its epoch
// bumped when the producer names the identity this broker handed out (KIP-360, v3+).
// Transactions are not served: a request with a transactional id is answered
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, what Redpanda answers with transactions disabled (a
// client reports it at once as fatal rather than retrying a coordinator that never comes).
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Runs on a worker: the first id of a block waits for an fsync (or for the controller).
response handle_init_producer_id(services& s, const request& r);

}  // namespace cairn::broker::kafka
