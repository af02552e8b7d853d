#include "broker/kafka/handlers/incremental_alter_configs.h"

#include <fmt/format.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/kafka/handlers/topic_admin_codec.h"

namespace cairn::broker::kafka {
namespace {

struct alterable_config {
  std::string name;
  std::int8_t operation = 0;
  std::optional<std::string> value;
};

struct resource {
  std::int8_t type = 0;
  std::string name;
  std::vector<alterable_config> configs;
};

kafka_error alter(services& s, const resource& res, bool validate_only) {
  std::set<std::string_view> seen;
  for (const alterable_config& c : res.configs) {
    if (!seen.insert(c.name).second) {
      return {error_code::invalid_request, fmt::format("{} is named more than once", c.name)};
    }
  }
  auto apply = [configs = res.configs](topic_config& t) -> kafka_error {
    for (const alterable_config& c : configs) {
      if (auto bad = apply_config_operation(t, c.operation, c.name, c.value);
          bad.code != error_code::none) {
        return bad;
      }
    }
    return {};
  };
  return alter_topic_resource(s, res.type, res.name, apply, validate_only);
}

}  // namespace

response handle_incremental_alter_configs(services& s, const request& r) {
  reader in = r.body_reader();
  std::vector<resource> resources;
  // Smallest resource: type (1), name (1-2), configs (1-4), tags.
  const std::int32_t n = in.array_length(in.flexible() ? 4 : 7);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    resource res;
    res.type = in.int8();
    res.name = in.string();
    const std::int32_t configs = in.array_length(in.flexible() ? 4 : 5);
    for (std::int32_t c = 0; c < configs && in.ok(); ++c) {
      alterable_config config;
      config.name = in.string();
      config.operation = in.int8();
      config.value = in.nullable_string();
      in.tagged_fields();
      res.configs.push_back(std::move(config));
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
    kafka_error e = alter(s, res, validate_only);
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
