#include "broker/net/group_coordinator.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <random>
#include <type_traits>
#include <variant>

#include "broker/errc.h"
#include "eventstore/record/record_batch.h"
#include "protocol/wire_errc.h"

namespace cairn::broker {

namespace asio = boost::asio;
namespace es = cairn::eventstore;
using group::group_registry;
using std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <class Response>
Response failed(std::error_code ec) {
  if constexpr (std::is_same_v<Response, std::error_code>) {
    return ec;  // DeleteGroups answers with the error alone
  } else {
    Response r;
    r.error = ec;
    return r;
  }
}

}  // namespace

struct group_coordinator::shard {
  shard(asio::io_context& io, const group::registry_config& config)
      : registry(config), timer(io), commit_wake(io, asio::steady_timer::time_point::max()) {}
  group_registry registry;
  std::shared_ptr<partition> log;
  asio::steady_timer timer;
  std::int64_t appended_end = 0;  // the end of the last batch this shard appended
  // An append to the partition failed: the registry is ahead of the log. It answers
  // coordinator_not_available until the broker restarts and rebuilds it from the log.
  bool broken = false;
  // Cluster mode: writes waiting for their commit wait on this timer (never expiring);
  // on_commit() and a lost leadership cancel it to wake them all.
  asio::steady_timer commit_wake;
  bool lost = false;  // cluster mode: no longer the partition's leader
};

// A JoinGroup or SyncGroup the group holds, waiting for its answer.
struct group_coordinator::held {
  explicit held(asio::io_context& io, shard* s)
      : ready(io, asio::steady_timer::time_point::max()), owner(s) {}
  asio::steady_timer ready;
  shard* owner;
  std::optional<std::variant<group::join_response, group::sync_response>> answer;
};

group_coordinator::group_coordinator(asio::io_context& io, topic_manager& topics,
                                     commit_flusher& flusher, coordinator_options options)
    : io_(io), topics_(topics), flusher_(flusher), options_(options) {}

group_coordinator::~group_coordinator() = default;

std::int64_t group_coordinator::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             steady_clock::now().time_since_epoch())
      .count();
}

result<void> group_coordinator::load() {
  std::string name(kConsumerOffsetsTopic);
  auto existing = topics_.describe(name);
  if (!existing) {
    topic_config config{.name = name,
                        .partitions = options_.offsets_partitions,
                        .retention_ms = -1,
                        .cleanup = cleanup_policy::compact};
    CAIRN_TRY(topics_.create(config));
    existing = topics_.describe(name);
  }
  CAIRN_TRY(auto config, std::move(existing));
  // The partition count on disk wins: groups hash to partitions by it.
  for (std::int32_t p = 0; p < config.partitions; ++p) {
    CAIRN_TRY(auto s, load_shard(p, config.partitions));
    arm_timer(s);
    shards_.push_back(std::move(s));
  }
  return success();
}

result<std::shared_ptr<group_coordinator::shard>> group_coordinator::load_shard(
    std::int32_t p, std::int32_t partitions) {
  const std::string name(kConsumerOffsetsTopic);
  std::random_device random;
  group::registry_config rc{.partition = p,
                            .partitions_count = partitions,
                            .group = options_.group,
                            .member_id_seed = (std::uint64_t{random()} << 32) | random()};
  auto s = std::make_shared<shard>(io_, rc);
  CAIRN_TRY(s->log, topics_.get(name, p));
  std::error_code bad;
  std::int64_t bad_offset = -1;
  auto scanned = s->log->log().scan(
      s->log->log_start_offset(), [&](const es::record_batch_view& b) -> result<void> {
        // Control batches (a Raft leader's no-op, a configuration) carry no group state.
        if ((b.header().attributes & es::batch_layout::kControl) != 0) return success();
        for (const es::record_view& r : b) {
          std::error_code ec = r.key ? s->registry.replay(*r.key, r.value)
                                     : std::error_code(group::errc::record_malformed);
          if (ec) {
            bad = ec;
            bad_offset = b.base_offset() + r.offset_delta;
            return ec;
          }
        }
        return success();
      });
  if (bad) {
    spdlog::critical(
        "{} partition {}: the record at offset {} does not decode ({}): refusing to "
        "serve its groups",
        name, p, bad_offset, bad.message());
    return bad;
  }
  if (!scanned) return scanned.error();
  auto summary = s->registry.finish_replay(now_ms());
  if (summary.groups > 0 || summary.offsets > 0) {
    spdlog::info("{} partition {}: {} groups, {} committed offsets restored", name, p,
                 summary.groups, summary.offsets);
  }
  // What this log holds beyond the commit (a new leader's tail) is answered from only once
  // committed, like any write.
  s->appended_end = s->log->log_end_offset();
  return s;
}

