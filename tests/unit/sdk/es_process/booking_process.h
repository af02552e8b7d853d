// The booking process manager the process-manager tests drive (unit and integration): booking
// requested -> hold seats and request payment, with a payment timeout; authorized -> confirm;
// declined or timed out -> release the hold and cancel; deferred -> cancel or move the timeout.
// Also the seat-hold aggregate its commands go to. Its decider is deliberately not idempotent
// (every command appends an event), so a command applied twice shows in the stream.
#pragma once

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cairn/es/decider.h"
#include "cairn/es/overloaded.h"
#include "cairn/es/process_manager.h"

namespace booking {

// --- inputs (topic "bookings", key: the booking id) ---
struct booking_requested {
  static constexpr std::string_view type = "booking.BookingRequested.v1";
  std::string booking_id;
  std::int64_t seats = 0;
  std::int64_t amount_cents = 0;
};
struct payment_authorized {
  static constexpr std::string_view type = "payments.PaymentAuthorized.v1";
  std::string booking_id;
};
struct payment_declined {
  static constexpr std::string_view type = "payments.PaymentDeclined.v1";
  std::string booking_id;
  std::string reason;
};
struct payment_deferred {  // until_ms 0: no deadline any more
  static constexpr std::string_view type = "payments.PaymentDeferred.v1";
  std::string booking_id;
  std::int64_t until_ms = 0;
};
BOOST_DESCRIBE_STRUCT(booking_requested, (), (booking_id, seats, amount_cents))
BOOST_DESCRIBE_STRUCT(payment_authorized, (), (booking_id))
BOOST_DESCRIBE_STRUCT(payment_declined, (), (booking_id, reason))
BOOST_DESCRIBE_STRUCT(payment_deferred, (), (booking_id, until_ms))
using input =
    std::variant<booking_requested, payment_authorized, payment_declined, payment_deferred>;

// --- commands to the seat-hold aggregate (topic "inventory", id "hold-<booking>") ---
struct hold_seats {
  static constexpr std::string_view type = "inventory.HoldSeats.v1";
  std::string booking_id;
  std::int64_t seats = 0;
};
struct confirm_hold {
  static constexpr std::string_view type = "inventory.ConfirmHold.v1";
  std::string booking_id;
};
struct release_hold {
  static constexpr std::string_view type = "inventory.ReleaseHold.v1";
  std::string booking_id;
};
BOOST_DESCRIBE_STRUCT(hold_seats, (), (booking_id, seats))
BOOST_DESCRIBE_STRUCT(confirm_hold, (), (booking_id))
BOOST_DESCRIBE_STRUCT(release_hold, (), (booking_id))
using hold_command = std::variant<hold_seats, confirm_hold, release_hold>;

// --- events the process publishes ---
struct payment_requested {  // topic "payment-requests", key: the booking id
  static constexpr std::string_view type = "booking.PaymentRequested.v1";
  std::string booking_id;
  std::int64_t amount_cents = 0;
};
struct booking_confirmed {  // topic "booking-outcomes"
  static constexpr std::string_view type = "booking.BookingConfirmed.v1";
  std::string booking_id;
};
struct booking_cancelled {  // topic "booking-outcomes"
  static constexpr std::string_view type = "booking.BookingCancelled.v1";
  std::string booking_id;
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(payment_requested, (), (booking_id, amount_cents))
BOOST_DESCRIBE_STRUCT(booking_confirmed, (), (booking_id))
BOOST_DESCRIBE_STRUCT(booking_cancelled, (), (booking_id, reason))

inline constexpr std::string_view inventory_topic = "inventory";
inline constexpr std::string_view payments_topic = "payment-requests";
inline constexpr std::string_view outcomes_topic = "booking-outcomes";
inline constexpr std::int64_t payment_timeout_ms = 60'000;

struct booking_state {
  std::string booking_id;
  std::int64_t seats = 0;
  std::int64_t amount_cents = 0;
  bool awaiting_payment = false;
  bool operator==(const booking_state&) const = default;
};
BOOST_DESCRIBE_STRUCT(booking_state, (), (booking_id, seats, amount_cents, awaiting_payment))

inline std::string hold_id(const std::string& booking_id) {
  return "hold-" + booking_id;
}

using cairn::es::overloaded;

struct booking_process {
  using state = booking_state;
  using event = input;
  using reaction = cairn::es::reaction<state>;

