#include "broker/kafka/handlers/describe_groups.h"

#include <string>
#include <vector>

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/describe_groups.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

// Kafka's AclOperation codes of what may be done to a group (READ 3, DELETE 6, DESCRIBE 8) as
// the authorized_operations bit set; INT32_MIN when the client did not ask.
constexpr std::int32_t kGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);
constexpr std::int32_t kOperationsNotAsked = INT32_MIN;

void write_group(writer& w, std::int16_t v, const std::string& id,
                 const result<group::group_description>& described, std::int16_t error,
                 std::int32_t operations) {
  if (error == 0 && !described) error = error_value(described.error());
  const bool ok = error == 0;
  w.int16(error);
  w.string(id);
  w.string(ok ? group::to_string(described.value().state) : "");
  w.string(ok ? described.value().protocol_type : "");
  w.string(ok ? described.value().protocol_name : "");  // protocol_data: the chosen protocol
  if (!ok) {
    w.array_length(0);
  } else {
    const auto& members = described.value().members;
    w.array_length(members.size());
    for (const group::member_description& m : members) {
      w.string(m.member_id);
      if (v >= 4) w.nullable_string(m.group_instance_id);
      w.string(m.client_id);
      w.string(m.client_host);
      w.bytes(as_bytes(m.metadata));
      w.bytes(as_bytes(m.assignment));
      w.tagged_fields();
    }
  }
  if (v >= 3) w.int32(operations);
  w.tagged_fields();
}

}  // namespace

response handle_describe_groups(services& s, const request& r) {
  const std::int16_t v = r.version();
  decoded<describe_groups_request> decoded = decode_describe_groups(r);
  const std::vector<std::string>& ids = decoded.request.group_ids;
  const bool operations_asked = decoded.request.include_authorized_operations;
  // No top-level error: each group read answers INVALID_REQUEST; with none read, close.
  if (!decoded.ok() && ids.empty()) return close_for(r, decoded.failure);
  const std::int16_t error = decoded.ok() ? 0 : value_of(error_code::invalid_request);

  writer w = begin_response(r);
  if (v >= 1) w.int32(0);  // throttle_time_ms
  w.array_length(ids.size());
  for (const std::string& id : ids) {
    result<group::group_description> described =
        error == 0 ? s.groups.describe(id)
                   : result<group::group_description>(group::group_description{});
    write_group(w, v, id, described, error,
                operations_asked ? kGroupOperations : kOperationsNotAsked);
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
