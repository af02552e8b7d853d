// cairn-demo: the main job of scripts/demo. Starts a broker and the two sample services, drives a
// scenario through their HTTP APIs and tells in plain words what happened:
//   1. rooms stocked, accounts funded;
//   2. a booking paid and confirmed; 3. one declined for lack of funds, its room released;
//   4. twenty requests racing for the last room: exactly one wins;
//   5. booking-service stopped, its read model deleted, rebuilt from the log, checksum compared.
// Every outcome is checked; the exit status is 0 only if each step did what it should. Stops
// everything it started (by PID), unless --keep-running, which waits for Ctrl-C first.
#include <signal.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <map>

#include "base/command_line.h"
#include "samples/demo/cluster.h"
#include "samples/demo/scenario.h"

namespace demo = samples::demo;
namespace po = boost::program_options;
using demo::money;

namespace {

constexpr const char* kChristmas = "hotel-astoria/2026-12-24";
constexpr const char* kNewYear = "hotel-astoria/2026-12-31";
constexpr int kRacers = 20;

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// A failed check ends the demo with what was expected and what happened.
struct check_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};
void check(bool ok, const std::string& what) {
  if (!ok) throw check_failed(what);
}

std::int64_t cents(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : -1;
}

void check_balance(demo::services& s, const std::string& id, std::int64_t want) {
  auto a = s.account(id);
  check(cents(a, "balanceCents") == want,
        id + " should hold " + money(want) + ", has " + money(cents(a, "balanceCents")));
}

