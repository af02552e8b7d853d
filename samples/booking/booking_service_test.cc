// booking-service end to end: a real cairn-broker, a real booking-service process, and this test
// in payment-service's part: it reads the PaymentRequested events the service publishes and
// answers with PaymentAuthorized / PaymentDeclined on payments.payments (or not at all).
// Every wait is a bounded poll of an observable condition (an HTTP answer, a stdout line).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <latch>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cairn/client.h"
#include "cairn/consumer.h"
#include "cairn/es/envelope.h"
#include "cairn/es/event_registry.h"
#include "cairn/streams.h"
#include "samples/common/http_client.h"
#include "samples/contracts/booking_events.h"
#include "samples/contracts/payment_events.h"
#include "tests/integration/cli_process.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"

namespace es = cairn::es;
namespace json = boost::json;
namespace http = samples::http;
using namespace samples::contracts;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kPaymentTimeoutMs = 1'500;
constexpr auto kWaitMax = 20s;

// Polls `condition` every 25 ms until it holds or `limit` passes.
template <class F>
bool eventually(F condition, std::chrono::milliseconds limit = kWaitMax) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(25ms);
  }
  return condition();
}

std::vector<std::string> service_args(std::uint16_t broker_port, const std::string& data_dir,
                                      bool rebuild = false) {
  std::vector<std::string> args = {"--broker",
                                   "127.0.0.1:" + std::to_string(broker_port),
                                   "--http",
                                   "127.0.0.1:0",
                                   "--data-dir",
                                   data_dir,
                                   "--payment-timeout-ms",
                                   std::to_string(kPaymentTimeoutMs)};
  if (rebuild) args.emplace_back("--rebuild");
  return args;
}

// The broker, the service, and an SDK client playing payment-service.
class booking_world {
 public:
  booking_world()
      : broker_(CAIRN_BROKER_PATH, dir_ / "broker"),
        service_(std::make_unique<cairn::testing::cli_process>(
            BOOKING_SERVICE_PATH, service_args(broker_.port(), data_dir()))) {
    std::string line;
    const bool up = service_->wait_out(
        [&](const std::vector<std::string>& lines) {
          for (const auto& l : lines) {
            if (auto at = l.find("listening on http://"); at != std::string::npos) {
              line = l.substr(at + std::string("listening on http://").size());
              return true;
            }
          }
          return false;
        },
        kWaitMax);
    if (!up) FAIL("booking-service did not start: " << stderr_text());
    base_ = line;
    auto c = cairn::client::create({.bootstrap = {"127.0.0.1:" + std::to_string(broker_.port())},
                                    .client_id = "payment-service-stand-in"});
    REQUIRE(c);
    client_ = std::move(c).value();
    requests_ = std::make_unique<cairn::consumer>(*client_);
    std::vector<cairn::topic_partition> partitions;
    for (int p = 0; p < 3; ++p)
      partitions.push_back({std::string(kBookingsTopic), p});
    requests_->assign(partitions);
  }

  const std::string& base() const { return base_; }
  std::string data_dir() const { return dir_ / "booking"; }
  std::uint16_t broker_port() const { return broker_.port(); }
  cairn::testing::cli_process& service() { return *service_; }

  std::string stderr_text() const {
    std::string text;
    for (const auto& l : service_->err_lines())
      text += l + "\n";
    return text;
  }

  http::reply post(const std::string& target, json::value body) {
    auto r = http::post(base_, target, std::move(body));
    REQUIRE(r);
    return std::move(r).value();
  }
  http::reply get(const std::string& target) {
    auto r = http::get(base_, target);
    REQUIRE(r);
    return std::move(r).value();
  }

  void add_stock(const std::string& item, std::int64_t units, std::int64_t price_cents) {
    auto r = post("/inventory",
                  json::object{{"item", item}, {"units", units}, {"priceCents", price_cents}});
    REQUIRE(r.status == 201);
  }

  // The PaymentRequested the service published for `booking_id`, as payment-service reads it.
  std::optional<payment_requested> payment_request_for(const std::string& booking_id) {
    eventually([&] {
      if (seen_.contains(booking_id)) return true;
      auto records = requests_->poll(100);
      REQUIRE(records);
      for (const auto& r : records.value()) {
        const auto m = es::envelope_of(r);
        if (!r.value || m.type != payment_requested::type) continue;
        auto e = booking_registry_.decode(m.type, *r.value);
        REQUIRE(e);
        seen_[m.stream_id] = std::get<payment_requested>(e.value());
      }
      return seen_.contains(booking_id);
    });
    if (auto it = seen_.find(booking_id); it != seen_.end()) return it->second;
    return std::nullopt;
  }

