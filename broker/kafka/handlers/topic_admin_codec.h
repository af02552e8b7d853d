// What the Kafka topic-administration handlers share: the core's admin_error as Kafka's code
// and message, the request timeout, and the broker settings DescribeConfigs and CreateTopics
// show. Header-only; no handler logic (that is broker/handlers/topic_admin.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "broker/errc.h"
#include "broker/handlers/topic_admin.h"
#include "broker/kafka/error_code.h"
#include "broker/kafka/services.h"
#include "broker/kafka/topic_configs.h"

namespace cairn::broker::kafka {

// The native mapping, plus the one refusal Kafka has a finer code for than the native protocol.
inline kafka_error to_kafka_error(const admin_error& e) {
  if (!e) return {};
  kafka_error out = e.code == broker::errc::invalid_replica_assignment
                        ? kafka_error{error_code::invalid_replica_assignment, e.code.message()}
                        : to_kafka_error(e.code);
  if (!e.message.empty()) out.message = e.message;
  return out;
}

// A request's timeout_ms; Kafka's default (60 s) when it is not positive.
inline std::chrono::milliseconds admin_timeout(std::int32_t timeout_ms) {
  return std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : 60'000);
}

inline broker_log_settings log_settings(const services& s) {
  const auto& log = s.core.topics.partition_options().log;
  return {.segment_bytes = log.segment_bytes_max,
          .segment_ms = log.segment_ms_max,
          .max_message_bytes = log.segment.batch_bytes_max};
}

// DescribeConfigs' and the alters' resource types.
constexpr std::int8_t kTopicResource = 2;
constexpr std::int8_t kBrokerResource = 4;

// The alters' common path: `apply` edits a copy of the topic's config (Kafka's names and
// checks, with messages); the edit is tried on the current config first, so a refusal names
// its reason, then made through the core (atomically there, with the controller in a cluster).
inline kafka_error alter_topic_resource(services& s, std::int8_t type, const std::string& name,
                                        std::function<kafka_error(topic_config&)> apply,
                                        bool validate_only) {
  if (type == kBrokerResource) {
    return {error_code::invalid_request,
            "broker configs are read-only: the broker's command line sets them"};
  }
  if (type != kTopicResource) {
    return {error_code::invalid_request, "only topic (2) configs can be altered"};
  }
  auto current = describe_topic(s.core, name);
  if (!current) return to_kafka_error(current.error());
  topic_config trial = current.value();
  if (auto bad = apply(trial); bad.code != error_code::none) return bad;
  topic_edit edit = [apply](const topic_config& now) -> result<topic_config> {
    topic_config next = now;
    if (apply(next).code != error_code::none) return protocol::errc::invalid_config;
    return next;
  };
  return to_kafka_error(
      alter_topic_config(s.core, name, std::move(edit), validate_only, admin_timeout(0)));
}

}  // namespace cairn::broker::kafka
