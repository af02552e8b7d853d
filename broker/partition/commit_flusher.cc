#include "broker/partition/commit_flusher.h"

#include <map>

namespace cairn::broker {

commit_flusher::commit_flusher() : thread_([this] { run(); }) {}

commit_flusher::~commit_flusher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void commit_flusher::submit(std::shared_ptr<partition> p, std::int64_t end, done_callback done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(p), end, std::move(done)});
  }
  wake_.notify_one();
}

void commit_flusher::run() {
  std::vector<pending> round;
  while (true) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to finish
      round.swap(queue_);
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
