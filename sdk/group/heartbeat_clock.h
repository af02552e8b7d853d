// When a group member heartbeats and when it gives up its membership for not polling (Kafka's
// Heartbeat class and max.poll.interval.ms), on a clock the caller supplies. Pure: the Asio
// shell asks next(now) after every wake-up and sleeps for the answer's wait_ms.
//
// Heartbeats run on the client's io thread, independent of poll(): a slow message handler keeps
// its partitions while the heartbeats say the process lives. But a member that has not called
// poll() for max_poll_interval_ms is stuck, not slow: it leaves the group so that its partitions
// move (Kafka's rule), and learns at its next poll() that it lost them.
#pragma once

#include <algorithm>
#include <cstdint>

namespace cairn::sdk {

enum class heartbeat_action {
  wait,   // nothing due: sleep wait_ms
  send,   // a heartbeat is due
  leave,  // poll() was not called for max_poll_interval_ms: leave the group
};

struct heartbeat_clock {
  std::int64_t interval_ms = 3'000;
  std::int64_t max_poll_interval_ms = 300'000;
  std::int64_t last_sent_ms = 0;  // the last heartbeat sent (or the membership's start)
  std::int64_t last_poll_ms = 0;  // the last poll() start or end
  bool in_poll = false;           // a poll() is running: it cannot be overdue

  struct decision {
    heartbeat_action action = heartbeat_action::wait;
    std::int64_t wait_ms = 0;  // for wait: until the next action is due (> 0)
  };

  decision next(std::int64_t now_ms) const {
    std::int64_t poll_due_ms = last_poll_ms + max_poll_interval_ms;
    if (!in_poll && now_ms >= poll_due_ms) return {heartbeat_action::leave, 0};
    std::int64_t send_due_ms = last_sent_ms + interval_ms;
    if (now_ms >= send_due_ms) return {heartbeat_action::send, 0};
    std::int64_t due_ms = in_poll ? send_due_ms : std::min(send_due_ms, poll_due_ms);
    return {heartbeat_action::wait, std::max<std::int64_t>(due_ms - now_ms, 1)};
  }
};

}  // namespace cairn::sdk
