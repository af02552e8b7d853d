#include "broker/kafka/handlers/join_group.h"

#include <optional>
#include <string>
#include <utility>

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/join_group.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

response write_join(const request& r, const group::join_response& joined, kafka_error error) {
  const std::int16_t v = r.version();
  writer w = begin_response(r);
  if (v >= 2) w.int32(0);  // throttle_time_ms
  w.int16(value_of(error.code));
  w.int32(joined.generation.value());
  if (v >= 7) {
    w.nullable_string(null_if_empty(joined.protocol_type));
    w.nullable_string(null_if_empty(joined.protocol_name));
  } else {
    w.string(joined.protocol_name);
  }
  w.string(joined.leader_id);
  if (v >= 9) w.boolean(joined.skip_assignment);
  w.string(joined.member_id);
  w.array_length(joined.members.size());
  for (const group::join_member& m : joined.members) {
    w.string(m.member_id);
    if (v >= 5) w.nullable_string(m.group_instance_id);
    w.bytes(as_bytes(m.metadata));
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace

boost::asio::awaitable<response> handle_join_group(services& s, const request& r_in) {
  // The coroutine keeps its own copy: the caller's request need not outlive the first
  // suspension (the body is read in full before it).
  const request r = r_in;
  decoded<group::join_request> read = decode_join_group(r);
  if (!read.ok()) co_return write_join(r, {}, {error_code::invalid_request, read.failure});
  group::join_response joined = co_await s.groups.join(read.request);
  if (r.version() < 4 && joined.error == group::errc::member_id_required) {
    // A client older than KIP-394 does not know this answer: join again for it with the id the
    // coordinator handed out, which is what its member id would have been in Kafka.
    read.request.member_id = joined.member_id;
    joined = co_await s.groups.join(read.request);
  }
  co_return write_join(r, joined, to_kafka_error(joined.error));
}

}  // namespace cairn::broker::kafka
