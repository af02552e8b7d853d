// repository<D>: loads aggregates of decider D from their streams (topic + aggregate id as key)
// and handles commands with optimistic concurrency.
//
//   load(id):   the latest snapshot of a matching state schema (when a store is given), then the
//               stream from the snapshot's version on.
//   handle(id, command, meta): load, decide, append with the loaded version as expected version;
//               when another writer moved the stream, read the new events and decide again, at
//               most attempts_max times (errc::retries_exhausted after that). A command id seen
//               in the stream returns the earlier outcome with `duplicate` set and appends nothing.
//               The answer (handle_result) says how many rounds ran, for refusals too.
//
// Threads: one repository may be shared by many threads (blocking forms) and coroutines on the
// client's executor at once: the client and its streams are thread-safe, the aggregate cache
// has its own lock, and the snapshot store serialises its LMDB writes. Two commands for one
// aggregate from two threads race like two processes would: the expected version decides.
//
// Both have a blocking form (any thread but the client's) and a coroutine form (on the client's
// executor). Snapshot writes are LMDB calls made between awaits: no transaction crosses one.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cairn/client.h"
#include "cairn/es/aggregate_cache.h"
#include "cairn/es/decider.h"
#include "cairn/es/errc.h"
#include "cairn/es/event_registry.h"
#include "cairn/es/loaded_aggregate.h"
#include "cairn/es/snapshot_policy.h"
#include "cairn/lmdb/snapshot_store.h"
#include "cairn/streams.h"

namespace cairn::es {

struct repository_options {
  std::string topic{};
  int attempts_max = 8;               // decide+append attempts per command
  std::size_t command_ids_max = 256;  // command ids remembered per aggregate (idempotency window)
  int read_pages_max = 100'000;       // ReadStream pages per load: a bound on a runaway loop
  snapshot_policy snapshots{};        // used only with a snapshot store
  // Loaded aggregates kept in memory (least recently used dropped first). load() catches a cached
  // aggregate up from its version instead of reading from its first event (or its snapshot);
  // handle() decides on it directly and lets the expected version catch a stale one. 0: off.
  std::size_t cache_max = 0;
};

struct command_meta {
  std::string command_id{};  // the `command-id` header: makes a retried command a no-op
  std::string correlation_id{};
  std::string causation_id{};
};

template <decider D>
struct handled {
  std::int64_t version = -1;                // the stream's version after the command
  std::vector<typename D::event> events{};  // appended now (empty when duplicate or no-op)
  bool duplicate = false;                   // the command id was already in the stream
  int attempts = 0;                         // decide+append rounds it took
};

// What handle() returns: a result<handled<D>> (test it, take value() or error() as usual) that
// also says how many decide+append rounds were run, whatever the answer. A refusal decided
// after another writer won a race says attempts() == 2; retries_exhausted says attempts_max;
// an error before the first decide (the load failed) says 0.
template <decider D>
class handle_result : public result<handled<D>> {
 public:
  handle_result(result<handled<D>> r, int attempts)
      : result<handled<D>>(std::move(r)), attempts_(attempts) {}
  int attempts() const { return attempts_; }

 private:
  int attempts_ = 0;
};

template <decider D>
class repository {
 public:
  using state = typename D::state;
  using command = typename D::command;
  using event = typename D::event;
  using loaded = loaded_aggregate<D>;

  // `registry` and `snapshots` (may be null: no snapshots) must outlive the repository.
  repository(client& c, const event_registry<event>& registry, repository_options options,
             lmdb::snapshot_store* snapshots = nullptr)
      : streams_(c),
        registry_(registry),
        options_(std::move(options)),
        snapshots_(snapshots),
        cache_(options_.cache_max) {}

  result<loaded> load(const std::string& id) {
    loaded a = starting_point(id);
    CAIRN_TRY(catch_up(id, a));
    cache_.put(id, a);
    return a;
  }

  awaitable<result<loaded>> async_load(std::string id) {
    loaded a = starting_point(id);
    auto caught_up = co_await async_catch_up(id, a);
    if (!caught_up) co_return caught_up.error();
    cache_.put(id, a);
    co_return a;
  }

  handle_result<D> handle(const std::string& id, const command& cmd, command_meta meta = {}) {
    int attempts = 0;
    auto r = handle_rounds(id, cmd, meta, attempts);
    return handle_result<D>(std::move(r), attempts);
  }

