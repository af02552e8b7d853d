// The event contracts: every event survives the registry's Cap'n Proto round trip with its
// content type, and readers refuse what no service writes.
#include <catch2/catch.hpp>

#include "cairn/es/event_registry.h"
#include "samples/contracts/booking_events.h"
#include "samples/contracts/payment_events.h"

using namespace samples::contracts;
namespace es = cairn::es;

template <class Variant>
void check_round_trip(const Variant& e) {
  es::event_registry<Variant> registry;
  const auto data = registry.encode(e);
  REQUIRE(data.headers.size() == 1);
  CHECK(data.headers[0].value == std::string(es::kCapnpContentType));
  auto back = registry.decode(data.type, data.data);
  REQUIRE(back);
  CHECK(back.value() == e);
}

TEST_CASE("booking events round-trip through Cap'n Proto", "[contracts]") {
  check_round_trip(booking_event{booking_requested{"room-101/2026-12-24", 2, "acc-ann"}});
  check_round_trip(booking_event{booking_rejected{"sold_out"}});
  check_round_trip(booking_event{payment_requested{"bk-1", "acc-ann", 12'000}});
  check_round_trip(booking_event{booking_confirmed{"bk-1"}});
  check_round_trip(booking_event{booking_cancelled{"payment declined", "bk-1"}});
}

TEST_CASE("payment events round-trip through Cap'n Proto", "[contracts]") {
  check_round_trip(payment_event{payment_authorized{"acc-ann", 12'000, "bk-1"}});
  check_round_trip(
      payment_event{payment_declined{"acc-bob", 12'000, "bk-2", "insufficient_funds"}});
  payment_captured captured;
  captured.amount_cents = 12'000;
  check_round_trip(payment_event{captured});
  payment_refunded refunded;
  refunded.amount_cents = 500;
  check_round_trip(payment_event{refunded});
}

TEST_CASE("readers refuse events no service writes", "[contracts]") {
  es::event_registry<payment_event> payments;
  payment_captured nothing;  // zero cents
  auto encoded = es::encode_capnp(nothing);
  CHECK(payments.decode(payment_captured::type, encoded).error() == es::errc::malformed_event);

  es::event_registry<booking_event> bookings;
  auto no_account = es::encode_capnp(payment_requested{"bk-1", "", 100});
  CHECK(bookings.decode(payment_requested::type, no_account).error() == es::errc::malformed_event);
  CHECK(bookings.decode(booking_requested::type, "not a capnp message").error() ==
        es::errc::malformed_event);
}
