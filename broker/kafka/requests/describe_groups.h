// DescribeGroups (15) request: the groups to describe.
#pragma once

#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct describe_groups_request {
  std::vector<std::string> group_ids;          // on failure, those read whole
  bool include_authorized_operations = false;  // v3+
};

decoded<describe_groups_request> decode_describe_groups(const request& r);

}  // namespace cairn::broker::kafka
