// What clients see of an account and a payment: one JSON shape, produced both by the read model
// (GET) and from a command's resulting state (POST answers), so the two never drift apart.
//
// The JSON is deterministic (fixed field order, no timestamps): the read model stores it, and
// its checksum must come out the same after a rebuild.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "samples/payment/account.h"
#include "samples/payment/payment.h"

namespace samples::payment {

struct account_view {
  std::string id;
  std::string owner;
  std::string status;  // "open" or "closed"
  std::int64_t balance_cents = 0;
  std::int64_t held_cents = 0;
};

struct payment_view {
  std::string id;
  std::string status;  // "authorized", "declined", "captured", "voided", "refunded"
  std::string account_id;
  std::int64_t amount_cents = 0;
  std::string reference;
  std::string reason;  // declined only
  std::int64_t captured_cents = 0;
  std::int64_t refunded_cents = 0;
};

account_view view_of(std::string id, const account_state& s);
payment_view view_of(std::string id, const payment_state& s);

// {"id", "owner", "status", "balanceCents", "heldCents", "availableCents"}
boost::json::object to_json(const account_view& a);
// {"id", "status", "accountId", "amountCents", "reference", ["reason"], "capturedCents",
//  "refundedCents"}
boost::json::object to_json(const payment_view& p);

// The stored form back (the read model updates its records); nullopt for a record it did not
// write.
std::optional<account_view> account_from_json(std::string_view text);
std::optional<payment_view> payment_from_json(std::string_view text);

}  // namespace samples::payment
