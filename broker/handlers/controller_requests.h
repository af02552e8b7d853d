// The controller requests of the native protocol (cairn.capnp "Controller requests"): what a
// broker that is not the controller asks of it, answered here at the controller through
// handler_context::controller. Broker to broker only: a request whose cluster id is not ours or
// whose sender is not another broker of the cluster map is refused invalid_request (issue 17
// must add authentication: today any client that names a member's id passes this check).
#pragma once

#include <cstdint>

#include "broker/handlers/handlers.h"

namespace cairn::broker {

// The largest alter_topic command a broker forwards: a topic of kPartitionsMax partitions with a
// few replicas each is a few hundred KiB of JSON.
inline constexpr std::size_t kForwardedCommandBytesMax = std::size_t{8} << 20;

// Blocking (the controller's log commits the grant): a worker runs them. Standalone (no
// controller service), refused invalid_request.
protocol::frame handle_allocate_producer_ids(handler_context& ctx, std::uint64_t correlation_id,
                                             wire::AllocateProducerIdsRequest::Reader request);
protocol::frame handle_alter_topic(handler_context& ctx, std::uint64_t correlation_id,
                                   wire::AlterTopicRequest::Reader request);

}  // namespace cairn::broker
