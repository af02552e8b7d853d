// Which partition a key belongs to: part of the contract, because a stream's key must land on
// the same partition whichever client (Cairn's, or a Kafka client with its default partitioner)
// wrote it, and the broker must find it there for AppendToStream and ReadStream.
//
// murmur2 is exactly org.apache.kafka.common.utils.Utils.murmur2, and the partition is
// toPositive(murmur2(key)) % partition_count, as Kafka's default partitioner for keyed records.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::protocol {

// Kafka's Utils.murmur2: seed 0x9747b28c, m 0x5bd1e995, r 24, little-endian 4-byte blocks.
std::int32_t murmur2(std::string_view data);

// Kafka's Utils.toPositive: clears the sign bit (not abs(), which overflows on INT32_MIN).
constexpr std::int32_t to_positive(std::int32_t number) {
  return number & 0x7fffffff;
}

// REQUIRES: partition_count > 0.
std::int32_t partition_for_key(std::string_view key, std::int32_t partition_count);

}  // namespace cairn::protocol
