// Small value types shared by the producer's sans-I/O parts.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

#include "cairn/base/strong_type.h"

namespace cairn::sdk {

struct topic_partition {
  std::string topic{};
  std::int32_t partition = 0;

  auto operator<=>(const topic_partition&) const = default;
  bool operator==(const topic_partition&) const = default;
};

// Names one appended record until its delivery report is taken; unique per accumulator.
using record_id = strong_type<std::uint64_t, struct record_id_tag>;
// Names one batch from drain() until it is acknowledged or finally fails.
using batch_id = strong_type<std::uint64_t, struct batch_id_tag>;

// The idempotent producer's identity, assigned by the broker (Kafka's InitProducerId).
struct producer_identity {
  std::int64_t id = -1;
  std::int16_t epoch = -1;

  bool valid() const { return id >= 0 && epoch >= 0; }
  bool operator==(const producer_identity&) const = default;
};

}  // namespace cairn::sdk

template <>
struct fmt::formatter<cairn::sdk::topic_partition> : fmt::formatter<std::string> {
  auto format(const cairn::sdk::topic_partition& tp, format_context& ctx) const {
    return fmt::format_to(ctx.out(), "{}/{}", tp.topic, tp.partition);
  }
};
