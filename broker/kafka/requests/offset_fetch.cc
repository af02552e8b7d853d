#include "broker/kafka/requests/offset_fetch.h"

#include "broker/kafka/requests/array_bounds.h"
#include "broker/kafka/requests/smallest_encoding.h"

namespace cairn::broker::kafka {
namespace {

// A topics array ({name, partition_indexes []int32}); null (-1) when `nullable` allows it.
std::optional<std::vector<group::topic_partition>> read_topics(reader& in, bool nullable) {
  const std::size_t topic_min = 2 * min_string_bytes(in) + min_tagged_bytes(in);
  std::int32_t topics = nullable ? in.nullable_array_length(topic_min) : in.array_length(topic_min);
  if (topics < 0) return std::nullopt;
  std::vector<group::topic_partition> out;
  for (std::int32_t t = 0; t < topics && in.ok(); ++t) {
    std::string name = in.string();
    std::int32_t partitions = in.array_length(4);
    for (std::int32_t p = 0; p < partitions && in.ok(); ++p) {
      std::int32_t index = in.int32();
      if (in.ok()) out.push_back({name, index});
    }
    in.tagged_fields();
  }
  return out;
}

}  // namespace

decoded<offset_fetch_request> decode_offset_fetch(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  offset_fetch_request out;
  if (v <= 7) {
    offset_fetch_request::group_query q;
    q.group_id = in.string();
    q.partitions = read_topics(in, v >= 2);
    out.groups.push_back(std::move(q));
  } else {
    const std::size_t group_min = 2 * min_string_bytes(in) + min_tagged_bytes(in);
    std::int32_t n = in.array_length(group_min, kGroupIdsMax);
    for (std::int32_t i = 0; i < n && in.ok(); ++i) {
      offset_fetch_request::group_query q;
      q.group_id = in.string();
      q.partitions = read_topics(in, true);
      in.tagged_fields();
      if (in.ok()) out.groups.push_back(std::move(q));
    }
  }
  if (v >= 7) in.boolean();  // require_stable
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
