// cairn::es::event_handler: handles the records of topics as a member of a consumer group, at
// least once and in per-aggregate order, with a sequenced dead-letter topic.
//
//   - Records of one partition are handled in offset order (the aggregate id is the record key,
//     and one key lives in one partition). After a poll's records are handled or parked, the
//     next offsets are committed: a crash re-delivers what was not committed (at-least-once).
//   - A failing record is retried attempts_max times in all with exponential backoff, then
//     parked: produced to `<topic>.dlq` (same key, value, headers; the error and the source in
//     `dlq-*` headers, cairn/es/dead_letter.h), acknowledged before the source offset is
//     committed.
//   - Sequencing: once a key has a parked record, its later records are parked behind it
//     (reason `parked-behind`) without calling the handler; other keys flow on. The handler
//     never sees one key's records out of order.
//   - `cairn dlq replay` copies a key's parked records back onto the topic (oldest first, header
//     `dlq-replay-of`). The copy of the key's oldest entry is handled (with retries); on
//     success a `resolved` marker goes to the DLQ and the next entry is up; on failure the copy
//     is parked again in its predecessor's place. When no entry is left the key flows again.
//   - The DLQ is co-partitioned with its topic (created with the same partition count when
//     missing), so the member that owns source partition p rebuilds p's parked keys from DLQ
//     partition p when p is assigned.
//
// Threads: create() and the blocking forms run on any thread but the client's; the handler
// function of a blocking handler runs on the calling thread (it may call blocking SDK
// functions). The coroutine forms run on client::executor(), and so does a coroutine handler
// function. One thread (or the executor) drives a handler at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <variant>
#include <vector>

#include "cairn/client.h"
#include "cairn/consumer.h"
#include "cairn/es/dead_letter.h"
#include "cairn/es/envelope.h"
#include "cairn/es/event_handler_errc.h"
#include "cairn/es/event_registry.h"
#include "cairn/es/lag.h"
#include "cairn/producer.h"

namespace cairn::es {

struct event_handler_options {
  std::vector<std::string> topics{};
  std::string group{};
  consumer_options consumer{};    // session / heartbeat / rebalance timeouts, assignors, reset
  producer_options producer{};    // for the DLQ; keep idempotence on (no duplicate entries)
  std::int32_t attempts_max = 5;  // handler calls per record before it is parked (>= 1)
  std::int64_t backoff_initial_ms = 100;
  std::int64_t backoff_max_ms = 5'000;  // keep attempts × backoff well below rebalance_timeout_ms
  std::int64_t poll_timeout_ms = 500;
  bool create_dlq = true;  // create `<topic>.dlq` with the topic's partition count when missing
  std::int16_t dlq_replication_factor = -1;
  // Polls of the DLQ partition a rebuild may take before it gives up (rebuild_incomplete).
  std::int64_t rebuild_polls_max = 10'000;
};

// What one run_once (or a whole run) did.
struct handler_stats {
  std::size_t handled = 0;          // the handler succeeded (replayed copies included)
  std::size_t retried = 0;          // failed attempts followed by another
  std::size_t parked = 0;           // records sent to the DLQ (failed or parked behind)
  std::size_t resolved = 0;         // parked entries handled after a replay
  std::size_t skipped = 0;          // already parked (a re-delivery) or a stale replayed copy
  std::size_t commit_failures = 0;  // the group moved on; the records come again to the owner

  handler_stats& operator+=(const handler_stats& o);
};

// An error (any error_code) is a failure: retried, then parked. So is an exception.
using record_handler = std::function<result<void>(const consumer_record&)>;
using async_record_handler = std::function<awaitable<result<void>>(const consumer_record&)>;

// A record handler that decodes the value with `registry` (by the `type` header) and calls
// `fn`. A record that does not decode is a failure like any other: it is parked. REQUIRES: the
// registry outlives the handler (it is held by reference).
template <class Event>
record_handler typed_handler(const event_registry<Event>& registry,
                             std::function<result<void>(const Event&, const envelope&)> fn) {
  return [&registry, fn = std::move(fn)](const consumer_record& r) -> result<void> {
    auto env = envelope_of(r);
    CAIRN_TRY(auto event, registry.decode(env.type, r.value.value_or("")));
    return fn(event, env);
  };
}

template <class Event>
async_record_handler async_typed_handler(
    const event_registry<Event>& registry,
    std::function<awaitable<result<void>>(const Event&, const envelope&)> fn) {
  return [&registry, fn = std::move(fn)](const consumer_record& r) -> awaitable<result<void>> {
    auto env = envelope_of(r);
    auto event = registry.decode(env.type, r.value.value_or(""));
    if (!event) co_return event.error();
    co_return co_await fn(event.value(), env);
  };
}

class event_handler {
 public:
  // Subscribes (the group is joined at the first run_once). errc::invalid_config for no topics,
  // a topic ending in ".dlq", no group, attempts_max < 1, a negative backoff, auto_commit on;
  // the consumer's and producer's errors.
  static result<std::unique_ptr<event_handler>> create(client& c, event_handler_options options,
                                                       record_handler fn);
  static result<std::unique_ptr<event_handler>> create(client& c, event_handler_options options,
                                                       async_record_handler fn);
  ~event_handler();  // close()
  event_handler(const event_handler&) = delete;
  event_handler& operator=(const event_handler&) = delete;

  // One poll (up to poll_timeout_ms) and its records: handled or parked, then committed.
  // Creates the DLQ topics first when missing. Errors: the poll's (group errors no retry
  // fixes), dlq_partitions, rebuild_incomplete, a DLQ produce that failed (the partition is
  // sought back to the record, which comes again), wrong_form, closed. A failed commit is not
  // an error (counted in commit_failures): the records come again to whoever owns them.
  result<handler_stats> run_once();
  awaitable<result<handler_stats>> async_run_once();

  // run_once until `stop` is requested (checked between polls) or an error that is not
  // retriable (sdk::is_retriable); returns the totals.
  result<handler_stats> run(std::stop_token stop);
  awaitable<result<handler_stats>> async_run(std::function<bool()> stop);

  // How far the group is behind: for every partition of options.topics, the group's committed
  // offset (the log start without one) against the high watermark now. Blocking; same thread
  // as run_once (it asks through the handler's consumer).
  result<lag_report> lag();
  // run_once until the group's committed offsets reach the high watermarks the partitions had
  // when the call began (events appended meanwhile may remain), or `timeout` passed
  // (sdk::errc::timed_out). The group as a whole: partitions another member owns catch up only
  // as that member runs. Retriable errors are retried as in run(); returns the totals.
  result<handler_stats> run_until_caught_up(std::chrono::milliseconds timeout);

  // The unresolved parked entries of the partitions this member owns, per key in order (for
  // tests, health checks and metrics). Same thread as run_once.
  std::vector<dead_letter_entry> parked() const;
  std::vector<topic_partition> assignment() const;

  // Leaves the group (the offsets are committed after every batch already). Idempotent.
  void close();

  struct state;  // sdk/es/handler/event_handler_state.h

 private:
  explicit event_handler(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

}  // namespace cairn::es
