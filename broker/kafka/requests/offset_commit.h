// OffsetCommit (8) request: a member's (or a standalone consumer's) offsets to commit.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "broker/group/group.h"
#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct offset_commit_request {
  // Entries [first, first + count) of the commit belong to topic `name`, in request order.
  struct topic_span {
    std::string name;
    std::size_t first = 0;
    std::size_t count = 0;
  };

  group::commit_request commit;  // on failure, the entries read whole
  std::vector<topic_span> topics;
};

// v1's commit timestamp, v2-4's retention time and v6+'s committed leader epoch are read and
// dropped (offsets are kept until their group is deleted; Kafka only echoes the epoch back).
decoded<offset_commit_request> decode_offset_commit(const request& r);

}  // namespace cairn::broker::kafka
