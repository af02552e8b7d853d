#include "broker/net/partition_waits.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cairn/protocol/errc.h"

namespace cairn::broker {
namespace asio = boost::asio;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

// `notified` catches a commit that lands while the owner is reading (a timer's cancel() only
// wakes a wait already in progress).
struct partition_waiter {
  explicit partition_waiter(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  bool notified = false;
};

partition_waits::partition_waits(asio::io_context& io, commit_flusher& flusher)
    : io_(io), flusher_(flusher) {}

partition_waits::~partition_waits() = default;

void partition_waits::add(const raft::group_id& key, const std::shared_ptr<partition_waiter>& w) {
  waiters_[key].insert(w);
}

void partition_waits::remove(const raft::group_id& key,
                             const std::shared_ptr<partition_waiter>& w) {
  if (auto it = waiters_.find(key); it != waiters_.end()) {
    it->second.erase(w);
    if (it->second.empty()) waiters_.erase(it);
  }
}

void partition_waits::notify_commit(const std::string& topic, std::int32_t partition) {
  asio::post(io_, [this, key = raft::group_id{topic, partition}] {
    auto it = waiters_.find(key);
    if (it == waiters_.end()) return;
    for (const auto& w : it->second) {
      w->notified = true;
      w->timer.cancel();
    }
  });
}

void partition_waits::stop() {
  stopped_ = true;
  for (auto& [key, waiters] : waiters_) {
    for (const auto& w : waiters) {
      w->notified = true;
      w->timer.cancel();
    }
  }
}

void partition_waits::set_leadership_probe(leadership_probe probe, term_probe term_at) {
  leading_term_ = std::move(probe);
  term_at_ = std::move(term_at);
}

partition_waits::pending_commit partition_waits::make_pending(std::shared_ptr<partition> target,
                                                              std::string_view topic,
                                                              std::int32_t partition,
                                                              std::int64_t end) {
  pending_commit p{.target = std::move(target), .end = end};
  if (p.target->replicated()) {
    p.key = raft::group_id{std::string(topic), partition};
    if (leading_term_) p.term = leading_term_(topic, partition);
  }
  return p;
}

// Replicated partitions: waits until each entry's partition committed past it (the Raft
// commit moves the high watermark), the leadership it was appended under is gone (not_leader:
// the client retries at the new leader, where an idempotent retry is found a duplicate if the
// batch survived), or the deadline passes (request_timed_out).
asio::awaitable<void> partition_waits::await_replicated(
    std::vector<pending_commit*> entries, std::chrono::steady_clock::time_point deadline) {
  std::vector<raft::group_id> keys;
  for (pending_commit* e : entries)
    keys.push_back(e->key);
  watch commits(*this, std::move(keys));
  std::vector<bool> done(entries.size());
  while (true) {
    commits.arm(deadline);
    bool all_done = true;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (done[i]) continue;
      pending_commit& e = *entries[i];
      if (e.target->high_watermark() >= e.end) {
        // Committed up to its end, but maybe a new leader's batch took its place (this broker
        // was deposed, truncated, and caught up in one turn): the batch there must still carry
        // the term it was appended in.
        std::optional<std::int64_t> there;
        if (term_at_) there = term_at_(e.key.topic, e.key.partition, e.end - 1);
        if (!there || there != e.term) e.error = protocol::errc::not_leader;
        done[i] = true;
        continue;
      }
      std::optional<std::int64_t> term;
      if (leading_term_) term = leading_term_(e.key.topic, e.key.partition);
      if (!term || term != e.term) {
        e.error = protocol::errc::not_leader;
        done[i] = true;
        continue;
      }
      all_done = false;
    }
    if (all_done || stopped_) break;
    if (!co_await commits.wait()) break;  // the deadline
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!done[i]) entries[i]->error = protocol::errc::request_timed_out;
  }
}

asio::awaitable<void> partition_waits::await_commits(std::vector<pending_commit>& entries,
                                                     std::chrono::milliseconds timeout) {
  struct waiting {
    explicit waiting(asio::io_context& io) : done(io) {}
    asio::steady_timer done;
    std::size_t remaining = 0;
    // Per entry, set once its commit finished; shared because a late one may land after the
    // answer went out and `entries` is gone.
    std::vector<std::optional<std::error_code>> outcome;
  };
  auto wait = std::make_shared<waiting>(io_);
  wait->outcome.resize(entries.size());
  std::vector<bool> submitted(entries.size());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<pending_commit*> replicated;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    pending_commit& entry = entries[i];
    if (entry.target->replicated()) {
      replicated.push_back(&entry);
      continue;
    }
    if (!entry.target->commit_syncs(entry.end)) {
      // No disk wait (an interval flush due just now may sync).
      if (auto committed = entry.target->commit(entry.end); !committed) {
        entry.error = committed.error();
      }
      continue;
    }
    ++wait->remaining;
    submitted[i] = true;
    flusher_.submit(entry.target, entry.end, [wait, i, &io = io_](result<void> committed) mutable {
      // Moved, so the timer is released on this (the io) thread.
      asio::post(io, [wait = std::move(wait), i, committed] {
        wait->outcome[i] = committed ? std::error_code() : committed.error();
        if (--wait->remaining == 0) wait->done.cancel();
      });
    });
  }
  if (!replicated.empty()) co_await await_replicated(std::move(replicated), deadline);
  if (wait->remaining == 0) co_return;
  wait->done.expires_at(deadline);
  // The completions are posted to this thread, so none can run before this wait begins.
  co_await wait->done.async_wait(use_tuple);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!submitted[i]) continue;
    pending_commit& entry = entries[i];
    const std::optional<std::error_code>& outcome = wait->outcome[i];
    if (outcome) {
      if (*outcome) entry.error = *outcome;
    } else if (entry.target->high_watermark() < entry.end) {
      entry.error = protocol::errc::request_timed_out;
    }
  }
}

asio::awaitable<void> partition_waits::await_produce(produce_plan& plan, bool leader_only,
                                                     std::chrono::milliseconds timeout) {
  std::vector<pending_commit> pending;
  std::vector<produce_entry*> owners;
  for (produce_entry& entry : plan.entries) {
    if (!entry.target) continue;
    if (leader_only && entry.target->replicated()) continue;
    pending.push_back(
        make_pending(entry.target, entry.topic, entry.partition_id, entry.produced.end_offset()));
    owners.push_back(&entry);
  }
  if (pending.empty()) co_return;
  co_await await_commits(pending, timeout);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (pending[i].error) owners[i]->error = pending[i].error;
  }
}

partition_waits::watch::watch(partition_waits& waits, std::vector<raft::group_id> keys)
    : waits_(waits),
      keys_(std::move(keys)),
      waiter_(std::make_shared<partition_waiter>(waits.io_)) {
  for (const auto& k : keys_)
    waits_.add(k, waiter_);
}

partition_waits::watch::~watch() {
  for (const auto& k : keys_)
    waits_.remove(k, waiter_);
}

void partition_waits::watch::arm(std::chrono::steady_clock::time_point deadline) {
  waiter_->notified = waits_.stopped_;
  waiter_->timer.expires_at(deadline);
}

bool partition_waits::watch::notified() const {
  return waiter_->notified;
}

asio::awaitable<bool> partition_waits::watch::wait() {
  if (!waiter_->notified) co_await waiter_->timer.async_wait(use_tuple);
  bool woken = waiter_->notified;
  waiter_->notified = false;
  co_return woken;
}

}  // namespace cairn::broker
