#include "broker/handlers/delete_records.h"

#include <algorithm>

#include "broker/errc.h"
#include "cairn/protocol/errc.h"

namespace cairn::broker {

delete_records_outcome delete_records(handler_context& ctx, std::string_view topic,
                                      std::int32_t partition, std::int64_t offset,
                                      std::chrono::steady_clock::time_point deadline) {
  auto config = ctx.topics.describe(topic);
  if (!config) return {config.error()};
  // Kafka refuses a log whose cleanup policy lacks delete. Here it also keeps the start from
  // moving under the compaction thread, which would hold up the I/O thread in a cluster.
  if (config.value().cleanup == cleanup_policy::compact) return {errc::records_not_deletable};
  if (ctx.admin != nullptr) {
    const auto bounded =
        std::min(deadline, std::chrono::steady_clock::now() + kDeleteRecordsWaitMax);
    return ctx.admin->delete_records(std::string(topic), partition, offset, bounded);
  }
  auto target = ctx.topics.get(topic, partition);
  if (!target) return {target.error()};
  // A replicated partition moves its start on its leader only, which a cluster finds.
  if (target.value()->replicated()) return {protocol::errc::not_leader};
  // Alone there is no other replica to wait for: the new start is the low watermark.
  auto start = target.value()->delete_records(offset);
  if (!start) return {start.error()};
  return {{}, start.value()};
}

}  // namespace cairn::broker
