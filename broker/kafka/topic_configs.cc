#include "broker/kafka/topic_configs.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace cairn::broker::kafka {
namespace {

// One row per Kafka config name a topic has. `get` reads the value; `set` (null: read-only,
// a broker-wide setting in Cairn) writes a parsed value; `broker_name` is Kafka's broker-level
// synonym, whose value is the default.
struct setting {
  std::string_view name;
  std::string_view broker_name;
  config_type type;
  std::string_view documentation;
  std::string (*get)(const topic_config&, const broker_log_settings&);
  kafka_error (*set)(topic_config&, std::string_view value);  // null: read-only
};

const topic_config kDefaults{};

kafka_error invalid(std::string message) {
  return {error_code::invalid_config, std::move(message)};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Kafka's LONG parsing (trimmed decimal), with the smallest value the config allows.
kafka_error parse_long(std::string_view name, std::string_view text, std::int64_t min,
                       std::int64_t& out) {
  text = trim(text);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return invalid(fmt::format("{}: \"{}\" is not a number", name, text));
  }
  if (v < min) return invalid(fmt::format("{}: {} is below its minimum, {}", name, v, min));
  out = v;
  return {};
}

// cleanup.policy is a list in Kafka; Cairn runs one policy per topic, so the list must name
// exactly one ("compact,delete" is not served).
kafka_error parse_policy(std::string_view text, cleanup_policy& out) {
  text = trim(text);
  if (text == "delete") {
    out = cleanup_policy::remove;
  } else if (text == "compact") {
    out = cleanup_policy::compact;
  } else {
    return invalid(fmt::format(
        "cleanup.policy: \"{}\" is not served: Cairn runs one policy per topic, \"delete\" or "
        "\"compact\"",
        text));
  }
  return {};
}

// message.timestamp.type: Kafka's two names, case-sensitive as Kafka's ValidString checks them.
kafka_error parse_timestamp_type(std::string_view text, eventstore::timestamp_type& out) {
  text = trim(text);
  auto parsed = eventstore::timestamp_type_from_string(text);
  if (!parsed) {
    return invalid(fmt::format(
        "message.timestamp.type: \"{}\" is not one of CreateTime, LogAppendTime", text));
  }
  out = *parsed;
  return {};
}

std::string as_string(std::int64_t v) {
  return std::to_string(v);
}

const setting kSettings[] = {
    {"cleanup.policy", "log.cleanup.policy", config_type::list,
     "delete: old segments are removed by retention.ms and retention.bytes; compact: the last "
     "record of each key is kept (and tombstones for delete.retention.ms)",
     [](const topic_config& t, const broker_log_settings&) {
       return std::string(to_string(t.cleanup));
     },
     [](topic_config& t, std::string_view v) { return parse_policy(v, t.cleanup); }},
    {"compression.type", "compression.type", config_type::string,
     "Batches are stored as the producer compressed them (read-only)",
     [](const topic_config&, const broker_log_settings&) { return std::string("producer"); },
     nullptr},
    {"delete.retention.ms", "log.cleaner.delete.retention.ms", config_type::int64,
     "How long tombstones stay readable on a compacted topic",
     [](const topic_config& t, const broker_log_settings&) {
       return as_string(t.delete_retention_ms);
     },
     [](topic_config& t, std::string_view v) {
       return parse_long("delete.retention.ms", v, 0, t.delete_retention_ms);
     }},
    {"max.message.bytes", "message.max.bytes", config_type::int32,
     "The largest record batch the broker accepts (broker-wide in Cairn: read-only)",
     [](const topic_config&, const broker_log_settings& b) {
       return as_string(b.max_message_bytes);
     },
     nullptr},
    {"message.timestamp.type", "log.message.timestamp.type", config_type::string,
     "CreateTime: records keep the timestamp their producer gave them; LogAppendTime: the "
     "leader stamps each batch with its clock as it appends it (new batches only)",
     [](const topic_config& t, const broker_log_settings&) {
       return std::string(eventstore::to_string(t.timestamp_type));
     },
     [](topic_config& t, std::string_view v) { return parse_timestamp_type(v, t.timestamp_type); }},
    {"retention.bytes", "log.retention.bytes", config_type::int64,
     "The most bytes a partition keeps before its oldest segments are removed; -1: no limit",
     [](const topic_config& t, const broker_log_settings&) { return as_string(t.retention_bytes); },
     [](topic_config& t, std::string_view v) {
       return parse_long("retention.bytes", v, -1, t.retention_bytes);
     }},
    {"retention.ms", "log.retention.ms", config_type::int64,
     "How long a record is kept before its segment may be removed; -1: forever",
     [](const topic_config& t, const broker_log_settings&) { return as_string(t.retention_ms); },
     [](topic_config& t, std::string_view v) {
       return parse_long("retention.ms", v, -1, t.retention_ms);
     }},
    {"segment.bytes", "log.segment.bytes", config_type::int32,
     "The size at which a partition's segment file is rolled (broker-wide in Cairn: read-only)",
     [](const topic_config&, const broker_log_settings& b) { return as_string(b.segment_bytes); },
     nullptr},
    {"segment.ms", "log.roll.ms", config_type::int64,
     "The age at which a partition's segment file is rolled (broker-wide in Cairn: read-only)",
     [](const topic_config&, const broker_log_settings& b) { return as_string(b.segment_ms); },
     nullptr},
};

const setting* find_setting(std::string_view name) {
  for (const setting& s : kSettings) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

kafka_error writable(const setting* s, std::string_view name) {
  if (s == nullptr) {
    return invalid(fmt::format("{}: not a topic config Cairn has (see docs/kafka.md)", name));
  }
  if (s->set == nullptr) {
    return invalid(fmt::format("{}: a broker-wide setting in Cairn, not settable per topic", name));
  }
  return {};
}

// The elements of a list config's value (Kafka's comma-separated LIST).
std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

std::vector<config_entry> describe_topic_configs(const topic_config& topic,
                                                 const broker_log_settings& broker) {
  std::vector<config_entry> out;
  for (const setting& s : kSettings) {
    config_entry e{.name = std::string(s.name),
                   .value = s.get(topic, broker),
                   .read_only = s.set == nullptr,
                   .type = s.type,
                   .documentation = std::string(s.documentation)};
    const std::string default_value = s.get(kDefaults, broker);
    if (s.set == nullptr) {
      // The broker's own setting, the same for every topic.
      e.source = config_source::static_broker;
      e.is_default = true;
      e.synonyms.push_back(
          {std::string(s.broker_name), default_value, config_source::static_broker});
    } else {
      // Cairn keeps no "was it set" flag: a value other than the default was set on the topic.
      e.is_default = *e.value == default_value;
      e.source = e.is_default ? config_source::default_config : config_source::dynamic_topic;
      if (!e.is_default) e.synonyms.push_back({e.name, e.value, config_source::dynamic_topic});
      e.synonyms.push_back(
          {std::string(s.broker_name), default_value, config_source::default_config});
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<config_entry> describe_broker_configs(const broker_settings& broker) {
  std::vector<config_entry> out;
  auto add = [&](std::string_view name, std::string value, config_type type,
                 std::string_view documentation) {
    config_entry e{.name = std::string(name),
                   .value = value,
                   .read_only = true,
                   .source = config_source::static_broker,
                   .is_default = false,
                   .type = type,
                   .documentation = std::string(documentation)};
    e.synonyms.push_back({e.name, std::move(value), config_source::static_broker});
    out.push_back(std::move(e));
  };
  // The topic defaults, under their broker names (a topic's synonyms).
  for (const setting& s : kSettings) {
    add(s.broker_name, s.get(kDefaults, broker.log), s.type, s.documentation);
  }
  add("advertised.listeners", "PLAINTEXT://" + broker.advertised_listener, config_type::list,
      "The Kafka listener clients are told about (--kafka-advertise)");
  add("auto.create.topics.enable", "false", config_type::boolean,
      "Cairn creates topics only when asked (CreateTopics, cairn topic create)");
  add("default.replication.factor", std::to_string(broker.default_replication_factor),
      config_type::int32, "Replicas of a topic created without a replication factor");
  add("delete.topic.enable", "true", config_type::boolean, "Topics can be deleted");
  add("node.id", std::to_string(broker.node_id), config_type::int32, "This broker's id");
  add("num.partitions", "1", config_type::int32,
      "Partitions of a topic created without a partition count");
  std::sort(out.begin(), out.end(),
            [](const config_entry& a, const config_entry& b) { return a.name < b.name; });
  // Two topic configs share a broker name (compression.type): keep one.
  out.erase(
      std::unique(out.begin(), out.end(),
                  [](const config_entry& a, const config_entry& b) { return a.name == b.name; }),
      out.end());
  return out;
}

kafka_error set_topic_config(topic_config& topic, std::string_view name, std::string_view value) {
  const setting* s = find_setting(name);
  if (auto bad = writable(s, name); bad.code != error_code::none) return bad;
  return s->set(topic, value);
}

kafka_error reset_topic_config(topic_config& topic, std::string_view name) {
  const setting* s = find_setting(name);
  if (auto bad = writable(s, name); bad.code != error_code::none) return bad;
  return s->set(topic, s->get(kDefaults, broker_log_settings{}));
}

kafka_error apply_config_operation(topic_config& topic, std::int8_t op, std::string_view name,
                                   const std::optional<std::string>& value) {
  if (op < 0 || op > 3) {
    return {error_code::invalid_request, fmt::format("{}: unknown config operation {}", name, op)};
  }
  const auto operation = static_cast<config_operation>(op);
  if (operation == config_operation::remove) return reset_topic_config(topic, name);
  if (!value) return invalid(fmt::format("{}: a value is required", name));
  if (operation == config_operation::set) return set_topic_config(topic, name, *value);
  const setting* s = find_setting(name);
  if (auto bad = writable(s, name); bad.code != error_code::none) return bad;
  if (s->type != config_type::list) {
    return invalid(fmt::format("{}: {} works on list configs only", name,
                               operation == config_operation::append ? "APPEND" : "SUBTRACT"));
  }
  // The list as it is, with the value's elements added (once) or taken away; set_topic_config
  // then checks the result as it would any value.
  std::vector<std::string> items = split_list(s->get(topic, broker_log_settings{}));
  for (const std::string& item : split_list(*value)) {
    auto at = std::find(items.begin(), items.end(), item);
    if (operation == config_operation::append && at == items.end()) items.push_back(item);
    if (operation == config_operation::subtract && at != items.end()) items.erase(at);
  }
  return s->set(topic, fmt::format("{}", fmt::join(items, ",")));
}

}  // namespace cairn::broker::kafka
