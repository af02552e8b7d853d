// broker_liveness: which brokers answered the controller's leader recently. Pure: the caller
// passes a monotonic now_ms; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace cairn::broker::controller {

struct broker_liveness {
  explicit broker_liveness(const std::vector<std::int32_t>& brokers, std::int64_t alive_within_ms)
      : alive_within_ms(alive_within_ms) {
    for (auto id : brokers)
      last_seen_ms[id] = -1;
  }

  // A message or response from `node` arrived at now_ms. Unknown nodes are ignored (static
  // membership: only the map's brokers count).
  void heard_from(std::int32_t node, std::int64_t now_ms) {
    auto it = last_seen_ms.find(node);
    if (it != last_seen_ms.end() && now_ms > it->second) it->second = now_ms;
  }
  // Heard from within alive_within_ms.
  bool alive(std::int32_t node, std::int64_t now_ms) const {
    auto ago = last_seen_ms_ago(node, now_ms);
    return ago >= 0 && ago <= alive_within_ms;
  }
  // -1 when never heard from (or not a member).
  std::int64_t last_seen_ms_ago(std::int32_t node, std::int64_t now_ms) const {
    auto it = last_seen_ms.find(node);
    if (it == last_seen_ms.end() || it->second < 0) return -1;
    return now_ms > it->second ? now_ms - it->second : 0;
  }

  std::int64_t alive_within_ms;
  std::map<std::int32_t, std::int64_t> last_seen_ms;  // -1: never
};

}  // namespace cairn::broker::controller
