#include "broker/kafka/requests/delete_topics.h"

namespace cairn::broker::kafka {

decoded<delete_topics_request> decode_delete_topics(const request& r) {
  reader in = r.body_reader();
  delete_topics_request out;
  if (r.version() >= 6) {
    const std::int32_t n = in.array_length(18);  // name (1), id (16), tags (1)
    for (std::int32_t i = 0; i < n && in.ok(); ++i) {
      delete_topics_request::topic t;
      t.name = in.nullable_string();
      t.id = in.uuid_value();
      in.tagged_fields();
      out.topics.push_back(std::move(t));
    }
  } else {
    const std::int32_t n = in.array_length(in.flexible() ? 1 : 2);
    for (std::int32_t i = 0; i < n && in.ok(); ++i)
      out.topics.push_back({in.string(), {}});
  }
  out.timeout_ms = in.int32();
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
