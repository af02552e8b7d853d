#include "broker/kafka/requests/offset_commit.h"

#include "broker/kafka/requests/smallest_encoding.h"

namespace cairn::broker::kafka {

decoded<offset_commit_request> decode_offset_commit(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  offset_commit_request out;
  group::commit_request& c = out.commit;
  c.group_id = in.string();
  if (v >= 1) {
    c.generation = group::generation_id{in.int32()};
    c.member_id = in.string();
  }
  if (v >= 7) c.group_instance_id = in.nullable_string();
  if (v >= 2 && v <= 4) in.int64();  // retention_time_ms
  const std::size_t topic_min = 2 * min_string_bytes(in) + min_tagged_bytes(in);
  std::int32_t topics = in.array_length(topic_min);
  for (std::int32_t t = 0; t < topics && in.ok(); ++t) {
    offset_commit_request::topic_span span{.name = in.string(), .first = c.entries.size()};
    // partition_index, committed_offset, a nullable metadata string, and the per-version fields.
    std::size_t partition_min = 4 + 8 + min_string_bytes(in) + min_tagged_bytes(in);
    if (v >= 6) partition_min += 4;
    if (v == 1) partition_min += 8;
    std::int32_t partitions = in.array_length(partition_min);
    for (std::int32_t p = 0; p < partitions && in.ok(); ++p) {
      group::offset_commit_entry e{.topic = span.name};
      e.partition = in.int32();
      e.offset = log_offset{in.int64()};
      if (v >= 6) in.int32();  // committed_leader_epoch
      if (v == 1) in.int64();  // commit_timestamp
      e.metadata = in.nullable_string().value_or("");
      in.tagged_fields();
      if (!in.ok()) break;
      c.entries.push_back(std::move(e));
    }
    in.tagged_fields();
    span.count = c.entries.size() - span.first;
    out.topics.push_back(std::move(span));
  }
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
