#include "broker/kafka/api.h"

#include <spdlog/spdlog.h>

namespace cairn::broker::kafka {

writer begin_response(const request& r) {
  bool header_v1 =
      r.flexible && r.header.api_key != static_cast<std::int16_t>(api_key::api_versions);
  return start_response(r.header.correlation_id, r.flexible, header_v1);
}

response finish(writer& w) {
  return response{.frame = finish_response(w)};
}

response close_for(const request& r, std::string_view failure) {
  spdlog::warn("kafka {}: closing the connection: request {} v{} from client {}: {}", r.client_host,
               r.header.api_key, r.header.api_version, r.header.client_id.value_or("(none)"),
               failure);
  return response{.close_connection = true};
}

}  // namespace cairn::broker::kafka
