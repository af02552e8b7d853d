// How far a projection is behind its partitions, and running until it is not.
#include <chrono>

#include "cairn/es/projection.h"
#include "sdk/es/lag_source.h"

namespace cairn::es {

result<lag_report> projection::lag(client& cl) const {
  CAIRN_TRY(auto bounds, log_bounds_of(cl, options_.partitions));
  CAIRN_TRY(auto next, checkpoints());
  return lag_between(bounds, next);
}

result<std::size_t> projection::run_until_caught_up(client& cl, consumer& c,
                                                    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  CAIRN_TRY(auto targets, log_bounds_of(cl, options_.partitions));
  // Always from the checkpoints: a consumer left ahead of the model by an earlier failed batch
  // would otherwise count as caught up below.
  CAIRN_TRY(start(c));
  std::size_t applied = 0;
  while (true) {
    // The consumer's position counts too: it passes offsets that hold no record (compacted
    // away, or aborted), which no checkpoint ever reaches. Every record below a position was
    // applied by the run_once that polled it, or the run_once failed and we returned.
    CAIRN_TRY(auto next, checkpoints());
    for (const auto& tp : options_.partitions) {
      if (auto p = c.position(tp); p && *p > next[tp]) next[tp] = *p;
    }
    if (reached(targets, next)) return applied;
    if (std::chrono::steady_clock::now() >= deadline) return sdk::errc::timed_out;
    CAIRN_TRY(auto n, run_once(c));
    applied += n;
  }
}

}  // namespace cairn::es
