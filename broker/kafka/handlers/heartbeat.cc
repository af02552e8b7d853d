#include "broker/kafka/handlers/heartbeat.h"

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {

response handle_heartbeat(services& s, const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  group::heartbeat_request beat;
  beat.group_id = in.string();
  beat.generation = group::generation_id{in.int32()};
  beat.member_id = in.string();
  if (v >= 3) beat.group_instance_id = in.nullable_string();
  in.tagged_fields();

  const std::int16_t error =
      in.ok() ? error_value(s.groups.heartbeat(beat)) : value_of(error_code::invalid_request);
  writer w = begin_response(r);
  if (v >= 1) w.int32(0);  // throttle_time_ms
  w.int16(error);
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
