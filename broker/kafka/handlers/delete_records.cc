#include "broker/kafka/handlers/delete_records.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "broker/handlers/delete_records.h"
#include "broker/kafka/handlers/partition_answers.h"
#include "broker/kafka/handlers/partition_leader.h"
#include "broker/kafka/requests/delete_records.h"

namespace cairn::broker::kafka {
namespace {

using asked_partition = delete_records_request::partition;

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
  decoded<delete_records_request> decoded = decode_delete_records(r);
  // timeout_ms: how long a cluster's leader waits for its followers' log starts (Kafka's
  // DelayedDeleteRecords), one deadline for the whole request. A request that does not decode
  // deletes nothing.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::max(decoded.request.timeout_ms, 0));
  return answer_per_partition(
      r, decoded.request.topics, decoded.failure, /*with_throttle=*/true,
      [&](writer& w, const std::string& topic, const asked_partition& p, bool refused) {
        answer a =
            refused ? answer{error_code::invalid_request} : delete_one(s, topic, p, deadline);
        w.int32(p.index);
        w.int64(a.low_watermark);
        w.int16(value_of(a.error));
      });
}

}  // namespace cairn::broker::kafka
