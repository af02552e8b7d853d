// The live loop: seek to the checkpoints, then poll and apply batch after batch.
#include <boost/asio/awaitable.hpp>

#include "cairn/es/projection.h"
#include "sdk/es/projection_checkpoint.h"

namespace cairn::es {

result<void> projection::start(consumer& c) {
  auto g = current();
  CAIRN_TRY(auto next, checkpoints());
  CAIRN_TRY(checkpoint::resume(c, options_.partitions, next));
  started_on_ = g;
  return success();
}

result<std::size_t> projection::run_once(consumer& c) {
  if (started_on_.lock() != current()) {
    CAIRN_TRY(start(c));
  }
  CAIRN_TRY(auto records, c.poll(options_.poll_timeout_ms));
  return apply_batch(records);
}

awaitable<result<std::size_t>> projection::async_run_once(consumer& c) {
  if (started_on_.lock() != current()) co_return sdk::errc::no_position;  // see the header
  // The poll suspends; the batch (one LMDB write txn) runs after it without suspending.
  auto polled = co_await c.async_poll(options_.poll_timeout_ms);
  if (!polled) co_return polled.error();
  co_return apply_batch(polled.value());
}

}  // namespace cairn::es
