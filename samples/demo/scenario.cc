#include "samples/demo/scenario.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "samples/common/http_client.h"

namespace samples::demo {

namespace {

namespace json = boost::json;
using boost::beast::http::verb;

constexpr auto kSettleTimeout = std::chrono::seconds(60);
// How often a wait asks again: the services answer from projections, and HTTP has no push.
constexpr auto kPollEvery = std::chrono::milliseconds(50);

http::reply call(const std::string& base, verb method, const std::string& target,
                 std::optional<json::value> body = std::nullopt) {
  auto r = http::call(base, method, target, body);
  if (!r) {
    throw std::runtime_error(std::string(boost::beast::http::to_string(method)) + " " + base +
                             target + ": " + r.error().message());
  }
  if (r.value().status >= 500) {
    throw std::runtime_error(std::string(boost::beast::http::to_string(method)) + " " + target +
                             " answered " + std::to_string(r.value().status) + ": " +
                             r.value().raw);
  }
  return std::move(r).value();
}

http::reply expect(const std::string& base, verb method, const std::string& target,
                   std::optional<json::value> body, unsigned want) {
  auto r = call(base, method, target, std::move(body));
  if (r.status != want) {
    throw std::runtime_error(target + " answered " + std::to_string(r.status) + " (expected " +
                             std::to_string(want) + "): " + r.raw);
  }
  return r;
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

booking_answer to_answer(const http::reply& r, const std::string& id) {
  booking_answer a;
  a.http_status = r.status;
  a.id = id;
  if (r.body.is_object()) {
    a.body = r.body.as_object();
    a.status = text(a.body, "status");
    a.error = text(a.body, "error");
  }
  return a;
}

bool final_status(const std::string& s) {
  return s == "confirmed" || s == "cancelled" || s == "rejected";
}

}  // namespace

std::string money(std::int64_t cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", cents < 0 ? "-" : "",
                static_cast<long long>((cents < 0 ? -cents : cents) / 100),
                static_cast<long long>((cents < 0 ? -cents : cents) % 100));
  return buf;
}

void services::stock(const std::string& item, std::int64_t units, std::int64_t price_cents) {
  call(booking_, verb::post, "/inventory",
       json::object{{"item", item}, {"units", units}, {"priceCents", price_cents}});
}

void services::open_account(const std::string& id, const std::string& owner,
                            std::int64_t deposit_cents) {
  expect(payment_, verb::post, "/accounts", json::object{{"id", id}, {"owner", owner}}, 201);
  expect(payment_, verb::post, "/accounts/" + id + "/deposits",
         json::object{{"amountCents", deposit_cents}}, 200);
}

booking_answer services::request_booking(const std::string& id, const std::string& item,
                                         const std::string& account) {
  auto r = call(booking_, verb::post, "/bookings",
                json::object{{"id", id}, {"item", item}, {"units", 1}, {"accountId", account}});
  return to_answer(r, id);
}

booking_answer services::settled_booking(const std::string& id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  booking_answer last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = call(booking_, verb::get, "/bookings/" + id);
    last = to_answer(r, id);
    if (r.status == 200 && final_status(last.status)) return last;
    std::this_thread::sleep_for(kPollEvery);
  }
  throw std::runtime_error("booking " + id + " did not settle (last status \"" + last.status +
                           "\")");
}

race_outcome services::race(
    const std::string& item,
    const std::vector<std::pair<std::string, std::string>>& bookings_accounts) {
  // Every thread connects first, then waits for the others: the requests leave together.
  std::mutex mu;
  std::condition_variable go;
  std::size_t ready = 0;
  std::vector<booking_answer> answers(bookings_accounts.size());
  std::vector<std::string> failures(bookings_accounts.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < bookings_accounts.size(); ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock lock(mu);
        ++ready;
        go.notify_all();
        go.wait(lock, [&] { return ready == bookings_accounts.size(); });
      }
      try {
        answers[i] = request_booking(bookings_accounts[i].first, item, bookings_accounts[i].second);
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  race_outcome out;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    if (!failures[i].empty()) {
      out.other.push_back(bookings_accounts[i].first + ": " + failures[i]);
    } else if (a.http_status == 202) {
      out.winners.push_back(a.id);
    } else if (a.http_status == 409 && a.error == "sold_out") {
      out.sold_out.push_back(a.id);
    } else {
      out.other.push_back(a.id + ": " + std::to_string(a.http_status) + " " +
                          json::serialize(a.body));
    }
  }
  return out;
}

void services::wait_caught_up(const std::string& base) {
  const auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = call(base, verb::get, "/model");
    last = r.raw;
    if (r.status == 200 && r.body.is_object()) {
      const auto* lag = r.body.as_object().if_contains("lag");
      if (lag != nullptr && lag->is_int64() && lag->get_int64() == 0) return;
    }
    std::this_thread::sleep_for(kPollEvery);
  }
  throw std::runtime_error("the read model at " + base + " did not catch up: " + last);
}

std::string services::settled_checksum(const std::string& base) {
  wait_caught_up(base);
  auto r = call(base, verb::get, "/model");
  if (!r.body.is_object()) throw std::runtime_error("GET /model: " + r.raw);
  return text(r.body.as_object(), "checksum");
}

json::object services::account(const std::string& id) {
  wait_caught_up(payment_);
  auto r = expect(payment_, verb::get, "/accounts/" + id, std::nullopt, 200);
  return r.body.as_object();
}

json::object services::availability(const std::string& item) {
  wait_caught_up(booking_);
  auto r = call(booking_, verb::get, "/availability?item=" + item);
  if (r.status != 200 || !r.body.is_object()) {
    throw std::runtime_error("GET /availability?item=" + item + ": " + r.raw);
  }
  return r.body.as_object();
}

json::object services::settled_payment(const std::string& id, const std::string& status) {
  const auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = call(payment_, verb::get, "/payments/" + id);
    last = r.raw;
    if (r.status == 200 && r.body.is_object() && text(r.body.as_object(), "status") == status) {
      return r.body.as_object();
    }
    std::this_thread::sleep_for(kPollEvery);
  }
  throw std::runtime_error("payment " + id + " did not become " + status + ": " + last);
}

json::object services::booking(const std::string& id) {
  wait_caught_up(booking_);
  auto r = expect(booking_, verb::get, "/bookings/" + id, std::nullopt, 200);
  return r.body.as_object();
}

}  // namespace samples::demo