  // Takes its arguments by value: they live in the coroutine frame (see client.h on g++ 12).
  // The cache is used as in handle().
  awaitable<handle_result<D>> async_handle(std::string id, command cmd, command_meta meta) {
    int attempts = 0;
    auto r = co_await async_handle_rounds(std::move(id), std::move(cmd), std::move(meta), attempts);
    co_return handle_result<D>(std::move(r), attempts);
  }

  const repository_options& options() const { return options_; }

 private:
  // handle(): `attempts` is the round in progress when it returns.
  result<handled<D>> handle_rounds(const std::string& id, const command& cmd,
                                   const command_meta& meta, int& attempts) {
    // A cached aggregate is decided on as it is, without reading its stream first: when another
    // writer moved the stream, the append says so (wrong expected version) and the loop catches
    // up. A refusal or a no-op decided on it is only returned after catching up (it may be
    // stale), so the cache saves the read of the common case and never changes an answer.
    loaded a;
    bool current = true;
    if (auto cached = cache_.get(id)) {
      a = std::move(*cached);
      current = false;
    } else {
      CAIRN_TRY(a, load(id));
    }
    for (int attempt = 1; attempt <= options_.attempts_max; ++attempt) {
      attempts = attempt;
      auto step = decide(a, cmd, meta, attempt);
      if (!current && settled_without_append(step)) {
        CAIRN_TRY(catch_up(id, a));
        current = true;
        step = decide(a, cmd, meta, attempt);
      }
      if (!step) return step.error();
      if (step.value().done) return std::move(step.value().outcome);
      auto outcome = streams_.append(options_.topic, id, a.version, step.value().batch);
      if (!outcome) return outcome.error();
      if (auto* ok = std::get_if<appended>(&outcome.value())) {
        return commit(id, a, std::move(step.value().outcome), *ok, meta);
      }
      CAIRN_TRY(catch_up(id, a));  // another writer won: fold its events and decide again
    }
    return errc::retries_exhausted;
  }

  // async_handle(): as handle_rounds. `attempts` lives in the caller's frame, which awaits this.
  awaitable<result<handled<D>>> async_handle_rounds(std::string id, command cmd, command_meta meta,
                                                    int& attempts) {
    loaded a;
    bool current = true;
    if (auto cached = cache_.get(id)) {
      a = std::move(*cached);
      current = false;
    } else {
      auto first = co_await async_load(id);
      if (!first) co_return first.error();
      a = std::move(first).value();
    }
    for (int attempt = 1; attempt <= options_.attempts_max; ++attempt) {
      attempts = attempt;
      auto step = decide(a, cmd, meta, attempt);
      if (!current && settled_without_append(step)) {
        auto caught_up = co_await async_catch_up(id, a);
        if (!caught_up) co_return caught_up.error();
        current = true;
        step = decide(a, cmd, meta, attempt);
      }
      if (!step) co_return step.error();
      if (step.value().done) co_return std::move(step.value().outcome);
      auto outcome = co_await async_append(id, a.version, std::move(step.value().batch));
      if (!outcome) co_return outcome.error();
      if (auto* ok = std::get_if<appended>(&outcome.value())) {
        co_return commit(id, a, std::move(step.value().outcome), *ok, meta);
      }
      auto caught_up = co_await async_catch_up(id, a);
      if (!caught_up) co_return caught_up.error();
    }
    co_return errc::retries_exhausted;
  }

  struct decision {
    bool done = false;  // nothing to append: `outcome` is the answer
    handled<D> outcome{};
    std::vector<event_data> batch{};
  };

  // A refusal or a no-op: answers that append nothing, so no expected version checks them. A
  // duplicate command id is not among them: an id in the aggregate was in the stream.
  static bool settled_without_append(const result<decision>& step) {
    return !step || (step.value().done && !step.value().outcome.duplicate);
  }

  result<decision> decide(const loaded& a, const command& cmd, const command_meta& meta,
                          int attempt) const {
    decision d;
    d.outcome.attempts = attempt;
    if (auto at = a.applied(meta.command_id)) {
      d.done = true;
      d.outcome.version = *at;
      d.outcome.duplicate = true;
      return d;
    }
    CAIRN_TRY(auto events, D::decide(cmd, a.state));
    d.outcome.version = a.version;
    if (events.empty()) {
      d.done = true;
      return d;
    }
    for (const auto& e : events)
      d.batch.push_back(with_headers(e, meta));
    d.outcome.events = std::move(events);
    return d;
  }

