// The booking decider: its status machine, refusals and idempotent steps, no broker.
#include "samples/booking/booking.h"

#include <catch2/catch.hpp>

using namespace samples::booking;
using namespace samples::contracts;
using cairn::es::given;

namespace {

const booking_requested requested{"hotel-astoria/2026-12-24", 1, "acc-ann"};
const std::vector<booking_event> awaiting = {requested,
                                             payment_requested{"bk-1", "acc-ann", 120'00}};

}  // namespace

TEST_CASE("booking: request then payment then confirmation", "[booking]") {
  CHECK(given<booking>()
            .when(request_booking{"hotel-astoria/2026-12-24", 1, "acc-ann"})
            .then({requested}));
  CHECK(given<booking>({requested})
            .when(request_payment{"bk-1", 120'00})
            .then({payment_requested{"bk-1", "acc-ann", 120'00}}));
  auto confirmed = given<booking>(awaiting).when(confirm_booking{});
  CHECK(confirmed.then({booking_confirmed{"bk-1"}}));
  CHECK(confirmed.then_state().status == booking_status::confirmed);
}

TEST_CASE("booking: rejection and cancellation", "[booking]") {
  CHECK(given<booking>({requested})
            .when(reject_booking{"sold_out"})
            .then({booking_rejected{"sold_out"}}));
  // Cancelled before payment was requested: no payment id to void.
  CHECK(given<booking>({requested})
            .when(cancel_booking{"payment timed out"})
            .then({booking_cancelled{"payment timed out", ""}}));
  auto cancelled = given<booking>(awaiting).when(cancel_booking{"payment declined: x"});
  CHECK(cancelled.then({booking_cancelled{"payment declined: x", "bk-1"}}));
  CHECK(cancelled.then_state().status == booking_status::cancelled);
}

TEST_CASE("booking: repeating the step taken is a no-op", "[booking]") {
  CHECK(given<booking>({requested})
            .when(request_booking{"hotel-astoria/2026-12-24", 1, "acc-ann"})
            .then({}));
  CHECK(given<booking>(awaiting).when(request_payment{"bk-1", 120'00}).then({}));
  auto confirmed = awaiting;
  confirmed.push_back(booking_confirmed{"bk-1"});
  CHECK(given<booking>(confirmed).when(confirm_booking{}).then({}));
  auto cancelled = awaiting;
  cancelled.push_back(booking_cancelled{"payment timed out", "bk-1"});
  CHECK(given<booking>(cancelled).when(cancel_booking{"again"}).then({}));
  CHECK(given<booking>({requested, booking_rejected{"sold_out"}})
            .when(reject_booking{"sold_out"})
            .then({}));
}

TEST_CASE("booking: invalid transitions are refused", "[booking]") {
  auto confirmed = awaiting;
  confirmed.push_back(booking_confirmed{"bk-1"});
  auto cancelled = awaiting;
  cancelled.push_back(booking_cancelled{"payment timed out", "bk-1"});
  CHECK(given<booking>(cancelled)
            .when(confirm_booking{})
            .then_error(booking_refusal::invalid_transition));
  CHECK(given<booking>(confirmed)
            .when(cancel_booking{"late"})
            .then_error(booking_refusal::invalid_transition));
  CHECK(given<booking>().when(confirm_booking{}).then_error(booking_refusal::invalid_transition));
  CHECK(given<booking>(awaiting)
            .when(reject_booking{"sold_out"})
            .then_error(booking_refusal::invalid_transition));
  CHECK(given<booking>(cancelled)
            .when(request_payment{"bk-1", 1})
            .then_error(booking_refusal::invalid_transition));
}

TEST_CASE("booking: bad requests are refused", "[booking]") {
  CHECK(given<booking>()
            .when(request_booking{"", 1, "acc"})
            .then_error(booking_refusal::missing_field));
  CHECK(given<booking>()
            .when(request_booking{"item", 0, "acc"})
            .then_error(booking_refusal::not_positive));
  CHECK(given<booking>({requested})
            .when(request_booking{"another-item", 1, "acc-ann"})
            .then_error(booking_refusal::id_in_use));
  CHECK(given<booking>({requested})
            .when(request_payment{"bk-1", 0})
            .then_error(booking_refusal::not_positive));
}
