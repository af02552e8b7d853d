// FindCoordinator (10) request: the coordinator of one key (v0-3) or several (v4+, KIP-699).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct find_coordinator_request {
  static constexpr std::int8_t kGroupKey = 0;
  static constexpr std::int8_t kTransactionKey = 1;

  std::int8_t key_type = kGroupKey;  // v1+
  // v0-3: exactly one key, even on failure. v4+: on failure, the keys read whole.
  std::vector<std::string> keys;
};

decoded<find_coordinator_request> decode_find_coordinator(const request& r);

}  // namespace cairn::broker::kafka
