// The Kafka APIs this broker serves and the versions of each: the one table that the connection
// loop checks requests against, ApiVersions answers from, and the decoders (requests/) and their
// fuzz targets are enumerated by. Which handler answers an API is dispatch.h's, so this table and
// what reads it need nothing of the broker.
#pragma once

#include <cstdint>
#include <span>

#include "broker/kafka/api_key.h"

namespace cairn::broker::kafka {

struct served_api {
  api_key key;
  std::int16_t min_version = 0;
  std::int16_t max_version = 0;
  std::int16_t flexible_from = -1;  // first flexible version; -1 when none is served

  bool serves(std::int16_t version) const {
    return version >= min_version && version <= max_version;
  }
  bool flexible(std::int16_t version) const {
    return flexible_from >= 0 && version >= flexible_from;
  }
};

// Every served API, in key order.
std::span<const served_api> served_apis();
// The entry for `key`, or null when this broker does not serve that API.
const served_api* find_api(std::int16_t key);

// Whether a request of `api` at `version` has the flexible encoding (header v2, KIP-482 body).
// As the table says, except that an ApiVersions newer than served is still read with a flexible
// header (KIP-511), so its correlation id can be answered.
bool request_is_flexible(const served_api& api, std::int16_t version);

}  // namespace cairn::broker::kafka
