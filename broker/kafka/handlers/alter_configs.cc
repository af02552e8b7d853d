#include "broker/kafka/handlers/alter_configs.h"

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/handlers/config_answers.h"
#include "broker/kafka/handlers/topic_admin_codec.h"
#include "broker/kafka/requests/alter_configs.h"

namespace cairn::broker::kafka {
namespace {

// The legacy alter replaces the topic's whole set: every settable config not named goes back
// to its default, then the named ones are set (a null value also means the default).
kafka_error replace_all(topic_config& t, const alter_configs_request::configs& configs) {
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
  decoded<alter_configs_request> decoded = decode_alter_configs(r);
  if (!decoded.ok()) return close_for(r, decoded.failure);
  const bool validate_only = decoded.request.validate_only;
  return answer_alters(r, decoded.request.resources, [&](const auto& res) {
    return alter_topic_resource(
        s, res.type, res.name,
        [configs = res.entries](topic_config& t) { return replace_all(t, configs); },
        validate_only);
  });
}

}  // namespace cairn::broker::kafka
