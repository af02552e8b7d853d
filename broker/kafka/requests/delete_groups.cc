#include "broker/kafka/requests/delete_groups.h"

#include "broker/kafka/requests/array_bounds.h"
#include "broker/kafka/requests/smallest_encoding.h"

namespace cairn::broker::kafka {

decoded<delete_groups_request> decode_delete_groups(const request& r) {
  reader in = r.body_reader();
  delete_groups_request out;
  std::int32_t n = in.array_length(min_string_bytes(in), kGroupIdsMax);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    std::string id = in.string();
    if (in.ok()) out.group_ids.push_back(std::move(id));
  }
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
