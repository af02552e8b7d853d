// DeleteRecords (21) request: for each partition, the offset its log start moves up to (-1: the
// high watermark).
#pragma once

#include <cstdint>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"
#include "broker/kafka/requests/topic_partitions.h"

namespace cairn::broker::kafka {

struct delete_records_request {
  struct partition {
    std::int32_t index = 0;
    std::int64_t offset = 0;
  };

  // On failure, the entries read whole (topic_partitions.h).
  std::vector<topic_partitions<partition>> topics;
  std::int32_t timeout_ms = 0;
};

decoded<delete_records_request> decode_delete_records(const request& r);

}  // namespace cairn::broker::kafka
