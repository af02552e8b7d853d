// LeaveGroup (13) request: one member (v0-2) or several (v3+, KIP-345) leaving a group.
#pragma once

#include "broker/group/group.h"
#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

// v5's per-member reason is read and dropped.
decoded<group::leave_request> decode_leave_group(const request& r);

}  // namespace cairn::broker::kafka
