// commit_flusher: the threads that wait for the disk on behalf of the event loop.
//
// With flush `always`, a produce is acknowledged only after fdatasync. The I/O thread appends
// (a write to the page cache) and hands the commit here. Each partition belongs to one lane (a
// thread, chosen by hashing the partition), so one partition's commits stay in order while
// different partitions sync in parallel. A lane takes every commit queued while its previous
// round ran and syncs each of its partitions once for all of them (group commit), then reports
// each outcome through its callback. The I/O thread never blocks on the disk, and no worker
// thread sits in fdatasync while fetches queue behind it.
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
  // Runs on a flusher thread, once, with the outcome of partition::commit(end).
  using done_callback = std::function<void(result<void>)>;

  // REQUIRES: lanes >= 1.
  explicit commit_flusher(std::size_t lanes = 4);
  // Finishes every commit already submitted, then joins.
  ~commit_flusher();
  commit_flusher(const commit_flusher&) = delete;
  commit_flusher& operator=(const commit_flusher&) = delete;

  // Commits `p` up to `end` on its lane's thread, then calls `done` there.
  void submit(std::shared_ptr<partition> p, std::int64_t end, done_callback done);

  // The lane of a partition. Its address is mixed first: heap addresses are multiples of 16 (or
  // more), and `address % lanes` put every partition on lane 0, one thread syncing all files.
  static std::size_t lane_of(const partition* p, std::size_t lanes);

 private:
  struct pending {
    std::shared_ptr<partition> p;
    std::int64_t end = 0;
    done_callback done;
  };
  struct lane {
    std::mutex mu;
    std::condition_variable wake;
    std::vector<pending> queue;  // guarded by mu
    bool stopping = false;       // guarded by mu
    std::thread thread;
  };

  static void run(lane& l);

  std::vector<std::unique_ptr<lane>> lanes_;
};

}  // namespace cairn::broker
