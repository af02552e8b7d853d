#include "broker/kafka/handlers/offset_for_leader_epoch.h"

#include <string>
#include <vector>

#include "broker/kafka/handlers/partition_leader.h"

namespace cairn::broker::kafka {

result<epoch_end> end_of_epoch(const partition& p, std::int32_t requested,
                               std::int32_t leader_epoch) {
  if (requested < 0 || requested > leader_epoch) return epoch_end{};
  const std::int64_t hw = p.high_watermark();
  if (requested == leader_epoch) return epoch_end{requested, hw};
  const std::int64_t start = p.log_start_offset();
  // The epoch of the batch holding `offset`; batches after a compaction gap count for the gap.
  auto epoch_at = [&](std::int64_t offset) -> result<std::optional<eventstore::batch_header>> {
    return p.log().header_at(offset);
  };
  // The first offset in [start, hw) whose batch has an epoch above `requested`: epochs never go
  // down along the log, so the predicate is monotone and a binary search finds it.
  std::int64_t lo = start;
  std::int64_t hi = hw;
  std::int64_t first_later = hw;
  while (lo < hi) {
    std::int64_t mid = lo + (hi - lo) / 2;
    CAIRN_TRY(auto h, epoch_at(mid));
    if (!h || h->partition_leader_epoch > requested) {
      first_later = h ? std::max(h->base_offset, start) : mid;
      hi = mid;
    } else {
      lo = h->last_offset() + 1;  // the whole batch is at or below `requested`
    }
  }
  // Kafka answers the floor epoch (the last one <= requested actually in the log), or the epoch
  // asked when the log holds none that old (retention removed them).
  epoch_end out{requested, first_later};
  if (first_later > start) {
    CAIRN_TRY(auto before, epoch_at(first_later - 1));
    if (before && before->partition_leader_epoch >= 0) {
      out.leader_epoch = before->partition_leader_epoch;
    }
  }
  return out;
}

namespace {

struct asked_partition {
  std::int32_t index = 0;
  std::int32_t current_leader_epoch = -1;
  std::int32_t leader_epoch = -1;
};
struct asked_topic {
  std::string name;
  std::vector<asked_partition> partitions;
};

struct answer {
  error_code error = error_code::none;
  epoch_end end;
};

answer answer_one(services& s, const std::string& topic, const asked_partition& p) {
  leader_check leader = check_leader(s, topic, p.index, p.current_leader_epoch);
  if (leader.error != error_code::none) return {leader.error, {}};
  auto target = s.core.topics.get(topic, p.index);
  if (!target) return {to_kafka_error(target.error()).code, {}};
  auto end = end_of_epoch(*target.value(), p.leader_epoch, leader.leader_epoch);
  if (!end) return {to_kafka_error(end.error()).code, {}};
  return {error_code::none, end.value()};
}

}  // namespace

response handle_offset_for_leader_epoch(services& s, const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  // replica_id (v3+): -1 for consumers; followers here replicate by Raft, never by this API.
  if (v >= 3) in.int32();
  const std::size_t string_min = in.flexible() ? 1 : 2;
  const std::size_t tagged_min = in.flexible() ? 1 : 0;
  std::vector<asked_topic> topics;
  std::int32_t total = 0;
  std::int32_t topic_count = in.array_length(2 * string_min + tagged_min, kRequestPartitionsMax);
  for (std::int32_t t = 0; t < topic_count && in.ok(); ++t) {
    asked_topic topic{.name = in.string(), .partitions = {}};
    const std::size_t partition_min = 4 + (v >= 2 ? 4 : 0) + 4 + tagged_min;
    std::int32_t count = in.array_length(partition_min, kRequestPartitionsMax - total);
    total += std::max(count, 0);
    for (std::int32_t i = 0; i < count && in.ok(); ++i) {
      asked_partition p;
      p.index = in.int32();
      if (v >= 2) p.current_leader_epoch = in.int32();
      p.leader_epoch = in.int32();
      in.tagged_fields();
      if (in.ok()) topic.partitions.push_back(p);
    }
    in.tagged_fields();
    if (in.ok() || !topic.partitions.empty()) topics.push_back(std::move(topic));
  }
  in.tagged_fields();
  // Errors live in the partitions only: INVALID_REQUEST in each entry read, or a close.
  const bool bad = !in.ok();
  if (bad && topics.empty()) return close_for(r, in);

  writer w = begin_response(r);
  if (v >= 2) w.int32(0);  // throttle_time_ms
  w.array_length(topics.size());
  for (const asked_topic& topic : topics) {
    w.string(topic.name);
    w.array_length(topic.partitions.size());
    for (const asked_partition& p : topic.partitions) {
      answer a = bad ? answer{error_code::invalid_request, {}} : answer_one(s, topic.name, p);
      w.int16(value_of(a.error));
      w.int32(p.index);
      if (v >= 1) w.int32(a.end.leader_epoch);
      w.int64(a.end.end_offset);
      w.tagged_fields();
    }
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
