#include "broker/cluster/controller_block_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <thread>

#include "broker/controller/controller_errc.h"
#include "protocol/wire_errc.h"

namespace cairn::broker::cluster {
namespace {

// Asking again cannot change these answers.
bool final_error(const std::error_code& ec) {
  return ec == controller::errc::producer_ids_exhausted || ec == protocol::errc::invalid_request;
}

// The grant is what was asked: count ids, none below at_least, no overflow.
bool grant_fits(const controller::producer_id_grant& g, std::int64_t count, std::int64_t at_least) {
  return g.count >= 1 && g.count <= count && g.first >= at_least &&
         g.first <= std::numeric_limits<std::int64_t>::max() - g.count;
}

}  // namespace

producer_id_block_source controller_block_source(producer_id_grantor& grantor,
                                                 controller_block_options options) {
  return [&grantor, options](std::int64_t at_least,
                             std::chrono::milliseconds wait) -> result<producer_id_block> {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + wait;
    auto backoff = options.backoff_min;
    std::error_code last = protocol::errc::request_timed_out;
    // Bounded by the deadline: every pass either returns or waits out a backoff.
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (left.count() <= 0) break;
      const std::int32_t at = grantor.controller_id();
      if (at > 0) {
        auto granted = grantor.request_block(at, options.block_size, at_least,
                                             std::min(left, options.attempt_timeout_max));
        if (granted) {
          if (!grant_fits(granted.value(), options.block_size, at_least)) {
            spdlog::error("controller {} granted producer ids {}+{}, asked {} at or above {}", at,
                          granted.value().first, granted.value().count, options.block_size,
                          at_least);
            return protocol::errc::invalid_request;
          }
          return producer_id_block{granted.value().first, granted.value().count};
        }
        last = granted.error();
        if (final_error(last)) return last;
        spdlog::debug("producer id block from controller {}: {} (asking again)", at,
                      last.message());
      }
      std::this_thread::sleep_for(std::min(backoff, left));
      backoff = std::min(backoff * 2, options.backoff_max);
    }
    return last;
  };
}

}  // namespace cairn::broker::cluster
