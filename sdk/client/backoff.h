// Exponential backoff with jitter (Kafka's reconnect.backoff.ms / .max.ms): attempt n waits
// initial * 2^n, capped at max, minus up to 20 % jitter so that clients that failed together do
// not retry together. Pure: the caller supplies the random source.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>

namespace cairn::sdk {

struct backoff_policy {
  std::int64_t initial_ms = 50;
  std::int64_t max_ms = 2'000;

  // The wait before attempt `failures` + 1, after `failures` consecutive failures (>= 1).
  template <class Rng>
  std::int64_t delay_ms(std::int32_t failures, Rng& rng) const {
    std::int64_t d = std::max<std::int64_t>(initial_ms, 1);
    // Bounded loop: the doubling stops at max_ms, and 62 doublings overflow nothing.
    for (std::int32_t i = 1; i < failures && d < max_ms && i < 62; ++i)
      d *= 2;
    d = std::min(d, std::max(max_ms, initial_ms));
    std::uniform_int_distribution<std::int64_t> jitter(0, d / 5);
    return d - jitter(rng);
  }
};

}  // namespace cairn::sdk
