// payment-service as its clients see it: a real cairn-broker, a real payment-service process,
// requests over HTTP, booking events appended with the SDK, and --rebuild on its data dir.
// Read-model state is awaited by polling an observable condition (GET /model until lag 0, a
// stream until it has an event), each with a deadline; never a bare sleep.
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <functional>
#include <thread>

#include "cairn/es/event_registry.h"
#include "cairn/streams.h"
#include "samples/common/http_client.h"
#include "samples/contracts/booking_events.h"
#include "samples/contracts/payment_events.h"
#include "tests/integration/cli_process.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"

using cairn::testing::broker_process;
using cairn::testing::cli_process;
using cairn::testing::temp_dir;
namespace http = samples::http;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto kStartTimeout = 60s;
constexpr auto kConvergeTimeout = 30s;

bool has(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string line_with(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines) {
    if (l.find(text) != std::string::npos) return l;
  }
  return {};
}

// Polls `done` every 50 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// A running payment-service and the base URL it announced.
struct service {
  std::unique_ptr<cli_process> process;
  std::string base;
};

service start_service(const std::string& broker, const std::string& data_dir) {
  service s;
  s.process = std::make_unique<cli_process>(
      PAYMENT_SERVICE_PATH, std::vector<std::string>{"--broker", broker, "--http", "127.0.0.1:0",
                                                     "--data-dir", data_dir});
  const std::string marker = "listening on http://";
  bool up =
      s.process->wait_out([&](const auto& lines) { return has(lines, marker); }, kStartTimeout);
  INFO("stderr: " << (s.process->err_lines().empty() ? "" : s.process->err_lines().back()));
  REQUIRE(up);
  const std::string line = line_with(s.process->out_lines(), marker);
  s.base = line.substr(line.find(marker) + marker.size());
  return s;
}

// Every account the service shows has a balance and an available amount of zero or more.
void check_never_negative(const http::reply& r) {
  if (!r.body.is_object()) return;
  const auto& o = r.body.get_object();
  if (const auto* b = o.if_contains("balanceCents")) CHECK(b->as_int64() >= 0);
  if (const auto* a = o.if_contains("availableCents")) CHECK(a->as_int64() >= 0);
}

http::reply post(const std::string& base, const std::string& target, json::value body) {
  auto r = http::post(base, target, std::move(body));
  INFO("POST " << target);
  REQUIRE(r);
  check_never_negative(r.value());
  return r.value();
}

http::reply get(const std::string& base, const std::string& target) {
  auto r = http::get(base, target);
  INFO("GET " << target);
  REQUIRE(r);
  check_never_negative(r.value());
  return r.value();
}

std::string text(const http::reply& r, std::string_view key) {
  if (!r.body.is_object()) return {};
  const auto* v = r.body.get_object().if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
}

std::int64_t cents(const http::reply& r, std::string_view key) {
  if (!r.body.is_object()) return -1;
  const auto* v = r.body.get_object().if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : -1;
}

// The status of a POST whose body is sent as it is (the JSON client cannot send broken JSON).
unsigned raw_post_status(const std::string& base, const std::string& target,
                         const std::string& body) {
  const auto colon = base.rfind(':');
  boost::asio::ip::tcp::iostream s(base.substr(0, colon), base.substr(colon + 1));
  s << "POST " << target << " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    << "Content-Length: " << body.size() << "\r\nConnection: close\r\n\r\n"
    << body << std::flush;
  std::string version;
  unsigned status = 0;
  s >> version >> status;
  return status;
}

// Waits until the read model has applied everything in the log; returns its checksum.
std::string caught_up_checksum(const std::string& base) {
  std::string checksum;
  bool caught_up = eventually(
      [&] {
        auto r = http::get(base, "/model");
        if (!r || r.value().status != 200) return false;
        checksum = text(r.value(), "checksum");
        return cents(r.value(), "lag") == 0;
      },
      kConvergeTimeout);
  REQUIRE(caught_up);
  return checksum;
}

}  // namespace

