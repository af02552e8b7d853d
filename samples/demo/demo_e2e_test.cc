// The demo's scenario end to end, against real processes: a cairn-broker, payment-service and
// booking-service, started and stopped by PID. Checks every outcome through the services' HTTP
// APIs: balances, booking states, exactly one winner of the race for the last room, no negative
// balance, a booking whose payment never came (payment-service down) cancelled by the saga's
// timeout and its late payment voided, and a rebuilt read model with the same checksum.
#include <catch2/catch.hpp>

#include "samples/demo/cluster.h"
#include "samples/demo/scenario.h"
#include "tests/support/temp_dir.h"

namespace demo = samples::demo;

namespace {

constexpr const char* kRooms = "hotel-e2e/2026-12-24";
constexpr const char* kLastRoom = "hotel-e2e/2026-12-31";
constexpr int kRacers = 20;
constexpr auto kSettle = std::chrono::seconds(60);

std::int64_t number(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : -1;
}

std::string guest(const char* prefix, int i) {
  char id[32];
  std::snprintf(id, sizeof id, "%s-%02d", prefix, i);
  return id;
}

}  // namespace

TEST_CASE("the demo scenario holds end to end against real processes", "[samples][e2e]") {
  cairn::testing::temp_dir dir;
  demo::cluster c({.build_dir = CAIRN_BUILD_DIR,
                   .data_dir = dir.path(),
                   .payment_timeout_ms = 3'000});  // short: one booking waits for it
  c.start_broker();
  c.start_payment();
  c.start_booking();
  demo::services s(c.payment(), c.booking());

  s.stock(kRooms, 3, 120'00);
  s.stock(kLastRoom, 1, 300'00);
  s.open_account("acc-ann", "Ann", 1000'00);
  s.open_account("acc-bob", "Bob", 50'00);
  s.open_account("acc-cara", "Cara", 500'00);
  for (int i = 1; i <= kRacers; ++i)
    s.open_account(guest("acc-guest", i), "Guest", 400'00);

  SECTION("paid, declined, raced, timed out and rebuilt") {
    // Paid: confirmed, captured, the room sold.
    REQUIRE(s.request_booking("bk-ann", kRooms, "acc-ann").http_status == 202);
    CHECK(s.settled_booking("bk-ann", kSettle).status == "confirmed");
    CHECK(s.settled_payment("bk-ann", "captured").at("reference") == "bk-ann");
    auto ann = s.account("acc-ann");
    CHECK(number(ann, "balanceCents") == 880'00);
    CHECK(number(ann, "heldCents") == 0);

    // Declined for lack of funds: cancelled, the room released, nothing taken.
    REQUIRE(s.request_booking("bk-bob", kRooms, "acc-bob").http_status == 202);
    auto bob_booking = s.settled_booking("bk-bob", kSettle);
    CHECK(bob_booking.status == "cancelled");
    CHECK(s.settled_payment("bk-bob", "declined").at("reason") == "insufficient_funds");
    auto bob = s.account("acc-bob");
    CHECK(number(bob, "balanceCents") == 50'00);
    CHECK(number(bob, "heldCents") == 0);
    auto rooms = s.availability(kRooms);
    CHECK(number(rooms, "available") == 2);
    CHECK(number(rooms, "sold") == 1);

    // Twenty at once for the last room: exactly one holds it, nineteen are told sold out.
    std::vector<std::pair<std::string, std::string>> racers;
    for (int i = 1; i <= kRacers; ++i)
      racers.emplace_back(guest("bk-guest", i), guest("acc-guest", i));
    auto race = s.race(kLastRoom, racers);
    INFO("unexpected answers: " << race.other.size() << (race.other.empty() ? "" : race.other[0]));
    REQUIRE(race.winners.size() == 1);
    CHECK(race.sold_out.size() == kRacers - 1);
    CHECK(race.other.empty());
    const auto winner = race.winners.front();
    CHECK(s.settled_booking(winner, kSettle).status == "confirmed");
    s.settled_payment(winner, "captured");
    for (const auto& loser : race.sold_out)
      CHECK(s.settled_booking(loser, kSettle).status == "rejected");
    auto last = s.availability(kLastRoom);
    CHECK(number(last, "available") == 0);
    CHECK(number(last, "sold") == 1);
    for (int i = 1; i <= kRacers; ++i) {
      const auto id = guest("acc-guest", i);
      auto a = s.account(id);
      const bool won = "bk-guest" + id.substr(std::string("acc-guest").size()) == winner;
      CHECK(number(a, "balanceCents") == (won ? 100'00 : 400'00));
      CHECK(number(a, "availableCents") >= 0);
    }

    // No payment-service: the saga's timeout cancels the booking and releases the room. When
    // payment-service comes back it authorizes the old request, then sees the cancellation and
    // voids it: Cara keeps her money.
    c.stop_payment();
    REQUIRE(s.request_booking("bk-cara", kRooms, "acc-cara").http_status == 202);
    auto cara_booking = s.settled_booking("bk-cara", kSettle);
    CHECK(cara_booking.status == "cancelled");
    CHECK(number(s.availability(kRooms), "available") == 2);
    c.start_payment();
    s = demo::services(c.payment(), c.booking());
    CHECK(s.settled_payment("bk-cara", "voided").at("amountCents") == 120'00);
    auto cara = s.account("acc-cara");
    CHECK(number(cara, "balanceCents") == 500'00);
    CHECK(number(cara, "heldCents") == 0);

    // The read model rebuilt from the log alone is the same model.
    const auto before = s.settled_checksum(c.booking());
    c.stop_booking();
    auto report = c.rebuild_booking();
    INFO(report.line);
    REQUIRE(report.ok);
    CHECK(report.checksum == before);
    CHECK(report.events > 0);
    c.start_booking();
    s.set_booking(c.booking());
    CHECK(s.settled_checksum(c.booking()) == before);
    CHECK(s.booking("bk-ann").at("status") == "confirmed");
    CHECK(s.booking("bk-cara").at("status") == "cancelled");
  }
  c.stop_all();
}