void group_coordinator::start_clustered(std::int32_t offsets_partitions) {
  clustered_ = true;
  shards_.assign(static_cast<std::size_t>(offsets_partitions), nullptr);
}

void group_coordinator::on_leadership_gained(std::int32_t p) {
  if (!clustered_ || stopped_ || p < 0 || p >= static_cast<std::int32_t>(shards_.size())) return;
  on_leadership_lost(p);
  auto loaded = load_shard(p, static_cast<std::int32_t>(shards_.size()));
  if (!loaded) {
    spdlog::error("{} partition {}: cannot serve its groups: {}", kConsumerOffsetsTopic, p,
                  loaded.error().message());
    return;
  }
  arm_timer(loaded.value());
  shards_[static_cast<std::size_t>(p)] = std::move(loaded).value();
  spdlog::info("{} partition {}: coordinating its groups", kConsumerOffsetsTopic, p);
}

void group_coordinator::on_leadership_lost(std::int32_t p) {
  if (!clustered_ || p < 0 || p >= static_cast<std::int32_t>(shards_.size())) return;
  std::shared_ptr<shard> s = std::move(shards_[static_cast<std::size_t>(p)]);
  if (!s) return;
  s->lost = true;
  s->timer.cancel();
  s->commit_wake.cancel();
  fail_held(s.get(), group::errc::not_coordinator);
}

void group_coordinator::on_commit(std::int32_t p) {
  if (p < 0 || p >= static_cast<std::int32_t>(shards_.size())) return;
  if (const auto& s = shards_[static_cast<std::size_t>(p)]) s->commit_wake.cancel();
}

std::shared_ptr<group_coordinator::shard> group_coordinator::shard_for(
    std::string_view group_id) const {
  if (shards_.empty()) return nullptr;
  auto count = static_cast<std::int32_t>(shards_.size());
  return shards_[static_cast<std::size_t>(group::group_partition_for(group_id, count))];
}

std::error_code group_coordinator::unavailable(const shard* s) const {
  if (stopped_) return group::errc::coordinator_not_available;
  if (s == nullptr) {
    return clustered_ ? group::errc::not_coordinator : group::errc::coordinator_not_available;
  }
  if (s->lost) return group::errc::not_coordinator;
  if (s->broken) return group::errc::coordinator_not_available;
  return {};
}

