#include "broker/kafka/handlers/list_groups.h"

#include <string>
#include <vector>

#include "broker/group/group.h"
#include "broker/handlers/groups.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

// Kafka has five group states: a filter longer than that is not a real client's.
constexpr std::int32_t kStatesMax = 16;

}  // namespace

response handle_list_groups(services& s, const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  std::vector<std::string> states;
  if (v >= 4) {
    std::int32_t n = in.array_length(min_string_bytes(in), kStatesMax);
    for (std::int32_t i = 0; i < n && in.ok(); ++i)
      states.push_back(in.string());
  }
  in.tagged_fields();

  std::vector<group::group_listing> groups;
  std::int16_t error = value_of(error_code::invalid_request);
  if (in.ok()) {
    groups = groups_in_states(s.groups.list_groups(), states);
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
