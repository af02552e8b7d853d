#include "broker/kafka/handlers/delete_records.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "broker/handlers/delete_records.h"
#include "broker/kafka/handlers/partition_leader.h"

namespace cairn::broker::kafka {
namespace {

struct asked_partition {
  std::int32_t index = 0;
  std::int64_t offset = 0;
};
struct asked_topic {
  std::string name;
  std::vector<asked_partition> partitions;
};

struct answer {
  error_code error = error_code::none;
  std::int64_t low_watermark = -1;
};

answer delete_one(services& s, const std::string& topic, const asked_partition& p,
                  std::chrono::steady_clock::time_point deadline) {
  leader_check leader = check_leader(s, topic, p.index, -1);
  if (leader.error != error_code::none) return {leader.error};
  delete_records_outcome out = delete_records(s.core, topic, p.index, p.offset, deadline);
  if (out.error) {
    spdlog::info("kafka DeleteRecords {}/{} below {}: {}", topic, p.index, p.offset,
                 out.error.message());
  }
  return {to_kafka_error(out.error).code, out.low_watermark};
}

}  // namespace

response handle_delete_records(services& s, const request& r) {
  reader in = r.body_reader();
  const std::size_t string_min = in.flexible() ? 1 : 2;
  const std::size_t tagged_min = in.flexible() ? 1 : 0;
  std::vector<asked_topic> topics;
  std::int32_t total = 0;
  std::int32_t topic_count = in.array_length(2 * string_min + tagged_min, kRequestPartitionsMax);
  for (std::int32_t t = 0; t < topic_count && in.ok(); ++t) {
    asked_topic topic{.name = in.string(), .partitions = {}};
    std::int32_t count = in.array_length(4 + 8 + tagged_min, kRequestPartitionsMax - total);
    total += std::max(count, 0);
    for (std::int32_t i = 0; i < count && in.ok(); ++i) {
      asked_partition p;
      p.index = in.int32();
      p.offset = in.int64();
      in.tagged_fields();
      if (in.ok()) topic.partitions.push_back(p);
    }
    in.tagged_fields();
    if (in.ok() || !topic.partitions.empty()) topics.push_back(std::move(topic));
  }
  // timeout_ms: how long a cluster's leader waits for its followers' log starts (Kafka's
  // DelayedDeleteRecords), one deadline for the whole request.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(in.int32(), 0));
  in.tagged_fields();
  // Errors live in the partitions only: INVALID_REQUEST in each entry read (nothing deleted), or
  // a close when nothing could be read.
  const bool bad = !in.ok();
  if (bad && topics.empty()) return close_for(r, in);

  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  w.array_length(topics.size());
  for (const asked_topic& topic : topics) {
    w.string(topic.name);
    w.array_length(topic.partitions.size());
    for (const asked_partition& p : topic.partitions) {
      answer a = bad ? answer{error_code::invalid_request} : delete_one(s, topic.name, p, deadline);
      w.int32(p.index);
      w.int64(a.low_watermark);
      w.int16(value_of(a.error));
      w.tagged_fields();
    }
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
