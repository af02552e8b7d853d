// DeleteGroups (42) request: the groups to delete.
#pragma once

#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct delete_groups_request {
  std::vector<std::string> group_ids;  // on failure, those read whole
};

decoded<delete_groups_request> decode_delete_groups(const request& r);

}  // namespace cairn::broker::kafka
