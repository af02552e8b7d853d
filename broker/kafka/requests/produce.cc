#include "broker/kafka/requests/produce.h"

namespace cairn::broker::kafka {

decoded<produce_request> decode_produce(const request& r) {
  reader in = r.body_reader();
  produce_request p;
  if (r.version() >= 3) p.transactional_id = in.nullable_string();
  p.acks = in.int16();
  p.timeout_ms = in.int32();
  // Smallest topic: a 1-byte name length, a partition count; smallest partition: an index and a
  // records length.
  std::int32_t topics = in.array_length(2);
  p.topics.reserve(static_cast<std::size_t>(topics));
  for (std::int32_t t = 0; t < topics && in.ok(); ++t) {
    produce_request::topic& topic = p.topics.emplace_back();
    topic.name = in.string();
    std::int32_t partitions = in.array_length(5);
    topic.partitions.reserve(static_cast<std::size_t>(partitions));
    for (std::int32_t i = 0; i < partitions && in.ok(); ++i) {
      produce_request::partition& part = topic.partitions.emplace_back();
      part.index = in.int32();
      auto records = in.nullable_bytes();
      if (records) {
        part.records = std::span<char>(
            const_cast<char*>(reinterpret_cast<const char*>(records->data())), records->size());
      }
      in.tagged_fields();
    }
    in.tagged_fields();
  }
  in.tagged_fields();
  return decoded_from(std::move(p), in);
}

}  // namespace cairn::broker::kafka
