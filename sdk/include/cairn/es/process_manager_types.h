// The untyped values a process manager's runner works with: messages in its outbox, timeouts,
// one input's outcome (a step), options, and the dispatch functions that deliver messages.
// The typed front (process_manager.h) turns a process definition's reactions into these.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cairn/client.h"
#include "cairn/consumer.h"
#include "cairn/lmdb/env.h"

namespace cairn::es {

enum class message_kind : std::uint8_t {
  command,  // handed to the user's command sender (e.g. repository<D>::handle)
  event,    // appended to the stream `key` of `topic`
};

// A message a process instance emits. The reaction fills kind..data; the runner fills the ids
// when it writes the message to the outbox.
struct process_message {
  message_kind kind = message_kind::command;
  std::string topic{};  // event: the topic; command: the topic of the target aggregate
  std::string key{};    // event: the stream key; command: the target aggregate id
  std::string type{};   // the stable type name (`type` header / command name)
  std::string data{};   // JSON
  // Deterministic: "<process name>/<instance>/<cause>/<index>", sent as the `command-id` header so
  // a message sent again after a crash is recognised (repository command ids, or the stream
  // check of broker_dispatch) and applied once.
  std::string id{};
  std::string correlation_id{};  // the instance id: replies that carry it correlate back
  std::string causation_id{};    // the input: "topic/partition/offset" or "timeout/<name>/<due_ms>"
  // Set by the runner when this message may have been sent before (it was in the outbox when the
  // runner opened, or an earlier attempt failed): the sender must check before sending again.
  bool maybe_sent = false;

  bool operator==(const process_message&) const = default;
};

// A timeout to schedule: it fires once on the runner's clock (epoch ms), unless cancelled or the
// instance finishes first. Scheduling a name again replaces the earlier one. Due at at_ms when set
// (e.g. the input's timestamp + 15 min: the same on a replay), else after_ms after the runner's
// clock when the input is applied (reactions stay pure: they never read a clock).
struct timeout_request {
  std::string name{};
  std::optional<std::int64_t> at_ms{};
  std::int64_t after_ms = 0;
  std::string payload{};  // handed back to on_timeout

  bool operator==(const timeout_request&) const = default;
};

// A timeout as stored and as handed to on_timeout.
struct process_timeout {
  std::string instance{};
  std::string name{};
  std::int64_t due_ms = 0;
  std::string payload{};

  bool operator==(const process_timeout&) const = default;
};

// One input's effect on one instance: what the runner writes in the input's write txn.
struct process_step {
  enum class outcome : std::uint8_t {
    ignore,  // nothing happens (messages and timeouts must be empty)
    next,    // the instance continues with state_json
    finish,  // the instance ends: its state becomes a tombstone and its timeouts are dropped
  };
  outcome what = outcome::ignore;
  std::string state_json{};
  std::vector<process_message> messages{};
  std::vector<timeout_request> schedule{};
  std::vector<std::string> cancel{};  // applied before `schedule`: cancel + schedule = reschedule
};

enum class instance_status : std::uint8_t { none, live, finished };

struct instance_record {
  instance_status status = instance_status::none;
  std::string state_json{};  // live only
};

// Delivers one message; success acknowledges it (the runner deletes it from the outbox). An error
// leaves it for the next round (in order: later messages wait), so return errors only for what
// a retry may fix. Blocking form: any thread but the client's; coroutine form: on its executor.
struct process_dispatch {
  std::function<result<void>(const process_message&)> send{};
  std::function<awaitable<result<void>>(process_message)> async_send{};
};

struct process_options {
  // Part of every message id: two process managers reacting to one input emit distinct ids.
  std::string name{};
  std::filesystem::path dir{};                // the LMDB environment
  std::vector<topic_partition> partitions{};  // the inputs (assign mode)
  lmdb::env_options env{};                    // max_dbs is raised to what the store needs
  std::int64_t poll_timeout_ms = 500;  // longest wait for input (shorter when a timeout is due)
  // Epoch milliseconds; injectable so tests advance time instead of sleeping.
  std::function<std::int64_t()> clock{};       // default: std::chrono::system_clock
  std::size_t timeouts_per_round_max = 1'000;  // fired per run_once (one txn each)
  // Fault injection and metrics: after an input batch's or a timeout's txn commits, before its
  // messages are dispatched; after a message was sent, before it is deleted from the outbox.
  std::function<void()> on_committed{};
  std::function<void(const process_message&)> on_sent{};
};

// What one run_once did.
struct process_round {
  std::size_t applied = 0;         // input records that reached an instance
  std::size_t timeouts_fired = 0;  // fired timeouts (including dropped ones)
  std::size_t dispatched = 0;      // messages acknowledged and deleted from the outbox
};

}  // namespace cairn::es
