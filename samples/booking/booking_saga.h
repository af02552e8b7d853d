// The booking saga: the process manager (cairn::es::process_manager<booking_saga>) that settles
// each booking once its inventory is held and its payment requested. One instance per booking
// id. Pure: it only decides messages and timeouts; the runner stores and sends them.
//
//   BookingRequested         -> wait for the payment; schedule "expire" (payment timeout)
//   BookingRejected          -> finish (nothing was held)
//   PaymentAuthorized        -> ConfirmBooking + ConfirmHold, finish
//   PaymentDeclined          -> CancelBooking("payment declined: <reason>") + ReleaseHold, finish
//   "expire" timeout         -> CancelBooking("payment timed out") + ReleaseHold, finish
//
// Payment events correlate by `reference` (the booking id). A late answer after the timeout
// reaches a finished instance and is skipped; payment-service voids the payment when it reads the
// BookingCancelled that carries its id. The saga reads two topics, whose records it may see in
// either order, so an answer seen before the BookingRequested is remembered and acted on when
// the request arrives (and dropped by the timeout if it never does).
#pragma once

#include <atomic>
#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "cairn/es/process_manager.h"
#include "samples/contracts/booking_events.h"
#include "samples/contracts/payment_events.h"

namespace samples::booking {

// The inputs: the alternatives of both contracts the saga reacts to. Records of other types are
// not in its registry, so the runner skips them.
using saga_input = std::variant<contracts::booking_requested, contracts::booking_rejected,
                                contracts::payment_authorized, contracts::payment_declined>;

inline constexpr std::string_view kExpireTimeout = "expire";
inline constexpr std::int64_t kPaymentTimeoutMsDefault = 30'000;

struct saga_state {
  std::string booking_id;
  bool requested = false;  // BookingRequested seen: item and units are known
  std::string item;
  std::int64_t units = 0;
  // An answer that arrived before the request: "" none, "authorized", or "declined".
  std::string early_answer;
  std::string early_reason;  // of an early decline
};
BOOST_DESCRIBE_STRUCT(saga_state, (),
                      (booking_id, requested, item, units, early_answer, early_reason))

struct booking_saga {
  using state = saga_state;
  using event = saga_input;
  using reaction = cairn::es::reaction<state>;

  // process_manager<P> calls P's static functions, so the saga's one setting is process-wide:
  // set it before the process manager opens (main: --payment-timeout-ms). Reactions read it
  // like a constant; a change applies to bookings requested after it.
  static void set_payment_timeout_ms(std::int64_t ms) { payment_timeout_ms_.store(ms); }
  static std::int64_t payment_timeout_ms() { return payment_timeout_ms_.load(); }

  static state initial() { return {}; }
  static std::optional<std::string> correlate(const event& e, const cairn::es::envelope& m);
  static reaction react(const state& s, const event& e, const cairn::es::envelope& m);
  static reaction on_timeout(const state& s, const cairn::es::process_timeout& t);

 private:
  static reaction confirm(const state& s);
  static reaction cancel(const state& s, std::string reason);

  inline static std::atomic<std::int64_t> payment_timeout_ms_{kPaymentTimeoutMsDefault};
};

}  // namespace samples::booking
