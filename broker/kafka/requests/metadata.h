// Metadata (3) request: every topic, or the topics named (by name, or by id from v10).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct metadata_request {
  struct topic {
    std::optional<std::string> name;  // null (v10+): asked by id
    uuid id{};                        // v10+
  };

  bool all_topics = false;  // a null array, or an empty one in v0
  std::vector<topic> topics;
};

// allow_auto_topic_creation and the authorized-operations flags are read and dropped.
decoded<metadata_request> decode_metadata(const request& r);

}  // namespace cairn::broker::kafka
