#include "broker/kafka/handlers/describe_configs.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/handlers/config_answers.h"
#include "broker/kafka/handlers/topic_admin_codec.h"
#include "broker/kafka/requests/describe_configs.h"

namespace cairn::broker::kafka {
namespace {

using resource = config_resource<std::optional<std::vector<std::string>>>;

struct described {
  kafka_error error;
  std::vector<config_entry> configs;
};

described describe(services& s, const resource& res) {
  if (res.type == kTopicResource) {
    auto topic = describe_topic(s.core, res.name);
    if (!topic) return {to_kafka_error(topic.error()), {}};
    return {{}, describe_topic_configs(topic.value(), log_settings(s))};
  }
  if (res.type == kBrokerResource) {
    // "" asks for the cluster-wide broker defaults; Cairn's are this broker's own settings.
    if (!res.name.empty() && res.name != std::to_string(s.core.self.node_id)) {
      return {{error_code::invalid_request,
               fmt::format("this is broker {}: ask broker {} for its configs", s.core.self.node_id,
                           res.name)},
              {}};
    }
    broker_settings b{
        .node_id = s.core.self.node_id,
        .log = log_settings(s),
        .default_replication_factor = static_cast<std::int16_t>(
            s.core.admin != nullptr ? std::min(3, s.core.admin->broker_count()) : 1),
        .advertised_listener = fmt::format("{}:{}", s.advertised.host, s.advertised.port)};
    return {{}, describe_broker_configs(b)};
  }
  return {{error_code::invalid_request,
           fmt::format("resource type {} is not served (topics: 2, brokers: 4)", res.type)},
          {}};
}

}  // namespace

response handle_describe_configs(services& s, const request& r) {
  const std::int16_t v = r.version();
  decoded<describe_configs_request> decoded = decode_describe_configs(r);
  if (!decoded.ok()) return close_for(r, decoded.failure);
  const std::vector<resource>& resources = decoded.request.resources;
  const bool synonyms = decoded.request.include_synonyms;
  const bool documentation = decoded.request.include_documentation;

  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  w.array_length(resources.size());
  for (const resource& res : resources) {
    described d = describe(s, res);
    if (const auto& keys = res.entries) {
      std::erase_if(d.configs, [&](const config_entry& c) {
        return std::find(keys->begin(), keys->end(), c.name) == keys->end();
      });
    }
    write_resource_outcome(w, d.error, res.type, res.name);
    w.array_length(d.configs.size());
    for (const config_entry& c : d.configs) {
      w.string(c.name);
      w.nullable_string(c.value);
      w.boolean(c.read_only);
      if (v == 0) {
        w.boolean(c.is_default);
      } else {
        w.int8(static_cast<std::int8_t>(c.source));
      }
      w.boolean(false);  // is_sensitive: no secrets among them
      if (v >= 1) {
        if (!synonyms) {
          w.array_length(0);
        } else {
          w.array_length(c.synonyms.size());
          for (const config_synonym& syn : c.synonyms) {
            w.string(syn.name);
            w.nullable_string(syn.value);
            w.int8(static_cast<std::int8_t>(syn.source));
            w.tagged_fields();
          }
        }
      }
      if (v >= 3) {
        w.int8(static_cast<std::int8_t>(c.type));
        w.nullable_string(documentation ? std::optional<std::string_view>(c.documentation)
                                        : std::nullopt);
      }
      w.tagged_fields();
    }
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
