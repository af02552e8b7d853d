#include "broker/kafka/handlers/list_groups.h"

#include <string>
#include <vector>

#include "broker/group/group.h"
#include "broker/handlers/groups.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/list_groups.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
response handle_list_groups(services& s, const request& r) {
  const std::int16_t v = r.version();
  decoded<list_groups_request> decoded = decode_list_groups(r);

  std::vector<group::group_listing> groups;
  std::int16_t error = value_of(error_code::invalid_request);
  if (decoded.ok()) {
    groups = groups_in_states(s.groups.list_groups(), decoded.request.states_filter);
    error = 0;
  }
  writer w = begin_response(r);
  if (v >= 1) w.int32(0);  // throttle_time_ms
  w.int16(error);
  w.array_length(groups.size());
  for (const group::group_listing& g : groups) {
    w.string(g.group_id);
    w.string(g.protocol_type);
    if (v >= 4) w.string(group::to_string(g.state));
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
