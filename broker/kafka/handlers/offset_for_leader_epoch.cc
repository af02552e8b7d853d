#include "broker/kafka/handlers/offset_for_leader_epoch.h"

#include <string>
#include <vector>

#include "broker/kafka/handlers/partition_answers.h"
#include "broker/kafka/handlers/partition_leader.h"
#include "broker/kafka/requests/offset_for_leader_epoch.h"

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

using asked_partition = offset_for_leader_epoch_request::partition;

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
  decoded<offset_for_leader_epoch_request> decoded = decode_offset_for_leader_epoch(r);
  return answer_per_partition(
      r, decoded.request.topics, decoded.failure, v >= 2,
      [&](writer& w, const std::string& topic, const asked_partition& p, bool refused) {
        answer a = refused ? answer{error_code::invalid_request, {}} : answer_one(s, topic, p);
        w.int16(value_of(a.error));
        w.int32(p.index);
        if (v >= 1) w.int32(a.end.leader_epoch);
        w.int64(a.end.end_offset);
      });
}

}  // namespace cairn::broker::kafka
