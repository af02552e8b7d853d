// Fetch (1) request: what to read from which partitions, and how long to wait for it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct fetch_request {
  struct partition {
    std::int32_t index = 0;
    std::int64_t fetch_offset = 0;
    std::int32_t max_bytes = 0;
  };
  struct topic {
    std::string name;  // v13+: empty here; the handler resolves it from `id`
    uuid id{};         // v13+ (KIP-516): fetches name topics by id
    std::vector<partition> partitions;
  };

  std::int32_t max_wait_ms = 0;
  std::int32_t min_bytes = 0;
  std::int32_t max_bytes = 0;
  std::int8_t isolation_level = 0;
  std::vector<topic> topics;
};

// Session fields, forgotten topics (no fetch sessions, KIP-227), leader epochs, a follower's log
// start and the rack id are read and dropped.
decoded<fetch_request> decode_fetch(const request& r);

}  // namespace cairn::broker::kafka
