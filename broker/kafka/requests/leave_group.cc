#include "broker/kafka/requests/leave_group.h"

#include "broker/kafka/requests/array_bounds.h"
#include "broker/kafka/requests/smallest_encoding.h"

namespace cairn::broker::kafka {

decoded<group::leave_request> decode_leave_group(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  group::leave_request leave;
  leave.group_id = in.string();
  if (v <= 2) {
    leave.members.push_back({.member_id = in.string(), .group_instance_id = std::nullopt});
  } else {
    const std::size_t member_min = 2 * min_string_bytes(in) + min_tagged_bytes(in);
    std::int32_t n = in.array_length(member_min, kMembersMax);
    for (std::int32_t i = 0; i < n && in.ok(); ++i) {
      group::leave_member m;
      m.member_id = in.string();
      m.group_instance_id = in.nullable_string();
      if (v >= 5) in.nullable_string();  // reason: for the broker's log in Kafka; not kept
      in.tagged_fields();
      leave.members.push_back(std::move(m));
    }
  }
  in.tagged_fields();
  return decoded_from(std::move(leave), in);
}

}  // namespace cairn::broker::kafka
