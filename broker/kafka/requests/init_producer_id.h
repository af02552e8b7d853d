// InitProducerId (22) request: an idempotent producer asks for its id and epoch (or, v3+, bumps
// the epoch of the one it has).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct init_producer_id_request {
  std::optional<std::string> transactional_id;
  std::int32_t transaction_timeout_ms = 0;
  std::int64_t producer_id = -1;     // v3+
  std::int16_t producer_epoch = -1;  // v3+
};

decoded<init_producer_id_request> decode_init_producer_id(const request& r);

}  // namespace cairn::broker::kafka
