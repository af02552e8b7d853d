// loaded_aggregate<D>: an aggregate's state folded from (snapshot +) stream, with the version it
// reflects and the recent command ids seen in its stream. Pure: no I/O, so the repository's
// blocking and coroutine forms share it and tests can drive it directly.
//
// Idempotency: each appended event carries the `command-id` header of the command that caused it.
// The last command_ids_max distinct ids (with the stream version their events reached) are kept,
// in snapshots too; a command whose id is among them is reported as already applied. A retry
// older than that window is decided again: callers needing a wider window raise the bound.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "cairn/es/decider.h"
#include "cairn/es/envelope.h"
#include "cairn/es/errc.h"
#include "cairn/es/event_registry.h"
#include "cairn/streams.h"

namespace cairn::es {

struct seen_command {
  std::string id{};
  std::int64_t version = -1;  // the stream version after the command's events
};

template <decider D>
struct loaded_aggregate {
  typename D::state state = D::initial();
  std::int64_t version = -1;            // the last event folded in; -1: no stream
  std::int64_t snapshot_version = -1;   // the version of the snapshot loaded or written last
  std::deque<seen_command> commands{};  // oldest first, at most command_ids_max

  // The version at which a command with this id ended, when it is remembered.
  std::optional<std::int64_t> applied(std::string_view command_id) const {
    if (command_id.empty()) return std::nullopt;
    for (const auto& c : commands) {
      if (c.id == command_id) return c.version;
    }
    return std::nullopt;
  }

  void remember(const std::string& command_id, std::int64_t at_version, std::size_t max) {
    if (command_id.empty() || max == 0) return;
    if (!commands.empty() && commands.back().id == command_id) {
      commands.back().version = at_version;  // several events of one command
      return;
    }
    commands.push_back({command_id, at_version});
    while (commands.size() > max)
      commands.pop_front();
  }

  // Folds one stored event in. Events must arrive in version order, each once.
  result<void> apply(const event_registry<typename D::event>& registry, const recorded_event& e,
                     std::size_t command_ids_max) {
    if (e.version <= version) return success();  // already folded (a re-read page)
    CAIRN_TRY(auto decoded, registry.decode(e));
    state = D::evolve(std::move(state), decoded);
    version = e.version;
    remember(header_value(e.headers, kCommandIdHeader), e.version, command_ids_max);
    return success();
  }

  // Folds events this repository has just appended (no decode round trip).
  void apply_appended(const std::vector<typename D::event>& events, std::int64_t last_version,
                      const std::string& command_id, std::size_t command_ids_max) {
    for (const auto& e : events)
      state = D::evolve(std::move(state), e);
    version = last_version;
    remember(command_id, last_version, command_ids_max);
  }
};

// Snapshot bytes: {"state": <state JSON>, "commands": [[id, version], ...]}.
template <snapshottable D>
std::string encode_snapshot(const loaded_aggregate<D>& a) {
  boost::json::array commands;
  for (const auto& c : a.commands)
    commands.push_back(boost::json::array{c.id, c.version});
  boost::json::object o;
  o["state"] = boost::json::value_from(a.state);
  o["commands"] = std::move(commands);
  return boost::json::serialize(o);
}

template <snapshottable D>
result<loaded_aggregate<D>> decode_snapshot(std::string_view bytes, std::int64_t version) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(bytes, ec);
  if (ec || !parsed.is_object()) return errc::malformed_snapshot;
  const auto& o = parsed.get_object();
  const auto* state = o.if_contains("state");
  const auto* commands = o.if_contains("commands");
  if (state == nullptr || commands == nullptr || !commands->is_array()) {
    return errc::malformed_snapshot;
  }
  auto s = boost::json::try_value_to<typename D::state>(*state);
  if (!s) return errc::malformed_snapshot;
  loaded_aggregate<D> a;
  a.state = std::move(s).value();
  a.version = version;
  a.snapshot_version = version;
  for (const auto& c : commands->get_array()) {
    const auto* pair = c.if_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_int64()) {
      return errc::malformed_snapshot;
    }
    a.commands.push_back({std::string((*pair)[0].get_string()), (*pair)[1].get_int64()});
  }
  return a;
}

}  // namespace cairn::es
