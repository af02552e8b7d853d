// cairn::consumer's group side: subscribe, the group's turn in poll(), commits, pause/resume and
// close. The membership itself (join, sync, heartbeats) is group_membership.
#include <boost/asio/co_spawn.hpp>

#include "cairn/consumer.h"
#include "sdk/client/consumer_state.h"

namespace cairn {

namespace asio = boost::asio;
using std::chrono::steady_clock;

void consumer_detail::deliver(const rebalance_listener& listener, const sdk::group_event& event) {
  using kind = sdk::group_event::kind;
  switch (event.what) {
    case kind::assigned:
      if (listener.on_assigned) listener.on_assigned(event.partitions);
      return;
    case kind::revoked:
      if (event.partitions.empty()) return;
      if (listener.on_revoked) listener.on_revoked(event.partitions);
      return;
    case kind::lost:
      if (event.partitions.empty()) return;
      if (listener.on_lost) {
        listener.on_lost(event.partitions);
      } else if (listener.on_revoked) {
        listener.on_revoked(event.partitions);
      }
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// consumer::state

void consumer::state::apply_removals() {
  if (pending_removal.empty()) return;
  for (const auto& tp : pending_removal) {
    positions.erase(tp);
    paused.erase(tp);
    needs_committed.erase(tp);
  }
  pending_removal.clear();
  invalidate();
}

std::map<topic_partition, std::int64_t> consumer::state::commit_positions() const {
  std::map<topic_partition, std::int64_t> out;
  for (const auto& [tp, pos] : positions) {
    if (pos) out.emplace(tp, *pos);
  }
  return out;
}

asio::awaitable<result<std::optional<sdk::group_event>>> consumer::state::group_turn(
    const consumer_options& options) {
  apply_removals();
  auto g = group;
  BOOST_OUTCOME_CO_TRY(auto event, g->step());
  auto now = steady_clock::now();
  if (!event) {
    if (options.auto_commit && now >= next_auto_commit) {
      next_auto_commit = now + std::chrono::milliseconds(options.auto_commit_interval_ms);
      auto offsets = commit_positions();
      std::string metadata;
      // A failed auto-commit is retried at the next interval; the group's reaction to it (a
      // rejoin, lost partitions) shows at the next step.
      auto committed = co_await g->commit(std::move(offsets), std::move(metadata));
      (void)committed;
    }
    co_return std::nullopt;
  }
  using kind = sdk::group_event::kind;
  switch (event->what) {
    case kind::assigned:
      for (const auto& tp : event->partitions) {
        positions.emplace(tp, std::nullopt);
        needs_committed.insert(tp);
      }
      invalidate();
      break;
    case kind::revoked:
      if (options.auto_commit) {
        // Kafka's order: commit what was read, then tell the application.
        std::map<topic_partition, std::int64_t> offsets;
        for (const auto& tp : event->partitions) {
          auto it = positions.find(tp);
          if (it != positions.end() && it->second) offsets.emplace(tp, *it->second);
        }
        std::string metadata;
        auto committed = co_await g->commit(std::move(offsets), std::move(metadata));
        (void)committed;
      }
      pending_removal = event->partitions;
      break;
    case kind::lost:
      pending_removal = event->partitions;
      break;
  }
  co_return event;
}

// ---------------------------------------------------------------------------------------------
// consumer

consumer::~consumer() {
  close();
}

result<void> consumer::subscribe(std::vector<std::string> topics, std::string group,
                                 rebalance_listener listener) {
  auto& c = client_.impl();
  CAIRN_TRY(auto config, sdk::membership_config::make(options_, std::move(topics), std::move(group),
                                                      c.options().client_id));
  result<void> out = success();
  c.run_blocking([&]() -> asio::awaitable<void> {
    if (state_->closed) {
      out = sdk::errc::consumer_closed;
    } else if (state_->manual) {
      out = sdk::errc::subscription_conflict;
    } else if (state_->group && state_->group->config().group_id != config.group_id) {
      out = sdk::errc::subscription_conflict;
    } else if (state_->group) {
      state_->group->resubscribe(config.topics);
    } else {
      state_->positions.clear();
      state_->paused.clear();
      state_->invalidate();
      state_->group = std::make_shared<sdk::group_membership>(c, std::move(config));
      state_->next_auto_commit =
          steady_clock::now() + std::chrono::milliseconds(options_.auto_commit_interval_ms);
    }
    co_return;
  });
  if (out) listener_ = std::move(listener);
  return out;
}

void consumer::unsubscribe() {
  auto& c = client_.impl();
  std::vector<topic_partition> owned;
  bool lost = false;
  bool subscribed = false;
  c.run_blocking([&]() -> asio::awaitable<void> {
    state_->apply_removals();
    auto g = state_->group;
    if (!g) co_return;
    subscribed = true;
    lost = g->partitions_lost();
    if (options_.auto_commit && !lost) {
      auto offsets = state_->commit_positions();
      std::string metadata;
      auto committed = co_await g->commit(std::move(offsets), std::move(metadata));
      (void)committed;  // best effort: the member is leaving
    }
    // What the application was told it owns (an assignment not yet handed out is not revoked).
    for (const auto& [tp, pos] : state_->positions)
      owned.push_back(tp);
  });
  if (!subscribed) return;
  consumer_detail::deliver(
      listener_, {lost ? sdk::group_event::kind::lost : sdk::group_event::kind::revoked, owned});
  c.run_blocking([&]() -> asio::awaitable<void> {
    if (auto g = state_->group) {
      std::string reason = "the consumer unsubscribed or closed";
      co_await g->leave(std::move(reason));
    }
    state_->group.reset();
    state_->positions.clear();
    state_->paused.clear();
    state_->needs_committed.clear();
    state_->pending_removal.clear();
    state_->invalidate();
  });
  listener_ = {};
}

void consumer::close() {
  bool closed = false;
  client_.impl().run_blocking([&]() -> asio::awaitable<void> {
    closed = state_->closed;
    co_return;
  });
  if (closed) return;
  unsubscribe();
  client_.impl().run_blocking([&]() -> asio::awaitable<void> {
    state_->closed = true;
    state_->positions.clear();
    state_->paused.clear();
    state_->manual = false;
    state_->invalidate();
    co_return;
  });
}

std::optional<group_membership_info> consumer::group_membership() const {
  std::optional<group_membership_info> out;
  client_.impl().run_blocking([&]() -> asio::awaitable<void> {
    if (state_->group) out = state_->group->info();
    co_return;
  });
  return out;
}

asio::awaitable<result<void>> consumer::async_commit() {
  auto g = state_->group;
  if (!g) co_return sdk::errc::not_subscribed;
  auto offsets = state_->commit_positions();
  std::string metadata;
  co_return co_await g->commit(std::move(offsets), std::move(metadata));
}

asio::awaitable<result<void>> consumer::async_commit(
    std::map<topic_partition, std::int64_t> offsets, std::string metadata) {
  auto g = state_->group;
  if (!g) co_return sdk::errc::not_subscribed;
  co_return co_await g->commit(std::move(offsets), std::move(metadata));
}

result<void> consumer::commit() {
  return client_.impl().block_on<result<void>>([&] { return async_commit(); });
}

result<void> consumer::commit(std::map<topic_partition, std::int64_t> offsets,
                              std::string metadata) {
  return client_.impl().block_on<result<void>>(
      [&] { return async_commit(std::move(offsets), std::move(metadata)); });
}

result<std::map<topic_partition, std::int64_t>> consumer::committed(
    std::vector<topic_partition> tps) {
  using answer = result<std::map<topic_partition, std::int64_t>>;
  return client_.impl().block_on<answer>([&]() -> asio::awaitable<answer> {
    auto g = state_->group;
    if (!g) co_return sdk::errc::not_subscribed;
    co_return co_await g->fetch_committed(std::move(tps));
  });
}

namespace {

// pause() and resume(): every partition must be read by this consumer; then the set changes and
// the buffer and fetch ahead are dropped (they were fetched for the old set).
// (A template: consumer::state is private, and a deduced type needs no name.)
template <class State>
result<void> set_paused(client_impl& c, State& state, const std::vector<topic_partition>& tps,
                        bool pause) {
  result<void> out = success();
  c.run_blocking([&]() -> asio::awaitable<void> {
    for (const auto& tp : tps) {
      if (!state.positions.contains(tp)) {
        out = sdk::errc::not_assigned;
        co_return;
      }
    }
    for (const auto& tp : tps) {
      if (pause) {
        state.paused.insert(tp);
      } else {
        state.paused.erase(tp);
      }
    }
    state.invalidate();
    co_return;
  });
  return out;
}

}  // namespace

result<void> consumer::pause(const std::vector<topic_partition>& tps) {
  return set_paused(client_.impl(), *state_, tps, true);
}

result<void> consumer::resume(const std::vector<topic_partition>& tps) {
  return set_paused(client_.impl(), *state_, tps, false);
}

std::vector<topic_partition> consumer::paused() const {
  std::vector<topic_partition> out;
  client_.impl().run_blocking([&]() -> asio::awaitable<void> {
    out.assign(state_->paused.begin(), state_->paused.end());
    co_return;
  });
  return out;
}

}  // namespace cairn
