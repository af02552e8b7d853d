// The public events of booking-service as C++ values, each mapped to its Cap'n Proto struct in
// booking_events.capnp (the documented contract). Readers refuse events no booking-service writes
// (an empty id, a non-positive amount): a damaged or foreign record is malformed, not a booking.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "cairn/es/errc.h"
#include "cairn/base/result.h"
#include "samples/contracts/booking_events.capnp.h"
#include "samples/contracts/capnp_text.h"

namespace samples::contracts {

inline constexpr std::string_view kBookingsTopic = "bookings.bookings";

struct booking_requested {
  static constexpr std::string_view type = "booking.BookingRequested.v1";
  using capnp_schema = schema::BookingRequested;
  std::string item;
  std::uint32_t units = 0;
  std::string account_id;
  bool operator==(const booking_requested&) const = default;

  void to_capnp(capnp_schema::Builder b) const {
    b.setItem(item);
    b.setUnits(units);
    b.setAccountId(account_id);
  }
  static cairn::result<booking_requested> from_capnp(capnp_schema::Reader r) {
    booking_requested e{text_of(r.getItem()), r.getUnits(), text_of(r.getAccountId())};
    if (e.item.empty() || e.units == 0 || e.account_id.empty()) {
      return cairn::es::errc::malformed_event;
    }
    return e;
  }
};

struct booking_rejected {
  static constexpr std::string_view type = "booking.BookingRejected.v1";
  using capnp_schema = schema::BookingRejected;
  std::string reason;
  bool operator==(const booking_rejected&) const = default;

  void to_capnp(capnp_schema::Builder b) const { b.setReason(reason); }
  static booking_rejected from_capnp(capnp_schema::Reader r) { return {text_of(r.getReason())}; }
};

struct payment_requested {
  static constexpr std::string_view type = "booking.PaymentRequested.v1";
  using capnp_schema = schema::PaymentRequested;
  std::string payment_id;
  std::string account_id;
  std::int64_t amount_cents = 0;
  bool operator==(const payment_requested&) const = default;

  void to_capnp(capnp_schema::Builder b) const {
    b.setPaymentId(payment_id);
    b.setAccountId(account_id);
    b.setAmountCents(amount_cents);
  }
  static cairn::result<payment_requested> from_capnp(capnp_schema::Reader r) {
    payment_requested e{text_of(r.getPaymentId()), text_of(r.getAccountId()), r.getAmountCents()};
    if (e.payment_id.empty() || e.account_id.empty() || e.amount_cents <= 0) {
      return cairn::es::errc::malformed_event;
    }
    return e;
  }
};

struct booking_confirmed {
  static constexpr std::string_view type = "booking.BookingConfirmed.v1";
  using capnp_schema = schema::BookingConfirmed;
  std::string payment_id;
  bool operator==(const booking_confirmed&) const = default;

  void to_capnp(capnp_schema::Builder b) const { b.setPaymentId(payment_id); }
  static cairn::result<booking_confirmed> from_capnp(capnp_schema::Reader r) {
    booking_confirmed e{text_of(r.getPaymentId())};
    if (e.payment_id.empty()) return cairn::es::errc::malformed_event;
    return e;
  }
};

struct booking_cancelled {
  static constexpr std::string_view type = "booking.BookingCancelled.v1";
  using capnp_schema = schema::BookingCancelled;
  std::string reason;
  std::string payment_id;  // empty: no payment was requested
  bool operator==(const booking_cancelled&) const = default;

  void to_capnp(capnp_schema::Builder b) const {
    b.setReason(reason);
    b.setPaymentId(payment_id);
  }
  static booking_cancelled from_capnp(capnp_schema::Reader r) {
    return {text_of(r.getReason()), text_of(r.getPaymentId())};
  }
};

using booking_event = std::variant<booking_requested, booking_rejected, payment_requested,
                                   booking_confirmed, booking_cancelled>;

}  // namespace samples::contracts
