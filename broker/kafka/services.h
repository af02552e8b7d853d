// What the Kafka front end's handlers reach: the broker's protocol-neutral core, shared with
// the native server (topics and partitions, the group coordinator, the commit and fetch waits),
// plus what only Kafka clients are told (the Kafka listener's advertised address).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "broker/handlers/handlers.h"

namespace cairn::broker {
class group_coordinator;
class partition_waits;
class producer_id_allocator;
}  // namespace cairn::broker

namespace cairn::broker::kafka {

struct advertised_endpoint {
  std::string host;
  std::uint16_t port = 0;
};

struct services {
  handler_context& core;  // topics, this broker's identity, the cluster view and admin
  group_coordinator& groups;
  partition_waits& waits;
  producer_id_allocator& producer_ids;  // InitProducerId
  boost::asio::io_context& io;
  boost::asio::thread_pool& workers;
  advertised_endpoint advertised;  // this broker's Kafka listener, as Metadata names it
  // Cluster mode: the Kafka address of broker `node_id` as the cluster map knows it (nullopt:
  // unknown). Unset on a standalone broker, where only `advertised` exists.
  std::function<std::optional<advertised_endpoint>(std::int32_t node_id)> endpoint_of;

  // The Kafka address of `node_id`: this broker's own, or the cluster's entry for another.
  std::optional<advertised_endpoint> kafka_endpoint(std::int32_t node_id) const {
    if (node_id == core.self.node_id) return advertised;
    if (endpoint_of) return endpoint_of(node_id);
    return std::nullopt;
  }
};

}  // namespace cairn::broker::kafka
