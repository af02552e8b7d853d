#include "broker/net/group_coordinator.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <random>
#include <variant>

#include "broker/errc.h"
#include "eventstore/record/record_batch.h"

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
  Response r;
  r.error = ec;
  return r;
}

}  // namespace

struct group_coordinator::shard {
  shard(asio::io_context& io, const group::registry_config& config) : registry(config), timer(io) {}
  group_registry registry;
  std::shared_ptr<partition> log;
  asio::steady_timer timer;
  std::int64_t appended_end = 0;  // the end of the last batch this shard appended
  // An append to the partition failed: the registry is ahead of the log. It answers
  // coordinator_not_available until the broker restarts and rebuilds it from the log.
  bool broken = false;
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
  std::random_device random;
  for (std::int32_t p = 0; p < config.partitions; ++p) {
    group::registry_config rc{.partition = p,
                              .partitions_count = config.partitions,
                              .group = options_.group,
                              .member_id_seed = (std::uint64_t{random()} << 32) | random()};
    auto s = std::make_unique<shard>(io_, rc);
    CAIRN_TRY(s->log, topics_.get(name, p));
    std::error_code bad;
    std::int64_t bad_offset = -1;
    auto scanned = s->log->log().scan(
        s->log->log_start_offset(), [&](const es::record_batch_view& b) -> result<void> {
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
    arm_timer(*s);
    shards_.push_back(std::move(s));
  }
  return success();
}

group_coordinator::shard& group_coordinator::shard_for(std::string_view group_id) {
  auto count = static_cast<std::int32_t>(shards_.size());
  return *shards_[static_cast<std::size_t>(group::group_partition_for(group_id, count))];
}

const group_coordinator::shard& group_coordinator::shard_for(std::string_view group_id) const {
  auto count = static_cast<std::int32_t>(shards_.size());
  return *shards_[static_cast<std::size_t>(group::group_partition_for(group_id, count))];
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
    if (!appended) co_return appended.error();
    end = appended.value().end_offset();
    s.appended_end = end;
  }
  if (s.log->high_watermark() >= end) co_return std::error_code();
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

template <class T>
asio::awaitable<std::error_code> group_coordinator::settle(shard& s,
                                                           group::registry_output<T>& out) {
  std::error_code persisted = co_await persist(s, out.records);
  if (persisted) {
    spdlog::error(
        "{}: writing group state failed ({}): its groups are unavailable until the "
        "broker restarts",
        kConsumerOffsetsTopic, persisted.message());
    s.broken = true;
    s.timer.cancel();
    // The registry's answers were not made durable: every request it holds fails instead.
    for (auto& [token, h] : held_) {
      if (h->owner != &s || h->answer) continue;
      h->answer = group::join_response{.error = group::errc::coordinator_not_available};
      h->ready.cancel();
    }
    for (auto& c : out.completions) {
      if (std::holds_alternative<group::join_response>(c.response)) {
        c.response = failed<group::join_response>(group::errc::coordinator_not_available);
      } else {
        c.response = failed<group::sync_response>(group::errc::coordinator_not_available);
      }
    }
  }
  deliver(out.completions);
  co_return persisted;
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

void group_coordinator::arm_timer(shard& s) {
  if (stopped_ || s.broken) return;
  auto deadline = s.registry.next_deadline();
  if (!deadline) {
    s.timer.cancel();
    return;
  }
  s.timer.expires_at(steady_clock::time_point(std::chrono::milliseconds(*deadline)));
  s.timer.async_wait([this, &s](const boost::system::error_code& ec) {
    if (ec || stopped_ || s.broken) return;
    asio::co_spawn(
        io_,
        [this, &s]() -> asio::awaitable<void> {
          auto out = s.registry.expire(now_ms());
          arm_timer(s);
          co_await settle(s, out);
        },
        asio::detached);
  });
}

asio::awaitable<group::join_response> group_coordinator::join(group::join_request request) {
  if (stopped_ || shards_.empty()) {
    co_return failed<group::join_response>(group::errc::coordinator_not_available);
  }
  shard& s = shard_for(request.group_id);
  if (s.broken) co_return failed<group::join_response>(group::errc::coordinator_not_available);
  group::request_token token{next_token_++};
  held_[token.value()] = std::make_shared<held>(io_, &s);
  auto out = s.registry.join(request, token, now_ms());
  arm_timer(s);
  std::error_code persisted = co_await settle(s, out);
  if (out.response) {
    held_.erase(token.value());
    if (persisted) co_return failed<group::join_response>(group::errc::coordinator_not_available);
    co_return std::move(*out.response);
  }
  co_return co_await wait_for<group::join_response>(token);
}

asio::awaitable<group::sync_response> group_coordinator::sync(group::sync_request request) {
  if (stopped_ || shards_.empty()) {
    co_return failed<group::sync_response>(group::errc::coordinator_not_available);
  }
  shard& s = shard_for(request.group_id);
  if (s.broken) co_return failed<group::sync_response>(group::errc::coordinator_not_available);
  group::request_token token{next_token_++};
  held_[token.value()] = std::make_shared<held>(io_, &s);
  auto out = s.registry.sync(request, token, now_ms());
  arm_timer(s);
  std::error_code persisted = co_await settle(s, out);
  if (out.response) {
    held_.erase(token.value());
    if (persisted) co_return failed<group::sync_response>(group::errc::coordinator_not_available);
    co_return std::move(*out.response);
  }
  co_return co_await wait_for<group::sync_response>(token);
}

std::error_code group_coordinator::heartbeat(const group::heartbeat_request& request) {
  if (stopped_ || shards_.empty()) return group::errc::coordinator_not_available;
  shard& s = shard_for(request.group_id);
  if (s.broken) return group::errc::coordinator_not_available;
  auto ec = s.registry.heartbeat(request, now_ms());
  arm_timer(s);
  return ec;
}

asio::awaitable<group::leave_response> group_coordinator::leave(group::leave_request request) {
  if (stopped_ || shards_.empty()) {
    co_return failed<group::leave_response>(group::errc::coordinator_not_available);
  }
  shard& s = shard_for(request.group_id);
  if (s.broken) co_return failed<group::leave_response>(group::errc::coordinator_not_available);
  auto out = s.registry.leave(request, now_ms());
  arm_timer(s);
  if (co_await settle(s, out)) {
    co_return failed<group::leave_response>(group::errc::coordinator_not_available);
  }
  co_return std::move(out.response);
}

asio::awaitable<group::commit_response> group_coordinator::commit_offsets(
    group::commit_request request) {
  if (stopped_ || shards_.empty()) {
    co_return failed<group::commit_response>(group::errc::coordinator_not_available);
  }
  shard& s = shard_for(request.group_id);
  if (s.broken) co_return failed<group::commit_response>(group::errc::coordinator_not_available);
  auto out = s.registry.commit_offsets(request, now_ms());
  arm_timer(s);
  if (co_await settle(s, out)) {
    co_return failed<group::commit_response>(group::errc::coordinator_not_available);
  }
  co_return std::move(out.response);
}

asio::awaitable<std::error_code> group_coordinator::delete_group(std::string group_id) {
  if (stopped_ || shards_.empty()) co_return group::errc::coordinator_not_available;
  shard& s = shard_for(group_id);
  if (s.broken) co_return group::errc::coordinator_not_available;
  auto out = s.registry.delete_group(group_id, now_ms());
  arm_timer(s);
  if (co_await settle(s, out)) co_return group::errc::coordinator_not_available;
  co_return out.response;
}

result<std::vector<group::fetched_offset>> group_coordinator::fetch_offsets(
    const std::string& group_id,
    const std::optional<std::vector<group::topic_partition>>& partitions) const {
  if (shards_.empty()) return group::errc::coordinator_not_available;
  const shard& s = shard_for(group_id);
  if (s.broken) return group::errc::coordinator_not_available;
  return s.registry.fetch_offsets(group_id, partitions);
}

result<group::group_description> group_coordinator::describe(const std::string& group_id) const {
  if (shards_.empty()) return group::errc::coordinator_not_available;
  const shard& s = shard_for(group_id);
  if (s.broken) return group::errc::coordinator_not_available;
  return s.registry.describe(group_id);
}

std::vector<group::group_listing> group_coordinator::list_groups() const {
  std::vector<group::group_listing> out;
  for (const auto& s : shards_) {
    if (s->broken) continue;
    auto listed = s->registry.list_groups();
    out.insert(out.end(), listed.begin(), listed.end());
  }
  return out;
}

void group_coordinator::stop() {
  stopped_ = true;
  for (auto& s : shards_)
    s->timer.cancel();
  for (auto& [token, h] : held_) {
    if (h->answer) continue;
    h->answer = group::join_response{.error = group::errc::coordinator_not_available};
    h->ready.cancel();
  }
}

}  // namespace cairn::broker
