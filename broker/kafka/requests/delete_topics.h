// DeleteTopics (20) request: the topics to delete, by name (v0-5) or by name or id (v6+).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct delete_topics_request {
  struct topic {
    std::optional<std::string> name;  // null (v6+): by id
    uuid id{};                        // v6+
  };

  std::vector<topic> topics;
  std::int32_t timeout_ms = 0;
};

decoded<delete_topics_request> decode_delete_topics(const request& r);

}  // namespace cairn::broker::kafka
