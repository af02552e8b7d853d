// The booking process manager against a real cairn-broker. The process runs in process_runner,
// killed (SIGKILL) right after a txn commits and before its messages go out, right after a
// message went out and before its outbox entry is deleted, and at an arbitrary point; every
// command and event must still appear exactly once per message id. A timeout scheduled before
// a restart fires after it (the restart runs "later" through a clock offset, not a sleep).
// The coroutine form runs in this process on the client's executor. Every wait is bounded.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cairn/admin.h"
#include "cairn/consumer.h"
#include "cairn/es/process_manager.h"
#include "cairn/es/process_manager_dispatch.h"
#include "tests/support/child_process.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/sdk/es_process/booking_process.h"

namespace {

namespace es = cairn::es;
using cairn::testing::broker_process;
using cairn::testing::child_process;
using cairn::testing::temp_dir;

std::string booking_id(int i) {
  return (i < 10 ? "b0" : "b") + std::to_string(i);
}

struct fixture {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, (dir.path() / "broker").string()};
  std::string address = "127.0.0.1:" + std::to_string(broker.port());
  std::unique_ptr<cairn::client> client = connect();
  es::event_registry<booking::input> inputs;

  fixture() {
    cairn::admin admin(*client);
    for (const auto& [topic, partitions] :
         std::vector<std::pair<std::string, int>>{{"bookings", 2},
                                                  {std::string(booking::inventory_topic), 2},
                                                  {std::string(booking::payments_topic), 1},
                                                  {std::string(booking::outcomes_topic), 1}}) {
      if (auto created = admin.create_topic(topic, {.partitions = partitions}); !created) {
        FAIL(created.error().message());
      }
    }
  }

  std::unique_ptr<cairn::client> connect() {
    auto c = cairn::client::create({.bootstrap = {address}});
    REQUIRE(c);
    return std::move(c).value();
  }

  void input(const booking::input& e) {
    cairn::streams s(*client);
    auto id = std::visit([](const auto& v) { return v.booking_id; }, e);
    std::vector<cairn::event_data> batch{inputs.encode(e)};
    auto appended = s.append("bookings", id, cairn::expected_version::any, batch);
    REQUIRE(appended);
  }

  std::vector<cairn::recorded_event> stream(std::string_view topic, const std::string& key) {
    cairn::streams s(*client);
    auto slice = s.read(std::string(topic), key);
    REQUIRE(slice);
    REQUIRE(slice.value().last_version + 1 ==
            static_cast<std::int64_t>(slice.value().events.size()));
    return slice.value().events;
  }

  std::vector<std::string> runner(const std::string& model, std::int64_t until,
                                  std::int64_t clock_offset_ms, const std::string& crash) const {
    return {CAIRN_PROCESS_RUNNER_PATH,       address, model, std::to_string(until),
            std::to_string(clock_offset_ms), crash,   "3"};
  }

  // Runs the process to its end (exit 0) or to its crash point (SIGKILL); returns the status.
  int run(const std::string& model, std::int64_t until, std::int64_t offset_ms,
          const std::string& crash) {
    child_process p(runner(model, until, offset_ms, crash));
    return p.wait(60'000);
  }
};

std::vector<std::string> types_of(const std::vector<cairn::recorded_event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    out.push_back(e.type);
  return out;
}

// Every event's command id, which must be distinct: one append per message id.
std::set<std::string> distinct_command_ids(const std::vector<cairn::recorded_event>& events) {
  std::set<std::string> ids;
  for (const auto& e : events) {
    auto id = es::header_value(e.headers, es::kCommandIdHeader);
    CHECK_FALSE(id.empty());
    CHECK(ids.insert(id).second);
  }
  return ids;
}

}  // namespace

