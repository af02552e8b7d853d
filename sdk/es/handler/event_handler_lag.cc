// How far an event handler's group is behind its topics, and running until it is not.
#include <chrono>
#include <thread>

#include "cairn/es/event_handler.h"
#include "sdk/es/handler/event_handler_state.h"
#include "sdk/es/lag_source.h"

namespace cairn::es {
namespace {

// The group's committed next offsets for every partition in `bounds` (absent: none committed).
result<std::map<topic_partition, std::int64_t>> progress(event_handler::state& s,
                                                         const bounds_by_partition& bounds) {
  std::vector<topic_partition> tps;
  for (const auto& [tp, b] : bounds)
    tps.push_back(tp);
  CAIRN_TRY(auto next, s.cons->committed(tps));
  return next;
}

}  // namespace

result<lag_report> event_handler::lag() {
  auto& s = *state_;
  if (s.closed) return handler_errc::closed;
  CAIRN_TRY(auto bounds, log_bounds_of(s.c, s.options.topics));
  CAIRN_TRY(auto next, progress(s, bounds));
  return lag_between(bounds, next);
}

result<handler_stats> event_handler::run_until_caught_up(std::chrono::milliseconds timeout) {
  auto& s = *state_;
  if (s.closed) return handler_errc::closed;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  CAIRN_TRY(auto targets, log_bounds_of(s.c, s.options.topics));
  handler_stats total;
  while (true) {
    CAIRN_TRY(auto next, progress(s, targets));
    // Offsets without a record after the last handled one (compaction): this member's position
    // has passed them, and every record below it was handled or parked and committed.
    for (const auto& tp : s.cons->assignment()) {
      if (auto p = s.cons->position(tp); p && targets.contains(tp) && *p > next[tp]) {
        next[tp] = *p;
      }
    }
    if (reached(targets, next)) return total;
    if (std::chrono::steady_clock::now() >= deadline) return sdk::errc::timed_out;
    auto once = run_once();
    if (!once) {
      if (!worth_retrying(once.error())) return once.error();
      std::this_thread::sleep_for(std::chrono::milliseconds(s.backoff_ms(1)));
      continue;
    }
    total += once.value();
  }
}

}  // namespace cairn::es
