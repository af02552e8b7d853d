#include "broker/kafka/requests/api_versions.h"

#include "broker/kafka/served_apis.h"

namespace cairn::broker::kafka {

decoded<api_versions_request> decode_api_versions(const request& r) {
  const served_api* self = find_api(static_cast<std::int16_t>(api_key::api_versions));
  reader in = r.body_reader();
  api_versions_request out;
  if (!self->serves(r.version())) {
    out.version_unsupported = true;
    return decoded_from(std::move(out), in);
  }
  if (r.version() >= 3) {
    out.client_software_name = in.string();
    out.client_software_version = in.string();
    in.tagged_fields();
  }
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
