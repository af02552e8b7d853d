// CreateTopics (19) request: the topics to create, each with its partition count and replication
// factor or its replica assignment, and its configs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct create_topics_request {
  struct topic {
    std::string name;
    std::int32_t partitions = -1;          // -1: the broker's default
    std::int16_t replication_factor = -1;  // -1: the broker's default
    // Partition index and its brokers, as sent (possibly out of order, or with gaps).
    std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>> assignment;
    std::vector<std::pair<std::string, std::optional<std::string>>> configs;
  };

  std::vector<topic> topics;
  std::int32_t timeout_ms = 0;
  bool validate_only = false;  // v1+
};

decoded<create_topics_request> decode_create_topics(const request& r);

}  // namespace cairn::broker::kafka
