#include "broker/kafka/handlers/create_partitions.h"

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/handlers/topic_admin_codec.h"
#include "broker/kafka/requests/create_partitions.h"

namespace cairn::broker::kafka {
response handle_create_partitions(services& s, const request& r) {
  decoded<create_partitions_request> decoded = decode_create_partitions(r);
  if (!decoded.ok()) return close_for(r, decoded.failure);
  std::vector<create_partitions_request::topic>& topics = decoded.request.topics;
  const std::int32_t timeout_ms = decoded.request.timeout_ms;
  const bool validate_only = decoded.request.validate_only;

  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  w.array_length(topics.size());
  for (create_partitions_request::topic& g : topics) {
    kafka_error e =
        to_kafka_error(create_partitions(s.core, g.name, g.count, std::move(g.assignment),
                                         validate_only, admin_timeout(timeout_ms)));
    w.string(g.name);
    w.int16(value_of(e.code));
    w.nullable_string(e.code == error_code::none ? std::nullopt
                                                 : std::optional<std::string_view>(e.message));
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