TEST_CASE("payment-service moves money over HTTP and answers booking requests", "[samples]") {
  temp_dir dir;
  broker_process broker(CAIRN_BROKER_PATH, dir / "broker",
                        {"--group-initial-rebalance-delay-ms", "0"});
  const std::string broker_address = "127.0.0.1:" + std::to_string(broker.port());
  const std::string data_dir = dir / "payment";
  auto svc = start_service(broker_address, data_dir);
  const std::string& base = svc.base;

  // --- accounts --------------------------------------------------------------------------------
  auto opened = post(base, "/accounts", json::object{{"id", "acc-ann"}, {"owner", "Ann"}});
  REQUIRE(opened.status == 201);
  CHECK(text(opened, "status") == "open");
  CHECK(cents(opened, "balanceCents") == 0);
  auto generated = post(base, "/accounts", json::object{{"owner", "Cy"}});
  CHECK(generated.status == 201);
  CHECK(!text(generated, "id").empty());
  CHECK(post(base, "/accounts", json::object{{"id", "acc-ann"}, {"owner", "Ann"}}).status == 409);

  CHECK(cents(post(base, "/accounts/acc-ann/deposits", json::object{{"amountCents", 100'00}}),
              "balanceCents") == 100'00);
  CHECK(cents(post(base, "/accounts/acc-ann/withdrawals", json::object{{"amountCents", 30'00}}),
              "balanceCents") == 70'00);
  auto overdraft =
      post(base, "/accounts/acc-ann/withdrawals", json::object{{"amountCents", 1'000'00}});
  CHECK(overdraft.status == 409);
  CHECK(text(overdraft, "error") == "insufficient_funds");

  // A retried deposit with its commandId is applied once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto d = post(base, "/accounts/acc-ann/deposits",
                  json::object{{"amountCents", 5'00}, {"commandId", "dep-ann-1"}});
    CHECK(d.status == 200);
    CHECK(cents(d, "balanceCents") == 75'00);
  }

  // --- payments --------------------------------------------------------------------------------
  auto authorized = post(base, "/payments",
                         json::object{{"id", "pay-1"},
                                      {"accountId", "acc-ann"},
                                      {"amountCents", 50'00},
                                      {"reference", "order-1"}});
  REQUIRE(authorized.status == 201);
  CHECK(text(authorized, "status") == "authorized");
  auto declined =
      post(base, "/payments",
           json::object{{"id", "pay-2"}, {"accountId", "acc-ann"}, {"amountCents", 50'00}});
  CHECK(declined.status == 201);
  CHECK(text(declined, "status") == "declined");
  CHECK(text(declined, "reason") == "insufficient_funds");
  CHECK(text(post(base, "/payments",
                  json::object{{"id", "pay-9"}, {"accountId", "acc-nobody"}, {"amountCents", 1}}),
             "reason") == "account_not_found");

  // The same request again is answered with its decision; another one under that id is refused.
  auto again =
      post(base, "/payments",
           json::object{{"id", "pay-1"}, {"accountId", "acc-ann"}, {"amountCents", 50'00}});
  CHECK(again.status == 201);
  CHECK(text(again, "status") == "authorized");
  auto reused = post(base, "/payments",
                     json::object{{"id", "pay-1"}, {"accountId", "acc-ann"}, {"amountCents", 1}});
  CHECK(reused.status == 409);
  CHECK(text(reused, "error") == "already_decided");

  auto captured = post(base, "/payments/pay-1/capture", json::object{});
  CHECK(captured.status == 200);
  CHECK(text(captured, "status") == "captured");
  CHECK(text(post(base, "/payments/pay-1/capture", json::object{}), "status") == "captured");
  CHECK(text(post(base, "/payments/pay-1/void", json::object{}), "error") == "already_captured");

  auto refunded = post(base, "/payments/pay-1/refund", json::object{{"amountCents", 20'00}});
  CHECK(refunded.status == 200);
  CHECK(text(refunded, "status") == "refunded");
  CHECK(cents(refunded, "refundedCents") == 20'00);
  auto too_much = post(base, "/payments/pay-1/refund", json::object{{"amountCents", 30'01}});
  CHECK(too_much.status == 409);
  CHECK(text(too_much, "error") == "refund_exceeds_capture");

  CHECK(text(post(base, "/payments",
                  json::object{{"id", "pay-3"}, {"accountId", "acc-ann"}, {"amountCents", 10'00}}),
             "status") == "authorized");
  CHECK(text(post(base, "/payments/pay-3/void", json::object{}), "status") == "voided");
  auto late_capture = post(base, "/payments/pay-3/capture", json::object{});
  CHECK(late_capture.status == 409);
  CHECK(text(late_capture, "error") == "not_authorized");

  // --- bad input -------------------------------------------------------------------------------
  CHECK(raw_post_status(base, "/accounts/acc-ann/deposits", "{not json") == 400);
  CHECK(post(base, "/accounts/acc-ann/deposits", json::array{1, 2}).status == 400);
  CHECK(post(base, "/accounts/acc-ann/deposits", json::object{{"amountCents", 0}}).status == 400);
  CHECK(post(base, "/accounts/acc-ann/deposits", json::object{{"cents", 5}}).status == 400);
  CHECK(post(base, "/accounts", json::object{{"id", "a/b"}, {"owner", "X"}}).status == 400);
  CHECK(post(base, "/accounts/acc-nobody/deposits", json::object{{"amountCents", 5}}).status ==
        404);
  CHECK(post(base, "/payments/pay-nobody/capture", json::object{}).status == 404);
  CHECK(get(base, "/accounts/acc-nobody").status == 404);
  CHECK(get(base, "/payments/pay-nobody").status == 404);
  CHECK(get(base, "/health").status == 200);

  // --- booking-service's requests, appended as its events --------------------------------------
  auto client = cairn::client::create({.bootstrap = {broker_address}, .client_id = "test"});
  REQUIRE(client);
  cairn::streams streams(*client.value());
  cairn::es::event_registry<samples::contracts::booking_event> bookings;
  cairn::es::event_registry<samples::contracts::payment_event> payments;
  auto append_booking_event = [&](const std::string& booking,
                                  const samples::contracts::booking_event& e) {
    auto appended = streams.append(std::string(samples::contracts::kBookingsTopic), booking,
                                   cairn::expected_version::any, {bookings.encode(e)});
    REQUIRE(appended);
  };
  using samples::contracts::booking_cancelled;
  using samples::contracts::booking_confirmed;
  using samples::contracts::payment_requested;
  // booking-service names the payment after the booking.
  append_booking_event("bk-1", payment_requested{"bk-1", "acc-ann", 10'00});
  append_booking_event("bk-2", payment_requested{"bk-2", "acc-ann", 1'000'00});
  append_booking_event("bk-3", payment_requested{"bk-3", "acc-ann", 5'00});
  // The events of a payment stream once it has at least `count` of them.
  auto events_of = [&](const std::string& payment_id, std::size_t count) {
    std::vector<samples::contracts::payment_event> events;
    bool answered = eventually(
        [&] {
          auto slice = streams.read(std::string(samples::contracts::kPaymentsTopic), payment_id);
          if (!slice || slice.value().events.size() < count) return false;
          events.clear();
          for (const auto& recorded : slice.value().events) {
            auto decoded = payments.decode(recorded);
            if (decoded) events.push_back(decoded.value());
          }
          return true;
        },
        kConvergeTimeout);
    INFO("payment " << payment_id);
    REQUIRE(answered);
    REQUIRE(events.size() >= count);
    return events;
  };
  using samples::contracts::payment_authorized;
  using samples::contracts::payment_declined;
  auto first = events_of("bk-1", 1);
  REQUIRE(std::holds_alternative<payment_authorized>(first[0]));
  CHECK(std::get<payment_authorized>(first[0]).reference == "bk-1");
  CHECK(std::get<payment_authorized>(first[0]).amount_cents == 10'00);
  auto second = events_of("bk-2", 1);
  REQUIRE(std::holds_alternative<payment_declined>(second[0]));
  CHECK(std::get<payment_declined>(second[0]).reference == "bk-2");
  CHECK(std::get<payment_declined>(second[0]).reason == "insufficient_funds");
  CHECK(std::holds_alternative<payment_authorized>(events_of("bk-3", 1)[0]));

  // A request delivered twice changes nothing; confirmed captures, cancelled voids, and a
  // cancelled booking whose payment was declined is nothing to do.
  append_booking_event("bk-1", payment_requested{"bk-1", "acc-ann", 10'00});
  append_booking_event("bk-1", booking_confirmed{"bk-1"});
  append_booking_event("bk-3", booking_cancelled{"timeout", "bk-3"});
  append_booking_event("bk-2", booking_cancelled{"payment declined", "bk-2"});
  auto settled = events_of("bk-1", 2);
  CHECK(settled.size() == 2);
  CHECK(std::holds_alternative<samples::contracts::payment_captured>(settled[1]));
  auto cancelled = events_of("bk-3", 2);
  CHECK(std::holds_alternative<samples::contracts::payment_voided>(cancelled[1]));
  CHECK(svc.process->wait_out(
      [](const auto& lines) { return has(lines, "void bk-2: nothing to do (not_authorized)"); },
      kConvergeTimeout));

  // --- the read model catches up; the balance adds up -----------------------------------------
  const std::string checksum = caught_up_checksum(base);
  auto ann = get(base, "/accounts/acc-ann");
  REQUIRE(ann.status == 200);
  // 100 - 30 + 5 (once) - 50 captured + 20 refunded - 10 captured for bk-1; pay-3 and bk-3
  // voided.
  CHECK(cents(ann, "balanceCents") == 35'00);
  CHECK(cents(ann, "heldCents") == 0);
  CHECK(cents(ann, "availableCents") == 35'00);
  auto pay1 = get(base, "/payments/pay-1");
  CHECK(text(pay1, "status") == "refunded");
  CHECK(text(pay1, "reference") == "order-1");
  auto bk1 = get(base, "/payments/bk-1");
  CHECK(text(bk1, "status") == "captured");
  CHECK(text(bk1, "reference") == "bk-1");
  CHECK(text(get(base, "/payments/bk-2"), "status") == "declined");
  CHECK(text(get(base, "/payments/bk-3"), "status") == "voided");

  // --- stop, rebuild from the log: the same model ----------------------------------------------
  CHECK(svc.process->signal_and_wait(SIGTERM) == 0);
  cli_process rebuild(PAYMENT_SERVICE_PATH, {"--broker", broker_address, "--http", "127.0.0.1:0",
                                             "--data-dir", data_dir, "--rebuild"});
  const std::string report = "rebuilt the read model";
  bool rebuilt =
      rebuild.wait_out([&](const auto& lines) { return has(lines, report); }, kStartTimeout);
  INFO("stderr: " << (rebuild.err_lines().empty() ? "" : rebuild.err_lines().back()));
  REQUIRE(rebuilt);
  CHECK(rebuild.signal_and_wait(0) == 0);
  const std::string line = line_with(rebuild.out_lines(), report);
  INFO(line);
  CHECK(line.find("checksum " + checksum) != std::string::npos);
}