  // payment-service's answer: on the payment's own stream, its reference the booking id.
  void answer(const payment_event& e, const std::string& payment_id) {
    cairn::streams streams(*client_);
    auto appended = streams.append(std::string(kPaymentsTopic), "pay-" + payment_id,
                                   cairn::expected_version::any, {payment_registry_.encode(e)});
    REQUIRE(appended);
    REQUIRE(std::holds_alternative<cairn::appended>(appended.value()));
  }

  // The booking's read-model status once it equals `status` (or the last one seen).
  std::string wait_for_status(const std::string& id, const std::string& status) {
    std::string last;
    eventually([&] {
      auto r = http::get(base_, "/bookings/" + id);
      if (!r || r.value().status != 200) return false;
      last = std::string(r.value().body.at("status").as_string());
      return last == status;
    });
    return last;
  }

  json::object availability(const std::string& item) {
    auto r = get("/availability?item=" + item);
    REQUIRE(r.status == 200);
    return r.body.as_object();
  }

  // Waits until the item's availability has these held and sold counts.
  bool wait_for_units(const std::string& item, std::int64_t held, std::int64_t sold) {
    return eventually([&] {
      auto r = http::get(base_, "/availability?item=" + item);
      if (!r || r.value().status != 200) return false;
      const auto& o = r.value().body.as_object();
      return o.at("held").as_int64() == held && o.at("sold").as_int64() == sold;
    });
  }

  // The broker goes away (SIGKILL): the service keeps answering, from what it has.
  void kill_broker() { broker_.kill(); }

  // Stops the service (SIGTERM) and returns its exit code.
  int stop_service() { return service_->signal_and_wait(SIGTERM); }

 private:
  cairn::testing::temp_dir dir_;
  cairn::testing::broker_process broker_;
  std::unique_ptr<cairn::testing::cli_process> service_;
  std::string base_;
  std::unique_ptr<cairn::client> client_;
  std::unique_ptr<cairn::consumer> requests_;
  es::event_registry<booking_event> booking_registry_;
  es::event_registry<payment_event> payment_registry_;
  std::map<std::string, payment_requested> seen_;
};

std::string book(booking_world& w, const std::string& item, const std::string& id,
                 std::int64_t units = 1) {
  auto r =
      w.post("/bookings",
             json::object{{"id", id}, {"item", item}, {"units", units}, {"accountId", "acc-ann"}});
  INFO(r.raw);
  REQUIRE(r.status == 202);
  CHECK(r.body.at("status") == "awaiting_payment");
  return std::string(r.body.at("id").as_string());
}

}  // namespace