  static state initial() { return {}; }

  static std::optional<std::string> correlate(const event& e, const cairn::es::envelope&) {
    return std::visit([](const auto& v) { return std::optional<std::string>(v.booking_id); }, e);
  }

  static reaction react(const state& s, const event& e, const cairn::es::envelope&) {
    return std::visit(
        overloaded{[&](const booking_requested& r) {
                     if (s.awaiting_payment) return reaction::ignore();  // a repeated request
                     return reaction::next({r.booking_id, r.seats, r.amount_cents, true})
                         .send(std::string(inventory_topic), hold_id(r.booking_id),
                               hold_seats{r.booking_id, r.seats})
                         .publish(std::string(payments_topic), r.booking_id,
                                  payment_requested{r.booking_id, r.amount_cents})
                         .schedule_after("payment", payment_timeout_ms);
                   },
                   [&](const payment_authorized& a) {
                     if (!s.awaiting_payment) return reaction::ignore();
                     return reaction::finish()
                         .send(std::string(inventory_topic), hold_id(a.booking_id),
                               confirm_hold{a.booking_id})
                         .publish(std::string(outcomes_topic), a.booking_id,
                                  booking_confirmed{a.booking_id});
                   },
                   [&](const payment_declined& d) {
                     if (!s.awaiting_payment) return reaction::ignore();
                     return cancel(s, "declined: " + d.reason);
                   },
                   [&](const payment_deferred& d) {
                     if (!s.awaiting_payment) return reaction::ignore();
                     if (d.until_ms == 0) return reaction::next(s).cancel_timeout("payment");
                     return reaction::next(s).schedule_at("payment", d.until_ms);
                   }},
        e);
  }

  static reaction on_timeout(const state& s, const cairn::es::process_timeout& t) {
    if (t.name != "payment" || !s.awaiting_payment) return reaction::next(s);
    return cancel(s, "payment timed out");
  }

  static reaction cancel(const state& s, std::string reason) {
    return reaction::finish()
        .send(std::string(inventory_topic), hold_id(s.booking_id), release_hold{s.booking_id})
        .publish(std::string(outcomes_topic), s.booking_id,
                 booking_cancelled{s.booking_id, std::move(reason)});
  }
};

// --- the seat-hold aggregate the commands go to ---
struct seats_held {
  static constexpr std::string_view type = "inventory.SeatsHeld.v1";
  std::int64_t seats = 0;
};
struct hold_confirmed {
  static constexpr std::string_view type = "inventory.HoldConfirmed.v1";
  std::int64_t seats = 0;
};
struct hold_released {
  static constexpr std::string_view type = "inventory.HoldReleased.v1";
  std::int64_t seats = 0;
};
BOOST_DESCRIBE_STRUCT(seats_held, (), (seats))
BOOST_DESCRIBE_STRUCT(hold_confirmed, (), (seats))
BOOST_DESCRIBE_STRUCT(hold_released, (), (seats))
using hold_event = std::variant<seats_held, hold_confirmed, hold_released>;

struct hold_state {
  std::int64_t seats = 0;
  std::int64_t commands = 0;
};

struct seat_hold {
  using state = hold_state;
  using command = hold_command;
  using event = hold_event;
  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state& s) {
    return std::visit(
        overloaded{[&](const hold_seats& h) { return std::vector<event>{seats_held{h.seats}}; },
                   [&](const confirm_hold&) { return std::vector<event>{hold_confirmed{s.seats}}; },
                   [&](const release_hold&) { return std::vector<event>{hold_released{s.seats}}; }},
        c);
  }
  static state evolve(state s, const event& e) {
    ++s.commands;
    if (const auto* h = std::get_if<seats_held>(&e)) s.seats = h->seats;
    return s;
  }
};

}  // namespace booking
