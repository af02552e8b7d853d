#include "broker/kafka/requests/list_groups.h"

#include "broker/kafka/requests/smallest_encoding.h"

namespace cairn::broker::kafka {
namespace {

// Kafka has five group states: a filter longer than that is not a real client's.
constexpr std::int32_t kStatesMax = 16;

}  // namespace

decoded<list_groups_request> decode_list_groups(const request& r) {
  reader in = r.body_reader();
  list_groups_request out;
  if (r.version() >= 4) {
    std::int32_t n = in.array_length(min_string_bytes(in), kStatesMax);
    for (std::int32_t i = 0; i < n && in.ok(); ++i)
      out.states_filter.push_back(in.string());
  }
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