TEST_CASE("booking service: an authorized payment confirms the booking and sells the unit",
          "[booking][integration]") {
  booking_world w;
  const std::string item = "hotel-astoria/2026-12-24";
  w.add_stock(item, 2, 120'00);
  auto r = w.post("/bookings", json::object{{"item", item}, {"accountId", "acc-ann"}});
  INFO(r.raw);
  REQUIRE(r.status == 202);
  CHECK(r.body.at("amountCents").as_int64() == 120'00);
  const std::string id(r.body.at("id").as_string());

  auto request = w.payment_request_for(id);
  REQUIRE(request);
  CHECK(request->payment_id == id);
  CHECK(request->account_id == "acc-ann");
  CHECK(request->amount_cents == 120'00);
  w.answer(payment_authorized{"acc-ann", 120'00, id}, id);

  CHECK(w.wait_for_status(id, "confirmed") == "confirmed");
  REQUIRE(w.wait_for_units(item, 0, 1));
  auto a = w.availability(item);
  CHECK(a.at("capacity").as_int64() == 2);
  CHECK(a.at("available").as_int64() == 1);
  CHECK(a.at("priceCents").as_int64() == 120'00);

  // A client retry with the same id is answered the same and appends nothing new.
  auto again =
      w.post("/bookings", json::object{{"id", id}, {"item", item}, {"accountId", "acc-ann"}});
  CHECK(again.status == 202);
  CHECK(again.body.at("status") == "confirmed");
  CHECK(w.availability(item).at("sold").as_int64() == 1);
}

TEST_CASE("booking service: a declined payment cancels the booking and releases the unit",
          "[booking][integration]") {
  booking_world w;
  const std::string item = "flight-lx318/2026-12-24";
  w.add_stock(item, 1, 300'00);
  const std::string id = book(w, item, "bk-declined");
  REQUIRE(w.wait_for_units(item, 1, 0));
  REQUIRE(w.payment_request_for(id));
  w.answer(payment_declined{"acc-ann", 300'00, id, "insufficient_funds"}, id);

  CHECK(w.wait_for_status(id, "cancelled") == "cancelled");
  auto b = w.get("/bookings/" + id);
  CHECK(b.body.at("reason") == "payment declined: insufficient_funds");
  REQUIRE(w.wait_for_units(item, 0, 0));
  CHECK(w.availability(item).at("available").as_int64() == 1);
}

TEST_CASE("booking service: a payment with no answer is cancelled by the timeout",
          "[booking][integration]") {
  booking_world w;
  const std::string item = "hotel-astoria/2026-12-31";
  w.add_stock(item, 1, 150'00);
  const std::string id = book(w, item, "bk-silent");
  REQUIRE(w.payment_request_for(id));
  CHECK(w.wait_for_status(id, "cancelled") == "cancelled");
  CHECK(w.get("/bookings/" + id).body.at("reason") == "payment timed out");
  REQUIRE(w.wait_for_units(item, 0, 0));

  // A late authorization reaches a finished saga: the booking stays cancelled.
  w.answer(payment_authorized{"acc-ann", 150'00, id}, id);
  const std::string other = book(w, item, "bk-after");
  REQUIRE(w.wait_for_units(item, 1, 0));
  CHECK(w.get("/bookings/" + id).body.at("status") == "cancelled");
  // The read model follows each topic on its own: wait for the booking's side too.
  CHECK(w.wait_for_status(other, "awaiting_payment") == "awaiting_payment");
}

TEST_CASE("booking service: twenty concurrent requests for the last unit - exactly one wins",
          "[booking][integration]") {
  booking_world w;
  const std::string item = "hotel-astoria/2027-01-01";
  w.add_stock(item, 2, 100'00);
  book(w, item, "bk-first");  // one of two held: one unit left
  // The watcher below reads the read model: it must know the item (and its first hold) first.
  REQUIRE(w.wait_for_units(item, 1, 0));

  constexpr int kRacers = 20;
  std::latch start(kRacers);
  std::vector<http::reply> replies(kRacers);
  std::atomic<bool> racing{true};
  std::atomic<std::int64_t> available_min{1};
  std::atomic<int> watch_errors{0};
  std::string watch_error;  // the last one, written by the watcher only, read after join
  // A watcher reads the availability while the race runs: it must never go below zero.
  std::thread watcher([&] {
    while (racing.load()) {
      auto r = http::get(w.base(), "/availability?item=" + item);
      if (!r || r.value().status != 200) {
        watch_error =
            r ? std::to_string(r.value().status) + " " + r.value().raw : r.error().message();
        ++watch_errors;
        continue;
      }
      const auto available = r.value().body.at("available").as_int64();
      if (available < available_min.load()) available_min.store(available);
    }
  });
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      start.arrive_and_wait();
      auto r = http::post(w.base(), "/bookings",
                          json::object{{"id", "bk-race-" + std::to_string(i)},
                                       {"item", item},
                                       {"accountId", "acc-" + std::to_string(i)}});
      if (r) replies[i] = std::move(r).value();
    });
  }
  for (auto& t : racers)
    t.join();
  REQUIRE(w.wait_for_units(item, 2, 0));
  racing.store(false);
  watcher.join();

  int won = 0;
  int sold_out = 0;
  for (const auto& r : replies) {
    INFO(r.status << " " << r.raw);
    if (r.status == 202) ++won;
    if (r.status == 409 && r.body.at("error") == "sold_out") {
      ++sold_out;
      CHECK(r.body.at("status") == "rejected");
    }
  }
  CHECK(won == 1);
  CHECK(sold_out == kRacers - 1);
  CHECK(available_min.load() >= 0);
  INFO("the watcher's last error: " << watch_error);
  CHECK(watch_errors.load() == 0);
  CHECK(w.availability(item).at("available").as_int64() == 0);
  // The losers are rejected in the read model too.
  CHECK(w.wait_for_status("bk-race-" + std::to_string(replies[0].status == 202 ? 1 : 0),
                          "rejected") == "rejected");
}

TEST_CASE("booking service: bad input is answered with 400 and unknown ids with 404",
          "[booking][integration]") {
  booking_world w;
  w.add_stock("room", 1, 100);
  auto bad = [&](const std::string& target, const std::string& body) {
    auto r = http::call(w.base(), boost::beast::http::verb::post, target, json::parse(body));
    REQUIRE(r);
    INFO(target << " " << body << " -> " << r.value().raw);
    CHECK(r.value().status == 400);
    CHECK(r.value().body.at("error") == "bad_request");
  };
  bad("/bookings", R"({"accountId": "acc"})");
  bad("/bookings", R"({"item": "room"})");
  bad("/bookings", R"({"item": "room", "accountId": "acc", "units": 0})");
  bad("/bookings", R"({"item": "room", "accountId": "acc", "units": "two"})");
  bad("/bookings", R"({"item": "room", "accountId": "acc", "id": "a/b"})");
  bad("/bookings", R"({"item": "", "accountId": "acc"})");
  bad("/bookings", R"([1, 2])");
  bad("/inventory", R"({"item": "room", "units": 1, "priceCents": -5})");
  bad("/inventory", R"({"item": "room", "units": 10000000, "priceCents": 5})");

  // Valid JSON that is not an object.
  auto garbage =
      http::call(w.base(), boost::beast::http::verb::post, "/bookings", json::value("{not json"));
  REQUIRE(garbage);
  CHECK(garbage.value().status == 400);

  auto unknown_item = w.post("/bookings", json::object{{"item", "nowhere"}, {"accountId", "a"}});
  CHECK(unknown_item.status == 409);
  CHECK(unknown_item.body.at("error") == "unknown_item");
  CHECK(w.get("/bookings/bk-none").status == 404);
  CHECK(w.get("/availability?item=nowhere").status == 404);
  CHECK(w.get("/health").status == 200);
}

TEST_CASE("booking service: a rebuild reports the checksum the live model had",
          "[booking][integration]") {
  booking_world w;
  const std::string item = "hotel-astoria/2027-02-14";
  w.add_stock(item, 3, 90'00);
  const std::string paid = book(w, item, "bk-paid", 2);
  const std::string declined = book(w, item, "bk-declined");
  REQUIRE(w.payment_request_for(paid));
  REQUIRE(w.payment_request_for(declined));
  w.answer(payment_authorized{"acc-ann", 180'00, paid}, paid);
  w.answer(payment_declined{"acc-ann", 90'00, declined, "account_closed"}, declined);
  REQUIRE(w.wait_for_status(paid, "confirmed") == "confirmed");
  REQUIRE(w.wait_for_status(declined, "cancelled") == "cancelled");
  REQUIRE(w.wait_for_units(item, 0, 2));

  std::string live;
  REQUIRE(eventually([&] {
    auto m = w.get("/model");
    if (m.status != 200 || m.body.at("lag").as_int64() != 0) return false;
    live = std::string(m.body.at("checksum").as_string());
    return true;
  }));
  CHECK(w.stop_service() == 0);

  cairn::testing::cli_process rebuild(BOOKING_SERVICE_PATH,
                                      service_args(w.broker_port(), w.data_dir(), true));
  std::string reported;
  const bool done = rebuild.wait_out(
      [&](const std::vector<std::string>& lines) {
        for (const auto& l : lines) {
          if (auto at = l.find("checksum "); at != std::string::npos) {
            reported = l.substr(at + 9);
            return true;
          }
        }
        return false;
      },
      kWaitMax);
  INFO("rebuild stderr lines: " << rebuild.err_lines().size());
  REQUIRE(done);
  CHECK(reported == live);
  CHECK(rebuild.signal_and_wait(0) == 0);
}

TEST_CASE("booking service: answers 503 while the broker is unreachable",
          "[booking][integration]") {
  booking_world w;
  w.add_stock("room", 1, 100);
  REQUIRE(w.wait_for_units("room", 0, 0));
  w.kill_broker();
  auto r = w.post("/bookings", json::object{{"item", "room"}, {"accountId", "acc"}});
  INFO(r.raw);
  CHECK(r.status == 503);
  CHECK(r.body.at("error") == "unavailable");
  // The read model still answers what it has.
  CHECK(w.get("/availability?item=room").status == 200);
}
