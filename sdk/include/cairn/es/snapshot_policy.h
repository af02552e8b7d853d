// snapshot_policy: when the repository writes a snapshot after an append.
#pragma once

#include <cstdint>
#include <functional>

namespace cairn::es {

struct snapshot_policy {
  // Snapshot once at least this many events were appended since the last snapshot (0: never).
  std::int64_t every_events = 0;
  // When set, decides instead of every_events: (stream version, events since last snapshot).
  std::function<bool(std::int64_t version, std::int64_t events_since)> when{};

  bool due(std::int64_t version, std::int64_t snapshot_version) const {
    const std::int64_t since = version - snapshot_version;
    if (since <= 0) return false;
    if (when) return when(version, since);
    return every_events > 0 && since >= every_events;
  }
};

}  // namespace cairn::es
