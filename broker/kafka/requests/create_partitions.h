// CreatePartitions (37) request: the topics to grow, each to a new partition count, with the new
// partitions' brokers or none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct create_partitions_request {
  struct topic {
    std::string name;
    std::int32_t count = 0;
    std::vector<std::vector<std::int32_t>> assignment;  // the new partitions' brokers, or none
  };

  std::vector<topic> topics;
  std::int32_t timeout_ms = 0;
  bool validate_only = false;
};

decoded<create_partitions_request> decode_create_partitions(const request& r);

}  // namespace cairn::broker::kafka
