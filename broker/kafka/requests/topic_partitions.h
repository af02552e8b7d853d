// The topics-then-partitions walk of the per-partition requests (ListOffsets,
// OffsetForLeaderEpoch, DeleteRecords): [topics: name, [partitions: ..., tags], tags], at most
// kRequestPartitionsMax partitions in all. A partition is kept only when it was read whole, and a
// topic when it was read whole or has such partitions: those APIs have no request-level error
// field, so a request that fails part-way answers INVALID_REQUEST in each entry that was read.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "broker/kafka/codec/reader.h"
#include "broker/kafka/requests/array_bounds.h"
#include "broker/kafka/requests/smallest_encoding.h"

namespace cairn::broker::kafka {

template <class Partition>
struct topic_partitions {
  std::string name;
  std::vector<Partition> partitions;
};

// `read_partition(reader&) -> Partition` reads one partition's fields, `partition_bytes` of them
// (fixed-size fields only), but not its tagged fields. The request's own trailing fields and
// tagged fields are the caller's to read.
template <class Partition, class ReadPartition>
std::vector<topic_partitions<Partition>> read_topic_partitions(reader& in,
                                                               std::size_t partition_bytes,
                                                               ReadPartition read_partition) {
  std::vector<topic_partitions<Partition>> topics;
  std::int32_t total = 0;
  const std::size_t topic_min = 2 * min_string_bytes(in) + min_tagged_bytes(in);
  const std::int32_t topic_count = in.array_length(topic_min, kRequestPartitionsMax);
  for (std::int32_t t = 0; t < topic_count && in.ok(); ++t) {
    topic_partitions<Partition> topic{.name = in.string(), .partitions = {}};
    const std::int32_t count =
        in.array_length(partition_bytes + min_tagged_bytes(in), kRequestPartitionsMax - total);
    total += std::max(count, 0);
    for (std::int32_t i = 0; i < count && in.ok(); ++i) {
      Partition p = read_partition(in);
      in.tagged_fields();
      if (in.ok()) topic.partitions.push_back(std::move(p));
    }
    in.tagged_fields();
    if (in.ok() || !topic.partitions.empty()) topics.push_back(std::move(topic));
  }
  return topics;
}

}  // namespace cairn::broker::kafka
