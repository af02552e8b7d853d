#include "samples/payment/payment.h"

#include "cairn/es/overloaded.h"

namespace samples::payment {

using cairn::es::overloaded;

namespace {

using decided = cairn::result<std::vector<payment_event>>;
using contracts::payment_authorized;
using contracts::payment_captured;
using contracts::payment_declined;
using contracts::payment_refunded;
using contracts::payment_voided;

decided one(payment_event e) {
  return std::vector<payment_event>{std::move(e)};
}
decided nothing() {
  return std::vector<payment_event>{};
}

}  // namespace

std::string_view refusal_name(payment_refusal r) {
  switch (r) {
    case payment_refusal::not_found:
      return "payment_not_found";
    case payment_refusal::already_decided:
      return "already_decided";
    case payment_refusal::not_authorized:
      return "not_authorized";
    case payment_refusal::already_captured:
      return "already_captured";
    case payment_refusal::not_captured:
      return "not_captured";
    case payment_refusal::not_positive:
      return "not_positive";
    case payment_refusal::refund_exceeds_capture:
      return "refund_exceeds_capture";
  }
  return "unknown_refusal";
}

const std::error_category& payment_refusal_category() {
  struct category final : std::error_category {
    const char* name() const noexcept override { return "payment.payment"; }
    std::string message(int v) const override {
      switch (static_cast<payment_refusal>(v)) {
        case payment_refusal::not_found:
          return "no such payment";
        case payment_refusal::already_decided:
          return "the payment was already authorized or declined otherwise";
        case payment_refusal::not_authorized:
          return "the payment is not authorized";
        case payment_refusal::already_captured:
          return "the payment was captured";
        case payment_refusal::not_captured:
          return "the payment was not captured";
        case payment_refusal::not_positive:
          return "the amount must be positive";
        case payment_refusal::refund_exceeds_capture:
          return "the refund exceeds what is left of the captured amount";
      }
      return "unknown refusal";
    }
  };
  static const category instance;
  return instance;
}

std::string_view status_name(payment_status s) {
  switch (s) {
    case payment_status::none:
      return "none";
    case payment_status::authorized:
      return "authorized";
    case payment_status::declined:
      return "declined";
    case payment_status::captured:
      return "captured";
    case payment_status::voided:
      return "voided";
    case payment_status::refunded:
      return "refunded";
  }
  return "none";
}

decided payment_decider::decide(const command& c, const state& s) {
  using enum payment_status;
  return std::visit(
      overloaded{[&](const authorize_payment& a) -> decided {
                   if (s.status == none) {
                     return one(payment_authorized{a.account_id, a.cents, a.reference});
                   }
                   if (s.status != declined && s.account_id == a.account_id &&
                       s.amount_cents == a.cents) {
                     return nothing();  // the same authorization again
                   }
                   return payment_refusal::already_decided;
                 },
                 [&](const decline_payment& d) -> decided {
                   if (s.status == none) {
                     return one(payment_declined{d.account_id, d.cents, d.reference, d.reason});
                   }
                   if (s.status == declined) return nothing();
                   return payment_refusal::already_decided;
                 },
                 [&](const capture_payment&) -> decided {
                   switch (s.status) {
                     case none:
                       return payment_refusal::not_found;
                     case authorized: {
                       payment_captured e;
                       e.amount_cents = s.amount_cents;
                       return one(e);
                     }
                     case captured:
                     case refunded:
                       return nothing();
                     case declined:
                     case voided:
                       return payment_refusal::not_authorized;
                   }
                   return payment_refusal::not_authorized;
                 },
                 [&](const void_payment&) -> decided {
                   switch (s.status) {
                     case none:
                       return payment_refusal::not_found;
                     case authorized: {
                       payment_voided e;
                       e.amount_cents = s.amount_cents;
                       return one(e);
                     }
                     case voided:
                       return nothing();
                     case declined:
                       return payment_refusal::not_authorized;
                     case captured:
                     case refunded:
                       return payment_refusal::already_captured;
                   }
                   return payment_refusal::not_authorized;
                 },
                 [&](const refund_payment_cents& r) -> decided {
                   if (s.status == none) return payment_refusal::not_found;
                   if (s.status != captured && s.status != refunded) {
                     return payment_refusal::not_captured;
                   }
                   if (r.cents <= 0) return payment_refusal::not_positive;
                   if (r.cents > s.refundable_cents())
                     return payment_refusal::refund_exceeds_capture;
                   payment_refunded e;
                   e.amount_cents = r.cents;
                   return one(e);
                 }},
      c);
}

payment_state payment_decider::evolve(state s, const event& e) {
  std::visit(overloaded{[&](const payment_authorized& a) {
                          s.status = payment_status::authorized;
                          s.account_id = a.account_id;
                          s.amount_cents = a.amount_cents;
                          s.reference = a.reference;
                        },
                        [&](const payment_declined& d) {
                          s.status = payment_status::declined;
                          s.account_id = d.account_id;
                          s.amount_cents = d.amount_cents;
                          s.reference = d.reference;
                          s.reason = d.reason;
                        },
                        [&](const payment_captured& c) {
                          s.status = payment_status::captured;
                          s.captured_cents = c.amount_cents;
                        },
                        [&](const payment_voided&) { s.status = payment_status::voided; },
                        [&](const payment_refunded& r) {
                          s.status = payment_status::refunded;
                          s.refunded_cents += r.amount_cents;
                          ++s.refunds;
                        }},
             e);
  return s;
}

}  // namespace samples::payment
