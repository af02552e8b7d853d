#include "broker/kafka/handlers/create_topics.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/handlers/topic_admin_codec.h"

namespace cairn::broker::kafka {
namespace {

struct creatable_topic {
  std::string name;
  std::int32_t partitions = -1;
  std::int16_t replication_factor = -1;
  std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>> assignment;  // index, brokers
  std::vector<std::pair<std::string, std::optional<std::string>>> configs;
};

std::vector<creatable_topic> decode(reader& in) {
  std::vector<creatable_topic> out;
  // Smallest topic: name (1-2 bytes), int32, int16, two empty arrays (1-4 bytes each), tags.
  const std::int32_t topics = in.array_length(in.flexible() ? 10 : 16);
  for (std::int32_t i = 0; i < topics && in.ok(); ++i) {
    creatable_topic t;
    t.name = in.string();
    t.partitions = in.int32();
    t.replication_factor = in.int16();
    const std::int32_t assignments = in.array_length(in.flexible() ? 6 : 8);
    for (std::int32_t a = 0; a < assignments && in.ok(); ++a) {
      std::int32_t index = in.int32();
      std::vector<std::int32_t> brokers;
      const std::int32_t n = in.array_length(4);
      for (std::int32_t b = 0; b < n && in.ok(); ++b)
        brokers.push_back(in.int32());
      in.tagged_fields();
      t.assignment.emplace_back(index, std::move(brokers));
    }
    const std::int32_t configs = in.array_length(in.flexible() ? 3 : 4);
    for (std::int32_t c = 0; c < configs && in.ok(); ++c) {
      std::string name = in.string();
      std::optional<std::string> value = in.nullable_string();
      in.tagged_fields();
      t.configs.emplace_back(std::move(name), std::move(value));
    }
    in.tagged_fields();
    out.push_back(std::move(t));
  }
  return out;
}

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
  reader in = r.body_reader();
  std::vector<creatable_topic> topics = decode(in);
  const std::int32_t timeout_ms = in.int32();
  const bool validate_only = v >= 1 ? in.boolean() : false;
  in.tagged_fields();
  // No error field outside the topics, and a request that cannot be read names none reliably.
  if (!in.ok()) return close_for(r, in);

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
