#include "broker/kafka/requests/heartbeat.h"

namespace cairn::broker::kafka {

decoded<group::heartbeat_request> decode_heartbeat(const request& r) {
  reader in = r.body_reader();
  group::heartbeat_request beat;
  beat.group_id = in.string();
  beat.generation = group::generation_id{in.int32()};
  beat.member_id = in.string();
  if (r.version() >= 3) beat.group_instance_id = in.nullable_string();
  in.tagged_fields();
  return decoded_from(std::move(beat), in);
}

}  // namespace cairn::broker::kafka
