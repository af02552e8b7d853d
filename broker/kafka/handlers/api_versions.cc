#include "broker/kafka/handlers/api_versions.h"

#include "broker/kafka/requests/api_versions.h"
#include "broker/kafka/served_apis.h"

namespace cairn::broker::kafka {

response handle_api_versions(services&, const request& r) {
  decoded<api_versions_request> decoded = decode_api_versions(r);
  request answered = r;
  error_code error = error_code::none;
  if (decoded.request.version_unsupported) {
    // The client's body is in a version we cannot read: answer in v0, which every client reads.
    error = error_code::unsupported_version;
    answered.header.api_version = 0;
    answered.flexible = false;
  } else if (!decoded.ok()) {
    // v3 carries the client's software name and version; nothing here depends on them, but a
    // body that does not decode is still refused.
    error = error_code::invalid_request;
  }
  writer w = begin_response(answered);
  w.int16(value_of(error));
  auto apis = served_apis();
  w.array_length(apis.size());
  for (const served_api& api : apis) {
    w.int16(static_cast<std::int16_t>(api.key));
    w.int16(api.min_version);
    w.int16(api.max_version);
    w.tagged_fields();
  }
  if (answered.version() >= 1) w.int32(0);  // throttle_time_ms
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
