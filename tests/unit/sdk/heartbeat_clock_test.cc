#include "sdk/group/heartbeat_clock.h"

#include <catch2/catch.hpp>

using namespace cairn::sdk;

TEST_CASE("heartbeat clock: beats every interval and waits in between", "[group][heartbeat]") {
  heartbeat_clock clock{.interval_ms = 1'000, .max_poll_interval_ms = 10'000};
  clock.last_sent_ms = 0;
  clock.last_poll_ms = 0;
  auto d = clock.next(400);
  CHECK(d.action == heartbeat_action::wait);
  CHECK(d.wait_ms == 600);
  CHECK(clock.next(1'000).action == heartbeat_action::send);
  clock.last_sent_ms = 1'000;
  CHECK(clock.next(1'500).wait_ms == 500);
}

TEST_CASE("heartbeat clock: a member that stops polling leaves, one inside poll never does",
          "[group][heartbeat]") {
  heartbeat_clock clock{.interval_ms = 1'000, .max_poll_interval_ms = 5'000};
  clock.last_poll_ms = 0;
  clock.last_sent_ms = 4'500;
  CHECK(clock.next(4'900).wait_ms == 100);  // the poll deadline comes before the next beat
  CHECK(clock.next(5'000).action == heartbeat_action::leave);
  clock.in_poll = true;  // a long poll (or a listener callback inside it) is not stuck
  CHECK(clock.next(60'000).action == heartbeat_action::send);
  clock.last_sent_ms = 60'000;
  CHECK(clock.next(60'001).wait_ms == 999);
}
