#include "broker/kafka/handlers/find_coordinator.h"

#include <string>
#include <vector>

#include "broker/handlers/groups.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/find_coordinator.h"

namespace cairn::broker::kafka {
namespace {

constexpr std::int8_t kGroupKey = find_coordinator_request::kGroupKey;
constexpr std::int8_t kTransactionKey = find_coordinator_request::kTransactionKey;

struct coordinator {
  std::int32_t node_id = -1;
  std::string host;
  std::int32_t port = -1;
  kafka_error error;
};

coordinator locate(services& s, std::int8_t key_type, std::string_view key) {
  if (key_type == kTransactionKey) {
    return {.error = {error_code::invalid_request, "transactions are not served by this broker"}};
  }
  if (key_type != kGroupKey) {
    return {.error = {error_code::invalid_request, "unknown coordinator key type"}};
  }
  auto node = find_group_coordinator(s.core, key);
  if (!node) return {.error = to_kafka_error(node.error())};
  auto endpoint = s.kafka_endpoint(node.value());
  if (!endpoint) {
    // The cluster map does not list the coordinator's Kafka listener yet (it is joining).
    return {.error = {error_code::coordinator_not_available,
                      "the coordinator's Kafka address is not known yet: retry after a backoff"}};
  }
  return {node.value(), endpoint->host, endpoint->port, {}};
}

std::optional<std::string_view> message_of(const coordinator& c) {
  if (c.error.code == error_code::none) return std::nullopt;
  return c.error.message;
}

}  // namespace

response handle_find_coordinator(services& s, const request& r) {
  const std::int16_t v = r.version();
  decoded<find_coordinator_request> decoded = decode_find_coordinator(r);
  const std::vector<std::string>& keys = decoded.request.keys;
  const std::int8_t key_type = decoded.request.key_type;

  writer w = begin_response(r);
  if (v >= 1) w.int32(0);  // throttle_time_ms
  if (v <= 3) {
    coordinator c = decoded.ok()
                        ? locate(s, key_type, keys.front())
                        : coordinator{.error = {error_code::invalid_request, decoded.failure}};
    w.int16(value_of(c.error.code));
    if (v >= 1) w.nullable_string(message_of(c));
    w.int32(c.node_id);
    w.string(c.host);
    w.int32(c.port);
  } else {
    // v4 has no top-level error: the keys read answer INVALID_REQUEST each, and with none read
    // there is nothing to answer in.
    if (!decoded.ok() && keys.empty()) return close_for(r, decoded.failure);
    w.array_length(keys.size());
    for (const std::string& key : keys) {
      coordinator c = decoded.ok()
                          ? locate(s, key_type, key)
                          : coordinator{.error = {error_code::invalid_request, decoded.failure}};
      w.string(key);
      w.int32(c.node_id);
      w.string(c.host);
      w.int32(c.port);
      w.int16(value_of(c.error.code));
      w.nullable_string(message_of(c));
      w.tagged_fields();
    }
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
