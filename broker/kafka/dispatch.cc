// The served APIs. To serve a new API or version, add or widen its row here: ApiVersions
// advertises exactly these rows.
#include "broker/kafka/dispatch.h"

#include <algorithm>

#include "broker/kafka/handlers/api_versions.h"

namespace cairn::broker::kafka {
namespace {

using enum api_key;

const api_handler kServed[] = {
    {.key = api_versions,
     .min_version = 0,
     .max_version = 3,
     .flexible_from = 3,
     .where = runs_on::io,
     .blocking = handle_api_versions},
};

}  // namespace

std::span<const api_handler> served_apis() {
  return kServed;
}

const api_handler* find_api(std::int16_t key) {
  auto it = std::find_if(std::begin(kServed), std::end(kServed), [key](const api_handler& h) {
    return static_cast<std::int16_t>(h.key) == key;
  });
  return it == std::end(kServed) ? nullptr : &*it;
}

}  // namespace cairn::broker::kafka
