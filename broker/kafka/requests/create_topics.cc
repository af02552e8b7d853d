#include "broker/kafka/requests/create_topics.h"

namespace cairn::broker::kafka {

decoded<create_topics_request> decode_create_topics(const request& r) {
  reader in = r.body_reader();
  create_topics_request out;
  // Smallest topic: name (1-2 bytes), int32, int16, two empty arrays (1-4 bytes each), tags.
  const std::int32_t topics = in.array_length(in.flexible() ? 10 : 16);
  for (std::int32_t i = 0; i < topics && in.ok(); ++i) {
    create_topics_request::topic t;
    t.name = in.string();
    t.partitions = in.int32();
    t.replication_factor = in.int16();
    const std::int32_t assignments = in.array_length(in.flexible() ? 6 : 8);
    for (std::int32_t a = 0; a < assignments && in.ok(); ++a) {
      std::int32_t index = in.int32();
      std::vector<std::int32_t> brokers;
      const std::int32_t n = in.array_length(4);
      for (std::int32_t b = 0; b < n && in.ok(); ++b)
        brokers.push_back(in.int32());
      in.tagged_fields();
      t.assignment.emplace_back(index, std::move(brokers));
    }
    const std::int32_t configs = in.array_length(in.flexible() ? 3 : 4);
    for (std::int32_t c = 0; c < configs && in.ok(); ++c) {
      std::string name = in.string();
      std::optional<std::string> value = in.nullable_string();
      in.tagged_fields();
      t.configs.emplace_back(std::move(name), std::move(value));
    }
    in.tagged_fields();
    out.topics.push_back(std::move(t));
  }
  out.timeout_ms = in.int32();
  out.validate_only = r.version() >= 1 ? in.boolean() : false;
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