  event_data with_headers(const event& e, const command_meta& meta) const {
    auto data = registry_.encode(e);
    auto add = [&](std::string_view key, const std::string& value) {
      if (!value.empty()) data.headers.push_back({std::string(key), value});
    };
    add(kCommandIdHeader, meta.command_id);
    add(kCorrelationIdHeader, meta.correlation_id);
    add(kCausationIdHeader, meta.causation_id);
    return data;
  }

  handled<D> commit(const std::string& id, loaded& a, handled<D> outcome, const appended& ok,
                    const command_meta& meta) {
    a.apply_appended(outcome.events, ok.last_version, meta.command_id, options_.command_ids_max);
    outcome.version = ok.last_version;
    maybe_snapshot(id, a);
    cache_.put(id, a);
    return outcome;
  }

  // The cached aggregate, else the latest usable snapshot, else the initial state.
  loaded starting_point(const std::string& id) {
    if (auto cached = cache_.get(id)) return std::move(*cached);
    return from_snapshot(id);
  }

  std::string snapshot_key(const std::string& id) const { return options_.topic + "/" + id; }

  // A snapshot of another state schema, or one that does not decode, is ignored: the stream is
  // the truth and the snapshot only a cache of it.
  loaded from_snapshot(const std::string& id) const {
    if constexpr (snapshottable<D>) {
      if (snapshots_ == nullptr) return {};
      auto got = snapshots_->get(snapshot_key(id));
      if (!got || !got.value()) return {};
      const auto& s = *got.value();
      if (s.schema_version != D::state_schema_version) return {};
      auto decoded = decode_snapshot<D>(s.bytes, s.version.value());
      if (!decoded) return {};
      return std::move(decoded).value();
    } else {
      (void)id;
      return {};
    }
  }

  // Best effort: a failed snapshot write costs only a longer replay on the next load.
  void maybe_snapshot(const std::string& id, loaded& a) {
    if constexpr (snapshottable<D>) {
      if (snapshots_ == nullptr || !options_.snapshots.due(a.version, a.snapshot_version)) return;
      auto bytes = encode_snapshot<D>(a);
      auto put = snapshots_->put(snapshot_key(id), stream_version{a.version},
                                 D::state_schema_version, bytes);
      if (put) a.snapshot_version = a.version;
    } else {
      (void)id;
      (void)a;
    }
  }

  // Folds one page in; true when the stream's end was reached.
  result<bool> fold_page(loaded& a, const stream_slice& slice) const {
    if (slice.last_version < a.version) {
      // A snapshot newer than its stream (the topic was recreated, or the store belongs to
      // another cluster): it is not a cache of this stream. Start over from the first event.
      a = loaded{};
      return false;
    }
    for (const auto& e : slice.events) {
      CAIRN_TRY(a.apply(registry_, e, options_.command_ids_max));
    }
    return slice.events.empty() || a.version >= slice.last_version;
  }

  result<void> catch_up(const std::string& id, loaded& a) {
    for (int page = 0; page < options_.read_pages_max; ++page) {
      CAIRN_TRY(auto slice, streams_.read(options_.topic, id, a.version + 1));
      CAIRN_TRY(auto end, fold_page(a, slice));
      if (end) return success();
    }
    return errc::stream_too_long;
  }

  awaitable<result<void>> async_catch_up(std::string id, loaded& a) {
    for (int page = 0; page < options_.read_pages_max; ++page) {
      const std::int64_t from = a.version + 1;
      std::string topic = options_.topic;
      std::string key = id;
      auto slice = co_await streams_.async_read(std::move(topic), std::move(key), from, 0);
      if (!slice) co_return slice.error();
      auto end = fold_page(a, slice.value());
      if (!end) co_return end.error();
      if (end.value()) co_return success();
    }
    co_return errc::stream_too_long;
  }

  awaitable<result<append_outcome>> async_append(std::string id, std::int64_t expected,
                                                 std::vector<event_data> batch) {
    std::string topic = options_.topic;
    auto outcome =
        co_await streams_.async_append(std::move(topic), std::move(id), expected, std::move(batch));
    co_return outcome;
  }

  streams streams_;
  const event_registry<event>& registry_;
  repository_options options_;
  lmdb::snapshot_store* snapshots_;
  aggregate_cache<loaded> cache_;
};

}  // namespace cairn::es
