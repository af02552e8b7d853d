// The booking process definition on its own: given a state, when an input, then the reaction.
// No store, no broker: process_scenario holds the state between inputs as the runner would.
#include <catch2/catch.hpp>

#include "tests/unit/sdk/es_process/booking_process.h"

namespace {

using booking::booking_process;
using cairn::es::message_kind;
using cairn::es::process_scenario;
using outcome = cairn::es::process_step::outcome;

booking::booking_requested request(const std::string& id) {
  return {id, 2, 15'000};
}

}  // namespace

TEST_CASE("a booking request holds seats and requests payment with a deadline", "[process]") {
  process_scenario<booking_process> s;
  auto r = s.when(request("b1"));
  CHECK(r.what == outcome::next);
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].kind == message_kind::command);
  CHECK(r.messages[0].topic == "inventory");
  CHECK(r.messages[0].key == "hold-b1");
  CHECK(r.messages[0].type == "inventory.HoldSeats.v1");
  CHECK(r.messages[0].data == R"({"booking_id":"b1","seats":2})");
  CHECK(r.messages[1].kind == message_kind::event);
  CHECK(r.messages[1].topic == "payment-requests");
  CHECK(r.messages[1].type == "booking.PaymentRequested.v1");
  REQUIRE(r.schedule.size() == 1);
  CHECK(r.schedule[0].name == "payment");
  CHECK(r.schedule[0].after_ms == booking::payment_timeout_ms);
  CHECK_FALSE(r.schedule[0].at_ms.has_value());
  CHECK(s.current().awaiting_payment);
  CHECK(s.current().seats == 2);

  // The same request again changes nothing.
  CHECK(s.when(request("b1")).what == outcome::ignore);
}

TEST_CASE("an authorized payment confirms the hold and finishes", "[process]") {
  process_scenario<booking_process> s;
  s.when(request("b1"));
  auto r = s.when(booking::payment_authorized{"b1"});
  CHECK(r.what == outcome::finish);
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].type == "inventory.ConfirmHold.v1");
  CHECK(r.messages[1].topic == "booking-outcomes");
  CHECK(r.messages[1].type == "booking.BookingConfirmed.v1");
  CHECK(s.finished());
}

TEST_CASE("a declined payment or the timeout releases the hold and cancels", "[process]") {
  SECTION("declined") {
    process_scenario<booking_process> s;
    s.when(request("b1"));
    auto r = s.when(booking::payment_declined{"b1", "card expired"});
    CHECK(r.what == outcome::finish);
    REQUIRE(r.messages.size() == 2);
    CHECK(r.messages[0].type == "inventory.ReleaseHold.v1");
    CHECK(r.messages[1].data == R"({"booking_id":"b1","reason":"declined: card expired"})");
  }
  SECTION("timed out") {
    process_scenario<booking_process> s;
    s.when(request("b1"));
    auto r = s.when_timeout({.instance = "b1", .name = "payment", .due_ms = 1, .payload = ""});
    CHECK(r.what == outcome::finish);
    REQUIRE(r.messages.size() == 2);
    CHECK(r.messages[1].data == R"({"booking_id":"b1","reason":"payment timed out"})");
  }
}

TEST_CASE("a deferred payment cancels or moves the deadline", "[process]") {
  process_scenario<booking_process> s;
  s.when(request("b1"));
  auto cancelled = s.when(booking::payment_deferred{"b1", 0});
  CHECK(cancelled.what == outcome::next);
  CHECK(cancelled.cancel == std::vector<std::string>{"payment"});
  auto moved = s.when(booking::payment_deferred{"b1", 5'000});
  REQUIRE(moved.schedule.size() == 1);
  CHECK(moved.schedule[0].at_ms == 5'000);
}

TEST_CASE("a payment for a booking never requested is ignored", "[process]") {
  process_scenario<booking_process> s;
  CHECK(s.when(booking::payment_authorized{"nobody"}).what == outcome::ignore);
  CHECK(s.when(booking::payment_declined{"nobody", "x"}).what == outcome::ignore);
  CHECK_FALSE(s.current().awaiting_payment);
}

TEST_CASE("a reaction becomes the step the runner stores", "[process]") {
  process_scenario<booking_process> s;
  auto step = cairn::es::to_step(s.when(request("b7")));
  CHECK(step.what == outcome::next);
  CHECK(step.state_json ==
        R"({"booking_id":"b7","seats":2,"amount_cents":15000,"awaiting_payment":true})");
  auto back = cairn::es::parse_state<booking::booking_state>(step.state_json);
  REQUIRE(back);
  CHECK(back.value() == s.current());
  CHECK(cairn::es::parse_state<booking::booking_state>("{\"seats\":\"x\"}").error() ==
        cairn::es::process_errc::malformed_state);
}
