// The payment aggregate of payment-service: one stream per payment on `payments.payments`, its
// events the public contract (samples/contracts/payment_events.h). Pure: no broker, no I/O.
//
//   none --authorize--> authorized --capture--> captured --refund--> refunded (--refund--> ...)
//   none --decline--> declined          authorized --void--> voided
//
// declined, voided and (fully) refunded are terminal. Repeating the step that led to the current
// state is a no-op (no events), so a retried request or a redelivered booking event converges;
// any other transition is a refusal. Refunds may be partial: `refunded` is reached by the first
// one, and more follow while refunded_cents < captured_cents.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "cairn/es/decider.h"
#include "samples/contracts/payment_events.h"

namespace samples::payment {

using contracts::payment_event;

// --- commands ----------------------------------------------------------------------------------
struct authorize_payment {  // funds are held on the account: record the authorization
  std::string account_id;
  std::int64_t cents = 0;
  std::string reference;
};
struct decline_payment {  // the account refused the hold: record why
  std::string account_id;
  std::int64_t cents = 0;
  std::string reference;
  std::string reason;
};
struct capture_payment {};
struct void_payment {};
struct refund_payment_cents {
  std::int64_t cents = 0;
};
using payment_command = std::variant<authorize_payment, decline_payment, capture_payment,
                                     void_payment, refund_payment_cents>;

// --- refusals ----------------------------------------------------------------------------------
enum class payment_refusal {
  not_found = 1,           // capture/void/refund of a payment never authorized nor declined
  already_decided,         // authorize/decline of a payment decided otherwise
  not_authorized,          // capture/void of a declined or voided payment
  already_captured,        // void of a captured payment (refund it instead)
  not_captured,            // refund of a payment that was not captured
  not_positive,            // a refund of zero or less
  refund_exceeds_capture,  // refunds beyond the captured amount
};
const std::error_category& payment_refusal_category();
inline std::error_code make_error_code(payment_refusal r) {
  return {static_cast<int>(r), payment_refusal_category()};
}
std::string_view refusal_name(payment_refusal r);

// --- state -------------------------------------------------------------------------------------
enum class payment_status { none, authorized, declined, captured, voided, refunded };
std::string_view status_name(payment_status s);

struct payment_state {
  payment_status status = payment_status::none;
  std::string account_id;
  std::int64_t amount_cents = 0;  // authorized (or declined) amount
  std::string reference;
  std::string reason;  // why it was declined
  std::int64_t captured_cents = 0;
  std::int64_t refunded_cents = 0;
  std::int64_t refunds = 0;  // how many refunds: names the desk's refund steps

  std::int64_t refundable_cents() const { return captured_cents - refunded_cents; }
};

// No snapshots: a payment has a handful of events; the repository's cache saves the reads.
struct payment_decider {
  using state = payment_state;
  using command = payment_command;
  using event = payment_event;

  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state& s);
  static state evolve(state s, const event& e);
};

}  // namespace samples::payment

template <>
struct std::is_error_code_enum<samples::payment::payment_refusal> : std::true_type {};