asio::awaitable<std::error_code> group_coordinator::persist(
    shard& s, const std::vector<group::offsets_record>& records) {
  // A call that wrote nothing may still answer from state whose records are in flight (another
  // call's, appended but not yet durable): it waits for those too.
  std::int64_t end = s.appended_end;
  if (!records.empty()) {
    es::record_batch_builder builder;
    std::int64_t at = wall_ms();
    for (const auto& r : records) {
      std::optional<std::string_view> value;
      if (r.value) value = *r.value;
      builder.add({.key = r.key, .value = value, .timestamp_ms = at});
    }
    std::string bytes = builder.finish();
    auto appended = s.log->append(std::span<char>(bytes.data(), bytes.size()));
    if (!appended) {
      // Cluster mode: the partition's leadership moved under this write.
      if (clustered_ && appended.error() == protocol::errc::not_leader) {
        co_return group::errc::not_coordinator;
      }
      co_return appended.error();
    }
    end = appended.value().end_offset();
    s.appended_end = end;
  }
  if (s.log->high_watermark() >= end) co_return std::error_code();
  if (clustered_) co_return co_await wait_replicated(s, end);
  if (!s.log->commit_syncs(end)) {
    auto committed = s.log->commit(end);
    co_return committed ? std::error_code() : committed.error();
  }
  struct waiting {
    explicit waiting(asio::io_context& io) : done(io, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done;
    std::optional<std::error_code> outcome;
  };
  auto wait = std::make_shared<waiting>(io_);
  flusher_.submit(s.log, end, [wait, &io = io_](result<void> committed) mutable {
    asio::post(io, [wait = std::move(wait), committed] {
      wait->outcome = committed ? std::error_code() : committed.error();
      wait->done.cancel();
    });
  });
  // The completion is posted to this thread, so it cannot run before this wait begins.
  co_await wait->done.async_wait(use_tuple);
  co_return wait->outcome.value_or(std::error_code(group::errc::coordinator_not_available));
}

asio::awaitable<std::error_code> group_coordinator::wait_replicated(shard& s, std::int64_t end) {
  // Woken by on_commit() and by a lost leadership; a leader that cannot reach a quorum steps
  // down within an election timeout (check quorum), so this wait is bounded.
  while (s.log->high_watermark() < end && !s.lost && !stopped_) {
    co_await s.commit_wake.async_wait(use_tuple);
  }
  if (s.log->high_watermark() >= end) co_return std::error_code();
  co_return group::errc::not_coordinator;
}

template <class T>
asio::awaitable<std::error_code> group_coordinator::settle(shard& s,
                                                           group::registry_output<T>& out) {
  std::error_code persisted = co_await persist(s, out.records);
  if (persisted) {
    // Cluster mode: the partition's leadership moved; the new leader rebuilds these groups from
    // its log, and clients find it through FindCoordinator.
    const bool moved = persisted == group::errc::not_coordinator;
    const std::error_code answer = moved ? persisted : group::errc::coordinator_not_available;
    if (moved) {
      s.lost = true;
    } else {
      spdlog::error(
          "{}: writing group state failed ({}): its groups are unavailable until the "
          "broker restarts",
          kConsumerOffsetsTopic, persisted.message());
      s.broken = true;
    }
    s.timer.cancel();
    // The registry's answers were not made durable: every request it holds fails instead.
    fail_held(&s, answer);
    for (auto& c : out.completions) {
      if (std::holds_alternative<group::join_response>(c.response)) {
        c.response = failed<group::join_response>(answer);
      } else {
        c.response = failed<group::sync_response>(answer);
      }
    }
  }
  deliver(out.completions);
  co_return persisted;
}

void group_coordinator::fail_held(const shard* owner, std::error_code ec) {
  for (auto& [token, h] : held_) {
    if ((owner != nullptr && h->owner != owner) || h->answer) continue;
    // Either alternative carries the error: wait_for() answers it in the response it waits for.
    h->answer = group::join_response{.error = ec};
    h->ready.cancel();
  }
}

void group_coordinator::deliver(std::vector<group::completion>& completions) {
  for (auto& c : completions) {
    auto it = held_.find(c.token.value());
    if (it == held_.end()) continue;
    it->second->answer = std::move(c.response);
    it->second->ready.cancel();
    held_.erase(it);
  }
}

template <class Response>
asio::awaitable<Response> group_coordinator::wait_for(group::request_token token) {
  auto it = held_.find(token.value());
  if (it == held_.end()) co_return failed<Response>(group::errc::coordinator_not_available);
  std::shared_ptr<held> h = it->second;
  if (!h->answer) co_await h->ready.async_wait(use_tuple);
  held_.erase(token.value());
  if (h->answer && std::holds_alternative<Response>(*h->answer)) {
    co_return std::get<Response>(std::move(*h->answer));
  }
  std::error_code ec = group::errc::coordinator_not_available;
  if (h->answer) {
    ec = std::visit([](const auto& r) { return r.error; }, *h->answer);
    if (!ec) ec = group::errc::coordinator_not_available;
  }
  co_return failed<Response>(ec);
}

void group_coordinator::arm_timer(const std::shared_ptr<shard>& s) {
  if (stopped_ || s->broken || s->lost) return;
  auto deadline = s->registry.next_deadline();
  if (!deadline) {
    s->timer.cancel();
    return;
  }
  s->timer.expires_at(steady_clock::time_point(std::chrono::milliseconds(*deadline)));
  s->timer.async_wait([this, weak = std::weak_ptr<shard>(s)](const boost::system::error_code& ec) {
    std::shared_ptr<shard> s = weak.lock();
    if (ec || !s || stopped_ || s->broken || s->lost) return;
    asio::co_spawn(
        io_,
        [this, s]() -> asio::awaitable<void> {
          auto out = s->registry.expire(now_ms());
          arm_timer(s);
          co_await settle(*s, out);
        },
        asio::detached);
  });
}

// The steps every write shares: find the group's shard and check it serves, let the registry
// decide (`step`), re-arm the expiry timer, and make the records durable before answering. A
// failed write answers its error in place of the registry's answer.
template <class Response, class Step>
asio::awaitable<Response> group_coordinator::write(std::string_view group_id, Step step) {
  std::shared_ptr<shard> s = shard_for(group_id);
  if (auto ec = unavailable(s.get())) co_return failed<Response>(ec);
  auto out = step(s->registry, now_ms());
  arm_timer(s);
  if (auto persisted = co_await settle(*s, out)) co_return failed<Response>(persisted);
  co_return std::move(out.response);
}

// write() for a request the group may hold (JoinGroup, SyncGroup): it is registered under a
// token before the registry sees it, and when the registry does not answer at once it waits
// until a later call (or the expiry timer) completes it.
template <class Response, class Step>
asio::awaitable<Response> group_coordinator::write_held(std::string_view group_id, Step step) {
  std::shared_ptr<shard> s = shard_for(group_id);
  if (auto ec = unavailable(s.get())) co_return failed<Response>(ec);
  group::request_token token{next_token_++};
  held_[token.value()] = std::make_shared<held>(io_, s.get());
  auto out = step(s->registry, token, now_ms());
  arm_timer(s);
  std::error_code persisted = co_await settle(*s, out);
  if (!out.response) co_return co_await wait_for<Response>(token);
  held_.erase(token.value());
  if (persisted) co_return failed<Response>(persisted);
  co_return std::move(*out.response);
}

asio::awaitable<group::join_response> group_coordinator::join(group::join_request request) {
  co_return co_await write_held<group::join_response>(
      request.group_id, [&](group_registry& r, group::request_token token, std::int64_t now) {
        return r.join(request, token, now);
      });
}

asio::awaitable<group::sync_response> group_coordinator::sync(group::sync_request request) {
  co_return co_await write_held<group::sync_response>(
      request.group_id, [&](group_registry& r, group::request_token token, std::int64_t now) {
        return r.sync(request, token, now);
      });
}

std::error_code group_coordinator::heartbeat(const group::heartbeat_request& request) {
  std::shared_ptr<shard> s = shard_for(request.group_id);
  if (auto ec = unavailable(s.get())) return ec;
  auto ec = s->registry.heartbeat(request, now_ms());
  arm_timer(s);
  return ec;
}

asio::awaitable<group::leave_response> group_coordinator::leave(group::leave_request request) {
  co_return co_await write<group::leave_response>(
      request.group_id, [&](group_registry& r, std::int64_t now) { return r.leave(request, now); });
}

asio::awaitable<group::commit_response> group_coordinator::commit_offsets(
    group::commit_request request) {
  co_return co_await write<group::commit_response>(
      request.group_id,
      [&](group_registry& r, std::int64_t now) { return r.commit_offsets(request, now); });
}

asio::awaitable<std::error_code> group_coordinator::delete_group(std::string group_id) {
  co_return co_await write<std::error_code>(
      group_id, [&](group_registry& r, std::int64_t now) { return r.delete_group(group_id, now); });
}

result<std::vector<group::fetched_offset>> group_coordinator::fetch_offsets(
    const std::string& group_id,
    const std::optional<std::vector<group::topic_partition>>& partitions) const {
  std::shared_ptr<shard> s = shard_for(group_id);
  if (auto ec = unavailable(s.get())) return ec;
  return s->registry.fetch_offsets(group_id, partitions);
}

result<group::group_description> group_coordinator::describe(const std::string& group_id) const {
  std::shared_ptr<shard> s = shard_for(group_id);
  if (auto ec = unavailable(s.get())) return ec;
  return s->registry.describe(group_id);
}

std::vector<group::group_listing> group_coordinator::list_groups() const {
  std::vector<group::group_listing> out;
  for (const auto& s : shards_) {
    if (!s || s->broken || s->lost) continue;
    auto listed = s->registry.list_groups();
    out.insert(out.end(), listed.begin(), listed.end());
  }
  return out;
}

void group_coordinator::stop() {
  stopped_ = true;
  for (auto& s : shards_) {
    if (!s) continue;
    s->timer.cancel();
    s->commit_wake.cancel();
  }
  fail_held(nullptr, group::errc::coordinator_not_available);
}

}  // namespace cairn::broker
