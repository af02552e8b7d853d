#include "broker/kafka/handlers/leave_group.h"

#include <utility>

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/leave_group.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

response write_leave(const request& r, const group::leave_request& asked,
                     const group::leave_response& left, std::int16_t error) {
  const std::int16_t v = r.version();
  writer w = begin_response(r);
  if (v >= 1) w.int32(0);  // throttle_time_ms
  if (v <= 2) {
    // One member and one error field: the member's own error is the request's.
    if (error == 0 && !left.member_errors.empty()) error = error_value(left.member_errors.front());
    w.int16(error);
  } else {
    w.int16(error);
    // Every member asked about, with its outcome (none when the whole request failed).
    const std::size_t n = error == 0 ? asked.members.size() : 0;
    w.array_length(n);
    for (std::size_t i = 0; i < n; ++i) {
      w.string(asked.members[i].member_id);
      w.nullable_string(asked.members[i].group_instance_id);
      w.int16(i < left.member_errors.size() ? error_value(left.member_errors[i]) : 0);
      w.tagged_fields();
    }
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace

boost::asio::awaitable<response> handle_leave_group(services& s, const request& r_in) {
  // Its own copy of the request: the caller's need not outlive the first suspension.
  const request r = r_in;
  decoded<group::leave_request> leave = decode_leave_group(r);
  if (!leave.ok()) {
    co_return write_leave(r, leave.request, {}, value_of(error_code::invalid_request));
  }
  group::leave_response left = co_await s.groups.leave(leave.request);
  co_return write_leave(r, leave.request, left, error_value(left.error));
}

}  // namespace cairn::broker::kafka
