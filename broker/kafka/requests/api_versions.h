// ApiVersions (18) request: the client's software name and version (v3+).
#pragma once

#include <string>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"

namespace cairn::broker::kafka {

struct api_versions_request {
  // A version outside the served range: its body is in an encoding this broker cannot read, so
  // it is not read; the handler answers UNSUPPORTED_VERSION in v0 (KIP-511).
  bool version_unsupported = false;
  std::string client_software_name;     // v3+
  std::string client_software_version;  // v3+
};

decoded<api_versions_request> decode_api_versions(const request& r);

}  // namespace cairn::broker::kafka
