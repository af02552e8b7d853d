// aggregate_cache<T>: the most recently used loaded aggregates of a repository, in memory.
//
// Loading an aggregate without a snapshot reads its whole stream; a service that handles many
// commands per aggregate pays that on every command. With the cache, load() starts from the
// cached state and reads only the events after its version (usually none: one index lookup), and
// the expected-version check on append still catches any writer the cache did not see. A cache
// entry is a copy: callers never share state with it. Thread-safe (the blocking forms of a
// repository may run on several threads).
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace cairn::es {

template <class T>
class aggregate_cache {
 public:
  explicit aggregate_cache(std::size_t capacity) : capacity_(capacity) {}

  std::optional<T> get(const std::string& id) {
    std::lock_guard lock(mu_);
    auto it = index_.find(id);
    if (it == index_.end()) return std::nullopt;
    entries_.splice(entries_.begin(), entries_, it->second);  // now the most recent
    return it->second->second;
  }

  void put(const std::string& id, const T& value) {
    if (capacity_ == 0) return;
    std::lock_guard lock(mu_);
    if (auto it = index_.find(id); it != index_.end()) {
      it->second->second = value;
      entries_.splice(entries_.begin(), entries_, it->second);
      return;
    }
    entries_.emplace_front(id, value);
    index_.emplace(id, entries_.begin());
    if (entries_.size() > capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
  }

  void erase(const std::string& id) {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(id); it != index_.end()) {
      entries_.erase(it->second);
      index_.erase(it);
    }
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
  }

 private:
  using entry = std::pair<std::string, T>;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<entry> entries_;  // most recent first
  std::unordered_map<std::string, typename std::list<entry>::iterator> index_;
};

}  // namespace cairn::es
