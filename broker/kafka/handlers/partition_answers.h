// The answer of the per-partition APIs (ListOffsets, OffsetForLeaderEpoch, DeleteRecords):
// [throttle_time_ms,] [topics: name, [partitions: ..., tags], tags], tags. They have no
// request-level error field: when the request does not decode, each entry that was read answers
// INVALID_REQUEST, and a request of which nothing could be read closes the connection.
#pragma once

#include <string>
#include <vector>

#include "broker/kafka/api.h"
#include "broker/kafka/requests/decoded.h"
#include "broker/kafka/requests/topic_partitions.h"

namespace cairn::broker::kafka {

// `write_partition(writer&, const std::string& topic, const Partition&, bool refused)` writes one
// partition's fields but its tagged fields; `refused`: the request did not decode, answer
// INVALID_REQUEST. `with_throttle`: whether this version has throttle_time_ms.
template <class Partition, class WritePartition>
response answer_per_partition(const request& r,
                              const std::vector<topic_partitions<Partition>>& topics,
                              const std::string& failure, bool with_throttle,
                              WritePartition write_partition) {
  const bool refused = !failure.empty();
  if (refused && topics.empty()) return close_for(r, failure);
  writer w = begin_response(r);
  if (with_throttle) w.int32(0);  // throttle_time_ms
  w.array_length(topics.size());
  for (const topic_partitions<Partition>& topic : topics) {
    w.string(topic.name);
    w.array_length(topic.partitions.size());
    for (const Partition& p : topic.partitions) {
      write_partition(w, topic.name, p, refused);
      w.tagged_fields();
    }
    w.tagged_fields();
  }
  w.tagged_fields();
  return finish(w);
}

}  // namespace cairn::broker::kafka
