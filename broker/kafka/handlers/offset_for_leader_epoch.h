// OffsetForLeaderEpoch (23), v0-4: where a leader epoch ended, so that a consumer whose leader
// changed can tell whether the log it read was truncated (KIP-320). Leader epochs are the Raft
// terms stamped into every batch (partitionLeaderEpoch); a standalone broker is always at epoch 0,
// which covers its whole log.
#pragma once

#include <cstdint>

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"
#include "broker/partition/partition.h"
#include "cairn/base/result.h"

namespace cairn::broker::kafka {

struct epoch_end {
  std::int32_t leader_epoch = -1;  // the largest epoch <= the one asked, -1: undefined
  std::int64_t end_offset = -1;    // the first offset after it, -1: undefined
  bool operator==(const epoch_end&) const = default;
};

// Kafka's LeaderEpochFileCache.endOffsetFor over a log whose batches carry nondecreasing epochs,
// the leader being at `leader_epoch`: the current epoch ends at the high watermark (nothing past
// it is served); an older one where the first batch of a later epoch starts, found by binary
// search over batch headers (O(log n) index lookups); a newer one, or -1, is undefined.
result<epoch_end> end_of_epoch(const partition& p, std::int32_t requested,
                               std::int32_t leader_epoch);

response handle_offset_for_leader_epoch(services& s, const request& r);

}  // namespace cairn::broker::kafka
