#include "broker/kafka/handlers/create_partitions.h"

#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/handlers/topic_admin_codec.h"

namespace cairn::broker::kafka {
namespace {

struct growth {
  std::string name;
  std::int32_t count = 0;
  std::vector<std::vector<std::int32_t>> assignment;  // the new partitions' brokers, or none
};

}  // namespace

response handle_create_partitions(services& s, const request& r) {
  reader in = r.body_reader();
  std::vector<growth> topics;
  // Smallest topic: name (1-2), count (4), null assignment (1-4), tags.
  const std::int32_t n = in.array_length(in.flexible() ? 7 : 10);
  for (std::int32_t i = 0; i < n && in.ok(); ++i) {
    growth g;
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
    topics.push_back(std::move(g));
  }
  const std::int32_t timeout_ms = in.int32();
  const bool validate_only = in.boolean();
  in.tagged_fields();
  if (!in.ok()) return close_for(r, in);

  writer w = begin_response(r);
  w.int32(0);  // throttle_time_ms
  w.array_length(topics.size());
  for (growth& g : topics) {
    kafka_error e =
        to_kafka_error(create_partitions(s.core, g.name, g.count, std::move(g.assignment),
                                         validate_only, admin_timeout(timeout_ms)));
    w.string(g.name);
    w.int16(value_of(e.code));
    w.nullable_string(e.code == error_code::none ? std::nullopt
                                                 : std::optional<std::string_view>(e.message));
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
