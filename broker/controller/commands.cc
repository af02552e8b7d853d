#include "broker/controller/commands.h"

#include <boost/json.hpp>

#include "broker/controller/controller_errc.h"

namespace cairn::broker::controller {
namespace json = boost::json;

namespace {

json::value config_value(const topic_config& config) {
  // topic.json's form, so that the controller and the disk agree on one encoding.
  return json::parse(to_json(config));
}

json::array assignment_value(const topic_assignment& assignment) {
  json::array out;
  for (const auto& replicas : assignment) {
    json::array r;
    for (auto id : replicas)
      r.emplace_back(id);
    out.emplace_back(std::move(r));
  }
  return out;
}

struct encoder {
  json::object operator()(const create_topic& c) const {
    json::object o;
    o["v"] = kCommandVersion;
    o["type"] = "create_topic";
    o["config"] = config_value(c.config);
    o["assignment"] = assignment_value(c.assignment);
    return o;
  }
  json::object operator()(const alter_topic& c) const {
    json::object o;
    o["v"] = kCommandVersion;
    o["type"] = "alter_topic";
    o["config"] = config_value(c.config);
    o["assignment"] = assignment_value(c.assignment);
    if (c.if_version) o["if_version"] = *c.if_version;
    return o;
  }
  json::object operator()(const allocate_producer_ids& c) const {
    json::object o;
    o["v"] = kCommandVersion;
    o["type"] = "allocate_producer_ids";
    o["node"] = c.node;
    o["count"] = c.count;
    o["at_least"] = c.at_least;
    return o;
  }
  json::object operator()(const delete_topic& c) const {
    json::object o;
    o["v"] = kCommandVersion;
    o["type"] = "delete_topic";
    o["name"] = c.name;
    return o;
  }
};

result<topic_assignment> assignment_from(const json::value* v) {
  if (v == nullptr || !v->is_array() ||
      v->as_array().size() > static_cast<std::size_t>(kPartitionsMax)) {
    return errc::malformed_command;
  }
  topic_assignment out;
  out.reserve(v->as_array().size());
  for (const auto& p : v->as_array()) {
    if (!p.is_array() || p.as_array().size() > kReplicasPerPartitionMax) {
      return errc::malformed_command;
    }
    std::vector<std::int32_t> replicas;
    for (const auto& id : p.as_array()) {
      if (!id.is_int64() || id.as_int64() < 1 || id.as_int64() > INT32_MAX) {
        return errc::malformed_command;
      }
      replicas.push_back(static_cast<std::int32_t>(id.as_int64()));
    }
    out.push_back(std::move(replicas));
  }
  return out;
}

}  // namespace

std::string encode(const command& c) {
  return json::serialize(std::visit(encoder{}, c));
}

result<void> check_assignment(const topic_config& config, const topic_assignment& assignment) {
  if (assignment.size() != static_cast<std::size_t>(config.partitions)) {
    return errc::invalid_assignment;
  }
  for (const auto& replicas : assignment) {
    if (replicas.size() != static_cast<std::size_t>(config.replication_factor)) {
      return errc::invalid_assignment;
    }
    for (std::size_t i = 0; i < replicas.size(); ++i) {
      if (replicas[i] < 1) return errc::invalid_assignment;
      for (std::size_t j = 0; j < i; ++j) {
        if (replicas[j] == replicas[i]) return errc::invalid_assignment;
      }
    }
  }
  return success();
}

result<command> decode_command(std::string_view bytes) {
  json::error_code ec;
  json::value v = json::parse(bytes, ec);
  if (ec || !v.is_object()) return errc::malformed_command;
  const json::object& o = v.as_object();
  const json::value* version = o.if_contains("v");
  const json::value* type = o.if_contains("type");
  if (version == nullptr || !version->is_int64() || version->as_int64() < 1 || type == nullptr ||
      !type->is_string()) {
    return errc::malformed_command;
  }
  if (version->as_int64() > kCommandVersion) return errc::unsupported_command_version;
  if (type->as_string() == "create_topic" || type->as_string() == "alter_topic") {
    const json::value* config = o.if_contains("config");
    if (config == nullptr || !config->is_object()) return errc::malformed_command;
    auto parsed = topic_config_from_json(json::serialize(*config));
    if (!parsed) return errc::malformed_command;
    auto assignment = assignment_from(o.if_contains("assignment"));
    if (!assignment) return assignment.error();
    if (!check_assignment(parsed.value(), assignment.value())) return errc::malformed_command;
    if (type->as_string() == "alter_topic") {
      alter_topic alter{std::move(parsed).value(), std::move(assignment).value(), std::nullopt};
      if (const json::value* version = o.if_contains("if_version")) {
        if (!version->is_int64() || version->as_int64() < 0) return errc::malformed_command;
        alter.if_version = version->as_int64();
      }
      return command{std::move(alter)};
    }
    return command{create_topic{std::move(parsed).value(), std::move(assignment).value()}};
  }
  if (type->as_string() == "delete_topic") {
    const json::value* name = o.if_contains("name");
    if (name == nullptr || !name->is_string()) return errc::malformed_command;
    std::string n(name->as_string());
    if (!valid_topic_name(n)) return errc::malformed_command;
    return command{delete_topic{std::move(n)}};
  }
  if (type->as_string() == "allocate_producer_ids") {
    const json::value* node = o.if_contains("node");
    const json::value* count = o.if_contains("count");
    const json::value* at_least = o.if_contains("at_least");
    if (node == nullptr || !node->is_int64() || node->as_int64() < 1 ||
        node->as_int64() > INT32_MAX || count == nullptr || !count->is_int64() ||
        count->as_int64() < 1 || count->as_int64() > kProducerIdBlockMax || at_least == nullptr ||
        !at_least->is_int64() || at_least->as_int64() < 0) {
      return errc::malformed_command;
    }
    return command{allocate_producer_ids{.node = static_cast<std::int32_t>(node->as_int64()),
                                         .count = count->as_int64(),
                                         .at_least = at_least->as_int64()}};
  }
  return errc::unknown_command;
}

}  // namespace cairn::broker::controller
