#include "broker/kafka/requests/metadata.h"

namespace cairn::broker::kafka {

decoded<metadata_request> decode_metadata(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  metadata_request out;
  // Smallest topic entry: a name (two bytes classic, one compact) plus the id (v10+) and the
  // tagged-field count (v9+).
  const std::size_t min_topic = (v >= 10 ? 16 : 0) + 2;
  const std::int32_t count = in.nullable_array_length(min_topic);
  // v0 has no null: an empty list there means every topic.
  out.all_topics = count < 0 || (v == 0 && count == 0);
  for (std::int32_t i = 0; i < count && in.ok(); ++i) {
    metadata_request::topic t;
    if (v >= 10) {
      t.id = in.uuid_value();
      t.name = in.nullable_string();
    } else {
      t.name = in.string();
    }
    in.tagged_fields();
    out.topics.push_back(std::move(t));
  }
  if (v >= 4) in.boolean();             // allow_auto_topic_creation: not honoured (metadata.h)
  if (v >= 8 && v <= 10) in.boolean();  // include_cluster_authorized_operations
  if (v >= 8) in.boolean();             // include_topic_authorized_operations
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
