#include "samples/payment/views.h"

namespace samples::payment {
namespace {

std::optional<boost::json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

// Reads `key` into `out` when present with the right type; false otherwise.
bool read(const boost::json::object& o, std::string_view key, std::string& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}
bool read(const boost::json::object& o, std::string_view key, std::int64_t& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return false;
  out = v->get_int64();
  return true;
}

}  // namespace

account_view view_of(std::string id, const account_state& s) {
  return {.id = std::move(id),
          .owner = s.owner,
          .status = std::string(status_name(s.status)),
          .balance_cents = s.balance_cents,
          .held_cents = s.held_cents};
}

payment_view view_of(std::string id, const payment_state& s) {
  return {.id = std::move(id),
          .status = std::string(status_name(s.status)),
          .account_id = s.account_id,
          .amount_cents = s.amount_cents,
          .reference = s.reference,
          .reason = s.reason,
          .captured_cents = s.captured_cents,
          .refunded_cents = s.refunded_cents};
}

boost::json::object to_json(const account_view& a) {
  boost::json::object o;
  o["id"] = a.id;
  o["owner"] = a.owner;
  o["status"] = a.status;
  o["balanceCents"] = a.balance_cents;
  o["heldCents"] = a.held_cents;
  o["availableCents"] = a.balance_cents - a.held_cents;
  return o;
}

boost::json::object to_json(const payment_view& p) {
  boost::json::object o;
  o["id"] = p.id;
  o["status"] = p.status;
  o["accountId"] = p.account_id;
  o["amountCents"] = p.amount_cents;
  o["reference"] = p.reference;
  if (!p.reason.empty()) o["reason"] = p.reason;
  o["capturedCents"] = p.captured_cents;
  o["refundedCents"] = p.refunded_cents;
  return o;
}

std::optional<account_view> account_from_json(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  account_view a;
  if (!read(*o, "id", a.id) || !read(*o, "owner", a.owner) || !read(*o, "status", a.status) ||
      !read(*o, "balanceCents", a.balance_cents) || !read(*o, "heldCents", a.held_cents)) {
    return std::nullopt;
  }
  return a;
}

std::optional<payment_view> payment_from_json(std::string_view text) {
  auto o = parse_object(text);
  if (!o) return std::nullopt;
  payment_view p;
  if (!read(*o, "id", p.id) || !read(*o, "status", p.status) ||
      !read(*o, "accountId", p.account_id) || !read(*o, "amountCents", p.amount_cents) ||
      !read(*o, "reference", p.reference) || !read(*o, "capturedCents", p.captured_cents) ||
      !read(*o, "refundedCents", p.refunded_cents)) {
    return std::nullopt;
  }
  read(*o, "reason", p.reason);  // optional
  return p;
}

}  // namespace samples::payment
