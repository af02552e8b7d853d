#include "broker/kafka/handlers/join_group.h"

#include <optional>
#include <string>
#include <utility>

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

// The request's body, read in full (nothing of it is used after a suspension).
struct join_read {
  group::join_request join;
  bool ok = false;
  std::string failure;
};

join_read read_join(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  join_read out;
  group::join_request& j = out.join;
  j.group_id = in.string();
  j.session_timeout_ms = in.int32();
  j.rebalance_timeout_ms = v >= 1 ? in.int32() : j.session_timeout_ms;
  j.member_id = in.string();
  if (v >= 5) j.group_instance_id = in.nullable_string();
  j.protocol_type = in.string();
  const std::size_t protocol_min =
      min_string_bytes(in) + min_bytes_bytes(in) + min_tagged_bytes(in);
  std::int32_t n = in.array_length(protocol_min, kProtocolsMax);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    group::protocol p;
    p.name = in.string();
    // Bounded by the frame (the reader checks the length against what remains); the
    // coordinator refuses metadata over its protocol_metadata_bytes_max.
    p.metadata = to_string(in.bytes());
    in.tagged_fields();
    j.protocols.push_back(std::move(p));
  }
  if (v >= 8) in.nullable_string();  // reason: for the broker's log in Kafka; not kept here
  in.tagged_fields();
  j.client_id = r.header.client_id.value_or("");
  j.client_host = r.client_host;
  out.ok = in.ok();
  out.failure = in.failure();
  return out;
}

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

bool decode_join_group(const request& r) {
  return read_join(r).ok;
}

boost::asio::awaitable<response> handle_join_group(services& s, const request& r_in) {
  // The coroutine keeps its own copy: the caller's request need not outlive the first
  // suspension (the body is read in full before it).
  const request r = r_in;
  join_read read = read_join(r);
  if (!read.ok) co_return write_join(r, {}, {error_code::invalid_request, read.failure});
  group::join_response joined = co_await s.groups.join(read.join);
  if (r.version() < 4 && joined.error == group::errc::member_id_required) {
    // A client older than KIP-394 does not know this answer: join again for it with the id the
    // coordinator handed out, which is what its member id would have been in Kafka.
    read.join.member_id = joined.member_id;
    joined = co_await s.groups.join(read.join);
  }
  co_return write_join(r, joined, to_kafka_error(joined.error));
}

}  // namespace cairn::broker::kafka
