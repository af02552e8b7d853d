#include "broker/kafka/handlers/sync_group.h"

#include <optional>
#include <string>
#include <utility>

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

struct sync_read {
  group::sync_request sync;
  std::optional<std::string> protocol_type;  // v5+
  std::optional<std::string> protocol_name;  // v5+
  bool ok = false;
  std::string failure;
};

sync_read read_sync(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  sync_read out;
  group::sync_request& s = out.sync;
  s.group_id = in.string();
  s.generation = group::generation_id{in.int32()};
  s.member_id = in.string();
  if (v >= 3) s.group_instance_id = in.nullable_string();
  if (v >= 5) {
    out.protocol_type = in.nullable_string();
    out.protocol_name = in.nullable_string();
  }
  const std::size_t assignment_min =
      min_string_bytes(in) + min_bytes_bytes(in) + min_tagged_bytes(in);
  std::int32_t n = in.array_length(assignment_min, kMembersMax);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    group::member_assignment a;
    a.member_id = in.string();
    a.assignment = to_string(in.bytes());
    in.tagged_fields();
    s.assignments.push_back(std::move(a));
  }
  in.tagged_fields();
  out.ok = in.ok();
  out.failure = in.failure();
  return out;
}

response write_sync(const request& r, const sync_read& asked, const group::sync_response& synced,
                    kafka_error error) {
  const std::int16_t v = r.version();
  writer w = begin_response(r);
  if (v >= 1) w.int32(0);  // throttle_time_ms
  w.int16(value_of(error.code));
  if (v >= 5) {
    const bool ok = error.code == error_code::none;
    w.nullable_string(ok ? asked.protocol_type : std::nullopt);
    w.nullable_string(ok ? asked.protocol_name : std::nullopt);
  }
  w.bytes(as_bytes(synced.assignment));
  w.tagged_fields();
  return finish(w);
}

}  // namespace

bool decode_sync_group(const request& r) {
  return read_sync(r).ok;
}

boost::asio::awaitable<response> handle_sync_group(services& s, const request& r_in) {
  const request r = r_in;
  sync_read read = read_sync(r);
  if (!read.ok) co_return write_sync(r, read, {}, {error_code::invalid_request, read.failure});
  group::sync_response synced = co_await s.groups.sync(read.sync);
  co_return write_sync(r, read, synced, to_kafka_error(synced.error));
}

}  // namespace cairn::broker::kafka
