// topic_config: what a topic is (name, id, partitions, replication, retention, cleanup policy,
// timestamp type), its
// validation against Kafka's rules, and its JSON form in `<data-dir>/topics/<name>/topic.json`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/topics/topic_id.h"
#include "cairn/base/result.h"
#include "eventstore/record/timestamp_type.h"

namespace cairn::broker {

enum class cleanup_policy { remove, compact };  // Kafka's cleanup.policy: delete | compact

struct topic_config {
  std::string name;
  std::int32_t partitions = 1;
  std::int16_t replication_factor = 1;
  std::int64_t retention_bytes = -1;  // per partition; -1: unlimited (Kafka's default)
  std::int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // Kafka's default: 7 days; -1: forever
  cleanup_policy cleanup = cleanup_policy::remove;
  std::int64_t delete_retention_ms = 24LL * 3600 * 1000;  // tombstones kept this long (compact)
  // Kafka's message.timestamp.type: whether records keep their producer's timestamp or take the
  // time the leader appended them (eventstore/record/timestamp_type.h).
  eventstore::timestamp_type timestamp_type = eventstore::timestamp_type::create_time;
  // Cluster mode: the brokers (node ids) holding each partition, the preferred leader first, as
  // the controller assigned them. Empty on a standalone broker, where every partition is local.
  std::vector<std::vector<std::int32_t>> replicas;
  // Given at creation (random; in a cluster by the controller, so one id on every broker) and
  // never changed. Nil only before it is given: a request's config, or a topic.json written
  // before topics had ids (topic_manager gives it one when it opens it).
  topic_id id{};

  bool operator==(const topic_config&) const = default;
};

// Limits on what a client may ask for; each stops a request from exhausting the broker.
constexpr std::int32_t kPartitionsMax = 10'000;  // files and memory per partition
constexpr std::size_t kTopicNameBytesMax = 249;  // Kafka's limit (file name length)

// Kafka's topic-name rules: 1..249 of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(std::string_view name);

// Topics the broker keeps for itself (`__consumer_offsets`): names starting with "__". Clients
// may read them but not create, delete or produce to them, and listings leave them out (as
// Kafka's AdminClient.listTopics() does by default).
inline bool is_internal_topic(std::string_view name) {
  return name.starts_with("__");
}
// errc::invalid_topic_config for a bad name, partition count, replication factor (this broker
// has `brokers` nodes) or retention value.
result<void> validate(const topic_config& config, std::int32_t brokers);

std::string to_json(const topic_config& config);
// Parses the JSON written by to_json; the file is disk input, so every field is checked.
result<topic_config> topic_config_from_json(std::string_view text);

std::string_view to_string(cleanup_policy policy);

}  // namespace cairn::broker
