#include "broker/cluster/partition_replicator.h"

#include "eventstore/record/batch_header.h"
#include "protocol/wire_errc.h"

namespace cairn::broker::cluster {

result<eventstore::append_result> partition_replicator::replicate(std::span<char> batch,
                                                                  std::int64_t record_count) {
  replication::replica* r = replicas_.find(group_);
  if (r == nullptr || !r->is_leader()) return protocol::errc::not_leader;
  // The partition parsed the batch before calling: the header is there and valid.
  const auto header = eventstore::batch_header::read(batch.data());
  auto proposed = r->propose(std::string(batch.data(), batch.size()), record_count);
  if (!proposed) {
    // not_leader, or transfer_in_progress: either way the client must find the new leader.
    return protocol::errc::not_leader;
  }
  return eventstore::append_result{.base_offset = proposed.value().base_offset.value(),
                                   .last_offset = proposed.value().last_offset.value(),
                                   .max_timestamp_ms = header.max_timestamp};
}

}  // namespace cairn::broker::cluster
