// ListGroups (16) request: every group, or (v4+, KIP-518) those in the states named.
#pragma once

#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct list_groups_request {
  std::vector<std::string> states_filter;  // v4+; empty: every state
};

decoded<list_groups_request> decode_list_groups(const request& r);

}  // namespace cairn::broker::kafka
