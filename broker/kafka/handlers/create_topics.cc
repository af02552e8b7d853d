#include "broker/kafka/handlers/create_topics.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/handlers/topic_admin_codec.h"
#include "broker/kafka/requests/create_topics.h"

namespace cairn::broker::kafka {
namespace {

using creatable_topic = create_topics_request::topic;

// The assignment as one replica list per partition, if its indexes are exactly 0..n-1.
std::optional<std::vector<std::vector<std::int32_t>>> ordered(
    std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>> assignment) {
  std::sort(assignment.begin(), assignment.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::vector<std::int32_t>> out;
  for (auto& [index, brokers] : assignment) {
    if (index != static_cast<std::int32_t>(out.size())) return std::nullopt;
    out.push_back(std::move(brokers));
  }
  return out;
}

struct outcome {
  kafka_error error;
  topic_config topic;
};

outcome create_one(services& s, creatable_topic t, bool validate_only,
                   std::chrono::milliseconds timeout) {
  create_topic_request create{.partitions = t.partitions,
                              .replication_factor = t.replication_factor,
                              .validate_only = validate_only,
                              .timeout = timeout};
  create.settings.name = t.name;
  for (const auto& [name, value] : t.configs) {
    if (!value) continue;  // null: the default, as Kafka reads it
    if (auto bad = set_topic_config(create.settings, name, *value); bad.code != error_code::none) {
      return {std::move(bad), {}};
    }
  }
  if (!t.assignment.empty()) {
    auto assignment = ordered(std::move(t.assignment));
    if (!assignment) {
      return {{error_code::invalid_replica_assignment,
               "the assignment's partition indexes must be 0, 1, ... with none twice"},
              {}};
    }
    create.assignment = std::move(*assignment);
  }
  auto made = create_topic(s.core, std::move(create));
  return {to_kafka_error(made.error), std::move(made.topic)};
}

}  // namespace

response handle_create_topics(services& s, const request& r) {
  const std::int16_t v = r.version();
  decoded<create_topics_request> decoded = decode_create_topics(r);
  // No error field outside the topics, and a request that cannot be read names none reliably.
  if (!decoded.ok()) return close_for(r, decoded.failure);
  std::vector<creatable_topic>& topics = decoded.request.topics;
  const std::int32_t timeout_ms = decoded.request.timeout_ms;
  const bool validate_only = decoded.request.validate_only;

  std::map<std::string, int, std::less<>> named;
  for (const auto& t : topics)
    ++named[t.name];

  writer w = begin_response(r);
  if (v >= 2) w.int32(0);  // throttle_time_ms
  w.array_length(topics.size());
  for (creatable_topic& t : topics) {
    const std::string name = t.name;
    outcome done = named[name] > 1
                       ? outcome{{error_code::invalid_request,
                                  fmt::format("topic {} is named more than once", name)},
                                 {}}
                       : create_one(s, std::move(t), validate_only, admin_timeout(timeout_ms));
    const bool ok = done.error.code == error_code::none;
    w.string(name);
    if (v >= 7) w.uuid_value(ok ? done.topic.id : topic_id{});
    w.int16(value_of(done.error.code));
    if (v >= 1) {
      w.nullable_string(ok ? std::nullopt : std::optional<std::string_view>(done.error.message));
    }
    if (v >= 5) {
      w.int32(ok ? done.topic.partitions : -1);
      w.int16(ok ? done.topic.replication_factor : std::int16_t{-1});
      if (!ok) {
        w.null_array();
      } else {
        auto configs = describe_topic_configs(done.topic, log_settings(s));
        w.array_length(configs.size());
        for (const config_entry& c : configs) {
          w.string(c.name);
          w.nullable_string(c.value);
          w.boolean(c.read_only);
          w.int8(static_cast<std::int8_t>(c.source));
          w.boolean(false);  // is_sensitive
          w.tagged_fields();
        }
      }
    }
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
