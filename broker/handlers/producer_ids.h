// InitProducerId of the native protocol: an idempotent producer's identity from the broker's
// producer_id_allocator (handler_context::producer_ids), the one the Kafka front end's
// InitProducerId calls too.
#pragma once

#include <cstdint>

#include "broker/handlers/handlers.h"

namespace cairn::broker {

// Blocking (the first id of a block waits for an fsync, or for the controller): a worker runs
// it. Without an allocator in `ctx`, answered unknown_request (the SDK then picks its own id).
protocol::frame handle_init_producer_id(handler_context& ctx, std::uint64_t correlation_id,
                                        wire::InitProducerIdRequest::Reader request);

}  // namespace cairn::broker
