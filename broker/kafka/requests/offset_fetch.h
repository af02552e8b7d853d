// OffsetFetch (9) request: one group's committed offsets (v0-7), or several groups' (v8+).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "broker/group/group.h"
#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct offset_fetch_request {
  struct group_query {
    std::string group_id;
    // nullopt (a null topics array, v2+): every committed partition.
    std::optional<std::vector<group::topic_partition>> partitions;
  };

  // v0-7: exactly one, even on failure. v8+: on failure, the groups read whole.
  std::vector<group_query> groups;
};

// v7's require_stable is read and dropped (no transactions: every offset is stable).
decoded<offset_fetch_request> decode_offset_fetch(const request& r);

}  // namespace cairn::broker::kafka
