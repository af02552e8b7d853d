// The booking saga, every path, with process_scenario: no broker, no store, no clock.
#include "samples/booking/booking_saga.h"

#include <catch2/catch.hpp>

#include "samples/booking/booking.h"
#include "samples/booking/inventory.h"

using namespace samples::booking;
using namespace samples::contracts;
namespace es = cairn::es;

namespace {

const std::string kItem = "hotel-astoria/2026-12-24";

es::envelope on_booking(const std::string& id) {
  es::envelope m;
  m.stream_id = id;
  m.topic = std::string(kBookingsTopic);
  return m;
}

// The commands a reaction sends, decoded as their receivers decode them.
booking_command booking_command_of(const es::process_message& m) {
  es::event_registry<booking_command> commands;
  auto c = commands.decode(m.type, m.data);
  REQUIRE(c);
  return c.value();
}
inventory_command inventory_command_of(const es::process_message& m) {
  es::event_registry<inventory_command> commands;
  auto c = commands.decode(m.type, m.data);
  REQUIRE(c);
  return c.value();
}

// A scenario whose booking "bk-1" was requested: the timeout is scheduled.
es::process_scenario<booking_saga> requested_scenario() {
  es::process_scenario<booking_saga> s;
  auto r = s.when(booking_requested{kItem, 2, "acc-ann"}, on_booking("bk-1"));
  REQUIRE(r.what == es::process_step::outcome::next);
  REQUIRE(r.messages.empty());
  REQUIRE(r.schedule.size() == 1);
  CHECK(r.schedule[0].name == kExpireTimeout);
  CHECK(r.schedule[0].after_ms == booking_saga::payment_timeout_ms());
  return s;
}

void check_cancelled(const es::reaction<saga_state>& r, const std::string& reason) {
  REQUIRE(r.what == es::process_step::outcome::finish);
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].topic == kBookingsTopic);
  CHECK(r.messages[0].key == "bk-1");
  auto cancel = booking_command_of(r.messages[0]);
  REQUIRE(std::holds_alternative<cancel_booking>(cancel));
  CHECK(std::get<cancel_booking>(cancel).reason == reason);
  CHECK(r.messages[1].topic == kInventoryTopic);
  CHECK(r.messages[1].key == kItem);
  auto release = inventory_command_of(r.messages[1]);
  REQUIRE(std::holds_alternative<release_hold>(release));
  CHECK(std::get<release_hold>(release).booking_id == "bk-1");
}

}  // namespace

TEST_CASE("booking saga: an authorized payment confirms the booking and its hold", "[booking]") {
  auto s = requested_scenario();
  auto r = s.when(payment_authorized{"acc-ann", 240'00, "bk-1"});
  REQUIRE(r.what == es::process_step::outcome::finish);
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].topic == kBookingsTopic);
  CHECK(r.messages[0].key == "bk-1");
  CHECK(std::holds_alternative<confirm_booking>(booking_command_of(r.messages[0])));
  CHECK(r.messages[1].topic == kInventoryTopic);
  CHECK(r.messages[1].key == kItem);
  auto confirm = inventory_command_of(r.messages[1]);
  REQUIRE(std::holds_alternative<confirm_hold>(confirm));
  CHECK(std::get<confirm_hold>(confirm).booking_id == "bk-1");
  CHECK(s.finished());
}

TEST_CASE("booking saga: a declined payment cancels and releases", "[booking]") {
  auto s = requested_scenario();
  check_cancelled(s.when(payment_declined{"acc-ann", 240'00, "bk-1", "insufficient_funds"}),
                  "payment declined: insufficient_funds");
  CHECK(s.finished());
}

TEST_CASE("booking saga: no answer before the timeout cancels and releases", "[booking]") {
  auto s = requested_scenario();
  check_cancelled(
      s.when_timeout({.instance = "bk-1", .name = "expire", .due_ms = 1, .payload = {}}),
      "payment timed out");
  CHECK(s.finished());
}

TEST_CASE("booking saga: a rejected booking finishes with nothing to undo", "[booking]") {
  auto s = requested_scenario();
  auto r = s.when(booking_rejected{"sold_out"}, on_booking("bk-1"));
  CHECK(r.what == es::process_step::outcome::finish);
  CHECK(r.messages.empty());
}

TEST_CASE("booking saga: a repeated request is ignored", "[booking]") {
  auto s = requested_scenario();
  auto r = s.when(booking_requested{kItem, 2, "acc-ann"}, on_booking("bk-1"));
  CHECK(r.what == es::process_step::outcome::ignore);
}

TEST_CASE("booking saga: an answer read before the request is acted on with it", "[booking]") {
  es::process_scenario<booking_saga> s;
  auto early = s.when(payment_declined{"acc-ann", 240'00, "bk-1", "account_closed"});
  CHECK(early.what == es::process_step::outcome::next);
  CHECK(early.messages.empty());
  check_cancelled(s.when(booking_requested{kItem, 2, "acc-ann"}, on_booking("bk-1")),
                  "payment declined: account_closed");

  es::process_scenario<booking_saga> a;
  a.when(payment_authorized{"acc-ann", 240'00, "bk-2"});
  auto r = a.when(booking_requested{kItem, 1, "acc-ann"}, on_booking("bk-2"));
  REQUIRE(r.what == es::process_step::outcome::finish);
  REQUIRE(r.messages.size() == 2);
  CHECK(std::holds_alternative<confirm_booking>(booking_command_of(r.messages[0])));

  // An answer for a booking that never comes is dropped by the timeout, undoing nothing.
  es::process_scenario<booking_saga> orphan;
  orphan.when(payment_authorized{"acc-ann", 1, "bk-unknown"});
  auto dropped =
      orphan.when_timeout({.instance = "bk-unknown", .name = "expire", .due_ms = 1, .payload = {}});
  CHECK(dropped.what == es::process_step::outcome::finish);
  CHECK(dropped.messages.empty());
}

TEST_CASE("booking saga: correlation by stream id and payment reference", "[booking]") {
  CHECK(booking_saga::correlate(booking_requested{kItem, 1, "acc"}, on_booking("bk-7")) == "bk-7");
  CHECK(booking_saga::correlate(payment_authorized{"acc", 1, "bk-7"}, {}) == "bk-7");
  CHECK(!booking_saga::correlate(payment_authorized{"acc", 1, ""}, {}));
}

TEST_CASE("booking saga: the payment timeout is configurable", "[booking]") {
  booking_saga::set_payment_timeout_ms(250);
  es::process_scenario<booking_saga> s;
  auto r = s.when(booking_requested{kItem, 1, "acc"}, on_booking("bk-1"));
  REQUIRE(r.schedule.size() == 1);
  CHECK(r.schedule[0].after_ms == 250);
  booking_saga::set_payment_timeout_ms(kPaymentTimeoutMsDefault);
}