void stock_and_fund(demo::services& s) {
  say("1. Stock and money");
  s.stock(kChristmas, 3, 120'00);
  say("   Hotel Astoria has 3 rooms for the night of 2026-12-24 at 120.00");
  s.stock(kNewYear, 1, 300'00);
  say("   and 1 room left for the night of 2026-12-31 at 300.00.");
  s.open_account("acc-ann", "Ann", 1000'00);
  s.open_account("acc-bob", "Bob", 50'00);
  for (int i = 1; i <= kRacers; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "acc-guest-%02d", i);
    s.open_account(id, std::string("Guest ") + (id + 10), 400'00);
  }
  say("   Ann opens an account with 1000.00, Bob with 50.00, twenty guests with 400.00 each.");
}

void paid_booking(demo::services& s) {
  say("2. Ann books a room for 2026-12-24");
  auto a = s.request_booking("bk-ann", kChristmas, "acc-ann");
  check(a.http_status == 202,
        "Ann's request should be accepted, got " + std::to_string(a.http_status) + " " + a.error);
  say("   booking-service holds a room and asks for 120.00 (event PaymentRequested)");
  auto settled = s.settled_booking("bk-ann", std::chrono::seconds(60));
  check(settled.status == "confirmed", "Ann's booking should be confirmed, is " + settled.status);
  say("   payment-service authorizes it (PaymentAuthorized); the saga confirms the booking");
  s.settled_payment("bk-ann", "captured");
  check_balance(s, "acc-ann", 880'00);
  say("   and payment-service captures the payment: Ann now has 880.00.");
}

void declined_booking(demo::services& s) {
  say("3. Bob books a room for 2026-12-24 with 50.00 in his account");
  auto b = s.request_booking("bk-bob", kChristmas, "acc-bob");
  check(b.http_status == 202,
        "Bob's request should be accepted (a room is free), got " + std::to_string(b.http_status));
  auto settled = s.settled_booking("bk-bob", std::chrono::seconds(60));
  check(settled.status == "cancelled", "Bob's booking should be cancelled, is " + settled.status);
  say("   payment-service declines the payment (PaymentDeclined: insufficient funds)");
  auto rooms = s.availability(kChristmas);
  check(cents(rooms, "available") == 2,
        "2 rooms should be free on 12-24, " + std::to_string(cents(rooms, "available")) + " are");
  check_balance(s, "acc-bob", 50'00);
  say("   the saga cancels the booking and releases the room: 2 of 3 rooms are free again,");
  say("   and Bob still has his 50.00.");
}

std::string race_for_last_room(demo::services& s) {
  say("4. Twenty guests ask for the last room of 2026-12-31 at the same moment");
  std::vector<std::pair<std::string, std::string>> racers;
  for (int i = 1; i <= kRacers; ++i) {
    char booking[32];
    char account[32];
    std::snprintf(booking, sizeof booking, "bk-guest-%02d", i);
    std::snprintf(account, sizeof account, "acc-guest-%02d", i);
    racers.emplace_back(booking, account);
  }
  auto outcome = s.race(kNewYear, racers);
  for (const auto& o : outcome.other)
    say("   unexpected answer: " + o);
  check(outcome.winners.size() == 1 && outcome.sold_out.size() == kRacers - 1,
        "exactly one request should hold the room, " + std::to_string(outcome.winners.size()) +
            " did and " + std::to_string(outcome.sold_out.size()) + " were told it is sold out");
  const std::string winner = outcome.winners.front();
  say("   " + winner + " holds it; the other 19 are told it is sold out (409), because the");
  say("   inventory aggregate accepts one append per version: optimistic concurrency.");
  auto settled = s.settled_booking(winner, std::chrono::seconds(60));
  check(settled.status == "confirmed", winner + " should be confirmed, is " + settled.status);
  auto rooms = s.availability(kNewYear);
  check(cents(rooms, "available") == 0 && cents(rooms, "sold") == 1,
        "12-31 should be sold out with one room sold");
  s.settled_payment(winner, "captured");
  int negative = 0;
  for (int i = 1; i <= kRacers; ++i) {
    char account[32];
    std::snprintf(account, sizeof account, "acc-guest-%02d", i);
    auto a = s.account(account);
    if (cents(a, "balanceCents") < 0 || cents(a, "availableCents") < 0) ++negative;
  }
  check(negative == 0, std::to_string(negative) + " accounts went negative");
  say("   " + winner + " is confirmed and paid; no room is sold twice, no account is negative.");
  return winner;
}

void rebuild_read_model(demo::cluster& c, demo::services& s, const std::string& winner) {
  say("5. booking-service forgets its read model and rebuilds it from the log");
  const std::string before = s.settled_checksum(c.booking());
  say("   read model checksum now: " + before);
  c.stop_booking();
  say("   booking-service stopped; " + c.booking_read_model().string() + " deleted;");
  say("   `booking-service --rebuild` replays bookings.bookings and bookings.inventory:");
  auto report = c.rebuild_booking();
  check(report.ok, "the rebuild failed: " + report.line);
  say("   " + report.line);
  c.start_booking();
  s.set_booking(c.booking());
  const std::string after = s.settled_checksum(c.booking());
  check(report.checksum == before && after == before, "the checksums differ: before " + before +
                                                          ", rebuilt " + report.checksum +
                                                          ", after the restart " + after);
  auto b = s.booking(winner);
  check(b.at("status") == "confirmed", winner + " should still be confirmed after the rebuild");
  say("   restarted at http://" + c.booking() + "; checksum " + after +
      ": the same model, rebuilt from events alone.");
}

void keep_running(const demo::cluster& c) {
  say("");
  say("The services keep running (Ctrl-C stops everything). Try:");
  say("  curl -s http://" + c.booking() + "/bookings/bk-ann");
  say("  curl -s 'http://" + c.booking() + "/availability?item=" + kChristmas + "'");
  say("  curl -s http://" + c.payment() + "/accounts/acc-ann");
  say("  curl -s -X POST http://" + c.booking() + "/bookings -d '{\"item\":\"" + kChristmas +
      "\",\"accountId\":\"acc-ann\"}'");
  say("Logs: " + c.logs().string());
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
}

std::filesystem::path default_build_dir() {
  // This program is <build>/samples/demo/cairn-demo.
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("build") : self.parent_path().parent_path().parent_path();
}

}  // namespace

int main(int argc, char** argv) {
  demo::cluster_options options;
  std::string build_dir = default_build_dir().string();
  std::string data_dir;
  bool keep = false;
  po::options_description desc("cairn-demo");
  desc.add_options()("help,h", "this help")  //
      ("build-dir", po::value(&build_dir)->default_value(build_dir),
       "where cairn-broker and the services were built")  //
      ("data-dir", po::value(&data_dir)->required(),
       "a directory for the broker's and the services' data (emptied first)")  //
      ("payment-timeout-ms", po::value(&options.payment_timeout_ms)->default_value(10'000),
       "how long a booking waits for its payment")  //
      ("keep-running", po::bool_switch(&keep), "leave the services up afterwards, for curl");
  po::variables_map vm;
  if (auto exit_code = cairn::parse_options("cairn-demo", argc, argv, desc, vm)) return *exit_code;
  // Blocked here so every thread inherits it: --keep-running waits for them with sigwait, and a
  // Ctrl-C during the scenario still goes through the clean stop below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  options.build_dir = build_dir;
  options.data_dir = std::filesystem::absolute(data_dir);
  std::filesystem::remove_all(options.data_dir);
  std::filesystem::create_directories(options.data_dir);

  demo::cluster c(options);
  try {
    c.start_broker();
    c.start_payment();
    c.start_booking();
    say("Started, each its own process, all on this machine:");
    say("  cairn-broker     " + c.broker() + "  (data in " +
        (options.data_dir / "broker").string() + ")");
    say("  payment-service  http://" + c.payment() + "  (accounts, payments)");
    say("  booking-service  http://" + c.booking() + "  (inventory, bookings, the booking saga)");
    say("They never call each other: booking-service publishes booking events, payment-service");
    say("answers with payment events, both through the broker.");
    say("");
    demo::services s(c.payment(), c.booking());
    stock_and_fund(s);
    paid_booking(s);
    declined_booking(s);
    const auto winner = race_for_last_room(s);
    rebuild_read_model(c, s, winner);
    say("");
    say("Every step did what it should.");
    if (keep) keep_running(c);
  } catch (const check_failed& e) {
    std::fprintf(stderr, "cairn-demo: FAILED: %s (logs in %s)\n", e.what(), c.logs().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cairn-demo: %s (logs in %s)\n", e.what(), c.logs().c_str());
    return 1;
  }
  c.stop_all();
  say("Stopped the services and the broker; nothing is left running.");
  return 0;
}
