// What payment-service does with booking-service's events (topic bookings.bookings), as the
// consumer group "payment-service", at least once and in order per booking:
//   PaymentRequested  -> desk.authorize(payment id, account, amount, reference = booking id)
//   BookingConfirmed  -> desk.capture(payment id)
//   BookingCancelled  -> desk.void(payment id), when it names one
//   anything else     -> ignored
// Every desk operation converges when run again, so a redelivery is harmless. A refusal (a
// cancelled booking whose payment was declined, say) is an answer, not a failure: logged, and
// the record is done. Platform errors are returned, so the handler retries the record.
#pragma once

#include <functional>
#include <memory>

#include "cairn/client.h"
#include "cairn/es/event_handler.h"
#include "samples/contracts/booking_events.h"
#include "samples/payment/payment_desk.h"

namespace samples::payment {

inline constexpr std::string_view kHandlerGroup = "payment-service";

// The decision for one booking event (no consumer: unit-testable with a desk).
cairn::result<void> handle_booking_event(payment_desk& desk, const contracts::booking_event& event,
                                         const cairn::es::envelope& where);

// The handler on bookings.bookings, a static member `instance_id` of the group (a restarted
// instance gets its partitions back without a rebalance). `registry` and `desk` must outlive it.
cairn::result<std::unique_ptr<cairn::es::event_handler>> create_booking_requests_handler(
    cairn::client& client, const cairn::es::event_registry<contracts::booking_event>& registry,
    payment_desk& desk, std::string instance_id);

}  // namespace samples::payment
