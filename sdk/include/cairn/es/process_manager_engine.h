// process_engine: the untyped runner under process_manager<P>. It owns the LMDB environment
// (state, checkpoints, outbox, timeouts; sdk/es/process/store.h), applies input records and due
// timeouts, each in ONE write txn with everything it causes, and dispatches the outbox after the
// txn commits (at least once; message ids make the receivers apply each once).
//
// Threads: apply_batch, fire_due_timeouts, the dispatch and run functions are called from one
// thread at a time (the coroutine forms on the client's executor); the queries from any thread.
// The hooks run inside a write txn: they must not suspend, block on the network, or touch
// another LMDB environment.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/client.h"
#include "cairn/consumer.h"
#include "cairn/es/process_manager_errc.h"
#include "cairn/es/process_manager_types.h"
#include "cairn/lmdb/env.h"

namespace cairn::es {

// One input record as the typed front routes it: the instance it concerns and its reaction.
struct routed_input {
  std::string instance{};
  // Called with the instance's state JSON (nullopt: no instance yet); never for a finished one.
  std::function<result<process_step>(std::optional<std::string_view> state_json)> react{};
};

struct process_hooks {
  // nullopt: the record is not for this process manager (skipped; its checkpoint still moves).
  std::function<result<std::optional<routed_input>>(const consumer_record&)> route{};
  // A due timeout of a live instance, with the instance's state JSON.
  std::function<result<process_step>(std::string_view state_json, const process_timeout&)>
      on_timeout;
};

class process_engine {
 public:
  // Opens (creating if missing) the environment in options.dir. Every message already in the
  // outbox is marked maybe_sent: the runner may have died after sending it. invalid_argument
  // without options.name; LMDB's errors as lmdb::condition.
  static result<std::unique_ptr<process_engine>> open(process_options options, process_hooks hooks,
                                                      process_dispatch dispatch);
  ~process_engine();
  process_engine(const process_engine&) = delete;
  process_engine& operator=(const process_engine&) = delete;

  // --- no network: the core ---
  // Applies the records at or above their partition's checkpoint, with the new checkpoints, in
  // one write txn; an error keeps none of them. Returns how many reached an instance.
  result<std::size_t> apply_batch(const std::vector<consumer_record>& records);
  // Fires the timeouts due at the clock's now, earliest first, each in its own write txn, at
  // most options.timeouts_per_round_max. A timeout of a finished or unknown instance is dropped.
  result<std::size_t> fire_due_timeouts();
  // The earliest scheduled timeout's due time.
  result<std::optional<std::int64_t>> next_due_ms() const;

  // Sends the outbox in order until it is empty or a send fails (the error is returned; the
  // message and those after it stay). Returns how many were acknowledged and deleted.
  result<std::size_t> dispatch_outbox();
  awaitable<result<std::size_t>> async_dispatch_outbox();

  // --- live: catch up from the checkpoints, then follow ---
  // Assigns options.partitions and seeks each to its checkpoint (the beginning without one).
  result<void> start(consumer& c);
  // One round: dispatch the outbox, fire due timeouts, poll (up to poll_timeout_ms, less when a
  // timeout falls due sooner), apply the batch, dispatch. Blocking; calls start(c) first when
  // an earlier batch failed (the consumer was then ahead of the checkpoints).
  result<process_round> run_once(consumer& c);
  // The same on the client's executor; LMDB txns run between suspensions, never across one.
  // REQUIRES start(c) (the SDK has no coroutine seek): process_errc::not_started otherwise.
  awaitable<result<process_round>> async_run_once(consumer& c);

  // --- queries: a read txn ---
  result<instance_record> instance(std::string_view id) const;
  result<std::vector<process_message>> outbox() const;
  result<std::vector<process_timeout>> timeouts() const;
  result<std::map<topic_partition, std::int64_t>> checkpoints() const;

  std::int64_t now_ms() const { return options_.clock(); }
  const process_options& options() const { return options_; }

  struct impl;  // sdk/es/process/engine_impl.h

 private:
  process_engine(process_options options, process_hooks hooks, process_dispatch dispatch,
                 std::unique_ptr<impl> state);

  // Loads the next outbox entries to send; marks which ones may have been sent before.
  result<std::vector<process_message>> pending(std::size_t max, std::vector<std::uint64_t>& seqs);
  void tried(std::uint64_t seq);
  result<void> acknowledge(const std::vector<std::uint64_t>& seqs);
  void committed(const std::vector<std::uint64_t>& seqs);

  process_options options_;
  process_hooks hooks_;
  process_dispatch dispatch_;
  std::unique_ptr<impl> impl_;
  // Outbox sequences written by this process and not yet tried: certainly never sent. Any other
  // entry (found at open, or whose send failed) goes out with maybe_sent.
  std::set<std::uint64_t> fresh_;
  bool started_ = false;
};

}  // namespace cairn::es
