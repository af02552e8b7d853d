// cairn::es::projection: a read model kept in LMDB, fed from topic partitions.
//
// Exactly-once into the model: each batch of records is applied in ONE LMDB write transaction
// together with the checkpoint (topic/partition -> next offset), so a crash at any point leaves
// either the whole batch and its checkpoint or neither. Records below a partition's checkpoint
// are skipped, so a consumer that re-delivers (a restart, a retried poll) never applies twice.
//
// On disk, `dir` holds a CURRENT file naming the live generation directory (gen-000001, ...),
// each an LMDB environment with a `checkpoint` database and the user's databases. rebuild()
// replays from offset 0 into a fresh generation while the old one keeps serving queries, then
// switches by renaming a new CURRENT over the old (atomic on POSIX). sdk/README.md has the design.
//
// The model is read and written through read_model_txn (cairn/es/read_model.h): databases by
// the names in projection_options::dbs, values as bytes, JSON or Cap'n Proto, scans by key range.
//
// Threads: apply_batch/run_once/rebuild may run on different threads; query() and lag() from
// any thread but the client's. apply() runs inside a write txn: it must not suspend, block on
// the network, or touch another LMDB environment (LMDB: one txn per thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cairn/client.h"
#include "cairn/consumer.h"
#include "cairn/es/lag.h"
#include "cairn/es/read_model.h"
#include "cairn/lmdb/env.h"
#include "cairn/lmdb/txn.h"

namespace cairn::es {

// The model as apply() and query() see it: a txn on the current generation and its databases
// by name (read_model.h). The old name stays for code written against it.
using projection_txn = read_model_txn;

// Every member has a default, so designated initializers may name only what they set.
struct projection_options {
  std::filesystem::path dir{};                // holds CURRENT and the generation directories
  std::vector<std::string> dbs{};             // the model's databases by name (created on open)
  std::vector<topic_partition> partitions{};  // what the model is built from (assign mode)
  // env.max_dbs must be at least dbs.size() + 1 (the checkpoint database).
  lmdb::env_options env{};
  // A batch that finds the map full doubles env.map_size_bytes (up to this bound) and runs
  // again, instead of failing every time from then on. The map is address space; the file
  // grows only as pages are written. 0: never grow (map_full is returned).
  std::size_t map_size_max_bytes = std::size_t{1} << 40;
  std::int64_t poll_timeout_ms = 500;
};

// Applies one record to the model. An error aborts the whole batch (nothing of it is kept).
using projection_apply = std::function<result<void>(read_model_txn&, const consumer_record&)>;

// Where rebuild() is; reported on stderr when it is a terminal, and to the optional callback.
struct rebuild_progress {
  std::int64_t records_applied = 0;
  std::int64_t records_total = 0;  // sum over partitions of the end offsets captured at start
  double records_per_s = 0;
  double eta_s = 0;
};

struct rebuild_options {
  std::function<void(const rebuild_progress&)> on_progress{};  // after every batch
  bool terminal_progress = true;      // draw a progress line on stderr if it is a terminal
  std::int64_t idle_polls_max = 120;  // empty polls in a row before giving up (bounded wait)
};

class projection {
 public:
  // Opens (creating if missing) the generation named by dir/CURRENT and removes generation
  // directories CURRENT does not name (left by a rebuild that crashed or was switched away).
  static result<std::unique_ptr<projection>> open(projection_options options,
                                                  projection_apply apply);
  ~projection();
  projection(const projection&) = delete;
  projection& operator=(const projection&) = delete;

  // --- no I/O: the core, also what the consumer forms below call ---
  // Applies the records at or above their partition's checkpoint in one write txn with the new
  // checkpoints. Returns how many were applied (the others were already in the model).
  result<std::size_t> apply_batch(const std::vector<consumer_record>& records);
  // topic/partition -> next offset to apply; a partition never applied is absent.
  result<std::map<topic_partition, std::int64_t>> checkpoints() const;

  // --- live: catch up from the checkpoints, then follow ---
  // Assigns options.partitions and seeks each to its checkpoint (the beginning without one).
  // Blocking; call it before run_once/async_run_once, and again after any of them failed
  // (a failed batch leaves the consumer ahead of the model).
  result<void> start(consumer& c);
  // One poll (up to poll_timeout_ms) and one batch. Blocking. After a rebuild switched the
  // generation, it first calls start(c) again: the new generation's checkpoints are behind
  // the live consumer, and the records between them would otherwise never be polled.
  result<std::size_t> run_once(consumer& c);
  // The same on the client's executor; the LMDB txn runs there between suspensions, never
  // across one. REQUIRES: start(c) succeeded (seeking has no coroutine form in the SDK yet);
  // after a rebuild's switch it fails with sdk::errc::no_position until start(c) is called.
  awaitable<result<std::size_t>> async_run_once(consumer& c);

  // --- how far behind: checkpoints against the partitions' high watermarks ---
  // Asks the broker for the high watermarks (Metadata on `cl`); reads the checkpoints in a read
  // txn. Blocking. Every partition of options.partitions is listed, applied or not.
  result<lag_report> lag(client& cl) const;
  // run_once until every partition's checkpoint has reached the high watermark it had when the
  // call began (events appended meanwhile may remain), or `timeout` passed
  // (sdk::errc::timed_out; what was applied stays applied). Returns the records applied.
  // Blocking; seeks `c` to the checkpoints first (start()). A run_once error ends it.
  result<std::size_t> run_until_caught_up(client& cl, consumer& c,
                                          std::chrono::milliseconds timeout);

  // --- rebuild: replay from offset 0 into a fresh generation, then switch ---
  // Uses its own consumer on `cl`. The live model keeps serving (and may keep being fed by
  // run_once) until the switch; after it, queries read the new generation and run_once
  // continues from the new checkpoints (call start() again to re-seek the live consumer).
  result<rebuild_progress> rebuild(client& cl, const rebuild_options& options = {});

  // --- queries: a read txn on the current generation ---
  // The generation a read began on stays open until the read ends, even across a switch.
  result<void> read(const std::function<result<void>(read_model_txn&)>& f) const;
  template <class T>
  result<T> query(const std::function<result<T>(read_model_txn&)>& f) const {
    std::optional<T> out;
    auto done = read([&](read_model_txn& t) -> result<void> {
      auto r = f(t);
      if (!r) return r.error();
      out.emplace(std::move(r).value());
      return success();
    });
    if (!done) return done.error();
    return std::move(*out);
  }

  // Every (db name, key, value) of the model in order: what two models are compared by.
  result<std::string> dump() const;
  std::filesystem::path current_dir() const;

  struct generation;  // sdk/es/projection_generation.h

 private:
  projection(projection_options options, projection_apply apply,
             std::shared_ptr<generation> current);
  std::shared_ptr<generation> current() const;
  // apply_once, growing the map when it is full (see map_size_max_bytes).
  result<std::size_t> apply_to(generation& g, const std::vector<consumer_record>& records);
  result<std::size_t> apply_once(generation& g, const std::vector<consumer_record>& records);

  projection_options options_;
  projection_apply apply_;
  mutable std::mutex mu_;                // guards current_
  std::shared_ptr<generation> current_;  // readers hold a copy for the length of a read
  // The generation whose checkpoints the live consumer was last seeked to (start()). One live
  // consumer per projection: run_once/async_run_once are not called concurrently.
  std::weak_ptr<generation> started_on_;
};

}  // namespace cairn::es
