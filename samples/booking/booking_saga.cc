#include "samples/booking/booking_saga.h"

#include "cairn/es/overloaded.h"
#include "samples/booking/booking.h"
#include "samples/booking/inventory.h"

namespace samples::booking {

using cairn::es::overloaded;

namespace {

using namespace samples::contracts;
using reaction = booking_saga::reaction;

constexpr std::string_view kAuthorized = "authorized";
constexpr std::string_view kDeclined = "declined";

std::string declined_reason(std::string_view reason) {
  return "payment declined: " + std::string(reason);
}

}  // namespace

std::optional<std::string> booking_saga::correlate(const event& e, const cairn::es::envelope& m) {
  return std::visit(
      overloaded{[&](const booking_requested&) -> std::optional<std::string> {
                   return m.stream_id.empty() ? std::nullopt : std::optional(m.stream_id);
                 },
                 [&](const booking_rejected&) -> std::optional<std::string> {
                   return m.stream_id.empty() ? std::nullopt : std::optional(m.stream_id);
                 },
                 // Payments without a reference were not requested by a booking.
                 [&](const payment_authorized& a) -> std::optional<std::string> {
                   return a.reference.empty() ? std::nullopt : std::optional(a.reference);
                 },
                 [&](const payment_declined& d) -> std::optional<std::string> {
                   return d.reference.empty() ? std::nullopt : std::optional(d.reference);
                 }},
      e);
}

reaction booking_saga::react(const state& s, const event& e, const cairn::es::envelope& m) {
  return std::visit(overloaded{[&](const booking_requested& r) {
                                 if (s.requested) return reaction::ignore();  // a duplicate record
                                 state next = s;
                                 next.booking_id = m.stream_id;
                                 next.requested = true;
                                 next.item = r.item;
                                 next.units = r.units;
                                 if (next.early_answer == kAuthorized) return confirm(next);
                                 if (next.early_answer == kDeclined) {
                                   return cancel(next, declined_reason(next.early_reason));
                                 }
                                 return std::move(reaction::next(next).schedule_after(
                                     std::string(kExpireTimeout), payment_timeout_ms()));
                               },
                               [&](const booking_rejected&) { return reaction::finish(); },
                               [&](const payment_authorized& a) {
                                 if (s.requested) return confirm(s);
                                 state next = s;
                                 next.booking_id = a.reference;
                                 next.early_answer = std::string(kAuthorized);
                                 return std::move(reaction::next(next).schedule_after(
                                     std::string(kExpireTimeout), payment_timeout_ms()));
                               },
                               [&](const payment_declined& d) {
                                 if (s.requested) return cancel(s, declined_reason(d.reason));
                                 state next = s;
                                 next.booking_id = d.reference;
                                 next.early_answer = std::string(kDeclined);
                                 next.early_reason = d.reason;
                                 return std::move(reaction::next(next).schedule_after(
                                     std::string(kExpireTimeout), payment_timeout_ms()));
                               }},
                    e);
}

reaction booking_saga::on_timeout(const state& s, const cairn::es::process_timeout& t) {
  if (t.name != kExpireTimeout) return reaction::next(s);
  // An early answer whose BookingRequested never came: nothing was held, nothing to undo.
  if (!s.requested) return reaction::finish();
  return cancel(s, "payment timed out");
}

reaction booking_saga::confirm(const state& s) {
  return std::move(reaction::finish()
                       .send(std::string(kBookingsTopic), s.booking_id, confirm_booking{})
                       .send(std::string(kInventoryTopic), s.item, confirm_hold{s.booking_id}));
}

reaction booking_saga::cancel(const state& s, std::string reason) {
  return std::move(
      reaction::finish()
          .send(std::string(kBookingsTopic), s.booking_id, cancel_booking{std::move(reason)})
          .send(std::string(kInventoryTopic), s.item, release_hold{s.booking_id}));
}

}  // namespace samples::booking
