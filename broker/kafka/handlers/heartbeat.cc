#include "broker/kafka/handlers/heartbeat.h"

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/heartbeat.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {

response handle_heartbeat(services& s, const request& r) {
  const std::int16_t v = r.version();
  decoded<group::heartbeat_request> beat = decode_heartbeat(r);
  const std::int16_t error = beat.ok() ? error_value(s.groups.heartbeat(beat.request))
                                       : value_of(error_code::invalid_request);
  writer w = begin_response(r);
  if (v >= 1) w.int32(0);  // throttle_time_ms
  w.int16(error);
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
