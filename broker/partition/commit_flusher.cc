#include "broker/partition/commit_flusher.h"

#include <cstdint>
#include <map>

#include "cairn/base/assert.h"

namespace cairn::broker {

commit_flusher::commit_flusher(std::size_t lanes) {
  CAIRN_ASSERT(lanes >= 1, "a commit_flusher needs a lane");
  for (std::size_t i = 0; i < lanes; ++i) {
    auto l = std::make_unique<lane>();
    l->thread = std::thread([raw = l.get()] { run(*raw); });
    lanes_.push_back(std::move(l));
  }
}

commit_flusher::~commit_flusher() {
  for (auto& l : lanes_) {
    {
      std::lock_guard lock(l->mu);
      l->stopping = true;
    }
    l->wake.notify_one();
  }
  for (auto& l : lanes_)
    l->thread.join();
}

void commit_flusher::submit(std::shared_ptr<partition> p, std::int64_t end, done_callback done) {
  lane& l = *lanes_[lane_of(p.get(), lanes_.size())];
  {
    std::lock_guard lock(l.mu);
    l.queue.push_back({std::move(p), end, std::move(done)});
  }
  l.wake.notify_one();
}

std::size_t commit_flusher::lane_of(const partition* p, std::size_t lanes) {
  // Fibonacci hashing: the multiplication spreads every address bit into the top bits.
  auto mixed =
      static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)) * 0x9E3779B97F4A7C15ULL;
  return static_cast<std::size_t>((mixed >> 56) % lanes);
}

void commit_flusher::run(lane& l) {
  std::vector<pending> round;
  while (true) {
    {
      std::unique_lock lock(l.mu);
      l.wake.wait(lock, [&l] { return l.stopping || !l.queue.empty(); });
      if (l.queue.empty()) return;  // stopping, and nothing left to finish
      round.swap(l.queue);
    }
    // One commit per partition, to the furthest end asked for: it covers the others.
    std::map<partition*, std::int64_t> furthest;
    for (const pending& c : round) {
      auto [it, inserted] = furthest.try_emplace(c.p.get(), c.end);
      if (!inserted) it->second = std::max(it->second, c.end);
    }
    std::map<partition*, result<void>> outcome;
    for (const auto& [p, end] : furthest)
      outcome.emplace(p, p->commit(end));
    for (pending& c : round)
      c.done(outcome.at(c.p.get()));
    round.clear();
  }
}

}  // namespace cairn::broker
