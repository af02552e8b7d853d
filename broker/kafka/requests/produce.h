// Produce (0) request: each partition's records, as views into the request's frame.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct produce_request {
  struct partition {
    std::int32_t index = 0;
    // The batch bytes in the connection's copy of the frame, writable: the broker stamps each
    // batch's base offset in place, as the native path does (no one else reads that copy).
    std::span<char> records;
  };
  struct topic {
    std::string name;
    std::vector<partition> partitions;
  };

  std::optional<std::string> transactional_id;  // v3+
  std::int16_t acks = -1;
  std::int32_t timeout_ms = 0;
  std::vector<topic> topics;
};

decoded<produce_request> decode_produce(const request& r);

}  // namespace cairn::broker::kafka
