#include "broker/topics/topic_config.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>

#include "broker/errc.h"

namespace cairn::broker {

bool valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > kTopicNameBytesMax || name == "." || name == "..") {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

result<void> validate(const topic_config& config, std::int32_t brokers) {
  if (!valid_topic_name(config.name)) return errc::invalid_topic_config;
  if (config.partitions < 1 || config.partitions > kPartitionsMax) {
    return errc::invalid_topic_config;
  }
  if (config.replication_factor < 1 || config.replication_factor > brokers) {
    return errc::invalid_topic_config;
  }
  if (config.retention_bytes < -1 || config.retention_ms < -1 || config.delete_retention_ms < 0) {
    return errc::invalid_topic_config;
  }
  return success();
}

namespace {

// One list of node ids per partition: non-empty, positive, no broker twice.
result<std::vector<std::vector<std::int32_t>>> replicas_from_json(const boost::json::value& v,
                                                                  std::int32_t partitions) {
  if (!v.is_array() || v.as_array().size() != static_cast<std::size_t>(partitions)) {
    return errc::invalid_topic_config;
  }
  std::vector<std::vector<std::int32_t>> out;
  for (const boost::json::value& replicas : v.as_array()) {
    if (!replicas.is_array() || replicas.as_array().empty() || replicas.as_array().size() > 32767) {
      return errc::invalid_topic_config;
    }
    std::vector<std::int32_t>& ids = out.emplace_back();
    for (const boost::json::value& id : replicas.as_array()) {
      if (!id.is_int64() || id.as_int64() < 1 || id.as_int64() > INT32_MAX) {
        return errc::invalid_topic_config;
      }
      const auto node = static_cast<std::int32_t>(id.as_int64());
      if (std::find(ids.begin(), ids.end(), node) != ids.end()) return errc::invalid_topic_config;
      ids.push_back(node);
    }
  }
  return out;
}

}  // namespace

std::string_view to_string(cleanup_policy policy) {
  return policy == cleanup_policy::compact ? "compact" : "delete";
}

std::string to_json(const topic_config& config) {
  boost::json::object o;
  o["name"] = config.name;
  o["partitions"] = config.partitions;
  o["replication_factor"] = config.replication_factor;
  o["retention_bytes"] = config.retention_bytes;
  o["retention_ms"] = config.retention_ms;
  o["cleanup_policy"] = std::string(to_string(config.cleanup));
  o["delete_retention_ms"] = config.delete_retention_ms;
  o["message_timestamp_type"] = std::string(eventstore::to_string(config.timestamp_type));
  if (!is_nil(config.id)) o["topic_id"] = to_string(config.id);
  if (!config.replicas.empty()) {
    boost::json::array assignment;
    for (const auto& replicas : config.replicas) {
      boost::json::array ids;
      for (std::int32_t id : replicas)
        ids.push_back(id);
      assignment.push_back(std::move(ids));
    }
    o["replicas"] = std::move(assignment);
  }
  return boost::json::serialize(o);
}

result<topic_config> topic_config_from_json(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return errc::invalid_topic_config;
  const boost::json::object& o = v.as_object();
  auto int_field = [&](const char* key, std::int64_t& out) {
    const boost::json::value* f = o.if_contains(key);
    if (f == nullptr || !f->is_int64()) return false;
    out = f->as_int64();
    return true;
  };
  topic_config c;
  std::int64_t partitions = 0, replication = 0;
  const boost::json::value* name = o.if_contains("name");
  const boost::json::value* policy = o.if_contains("cleanup_policy");
  if (name == nullptr || !name->is_string() || policy == nullptr || !policy->is_string() ||
      !int_field("partitions", partitions) || !int_field("replication_factor", replication) ||
      !int_field("retention_bytes", c.retention_bytes) ||
      !int_field("retention_ms", c.retention_ms) ||
      !int_field("delete_retention_ms", c.delete_retention_ms)) {
    return errc::invalid_topic_config;
  }
  if (partitions < 1 || partitions > kPartitionsMax || replication < 1 || replication > 32767) {
    return errc::invalid_topic_config;
  }
  c.name = std::string(name->as_string());
  c.partitions = static_cast<std::int32_t>(partitions);
  c.replication_factor = static_cast<std::int16_t>(replication);
  if (policy->as_string() == "compact") {
    c.cleanup = cleanup_policy::compact;
  } else if (policy->as_string() == "delete") {
    c.cleanup = cleanup_policy::remove;
  } else {
    return errc::invalid_topic_config;
  }
  if (!valid_topic_name(c.name)) return errc::invalid_topic_config;
  if (const boost::json::value* id = o.if_contains("topic_id")) {
    // Absent in files written before topics had ids; present, it must be one.
    if (!id->is_string()) return errc::invalid_topic_config;
    auto parsed = topic_id_from_string(id->as_string());
    if (!parsed || is_nil(*parsed)) return errc::invalid_topic_config;
    c.id = *parsed;
  }
  if (const boost::json::value* type = o.if_contains("message_timestamp_type")) {
    // Absent in files written before topics had a timestamp type: CreateTime, as they ran.
    if (!type->is_string()) return errc::invalid_topic_config;
    auto parsed = eventstore::timestamp_type_from_string(type->as_string());
    if (!parsed) return errc::invalid_topic_config;
    c.timestamp_type = *parsed;
  }
  if (const boost::json::value* assignment = o.if_contains("replicas")) {
    CAIRN_TRY(c.replicas, replicas_from_json(*assignment, c.partitions));
  }
  return c;
}

}  // namespace cairn::broker
