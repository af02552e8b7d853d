#include "broker/kafka/handlers/metadata.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/handlers/topic_admin_codec.h"
#include "broker/kafka/requests/metadata.h"

namespace cairn::broker::kafka {
namespace {

// Kafka's "not requested" value of the authorized-operations fields (v8+).
constexpr std::int32_t kAuthorizedOperationsOmitted = std::numeric_limits<std::int32_t>::min();

void write_int32s(writer& w, const std::vector<std::int32_t>& ids) {
  w.array_length(ids.size());
  for (std::int32_t id : ids)
    w.int32(id);
}

void write_partition(writer& w, std::int16_t v, const partition_report& p) {
  w.int16(value_of(to_kafka_error(p.error).code));
  w.int32(p.partition);
  w.int32(p.known ? p.leader : -1);
  if (v >= 7) w.int32(p.known ? p.leader_epoch : -1);
  write_int32s(w, p.replicas);
  write_int32s(w, p.isr);
  if (v >= 5) w.array_length(0);  // offline replicas: none are reported
  w.tagged_fields();
}

// One topic entry: the topic found (config set), or the error and what the client asked by.
void write_topic(writer& w, services& s, std::int16_t v, error_code error,
                 const std::optional<std::string>& name, const topic_id& id,
                 const topic_config* config) {
  w.int16(value_of(error));
  if (v >= 12) {
    w.nullable_string(name);
  } else {
    w.string(name.value_or(""));
  }
  if (v >= 10) w.uuid_value(config != nullptr ? config->id : id);
  if (v >= 1) w.boolean(config != nullptr && is_internal_topic(config->name));
  if (config == nullptr) {
    w.array_length(0);
  } else {
    auto partitions = describe_partitions(s.core, *config);
    w.array_length(partitions.size());
    for (const partition_report& p : partitions)
      write_partition(w, v, p);
  }
  if (v >= 8) w.int32(kAuthorizedOperationsOmitted);
  w.tagged_fields();
}

}  // namespace

response handle_metadata(services& s, const request& r) {
  const std::int16_t v = r.version();
  decoded<metadata_request> decoded = decode_metadata(r);
  // No error field outside the topics, and a request that cannot be read names none.
  if (!decoded.ok()) return close_for(r, decoded.failure);
  const metadata_request& req = decoded.request;

  writer w = begin_response(r);
  if (v >= 3) w.int32(0);  // throttle_time_ms
  // Brokers: each one's Kafka listener. One whose address is not known (not in the cluster map)
  // is left out: a client could not reach it anyway.
  std::vector<std::pair<std::int32_t, advertised_endpoint>> brokers;
  for (const auto& b : cluster_brokers(s.core)) {
    if (auto at = s.kafka_endpoint(b.node_id)) brokers.emplace_back(b.node_id, std::move(*at));
  }
  w.array_length(brokers.size());
  for (const auto& [node, at] : brokers) {
    w.int32(node);
    w.string(at.host);
    w.int32(at.port);
    if (v >= 1) w.nullable_string(std::nullopt);  // rack
    w.tagged_fields();
  }
  if (v >= 2) w.nullable_string(s.core.self.cluster_id);
  if (v >= 1) w.int32(controller_id(s.core));

  if (req.all_topics) {
    auto topics = known_topics(s.core);
    w.array_length(topics.size());
    for (const topic_config& t : topics)
      write_topic(w, s, v, error_code::none, t.name, t.id, &t);
  } else {
    w.array_length(req.topics.size());
    for (const metadata_request::topic& t : req.topics) {
      if (!t.name) {
        // By id: Kafka serves that from v12 only.
        if (v < 12) {
          write_topic(w, s, v, error_code::invalid_request, std::nullopt, t.id, nullptr);
          continue;
        }
        auto config = describe_topic(s.core, t.id);
        if (!config) {
          write_topic(w, s, v, error_code::unknown_topic_id, std::nullopt, t.id, nullptr);
        } else {
          write_topic(w, s, v, error_code::none, config.value().name, t.id, &config.value());
        }
        continue;
      }
      if (!valid_topic_name(*t.name)) {
        write_topic(w, s, v, error_code::invalid_topic_exception, t.name, {}, nullptr);
        continue;
      }
      auto config = describe_topic(s.core, *t.name);
      if (!config) {
        // No auto-creation, whatever the client allows: Cairn creates topics only when asked.
        write_topic(w, s, v, to_kafka_error(config.error()).code, t.name, {}, nullptr);
      } else {
        write_topic(w, s, v, error_code::none, t.name, t.id, &config.value());
      }
    }
  }
  if (v >= 8 && v <= 10) w.int32(kAuthorizedOperationsOmitted);  // cluster_authorized_operations
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
