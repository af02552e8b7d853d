#include "broker/kafka/requests/fetch.h"

namespace cairn::broker::kafka {

decoded<fetch_request> decode_fetch(const request& r) {
  reader in = r.body_reader();
  fetch_request f;
  in.int32();  // replica_id: -1 for consumers; brokers replicate through Raft, not Fetch
  f.max_wait_ms = in.int32();
  f.min_bytes = in.int32();
  f.max_bytes = in.int32();  // v3+
  f.isolation_level = in.int8();
  if (r.version() >= 7) {
    in.int32();  // session_id
    in.int32();  // session_epoch
  }
  std::int32_t topics = in.array_length(2);
  f.topics.reserve(static_cast<std::size_t>(topics));
  for (std::int32_t t = 0; t < topics && in.ok(); ++t) {
    fetch_request::topic& topic = f.topics.emplace_back();
    if (r.version() >= 13) {
      topic.id = in.uuid_value();
    } else {
      topic.name = in.string();
    }
    std::int32_t partitions = in.array_length(16);
    topic.partitions.reserve(static_cast<std::size_t>(partitions));
    for (std::int32_t i = 0; i < partitions && in.ok(); ++i) {
      fetch_request::partition& part = topic.partitions.emplace_back();
      part.index = in.int32();
      if (r.version() >= 9) in.int32();  // current_leader_epoch
      part.fetch_offset = in.int64();
      if (r.version() >= 12) in.int32();  // last_fetched_epoch
      if (r.version() >= 5) in.int64();   // log_start_offset: a follower's, unused here
      part.max_bytes = in.int32();
      in.tagged_fields();
    }
    in.tagged_fields();
  }
  if (r.version() >= 7) {
    // forgotten_topics_data: only meaningful inside a fetch session, which is never created.
    std::int32_t forgotten = in.array_length(2);
    for (std::int32_t t = 0; t < forgotten && in.ok(); ++t) {
      if (r.version() >= 13) {
        in.uuid_value();
      } else {
        in.string();
      }
      std::int32_t n = in.array_length(4);
      for (std::int32_t i = 0; i < n && in.ok(); ++i)
        in.int32();
      in.tagged_fields();
    }
  }
  if (r.version() >= 11) in.string();  // rack_id: no follower fetching (KIP-392)
  in.tagged_fields();
  return decoded_from(std::move(f), in);
}

}  // namespace cairn::broker::kafka
