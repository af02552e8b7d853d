#include "sdk/client/partitioner.h"

#include "cairn/base/assert.h"

namespace cairn::sdk {

std::int32_t partitioner::partition(std::string_view topic, std::optional<std::string_view> key,
                                    std::int32_t partition_count) {
  if (key) return partition_for_key(*key, partition_count);
  CAIRN_ASSERT(partition_count > 0, "partition count {}", partition_count);
  auto it = sticky_.find(topic);
  if (it == sticky_.end()) {
    std::uniform_int_distribution<std::int32_t> pick(0, partition_count - 1);
    it = sticky_.emplace(std::string(topic), pick(prng_)).first;
  } else if (it->second >= partition_count) {
    // Metadata now reports fewer partitions than when we chose: choose again among them.
    it->second = choose_other(it->second, partition_count);
  }
  return it->second;
}

void partitioner::on_new_batch(std::string_view topic, std::int32_t previous,
                               std::int32_t partition_count) {
  CAIRN_ASSERT(partition_count > 0, "partition count {}", partition_count);
  auto it = sticky_.find(topic);
  if (it == sticky_.end()) {
    std::uniform_int_distribution<std::int32_t> pick(0, partition_count - 1);
    sticky_.emplace(std::string(topic), pick(prng_));
    return;
  }
  if (it->second != previous) return;
  it->second = choose_other(previous, partition_count);
}

std::int32_t partitioner::choose_other(std::int32_t old, std::int32_t partition_count) {
  if (partition_count == 1) return 0;
  if (old < 0 || old >= partition_count) {
    std::uniform_int_distribution<std::int32_t> pick(0, partition_count - 1);
    return pick(prng_);
  }
  // Uniform over the other partitions without Kafka's retry loop: draw from count - 1 slots and
  // skip over the old one.
  std::uniform_int_distribution<std::int32_t> pick(0, partition_count - 2);
  std::int32_t p = pick(prng_);
  return p >= old ? p + 1 : p;
}

}  // namespace cairn::sdk
