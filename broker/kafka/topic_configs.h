// topic_configs: Cairn's topic settings under Kafka's config names, both ways. Describing: every
// config a topic has (its own settings, and the broker-wide ones Kafka keeps per topic but
// Cairn does not), with Kafka's source, default, read-only and synonym fields. Changing: a
// Kafka name and value onto topic_config, checked as Kafka checks it (CreateTopics' configs,
// IncrementalAlterConfigs' SET/DELETE/APPEND/SUBTRACT, AlterConfigs). Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/kafka/error_code.h"
#include "broker/topics/topic_config.h"

namespace cairn::broker::kafka {

// DescribeConfigs' ConfigSource.
enum class config_source : std::int8_t {
  unknown = 0,
  dynamic_topic = 1,  // set on the topic
  dynamic_broker = 2,
  dynamic_default_broker = 3,
  static_broker = 4,   // the broker's own setting (its command line)
  default_config = 5,  // the built-in default
};

// DescribeConfigs' ConfigType (v3+).
enum class config_type : std::int8_t {
  unknown = 0,
  boolean = 1,
  string = 2,
  int32 = 3,
  int64 = 5,
  list = 7
};

struct config_synonym {
  std::string name;
  std::optional<std::string> value;
  config_source source = config_source::default_config;
};

struct config_entry {
  std::string name;
  std::optional<std::string> value;
  bool read_only = false;
  config_source source = config_source::default_config;
  bool is_default = true;  // v0's IsDefault: the value is the built-in default
  config_type type = config_type::string;
  std::string documentation;
  // The topic's own value first (if set), then the broker-level default it overrides, as
  // Kafka lists them.
  std::vector<config_synonym> synonyms;
};

// The broker-wide settings a topic's description shows (read-only per topic in Cairn).
struct broker_log_settings {
  std::int64_t segment_bytes = 0;
  std::int64_t segment_ms = 0;
  std::int32_t max_message_bytes = 0;
};

// Every config of `topic`, in a fixed order (Kafka's names, sorted).
std::vector<config_entry> describe_topic_configs(const topic_config& topic,
                                                 const broker_log_settings& broker);

// What a broker resource (DescribeConfigs type 4) shows: the broker's own settings, read-only.
struct broker_settings {
  std::int32_t node_id = 0;
  broker_log_settings log;
  std::int16_t default_replication_factor = 1;
  std::string advertised_listener;  // "host:port" of the Kafka listener
};
std::vector<config_entry> describe_broker_configs(const broker_settings& broker);

// Sets `name` to `value` on `topic`. Errors (with a message naming the config): invalid_config
// for an unknown name, a broker-wide (read-only) config, or a value out of range.
kafka_error set_topic_config(topic_config& topic, std::string_view name, std::string_view value);
// Back to the built-in default; the same errors.
kafka_error reset_topic_config(topic_config& topic, std::string_view name);

// IncrementalAlterConfigs' operations.
enum class config_operation : std::int8_t { set = 0, remove = 1, append = 2, subtract = 3 };
// One operation (op from the wire: anything but 0..3 is invalid_request). APPEND and SUBTRACT
// work on list configs only (cleanup.policy), as in Kafka; on any other, invalid_config.
kafka_error apply_config_operation(topic_config& topic, std::int8_t op, std::string_view name,
                                   const std::optional<std::string>& value);

}  // namespace cairn::broker::kafka
