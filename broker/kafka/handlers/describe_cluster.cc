#include "broker/kafka/handlers/describe_cluster.h"

#include <limits>
#include <vector>

#include "broker/kafka/requests/describe_cluster.h"

namespace cairn::broker::kafka {
namespace {

// DescribeCluster v1's endpoint_type: brokers (1) or controllers (2, answered only by KRaft
// controllers themselves; Cairn's controller is a role of a broker, not a listener of its own).
constexpr std::int8_t kEndpointBrokers = describe_cluster_request::kEndpointBrokers;

struct broker_entry {
  std::int32_t node_id = 0;
  advertised_endpoint endpoint;
};

// Brokers alive in this broker's view with a known Kafka address (Kafka lists the live ones),
// always this broker itself; standalone, this broker alone.
std::vector<broker_entry> live_brokers(const services& s) {
  std::vector<broker_entry> out;
  if (s.core.cluster == nullptr) {
    out.push_back({s.core.self.node_id, s.advertised});
    return out;
  }
  for (const auto& b : s.core.cluster->brokers()) {
    if (!b.alive && b.node_id != s.core.self.node_id) continue;
    if (auto endpoint = s.kafka_endpoint(b.node_id)) out.push_back({b.node_id, *endpoint});
  }
  return out;
}

}  // namespace

response handle_describe_cluster(services& s, const request& r) {
  const std::int16_t v = r.version();
  // include_cluster_authorized_operations goes unused: no ACLs, answered as unknown.
  decoded<describe_cluster_request> decoded = decode_describe_cluster(r);
  const std::int8_t endpoint_type = decoded.request.endpoint_type;

  error_code error = error_code::none;
  std::optional<std::string_view> message;
  if (!decoded.ok()) {
    error = error_code::invalid_request;
    message = "the request could not be read";
  } else if (endpoint_type != kEndpointBrokers) {
    error = error_code::unsupported_endpoint_type;
    message = "this broker lists brokers only (endpoint_type 1)";
  }
  std::vector<broker_entry> brokers;
  if (error == error_code::none) brokers = live_brokers(s);

  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  w.int16(value_of(error));
  w.nullable_string(message);
  if (v >= 1) w.int8(endpoint_type);
  w.string(s.core.self.cluster_id);
  w.int32(s.core.cluster ? s.core.cluster->controller_id() : s.core.self.node_id);
  w.array_length(brokers.size());
  for (const broker_entry& b : brokers) {
    w.int32(b.node_id);
    w.string(b.endpoint.host);
    w.int32(b.endpoint.port);
    w.nullable_string(std::nullopt);  // rack
    w.tagged_fields();
  }
  w.int32(std::numeric_limits<std::int32_t>::min());  // cluster_authorized_operations: unknown
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
