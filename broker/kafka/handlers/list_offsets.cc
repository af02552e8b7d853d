#include "broker/kafka/handlers/list_offsets.h"

#include <string>
#include <vector>

#include "broker/handlers/list_offsets.h"
#include "broker/kafka/handlers/partition_answers.h"
#include "broker/kafka/handlers/partition_leader.h"
#include "broker/kafka/requests/list_offsets.h"

namespace cairn::broker::kafka {
namespace {

using asked_partition = list_offsets_request::partition;

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
  decoded<list_offsets_request> decoded = decode_list_offsets(r);
  return answer_per_partition(
      r, decoded.request.topics, decoded.failure, v >= 2,
      [&](writer& w, const std::string& topic, const asked_partition& p, bool refused) {
        answer a =
            refused ? answer{.error = error_code::invalid_request} : list_one(s, topic, p, v);
        w.int32(p.index);
        w.int16(value_of(a.error));
        w.int64(a.timestamp);
        w.int64(a.offset);
        if (v >= 4) w.int32(a.leader_epoch);
      });
}

}  // namespace cairn::broker::kafka
