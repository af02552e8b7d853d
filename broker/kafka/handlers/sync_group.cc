#include "broker/kafka/handlers/sync_group.h"

#include <optional>
#include <string>
#include <utility>

#include "broker/group/group.h"
#include "broker/kafka/handlers/group_common.h"
#include "broker/kafka/requests/sync_group.h"
#include "broker/net/group_coordinator.h"

namespace cairn::broker::kafka {
namespace {

response write_sync(const request& r, const sync_group_request& asked,
                    const group::sync_response& synced, kafka_error error) {
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

boost::asio::awaitable<response> handle_sync_group(services& s, const request& r_in) {
  const request r = r_in;
  decoded<sync_group_request> read = decode_sync_group(r);
  if (!read.ok()) {
    co_return write_sync(r, read.request, {}, {error_code::invalid_request, read.failure});
  }
  group::sync_response synced = co_await s.groups.sync(read.request.sync);
  co_return write_sync(r, read.request, synced, to_kafka_error(synced.error));
}

}  // namespace cairn::broker::kafka
