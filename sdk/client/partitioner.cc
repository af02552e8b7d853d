#include "sdk/client/partitioner.h"

#include "eventstore/base/assert.h"

namespace cairn::sdk {

std::int32_t murmur2(std::string_view data) {
  // Java does this in signed int with wrapping multiplication and >>> (logical shift); the same
  // bits come out of unsigned arithmetic, which C++ defines to wrap.
  const auto length = static_cast<std::uint32_t>(data.size());
  constexpr std::uint32_t seed = 0x9747b28c;
  constexpr std::uint32_t m = 0x5bd1e995;
  constexpr int r = 24;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());

  std::uint32_t h = seed ^ length;
  const std::uint32_t length4 = length / 4;
  for (std::uint32_t i = 0; i < length4; ++i) {
    const std::uint32_t i4 = i * 4;
    std::uint32_t k = static_cast<std::uint32_t>(bytes[i4 + 0]) |
                      (static_cast<std::uint32_t>(bytes[i4 + 1]) << 8) |
                      (static_cast<std::uint32_t>(bytes[i4 + 2]) << 16) |
                      (static_cast<std::uint32_t>(bytes[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }

  const std::uint32_t tail = length & ~3u;
  switch (length % 4) {
    case 3:
      h ^= static_cast<std::uint32_t>(bytes[tail + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<std::uint32_t>(bytes[tail + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<std::uint32_t>(bytes[tail]);
      h *= m;
  }

  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);  // two's complement, as Java's int
}

std::int32_t partition_for_key(std::string_view key, std::int32_t partition_count) {
  CAIRN_ASSERT(partition_count > 0, "partition count {}", partition_count);
  return to_positive(murmur2(key)) % partition_count;
}

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
