#include "broker/kafka/handlers/incremental_alter_configs.h"

#include <fmt/format.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/kafka/handlers/config_answers.h"
#include "broker/kafka/handlers/topic_admin_codec.h"
#include "broker/kafka/requests/incremental_alter_configs.h"

namespace cairn::broker::kafka {
namespace {

using alterable_config = incremental_alter_configs_request::alterable_config;
using resource = config_resource<std::vector<alterable_config>>;

kafka_error alter(services& s, const resource& res, bool validate_only) {
  std::set<std::string_view> seen;
  for (const alterable_config& c : res.entries) {
    if (!seen.insert(c.name).second) {
      return {error_code::invalid_request, fmt::format("{} is named more than once", c.name)};
    }
  }
  auto apply = [configs = res.entries](topic_config& t) -> kafka_error {
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
  decoded<incremental_alter_configs_request> decoded = decode_incremental_alter_configs(r);
  if (!decoded.ok()) return close_for(r, decoded.failure);
  const bool validate_only = decoded.request.validate_only;
  return answer_alters(r, decoded.request.resources,
                       [&](const resource& res) { return alter(s, res, validate_only); });
}

}  // namespace cairn::broker::kafka
