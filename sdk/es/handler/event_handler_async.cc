// The event handler's coroutine shell: async_run_once and async_run on the client's executor,
// the same steps as the blocking shell (event_handler.cc) with co_await where that one blocks.
// Small coroutines, one per step: g++ 12 misreports big ones (-Wmismatched-new-delete).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cairn/admin.h"
#include "cairn/base/assert.h"
#include "cairn/es/event_handler.h"
#include "sdk/es/handler/event_handler_state.h"

namespace cairn::es {
namespace {

namespace asio = boost::asio;
using state = event_handler::state;

awaitable<void> sleep_ms(std::int64_t ms) {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await timer.async_wait(asio::use_awaitable);
}

awaitable<attempt_outcome> call_once(const async_record_handler& fn, const consumer_record& r) {
  std::string thrown;
  try {
    auto res = co_await fn(r);
    if (res) co_return attempt_outcome{};
    co_return attempt_outcome{res.error(), res.error().message(), 0};
  } catch (const std::exception& e) {
    thrown = e.what();
  }
  co_return attempt_outcome{handler_errc::handler_threw, thrown, 0};
}

awaitable<result<void>> ensure_one_dlq(state& s, std::string topic) {
  admin a(s.c);
  auto partitions = co_await s.c.async_partition_count(topic);
  if (!partitions) co_return partitions.error();
  auto dlq = s.dlq_topic(topic);
  auto described = co_await a.async_describe_topic(dlq);
  if (!described && described.error() == protocol::errc::unknown_topic && s.options.create_dlq) {
    topic_settings settings{.partitions = partitions.value(),
                            .replication_factor = s.options.dlq_replication_factor};
    auto created = co_await a.async_create_topic(dlq, settings, 30'000);
    if (!created && created.error() != protocol::errc::topic_already_exists) {
      co_return created.error();
    }
    described = co_await a.async_describe_topic(dlq);
  }
  if (!described) {
    if (described.error() == protocol::errc::unknown_topic) co_return success();
    co_return described.error();
  }
  if (static_cast<std::int32_t>(described.value().partitions.size()) != partitions.value()) {
    co_return handler_errc::dlq_partitions;
  }
  co_return success();
}

awaitable<result<void>> ensure_dlq(state& s) {
  for (const auto& topic : s.options.topics) {
    auto one = co_await ensure_one_dlq(s, topic);
    if (!one) co_return one.error();
  }
  s.dlq_ready = true;
  co_return success();
}

awaitable<result<dead_letter_index>> rebuild(state& s, topic_partition tp) {
  topic_partition dlq{s.dlq_topic(tp.topic), tp.partition};
  std::vector<std::string> topics{dlq.topic};
  auto meta = co_await s.c.async_metadata(topics);
  if (!meta) co_return meta.error();
  dlq_rebuild into(s.options.group, extent_of(meta.value(), dlq));
  if (into.done()) co_return std::move(into.index);
  consumer reader(s.c, {});
  std::vector<topic_partition> one{dlq};
  auto assigned = co_await reader.async_assign(one);
  if (!assigned) co_return assigned.error();
  auto sought = co_await reader.async_seek_to_beginning(one);
  if (!sought) co_return sought.error();
  for (std::int64_t polls = 0; !into.done() && polls < s.options.rebuild_polls_max; ++polls) {
    auto records = co_await reader.async_poll(200);
    if (!records) co_return records.error();
    into.take(records.value());
  }
  if (!into.done()) co_return handler_errc::rebuild_incomplete;
  co_return std::move(into.index);
}

// Produces one DLQ record and waits for its acknowledgement: the delivery callback (on this
// thread) stores the outcome and cancels the timer we wait on; the timer bounds the wait.
awaitable<result<record_metadata>> produce_acked(state& s, producer_record rec) {
  struct waiter {
    explicit waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;
    std::optional<delivery_result> outcome;
  };
  auto w = std::make_shared<waiter>(co_await asio::this_coro::executor);
  // The producer gives up after delivery_timeout_ms: its callback comes before this expires.
  w->timer.expires_after(std::chrono::milliseconds(s.options.producer.delivery_timeout_ms) +
                         std::chrono::seconds(5));
  s.prod->send(std::move(rec), [w](const delivery_result& r) {
    w->outcome.emplace(r);
    w->timer.cancel();
  });
  while (!w->outcome) {
    auto [ec] = co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec) break;  // expired
  }
  if (!w->outcome) co_return sdk::errc::delivery_timeout;
  co_return *w->outcome;
}

awaitable<result<void>> park(state& s, dead_letter_index& index, const consumer_record& r,
                             park_reason why, attempt_outcome outcome,
                             std::optional<std::int64_t> replaces) {
  auto entry = s.entry_for(r, why, outcome, replaces);
  auto md = co_await produce_acked(s, encode_parked(r, entry, s.dlq_topic(r.topic)));
  if (!md) co_return md.error();
  s.parked(index, r, std::move(entry), md.value());
  co_return success();
}

awaitable<result<void>> resolve(state& s, dead_letter_index& index, const consumer_record& r,
                                std::int64_t entry_offset) {
  auto res = s.resolution_for(r, entry_offset);
  auto md = co_await produce_acked(s, encode_resolved(res, s.dlq_topic(r.topic)));
  if (!md) co_return md.error();
  s.resolved(index, std::move(res), md.value().offset);
  co_return success();
}

awaitable<attempt_outcome> attempt(state& s, const consumer_record& r, handler_stats& stats) {
  const auto& fn = std::get<async_record_handler>(s.fn);
  for (std::int32_t n = 1;; ++n) {
    auto outcome = co_await call_once(fn, r);
    outcome.attempts = n;
    if (!outcome.ec || n >= s.options.attempts_max) co_return outcome;
    ++stats.retried;
    co_await sleep_ms(s.backoff_ms(n));
  }
}

awaitable<result<void>> handle(state& s, dead_letter_index& index, const consumer_record& r,
                               decision d, handler_stats& stats) {
  bool replay = d.what == verdict::handle_replay;
  auto outcome = co_await attempt(s, r, stats);
  if (!outcome.ec) {
    ++stats.handled;
    if (!replay) co_return success();
    auto resolved = co_await resolve(s, index, r, d.replay_of);
    if (!resolved) co_return resolved.error();
    ++stats.resolved;
    co_return success();
  }
  std::optional<std::int64_t> replaces;
  if (replay) replaces = d.replay_of;
  auto parked = co_await park(s, index, r, park_reason::failed, outcome, replaces);
  if (!parked) co_return parked.error();
  ++stats.parked;
  co_return success();
}

awaitable<result<void>> process(state& s, dead_letter_index& index, const consumer_record& r,
                                handler_stats& stats) {
  auto d = index.classify(r);
  if (d.what == verdict::skip_already_parked || d.what == verdict::skip_stale_replay) {
    ++stats.skipped;
    co_return success();
  }
  if (d.what == verdict::park_behind) {
    attempt_outcome none;
    auto parked = co_await park(s, index, r, park_reason::parked_behind, none, std::nullopt);
    if (!parked) co_return parked.error();
    ++stats.parked;
    co_return success();
  }
  co_return co_await handle(s, index, r, d, stats);
}

// Rebuilds what needs it; partitions whose rebuild failed are rewound (batch_progress).
awaitable<void> rebuild_needed(state& s, const std::vector<consumer_record>& batch,
                               batch_progress& b) {
  for (const auto& tp : s.needing_rebuild(batch)) {
    auto rebuilt = co_await rebuild(s, tp);
    if (!rebuilt) {
      b.rebuild_failed(tp, rebuilt.error());
      continue;
    }
    s.rebuilt(tp, std::move(rebuilt).value());
  }
}

awaitable<void> commit_and_rewind(state& s, const batch_progress& b, handler_stats& stats) {
  if (!b.next.empty()) {
    std::string no_metadata;
    auto committed = co_await s.cons->async_commit(b.next, no_metadata);
    s.commit_tried(b.next, committed.has_value(), stats);
  }
  for (const auto& [tp, offset] : b.rewind) {
    if (offset >= 0) (void)co_await s.cons->async_seek(tp, offset);
  }
}

}  // namespace

awaitable<result<handler_stats>> event_handler::async_run_once() {
  auto& s = *state_;
  if (s.closed) co_return handler_errc::closed;
  if (!std::holds_alternative<async_record_handler>(s.fn)) co_return handler_errc::wrong_form;
  if (!s.dlq_ready) {
    auto ready = co_await ensure_dlq(s);
    if (!ready) co_return ready.error();
  }
  auto polled = co_await s.cons->async_poll(s.options.poll_timeout_ms);
  if (!polled) co_return polled.error();
  const auto& batch = polled.value();

  handler_stats stats;
  batch_progress b;
  co_await rebuild_needed(s, batch, b);
  for (const auto& r : batch) {
    if (b.left_for_later(r)) continue;
    // Across the co_await nothing holds: a rebalance cannot run meanwhile (the listener runs
    // inside async_poll only), so the index reference stays valid. (tp is named: g++ 12
    // destroys a temporary inside a co_await expression twice.)
    const topic_partition tp{r.topic, r.partition};
    auto processed = co_await process(s, s.indexes.at(tp), r, stats);
    if (processed) {
      b.done(r);
    } else {
      b.failed(r, processed.error());
    }
  }
  co_await commit_and_rewind(s, b, stats);
  if (b.failure) co_return b.failure;
  co_return stats;
}

awaitable<result<handler_stats>> event_handler::async_run(std::function<bool()> stop) {
  handler_stats total;
  while (!stop()) {
    auto once = co_await async_run_once();
    if (!once) {
      if (!worth_retrying(once.error())) co_return once.error();
      co_await sleep_ms(state_->backoff_ms(1));
      continue;
    }
    total += once.value();
  }
  co_return total;
}

}  // namespace cairn::es
