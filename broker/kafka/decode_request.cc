#include "broker/kafka/decode_request.h"

#include "broker/kafka/api.h"
#include "broker/kafka/dispatch.h"
#include "broker/kafka/handlers/fetch.h"
#include "broker/kafka/handlers/join_group.h"
#include "broker/kafka/handlers/metadata.h"
#include "broker/kafka/handlers/produce.h"
#include "broker/kafka/handlers/sync_group.h"

namespace cairn::broker::kafka {

decode_outcome decode_request(std::span<const std::byte> frame) {
  auto prefix = read_header_prefix(frame);
  if (!prefix) return decode_outcome::short_header;
  const api_handler* api = find_api(prefix->api_key);
  if (api == nullptr) return decode_outcome::unserved;
  const bool is_api_versions = api->key == api_key::api_versions;
  const std::int16_t version = prefix->api_version;
  if ((version < api->min_version || version > api->max_version) && !is_api_versions) {
    return decode_outcome::unserved;
  }
  // As the connection loop decides it (server.cc): an ApiVersions newer than served still has
  // a flexible header (KIP-511).
  const bool flexible = api->flexible(version) || (is_api_versions && version > 3);
  request r{.header = *prefix, .flexible = flexible};
  auto body_at = read_header_rest(frame, flexible, r.header);
  if (!body_at) return decode_outcome::bad_header;
  r.body = frame.subspan(*body_at);
  auto body = [](bool ok) { return ok ? decode_outcome::decoded : decode_outcome::refused; };
  switch (api->key) {
    case api_key::produce:
      return body(decode_produce(r));
    case api_key::fetch:
      return body(decode_fetch(r));
    case api_key::metadata:
      return body(decode_metadata(r));
    case api_key::join_group:
      return body(decode_join_group(r));
    case api_key::sync_group:
      return body(decode_sync_group(r));
    default:
      return decode_outcome::header_only;
  }
}

}  // namespace cairn::broker::kafka