TEST_CASE("a process killed between its txn and its dispatch emits every message once",
          "[process][integration]") {
  fixture f;
  constexpr int bookings = 12;
  for (int i = 0; i < bookings; ++i)
    f.input(booking::booking_requested{booking_id(i), i + 1, 1000 * (i + 1)});
  for (int i = 0; i < 6; ++i)
    f.input(booking::payment_authorized{booking_id(i)});
  for (int i = 6; i < 10; ++i)
    f.input(booking::payment_declined{booking_id(i), "no funds"});
  constexpr std::int64_t inputs = bookings + 6 + 4;
  const std::string model = (f.dir.path() / "process").string();

  // Right after the first txn with messages commits: nothing of it was sent.
  CHECK(cairn::testing::killed(f.run(model, inputs, 0, "commit:1")));
  // Right after messages went out, before their outbox entries were deleted: sent again later,
  // and recognised (repository command ids; the stream check for events).
  CHECK(cairn::testing::killed(f.run(model, inputs, 0, "sent:2")));
  CHECK(cairn::testing::killed(f.run(model, inputs, 0, "sent:5")));
  int status = f.run(model, inputs, 0, "commit:2");
  CHECK((cairn::testing::killed(status) || cairn::testing::exited_ok(status)));
  {
    child_process p(f.runner(model, inputs, 0, "none"));
    CHECK(p.read_line(30'000).rfind("round ", 0) == 0);
    p.kill();  // wherever it is
  }
  REQUIRE(cairn::testing::exited_ok(f.run(model, inputs, 0, "none")));

  for (int i = 0; i < bookings; ++i) {
    const auto id = booking_id(i);
    INFO(id);
    auto holds = f.stream(booking::inventory_topic, booking::hold_id(id));
    distinct_command_ids(holds);
    std::vector<std::string> expected_holds{"inventory.SeatsHeld.v1"};
    if (i < 6) expected_holds.push_back("inventory.HoldConfirmed.v1");
    if (i >= 6 && i < 10) expected_holds.push_back("inventory.HoldReleased.v1");
    CHECK(types_of(holds) == expected_holds);

    auto payments = f.stream(booking::payments_topic, id);
    distinct_command_ids(payments);
    CHECK(types_of(payments) == std::vector<std::string>{"booking.PaymentRequested.v1"});

    auto outcomes = f.stream(booking::outcomes_topic, id);
    distinct_command_ids(outcomes);
    std::vector<std::string> expected_outcomes;
    if (i < 6) expected_outcomes.push_back("booking.BookingConfirmed.v1");
    if (i >= 6 && i < 10) expected_outcomes.push_back("booking.BookingCancelled.v1");
    CHECK(types_of(outcomes) == expected_outcomes);
  }

  // b10 and b11 still wait for their payment: live, with their timeouts.
  es::process_options o;
  o.name = "booking";
  o.dir = model;
  auto pm = es::process_manager<booking::booking_process>::open(o, f.inputs, {});
  REQUIRE(pm);
  CHECK(pm.value()->status("b10").value() == es::instance_status::live);
  CHECK(pm.value()->status("b00").value() == es::instance_status::finished);
  CHECK(pm.value()->engine().timeouts().value().size() == 2);
  CHECK(pm.value()->engine().outbox().value().empty());
}

TEST_CASE("a timeout scheduled before a restart fires after it", "[process][integration]") {
  fixture f;
  f.input(booking::booking_requested{"t1", 3, 4500});
  const std::string model = (f.dir.path() / "process").string();

  // Now: the request is handled and its deadline is a minute away.
  REQUIRE(cairn::testing::exited_ok(f.run(model, 1, 0, "none")));
  CHECK(f.stream(booking::outcomes_topic, "t1").empty());
  CHECK(types_of(f.stream(booking::inventory_topic, "hold-t1")) ==
        std::vector<std::string>{"inventory.SeatsHeld.v1"});

  // Two minutes later: the timeout fires; killed after its txn, before its dispatch.
  CHECK(cairn::testing::killed(f.run(model, 1, 120'000, "commit:1")));
  CHECK(f.stream(booking::outcomes_topic, "t1").empty());
  REQUIRE(cairn::testing::exited_ok(f.run(model, 1, 120'000, "none")));

  auto outcomes = f.stream(booking::outcomes_topic, "t1");
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].type == "booking.BookingCancelled.v1");
  CHECK(outcomes[0].data == R"({"booking_id":"t1","reason":"payment timed out"})");
  CHECK(es::header_value(outcomes[0].headers, es::kCorrelationIdHeader) == "t1");
  CHECK(
      es::header_value(outcomes[0].headers, es::kCausationIdHeader).rfind("timeout/payment/", 0) ==
      0);
  CHECK(types_of(f.stream(booking::inventory_topic, "hold-t1")) ==
        std::vector<std::string>{"inventory.SeatsHeld.v1", "inventory.HoldReleased.v1"});
}

TEST_CASE("async_run_once drives the process from the client's executor",
          "[process][integration]") {
  fixture f;
  f.input(booking::booking_requested{"c1", 1, 100});
  f.input(booking::booking_requested{"c2", 2, 200});
  f.input(booking::payment_authorized{"c1"});
  f.input(booking::payment_declined{"c2", "limit"});

  es::event_registry<booking::hold_command> commands;
  es::event_registry<booking::hold_event> hold_events;
  es::repository<booking::seat_hold> holds(*f.client, hold_events,
                                           {.topic = std::string(booking::inventory_topic)});
  auto senders = es::route_commands(
      {{std::string(booking::inventory_topic),
        es::repository_senders(holds, commands, [](const es::process_message&, std::error_code ec) {
          return cairn::result<void>(ec);
        })}});
  es::process_options o;
  o.name = "booking";
  o.dir = f.dir.path() / "process";
  o.partitions = {{"bookings", 0}, {"bookings", 1}};
  o.poll_timeout_ms = 200;
  auto pm = es::process_manager<booking::booking_process>::open(
      o, f.inputs, es::broker_dispatch(*f.client, senders));
  REQUIRE(pm);
  auto& process = *pm.value();
  cairn::consumer c(*f.client);
  REQUIRE(process.start(c));  // blocking: the consumer has no coroutine seek

  auto loop = [&]() -> cairn::awaitable<std::size_t> {
    std::size_t applied = 0;
    std::size_t dispatched = 0;
    for (int i = 0; i < 100 && (applied < 4 || dispatched < 8); ++i) {
      auto round = co_await process.async_run_once(c);
      if (!round) co_return 0;
      applied += round.value().applied;
      dispatched += round.value().dispatched;
    }
    co_return dispatched;
  };
  auto done = boost::asio::co_spawn(f.client->executor(), loop, boost::asio::use_future);
  REQUIRE(done.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  CHECK(done.get() == 8);

  CHECK(types_of(f.stream(booking::outcomes_topic, "c1")) ==
        std::vector<std::string>{"booking.BookingConfirmed.v1"});
  CHECK(types_of(f.stream(booking::outcomes_topic, "c2")) ==
        std::vector<std::string>{"booking.BookingCancelled.v1"});
  CHECK(types_of(f.stream(booking::inventory_topic, "hold-c2")) ==
        std::vector<std::string>{"inventory.SeatsHeld.v1", "inventory.HoldReleased.v1"});
  CHECK(process.status("c1").value() == es::instance_status::finished);
}
