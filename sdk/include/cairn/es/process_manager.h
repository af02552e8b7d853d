// cairn::es::process_manager<P>: a process manager (saga) that reacts to events, keeps one state
// per instance, emits commands and events, and schedules timeouts that survive restarts.
//
//   struct booking_process {
//     using state = booking_state;    // JSON via Boost.JSON value_from / value_to
//     using event = booking_input;    // std::variant of named events (event_registry)
//     static state initial();
//     // The instance an event belongs to; nullopt: not for this process manager.
//     static std::optional<std::string> correlate(const event&, const envelope&);
//     static reaction<state> react(const state&, const event&, const envelope&);
//     static reaction<state> on_timeout(const state&, const process_timeout&);
//   };
//
// P is pure (no I/O, no clock), so it is tested with no broker: process_scenario<P> below.
// The runner (process_engine) applies each input batch, and each fired timeout, in ONE LMDB write
// txn with the instance's new state, the outbox entries and the timeout changes, then dispatches
// the outbox: a crash before the commit forgets the input (it is polled again), a crash after it
// re-sends the outbox at the next start, and the message ids make the receivers apply it once.
// Records whose `type` header the registry does not know are not for this process manager.
#pragma once

#include <boost/json.hpp>
#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/base/assert.h"
#include "cairn/es/envelope.h"
#include "cairn/es/event_registry.h"
#include "cairn/es/process_manager_engine.h"

namespace cairn::es {

// What an instance does about one input: its next state (or finish, or ignore), the messages it
// emits and the timeouts it schedules or cancels. Built fluently:
//   return reaction<S>::next(s).send("inventory", id, hold_seats{...}).schedule_after("pay",
//   15min);
template <class S>
struct reaction {
  using outcome = process_step::outcome;
  outcome what = outcome::ignore;
  S state{};
  std::vector<process_message> messages{};
  std::vector<timeout_request> schedule{};
  std::vector<std::string> cancel{};

  // Nothing happens: no state is written (a new instance is not created), nothing is emitted.
  static reaction ignore() { return {}; }
  static reaction next(S s) {
    reaction r;
    r.what = outcome::next;
    r.state = std::move(s);
    return r;
  }
  // The instance ends: it keeps a tombstone (later inputs for it are skipped) and its timeouts
  // are dropped. Messages still go out.
  static reaction finish() {
    reaction r;
    r.what = outcome::finish;
    return r;
  }

  // A command to the aggregate `target` of `topic` (e.g. a repository's topic); C is named like
  // an event (`static constexpr std::string_view type`) and converts to JSON.
  template <named_event C>
  reaction& send(std::string topic, std::string target, const C& command) {
    messages.push_back(message(message_kind::command, std::move(topic), std::move(target), C::type,
                               boost::json::value_from(command)));
    return *this;
  }
  // An event appended to the stream `key` of `topic`.
  template <named_event E>
  reaction& publish(std::string topic, std::string key, const E& event) {
    messages.push_back(message(message_kind::event, std::move(topic), std::move(key), E::type,
                               boost::json::value_from(event)));
    return *this;
  }
  reaction& schedule_after(std::string name, std::int64_t after_ms, std::string payload = {}) {
    schedule.push_back({.name = std::move(name),
                        .at_ms = std::nullopt,
                        .after_ms = after_ms,
                        .payload = std::move(payload)});
    return *this;
  }
  reaction& schedule_at(std::string name, std::int64_t at_ms, std::string payload = {}) {
    schedule.push_back(
        {.name = std::move(name), .at_ms = at_ms, .after_ms = 0, .payload = std::move(payload)});
    return *this;
  }
  reaction& cancel_timeout(std::string name) {
    cancel.push_back(std::move(name));
    return *this;
  }

 private:
  static process_message message(message_kind kind, std::string topic, std::string key,
                                 std::string_view type, const boost::json::value& data) {
    process_message m;
    m.kind = kind;
    m.topic = std::move(topic);
    m.key = std::move(key);
    m.type = std::string(type);
    m.data = boost::json::serialize(data);
    return m;
  }
};

template <class P>
concept process_definition = requires {
  typename P::state;
  typename P::event;
}
&&requires(const typename P::state& s, const typename P::event& e, const envelope& m,
           const process_timeout& t) {
  { P::initial() } -> std::convertible_to<typename P::state>;
  { P::correlate(e, m) } -> std::same_as<std::optional<std::string>>;
  { P::react(s, e, m) } -> std::same_as<reaction<typename P::state>>;
  { P::on_timeout(s, t) } -> std::same_as<reaction<typename P::state>>;
  {boost::json::value_from(s)};
};

// The untyped step the runner stores for a typed reaction.
template <class S>
process_step to_step(reaction<S> r) {
  process_step step;
  step.what = r.what;
  if (r.what == process_step::outcome::next) {
    step.state_json = boost::json::serialize(boost::json::value_from(r.state));
  }
  step.messages = std::move(r.messages);
  step.schedule = std::move(r.schedule);
  step.cancel = std::move(r.cancel);
  return step;
}

template <class S>
result<S> parse_state(std::string_view json) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(json, ec);
  if (ec) return process_errc::malformed_state;
  auto s = boost::json::try_value_to<S>(parsed);
  if (!s) return process_errc::malformed_state;
  return std::move(s).value();
}

