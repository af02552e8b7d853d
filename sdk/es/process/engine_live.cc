// The process engine's live loop and outbox dispatch: blocking and coroutine forms. No LMDB txn
// is held while a message is sent or a poll waits.
#include <algorithm>
#include <boost/asio/awaitable.hpp>

#include "cairn/es/process_manager_engine.h"
#include "cairn/base/assert.h"
#include "sdk/es/process/engine_impl.h"
#include "sdk/es/projection_checkpoint.h"

namespace cairn::es {

result<void> process_engine::start(consumer& c) {
  CAIRN_TRY(auto next, checkpoints());
  CAIRN_TRY(checkpoint::resume(c, options_.partitions, next));
  started_ = true;
  return success();
}

result<std::size_t> process_engine::dispatch_outbox() {
  CAIRN_ASSERT(static_cast<bool>(dispatch_.send), "process {}: no blocking send", options_.name);
  std::size_t acked_total = 0;
  while (true) {
    std::vector<std::uint64_t> seqs;
    CAIRN_TRY(auto messages, pending(dispatch_batch_max, seqs));
    if (messages.empty()) return acked_total;
    std::vector<std::uint64_t> acked;
    std::error_code failed;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      tried(seqs[i]);
      auto sent = dispatch_.send(messages[i]);
      if (!sent) {
        failed = sent.error();
        break;
      }
      if (options_.on_sent) options_.on_sent(messages[i]);
      acked.push_back(seqs[i]);
    }
    CAIRN_TRY(acknowledge(acked));
    acked_total += acked.size();
    if (failed) return failed;
  }
}

awaitable<result<std::size_t>> process_engine::async_dispatch_outbox() {
  CAIRN_ASSERT(static_cast<bool>(dispatch_.async_send), "process {}: no coroutine send",
               options_.name);
  std::size_t acked_total = 0;
  while (true) {
    std::vector<std::uint64_t> seqs;
    auto loaded = pending(dispatch_batch_max, seqs);  // a read txn, ended before any co_await
    if (!loaded) co_return loaded.error();
    auto messages = std::move(loaded).value();
    if (messages.empty()) co_return acked_total;
    std::vector<std::uint64_t> acked;
    std::error_code failed;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      tried(seqs[i]);
      process_message m = messages[i];
      auto sent = co_await dispatch_.async_send(std::move(m));
      if (!sent) {
        failed = sent.error();
        break;
      }
      if (options_.on_sent) options_.on_sent(messages[i]);
      acked.push_back(seqs[i]);
    }
    auto deleted = acknowledge(acked);
    if (!deleted) co_return deleted.error();
    acked_total += acked.size();
    if (failed) co_return failed;
  }
}

namespace {

// How long a poll may wait: poll_timeout_ms, or less when a timeout falls due sooner.
std::int64_t poll_wait_ms(const process_options& o, std::optional<std::int64_t> next_due,
                          std::int64_t now) {
  if (!next_due) return o.poll_timeout_ms;
  return std::clamp<std::int64_t>(*next_due - now, 0, o.poll_timeout_ms);
}

}  // namespace

result<process_round> process_engine::run_once(consumer& c) {
  if (!started_) {
    CAIRN_TRY(start(c));
  }
  process_round round;
  CAIRN_TRY(round.dispatched, dispatch_outbox());
  CAIRN_TRY(round.timeouts_fired, fire_due_timeouts());
  CAIRN_TRY(auto next_due, next_due_ms());
  CAIRN_TRY(auto records, c.poll(poll_wait_ms(options_, next_due, options_.clock())));
  auto applied = apply_batch(records);
  if (!applied) {
    started_ = false;  // the consumer is past records the checkpoints do not cover
    return applied.error();
  }
  round.applied = applied.value();
  CAIRN_TRY(auto sent, dispatch_outbox());
  round.dispatched += sent;
  return round;
}

awaitable<result<process_round>> process_engine::async_run_once(consumer& c) {
  if (!started_) co_return process_errc::not_started;
  process_round round;
  auto first = co_await async_dispatch_outbox();
  if (!first) co_return first.error();
  round.dispatched = first.value();
  auto fired = fire_due_timeouts();  // write txns, no suspension
  if (!fired) co_return fired.error();
  round.timeouts_fired = fired.value();
  auto next_due = next_due_ms();
  if (!next_due) co_return next_due.error();
  const std::int64_t wait_ms = poll_wait_ms(options_, next_due.value(), options_.clock());
  auto polled = co_await c.async_poll(wait_ms);
  if (!polled) co_return polled.error();
  auto applied = apply_batch(polled.value());
  if (!applied) {
    started_ = false;
    co_return applied.error();
  }
  round.applied = applied.value();
  auto sent = co_await async_dispatch_outbox();
  if (!sent) co_return sent.error();
  round.dispatched += sent.value();
  co_return round;
}

}  // namespace cairn::es
