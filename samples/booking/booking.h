// The booking aggregate of booking-service: one stream per booking (key = the booking id) on
// topic `bookings.bookings`, whose events are the public contract (samples/contracts/
// booking_events.h). Pure: no broker, no clock, no I/O.
//
//   none --request--> requested --request_payment--> awaiting_payment --confirm--> confirmed
//                         |  \--reject--> rejected            \--cancel--> cancelled
//                         \--cancel--> cancelled
//
// Repeating the step already taken decides no events (a retried request, a re-sent saga
// message); any other transition is refused with booking_refusal::invalid_transition.
#pragma once

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "cairn/es/decider.h"
#include "samples/contracts/booking_events.h"

namespace samples::booking {

using contracts::booking_event;
using contracts::kBookingsTopic;

// --- commands: named and JSON-described, because the saga sends them through its outbox -------
struct request_booking {
  static constexpr std::string_view type = "booking.RequestBooking.v1";
  std::string item;
  std::int64_t units = 0;
  std::string account_id;
};
// The booking id is the stream key, which a decider does not see: the payment id (= the booking
// id) comes with the command and is kept in the state from the PaymentRequested event on.
struct request_payment {
  static constexpr std::string_view type = "booking.RequestPayment.v1";
  std::string payment_id;
  std::int64_t amount_cents = 0;
};
struct reject_booking {
  static constexpr std::string_view type = "booking.RejectBooking.v1";
  std::string reason;
};
struct confirm_booking {
  static constexpr std::string_view type = "booking.ConfirmBooking.v1";
};
struct cancel_booking {
  static constexpr std::string_view type = "booking.CancelBooking.v1";
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(request_booking, (), (item, units, account_id))
BOOST_DESCRIBE_STRUCT(request_payment, (), (payment_id, amount_cents))
BOOST_DESCRIBE_STRUCT(reject_booking, (), (reason))
BOOST_DESCRIBE_STRUCT(confirm_booking, (), ())
BOOST_DESCRIBE_STRUCT(cancel_booking, (), (reason))
using booking_command =
    std::variant<request_booking, request_payment, reject_booking, confirm_booking, cancel_booking>;

// --- refusals ----------------------------------------------------------------------------------
enum class booking_refusal {
  invalid_transition = 1,  // the command does not apply in the booking's status
  not_positive,            // units or amount not above zero
  missing_field,           // an empty item, account, payment id or reason
  id_in_use,               // the id was requested with another item, units or account
};
const std::error_category& booking_refusal_category();
inline std::error_code make_error_code(booking_refusal r) {
  return {static_cast<int>(r), booking_refusal_category()};
}
std::string_view booking_refusal_name(std::error_code ec);

// --- state -------------------------------------------------------------------------------------
enum class booking_status { none, requested, awaiting_payment, confirmed, rejected, cancelled };
std::string_view status_name(booking_status s);

struct booking_state {
  booking_status status = booking_status::none;
  std::string item;
  std::int64_t units = 0;
  std::string account_id;
  std::string payment_id;  // set by PaymentRequested
  std::int64_t amount_cents = 0;
  std::string reason;  // of a rejection or cancellation
};

struct booking {
  using state = booking_state;
  using command = booking_command;
  using event = booking_event;

  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state& s);
  static state evolve(state s, const event& e);
};

}  // namespace samples::booking

template <>
struct std::is_error_code_enum<samples::booking::booking_refusal> : std::true_type {};
