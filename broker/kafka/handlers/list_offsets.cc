#include "broker/kafka/handlers/list_offsets.h"

#include <string>
#include <vector>

#include "broker/handlers/list_offsets.h"
#include "broker/kafka/handlers/partition_leader.h"

namespace cairn::broker::kafka {
namespace {

struct asked_partition {
  std::int32_t index = 0;
  std::int32_t current_leader_epoch = -1;
  std::int64_t timestamp = 0;
};
struct asked_topic {
  std::string name;
  std::vector<asked_partition> partitions;
};

struct answer {
  error_code error = error_code::none;
  std::int64_t timestamp = -1;
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
};

answer list_one(services& s, const std::string& topic, const asked_partition& p, std::int16_t v) {
  answer out;
  // A sentinel this version does not know is a time in the client's eyes, and Kafka refuses it.
  if (p.timestamp == kMaxTimestamp && v < 7) {
    out.error = error_code::unsupported_version;
    return out;
  }
  leader_check leader = check_leader(s, topic, p.index, p.current_leader_epoch);
  if (leader.error != error_code::none) {
    out.error = leader.error;
    return out;
  }
  auto target = s.core.topics.get(topic, p.index);
  if (!target) {
    out.error = to_kafka_error(target.error()).code;
    return out;
  }
  offset_lookup found = lookup_offset(*target.value(), p.timestamp);
  if (found.error) {
    out.error = to_kafka_error(found.error).code;
    return out;
  }
  out.offset = found.offset;
  out.timestamp = found.timestamp;
  out.leader_epoch = leader.leader_epoch;
  return out;
}

}  // namespace

response handle_list_offsets(services& s, const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  in.int32();  // replica_id: only consumers (-1) ask this broker; followers replicate by Raft
  if (v >= 2) in.int8();  // isolation_level: the same answer either way (no transactions)
  const std::size_t string_min = in.flexible() ? 1 : 2;
  const std::size_t tagged_min = in.flexible() ? 1 : 0;
  std::vector<asked_topic> topics;
  std::int32_t total = 0;
  std::int32_t topic_count = in.array_length(2 * string_min + tagged_min, kRequestPartitionsMax);
  for (std::int32_t t = 0; t < topic_count && in.ok(); ++t) {
    asked_topic topic{.name = in.string(), .partitions = {}};
    const std::size_t partition_min = 4 + (v >= 4 ? 4 : 0) + 8 + tagged_min;
    std::int32_t count = in.array_length(partition_min, kRequestPartitionsMax - total);
    total += std::max(count, 0);
    for (std::int32_t i = 0; i < count && in.ok(); ++i) {
      asked_partition p;
      p.index = in.int32();
      if (v >= 4) p.current_leader_epoch = in.int32();
      p.timestamp = in.int64();
      in.tagged_fields();
      if (in.ok()) topic.partitions.push_back(p);
    }
    in.tagged_fields();
    if (in.ok() || !topic.partitions.empty()) topics.push_back(std::move(topic));
  }
  in.tagged_fields();
  // No field for a request-level error: every entry that could be read answers INVALID_REQUEST,
  // and a request of which nothing could be read closes the connection.
  const bool bad = !in.ok();
  if (bad && topics.empty()) return close_for(r, in);

  writer w = begin_response(r);
  if (v >= 2) w.int32(0);  // throttle_time_ms
  w.array_length(topics.size());
  for (const asked_topic& topic : topics) {
    w.string(topic.name);
    w.array_length(topic.partitions.size());
    for (const asked_partition& p : topic.partitions) {
      answer a = bad ? answer{.error = error_code::invalid_request} : list_one(s, topic.name, p, v);
      w.int32(p.index);
      w.int16(value_of(a.error));
      w.int64(a.timestamp);
      w.int64(a.offset);
      if (v >= 4) w.int32(a.leader_epoch);
      w.tagged_fields();
    }
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
