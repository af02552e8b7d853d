#include "broker/kafka/requests/create_partitions.h"

namespace cairn::broker::kafka {

decoded<create_partitions_request> decode_create_partitions(const request& r) {
  reader in = r.body_reader();
  create_partitions_request out;
  // Smallest topic: name (1-2), count (4), null assignment (1-4), tags.
  const std::int32_t n = in.array_length(in.flexible() ? 7 : 10);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    create_partitions_request::topic g;
    g.name = in.string();
    g.count = in.int32();
    const std::int32_t assignments = in.nullable_array_length(in.flexible() ? 2 : 4);
    for (std::int32_t a = 0; a < assignments && in.ok(); ++a) {
      std::vector<std::int32_t> brokers;
      const std::int32_t b = in.array_length(4);
      for (std::int32_t k = 0; k < b && in.ok(); ++k)
        brokers.push_back(in.int32());
      in.tagged_fields();
      g.assignment.push_back(std::move(brokers));
    }
    in.tagged_fields();
    out.topics.push_back(std::move(g));
  }
  out.timeout_ms = in.int32();
  out.validate_only = in.boolean();
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
