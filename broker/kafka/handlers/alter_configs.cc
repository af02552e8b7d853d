#include "broker/kafka/handlers/alter_configs.h"

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/handlers/topic_admin_codec.h"

namespace cairn::broker::kafka {
namespace {

struct resource {
  std::int8_t type = 0;
  std::string name;
  std::vector<std::pair<std::string, std::optional<std::string>>> configs;
};

// The legacy alter replaces the topic's whole set: every settable config not named goes back
// to its default, then the named ones are set (a null value also means the default).
kafka_error replace_all(
    topic_config& t,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& configs) {
  topic_config fresh;
  fresh.name = t.name;
  fresh.id = t.id;
  fresh.partitions = t.partitions;
  fresh.replication_factor = t.replication_factor;
  fresh.replicas = t.replicas;
  for (const auto& [name, value] : configs) {
    kafka_error bad =
        value ? set_topic_config(fresh, name, *value) : reset_topic_config(fresh, name);
    if (bad.code != error_code::none) return bad;
  }
  t = std::move(fresh);
  return {};
}

}  // namespace

response handle_alter_configs(services& s, const request& r) {
  reader in = r.body_reader();
  std::vector<resource> resources;
  const std::int32_t n = in.array_length(in.flexible() ? 4 : 7);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    resource res;
    res.type = in.int8();
    res.name = in.string();
    const std::int32_t configs = in.array_length(in.flexible() ? 3 : 4);
    for (std::int32_t c = 0; c < configs && in.ok(); ++c) {
      std::string name = in.string();
      std::optional<std::string> value = in.nullable_string();
      in.tagged_fields();
      res.configs.emplace_back(std::move(name), std::move(value));
    }
    in.tagged_fields();
    resources.push_back(std::move(res));
  }
  const bool validate_only = in.boolean();
  in.tagged_fields();
  if (!in.ok()) return close_for(r, in);

  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  w.array_length(resources.size());
  for (const resource& res : resources) {
    kafka_error e = alter_topic_resource(
        s, res.type, res.name,
        [configs = res.configs](topic_config& t) { return replace_all(t, configs); },
        validate_only);
    w.int16(value_of(e.code));
    w.nullable_string(e.code == error_code::none ? std::nullopt
                                                 : std::optional<std::string_view>(e.message));
    w.int8(res.type);
    w.string(res.name);
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
