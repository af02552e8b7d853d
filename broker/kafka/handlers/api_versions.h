// ApiVersions (18): the APIs and versions this broker serves, from the dispatch table.
#pragma once

#include "broker/kafka/api.h"
#include "broker/kafka/services.h"

namespace cairn::broker::kafka {

// Versions 0-3. A request newer than served is answered UNSUPPORTED_VERSION with the v0 body
// that lists what is served (KIP-511), so the client can pick a version and ask again.
response handle_api_versions(services& s, const request& r);

}  // namespace cairn::broker::kafka
