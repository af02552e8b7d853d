#include "broker/kafka/requests/find_coordinator.h"

#include "broker/kafka/requests/array_bounds.h"
#include "broker/kafka/requests/smallest_encoding.h"

namespace cairn::broker::kafka {

decoded<find_coordinator_request> decode_find_coordinator(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  find_coordinator_request out;
  if (v <= 3) {
    out.keys.push_back(in.string());
    if (v >= 1) out.key_type = in.int8();
  } else {
    out.key_type = in.int8();
    std::int32_t n = in.array_length(min_string_bytes(in), kCoordinatorKeysMax);
    for (std::int32_t i = 0; i < n && in.ok(); ++i) {
      std::string key = in.string();
      if (in.ok()) out.keys.push_back(std::move(key));
    }
  }
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
