#include "samples/booking/booking.h"

#include "cairn/es/overloaded.h"

namespace samples::booking {

using cairn::es::overloaded;

namespace {

using decided = cairn::result<std::vector<booking_event>>;
using status = booking_status;
using namespace samples::contracts;

decided none() {
  return std::vector<booking_event>{};
}

}  // namespace

const std::error_category& booking_refusal_category() {
  struct category final : std::error_category {
    const char* name() const noexcept override { return "booking.booking"; }
    std::string message(int v) const override {
      switch (static_cast<booking_refusal>(v)) {
        case booking_refusal::invalid_transition:
          return "the booking is not in a status that allows this";
        case booking_refusal::not_positive:
          return "units and amounts must be positive";
        case booking_refusal::missing_field:
          return "a required field is empty";
        case booking_refusal::id_in_use:
          return "the booking id is already used by another request";
      }
      return "unknown refusal";
    }
  };
  static const category instance;
  return instance;
}

std::string_view booking_refusal_name(std::error_code ec) {
  if (ec.category() != booking_refusal_category()) return {};
  switch (static_cast<booking_refusal>(ec.value())) {
    case booking_refusal::invalid_transition:
      return "invalid_transition";
    case booking_refusal::not_positive:
      return "not_positive";
    case booking_refusal::missing_field:
      return "missing_field";
    case booking_refusal::id_in_use:
      return "id_in_use";
  }
  return {};
}

std::string_view status_name(booking_status s) {
  switch (s) {
    case status::none:
      return "none";
    case status::requested:
      return "requested";
    case status::awaiting_payment:
      return "awaiting_payment";
    case status::confirmed:
      return "confirmed";
    case status::rejected:
      return "rejected";
    case status::cancelled:
      return "cancelled";
  }
  return "unknown";
}

decided booking::decide(const command& c, const state& s) {
  return std::visit(
      overloaded{[&](const request_booking& r) -> decided {
                   if (r.item.empty() || r.account_id.empty())
                     return booking_refusal::missing_field;
                   if (r.units <= 0) return booking_refusal::not_positive;
                   if (s.status != status::none) {
                     const bool same =
                         s.item == r.item && s.units == r.units && s.account_id == r.account_id;
                     if (!same) return booking_refusal::id_in_use;
                     return none();  // a retried request: it was taken
                   }
                   return std::vector<booking_event>{booking_requested{
                       r.item, static_cast<std::uint32_t>(r.units), r.account_id}};
                 },
                 [&](const request_payment& p) -> decided {
                   if (p.payment_id.empty()) return booking_refusal::missing_field;
                   if (p.amount_cents <= 0) return booking_refusal::not_positive;
                   if (s.status == status::awaiting_payment) return none();
                   if (s.status != status::requested) return booking_refusal::invalid_transition;
                   return std::vector<booking_event>{
                       payment_requested{p.payment_id, s.account_id, p.amount_cents}};
                 },
                 [&](const reject_booking& r) -> decided {
                   if (r.reason.empty()) return booking_refusal::missing_field;
                   if (s.status == status::rejected) return none();
                   if (s.status != status::requested) return booking_refusal::invalid_transition;
                   return std::vector<booking_event>{booking_rejected{r.reason}};
                 },
                 [&](const confirm_booking&) -> decided {
                   if (s.status == status::confirmed) return none();
                   if (s.status != status::awaiting_payment)
                     return booking_refusal::invalid_transition;
                   return std::vector<booking_event>{booking_confirmed{s.payment_id}};
                 },
                 [&](const cancel_booking& x) -> decided {
                   if (x.reason.empty()) return booking_refusal::missing_field;
                   if (s.status == status::cancelled) return none();
                   if (s.status != status::requested && s.status != status::awaiting_payment) {
                     return booking_refusal::invalid_transition;
                   }
                   return std::vector<booking_event>{booking_cancelled{x.reason, s.payment_id}};
                 }},
      c);
}

booking_state booking::evolve(state s, const event& e) {
  std::visit(overloaded{[&](const booking_requested& r) {
                          s.status = status::requested;
                          s.item = r.item;
                          s.units = r.units;
                          s.account_id = r.account_id;
                        },
                        [&](const booking_rejected& r) {
                          s.status = status::rejected;
                          s.reason = r.reason;
                        },
                        [&](const payment_requested& p) {
                          s.status = status::awaiting_payment;
                          s.payment_id = p.payment_id;
                          s.amount_cents = p.amount_cents;
                        },
                        [&](const booking_confirmed&) { s.status = status::confirmed; },
                        [&](const booking_cancelled& x) {
                          s.status = status::cancelled;
                          s.reason = x.reason;
                        }},
             e);
  return s;
}

}  // namespace samples::booking
