// commit_flusher: the one thread that waits for the disk on behalf of the event loop.
//
// With flush `always`, a produce is acknowledged only after fdatasync. The I/O thread appends
// (a write to the page cache) and hands the commit here; this thread takes every commit queued
// while its previous round ran and syncs each partition once for all of them (group commit),
// then reports each outcome through its callback. The I/O thread never blocks on the disk, and
// no worker thread sits in fdatasync while fetches queue behind it.
//
// Partitions are synced one after another: a round costs one fdatasync per partition with
// pending commits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "broker/partition/partition.h"

namespace cairn::broker {

class commit_flusher {
 public:
  // Runs on the flusher thread, once, with the outcome of partition::commit(end).
  using done_callback = std::function<void(result<void>)>;

  commit_flusher();
  // Finishes every commit already submitted, then joins.
  ~commit_flusher();
  commit_flusher(const commit_flusher&) = delete;
  commit_flusher& operator=(const commit_flusher&) = delete;

  // Commits `p` up to `end` on the flusher thread, then calls `done` there.
  void submit(std::shared_ptr<partition> p, std::int64_t end, done_callback done);

 private:
  struct pending {
    std::shared_ptr<partition> p;
    std::int64_t end = 0;
    done_callback done;
  };

  void run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<pending> queue_;  // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  std::thread thread_;          // last: starts after the members above exist
};

}  // namespace cairn::broker
