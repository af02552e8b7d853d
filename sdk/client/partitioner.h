// Kafka's default partitioner, so that a key lands on the same partition whichever Kafka client
// (or Cairn client) wrote it: murmur2 exactly as org.apache.kafka.common.utils.Utils.murmur2, and
// partition = toPositive(murmur2(key)) % partition_count.
//
// Keyless records use Kafka 2.4's sticky partitioning (KIP-480, StickyPartitionCache): all keyless
// records of a topic go to one partition until the batch they fill there is closed (full, or
// drained by linger); then the topic moves to another partition, chosen at random among the
// others. Batches fill up instead of spreading one record per partition, which is what made
// keyless produce slow under round-robin. Kafka 3.3's adaptive variant (KIP-794) is not followed.
//
// How a producer drives it, per keyless record (the same dance as KafkaProducer.doSend):
//
//   auto p = partitioner.partition(topic, std::nullopt, count);
//   if (accumulator.would_open_batch({topic, p}, record)) {
//     partitioner.on_new_batch(topic, p, count);        // the sticky batch is done: move on
//     p = partitioner.partition(topic, std::nullopt, count);
//   }
//   accumulator.append({topic, p}, record, now_ms);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "protocol/key_partitioner.h"

namespace cairn::sdk {

// The key → partition function is part of the wire contract (the broker finds streams with it),
// so it lives in protocol/; these are its names here.
using protocol::murmur2;
using protocol::partition_for_key;
using protocol::to_positive;

class partitioner {
 public:
  // All randomness comes from the seed, so tests and simulations replay.
  explicit partitioner(std::uint64_t seed) : prng_(seed) {}

  // A key (even an empty one) picks its murmur2 partition; no key picks the topic's sticky
  // partition, choosing one on first use. REQUIRES: partition_count > 0.
  std::int32_t partition(std::string_view topic, std::optional<std::string_view> key,
                         std::int32_t partition_count);

  // A keyless record would open a new batch on `previous`: the topic's sticky partition moves to
  // another one. A stale `previous` (the sticky partition moved already) changes nothing, as in
  // Kafka, so two callers racing on one full batch move it once.
  void on_new_batch(std::string_view topic, std::int32_t previous, std::int32_t partition_count);

 private:
  std::int32_t choose_other(std::int32_t old, std::int32_t partition_count);

  std::mt19937_64 prng_;
  std::map<std::string, std::int32_t, std::less<>> sticky_;  // topic -> sticky partition
};

}  // namespace cairn::sdk
