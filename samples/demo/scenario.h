// The demo's steps as calls to the two services' HTTP APIs: what the demo program narrates and
// the end-to-end test checks. Reads wait (bounded) for the read models to catch up, since the
// services answer queries from projections that follow the log.
//
// A call that fails outright (connection refused, a 5xx, an answer of the wrong shape) throws
// std::runtime_error with what was asked and what came back: a demo step either happens or the
// demo stops and says why.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace samples::demo {

// "1234.50" for 123450 cents.
std::string money(std::int64_t cents);

struct booking_answer {
  unsigned http_status = 0;  // 202 accepted (holding a unit), 409 refused (sold out), ...
  std::string id;
  std::string status;  // requested, awaiting_payment, confirmed, cancelled, rejected
  std::string error;   // the refusal, for a 4xx
  boost::json::object body;
};

struct race_outcome {
  std::vector<std::string> winners;   // booking ids answered 202
  std::vector<std::string> sold_out;  // booking ids answered 409 sold_out
  std::vector<std::string> other;     // anything else: "id: status body"
};

class services {
 public:
  services(std::string payment, std::string booking)
      : payment_(std::move(payment)), booking_(std::move(booking)) {}

  void stock(const std::string& item, std::int64_t units, std::int64_t price_cents);
  void open_account(const std::string& id, const std::string& owner, std::int64_t deposit_cents);
  booking_answer request_booking(const std::string& id, const std::string& item,
                                 const std::string& account);
  // GET /bookings/{id} until its status is final (confirmed, cancelled, rejected).
  booking_answer settled_booking(const std::string& id, std::chrono::milliseconds timeout);
  // Twenty (or any number of) requests sent at the same moment from their own threads.
  race_outcome race(const std::string& item,
                    const std::vector<std::pair<std::string, std::string>>& bookings_accounts);

  // Reads from a read model caught up with the log (GET /model until lag 0 first).
  boost::json::object account(const std::string& id);
  boost::json::object availability(const std::string& item);
  boost::json::object booking(const std::string& id);
  // GET /payments/{id} until its status is `status` (payment-service acts on booking events).
  boost::json::object settled_payment(const std::string& id, const std::string& status);
  // The read model's checksum once it has applied everything in the log.
  std::string settled_checksum(const std::string& base);
  void wait_caught_up(const std::string& base);

  const std::string& payment() const { return payment_; }
  const std::string& booking_base() const { return booking_; }
  void set_booking(std::string base) { booking_ = std::move(base); }

 private:
  std::string payment_, booking_;
};

}  // namespace samples::demo
