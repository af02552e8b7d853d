// Deciders (aggregates as pure functions) and given/when/then helpers to test them with no broker.
//
//   struct account {
//     using state = account_state; using command = account_command; using event = account_event;
//     static constexpr std::uint32_t state_schema_version = 1;  // only if snapshots are wanted
//     static state initial();
//     static result<std::vector<event>> decide(const command&, const state&);  // refusals: errors
//     static state evolve(state, const event&);
//   };
//
// decide and evolve must be pure (no I/O, no clock): the repository may call decide again after
// a concurrent writer moved the stream, and replays evolve on every load.
#pragma once

#include <boost/json/value_from.hpp>
#include <concepts>
#include <cstdint>
#include <system_error>
#include <utility>
#include <vector>

#include "cairn/base/result.h"

namespace cairn::es {

template <class D>
concept decider = requires {
  typename D::state;
  typename D::command;
  typename D::event;
}
&&requires(const typename D::state& s, const typename D::command& c, const typename D::event& e) {
  { D::initial() } -> std::convertible_to<typename D::state>;
  { D::decide(c, s) } -> std::same_as<result<std::vector<typename D::event>>>;
  { D::evolve(s, e) } -> std::convertible_to<typename D::state>;
};

// A decider whose state can be snapshotted: a schema version and a JSON form of the state.
// Bump state_schema_version whenever the JSON form changes: older snapshots are then ignored.
template <class D>
concept snapshottable = decider<D> && requires(const typename D::state& s) {
  { D::state_schema_version } -> std::convertible_to<std::uint32_t>;
  {boost::json::value_from(s)};
};

template <decider D>
typename D::state fold(typename D::state s, const std::vector<typename D::event>& events) {
  for (const auto& e : events)
    s = D::evolve(std::move(s), e);
  return s;
}

// given(history).when(command) -> outcome; outcome.then(events) / then_error(code) / state().
template <decider D>
class scenario_outcome {
 public:
  using state = typename D::state;
  using event = typename D::event;

  scenario_outcome(state before, result<std::vector<event>> decided)
      : before_(std::move(before)), decided_(std::move(decided)) {}

  bool then(const std::vector<event>& expected) const {
    return decided_.has_value() && decided_.value() == expected;
  }
  bool then_error(std::error_code expected) const {
    return decided_.has_error() && decided_.error() == expected;
  }
  // The state after the decided events (the state before when decide refused).
  state then_state() const {
    if (!decided_) return before_;
    return fold<D>(before_, decided_.value());
  }
  const result<std::vector<event>>& decided() const { return decided_; }

 private:
  state before_;
  result<std::vector<event>> decided_;
};

template <decider D>
class scenario {
 public:
  explicit scenario(std::vector<typename D::event> history)
      : state_(fold<D>(D::initial(), history)) {}
  scenario_outcome<D> when(const typename D::command& c) const {
    return {state_, D::decide(c, state_)};
  }
  const typename D::state& state() const { return state_; }

 private:
  typename D::state state_;
};

template <decider D>
scenario<D> given(std::vector<typename D::event> history = {}) {
  return scenario<D>(std::move(history));
}

}  // namespace cairn::es
