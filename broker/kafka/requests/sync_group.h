// SyncGroup (14) request: a member's sync (the leader's with every member's assignment).
#pragma once

#include <optional>
#include <string>

#include "broker/group/group.h"
#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct sync_group_request {
  group::sync_request sync;
  std::optional<std::string> protocol_type;  // v5+
  std::optional<std::string> protocol_name;  // v5+
};

decoded<sync_group_request> decode_sync_group(const request& r);

}  // namespace cairn::broker::kafka