template <process_definition P>
class process_manager {
 public:
  using state = typename P::state;
  using event = typename P::event;

  // `registry` must outlive the process manager.
  static result<std::unique_ptr<process_manager>> open(process_options options,
                                                       const event_registry<event>& registry,
                                                       process_dispatch dispatch) {
    process_hooks hooks;
    hooks.route = [&registry](const consumer_record& r) { return route(registry, r); };
    hooks.on_timeout = [](std::string_view state_json,
                          const process_timeout& t) -> result<process_step> {
      CAIRN_TRY(auto s, parse_state<state>(state_json));
      return to_step(P::on_timeout(s, t));
    };
    CAIRN_TRY(auto engine,
              process_engine::open(std::move(options), std::move(hooks), std::move(dispatch)));
    return std::unique_ptr<process_manager>(new process_manager(std::move(engine)));
  }

  // The instance's state; nullopt when it never started or has finished (see status()).
  result<std::optional<state>> instance(const std::string& id) const {
    CAIRN_TRY(auto rec, engine_->instance(id));
    if (rec.status != instance_status::live) return std::optional<state>{};
    CAIRN_TRY(auto s, parse_state<state>(rec.state_json));
    return std::optional<state>{std::move(s)};
  }
  result<instance_status> status(const std::string& id) const {
    CAIRN_TRY(auto rec, engine_->instance(id));
    return rec.status;
  }

  // The runner: apply_batch, fire_due_timeouts, dispatch_outbox, start, run_once,
  // async_run_once, outbox(), timeouts(), checkpoints() (process_manager_engine.h).
  process_engine& engine() { return *engine_; }
  const process_engine& engine() const { return *engine_; }

  result<void> start(consumer& c) { return engine_->start(c); }
  result<process_round> run_once(consumer& c) { return engine_->run_once(c); }
  awaitable<result<process_round>> async_run_once(consumer& c) {
    return engine_->async_run_once(c);
  }

 private:
  explicit process_manager(std::unique_ptr<process_engine> engine) : engine_(std::move(engine)) {}

  static result<std::optional<routed_input>> route(const event_registry<event>& registry,
                                                   const consumer_record& r) {
    auto m = envelope_of(r);
    // No type the registry knows, or no value (a tombstone): not an event for this process.
    if (!r.value || m.type.empty() || !registry.knows(m.type)) {
      return std::optional<routed_input>{};
    }
    CAIRN_TRY(auto e, registry.decode(m.type, *r.value));
    auto id = P::correlate(e, m);
    if (!id) return std::optional<routed_input>{};
    routed_input in;
    in.instance = std::move(*id);
    in.react = [e = std::move(e),
                m = std::move(m)](std::optional<std::string_view> json) -> result<process_step> {
      state s = P::initial();
      if (json) {
        CAIRN_TRY(s, parse_state<state>(*json));
      }
      return to_step(P::react(s, e, m));
    };
    return std::optional<routed_input>{std::move(in)};
  }

  std::unique_ptr<process_engine> engine_;
};

// given/when/then for a process definition, with no broker and no store:
//   process_scenario<booking_process> s;              // a new instance: P::initial()
//   auto r = s.when(booking_requested{...});          // the reaction; s now holds its state
//   CHECK(r.messages.size() == 2);  CHECK(s.finished());
template <process_definition P>
class process_scenario {
 public:
  using state = typename P::state;
  using event = typename P::event;

  explicit process_scenario(state s = P::initial()) : state_(std::move(s)) {}

  reaction<state> when(const event& e, const envelope& m = {}) {
    return take(P::react(state_, e, m));
  }
  reaction<state> when_timeout(const process_timeout& t) { return take(P::on_timeout(state_, t)); }

  const state& current() const { return state_; }
  bool finished() const { return finished_; }

 private:
  reaction<state> take(reaction<state> r) {
    // Like the runner: a finished instance takes no more inputs.
    CAIRN_ASSERT(!finished_, "process_scenario: input after the instance finished");
    if (r.what == process_step::outcome::next) state_ = r.state;
    if (r.what == process_step::outcome::finish) finished_ = true;
    return r;
  }

  state state_;
  bool finished_ = false;
};

}  // namespace cairn::es
