// The public events of payment-service as C++ values, each mapped to its Cap'n Proto struct in
// payment_events.capnp (the documented contract). Readers refuse events no payment-service writes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "cairn/es/errc.h"
#include "cairn/base/result.h"
#include "samples/contracts/capnp_text.h"
#include "samples/contracts/payment_events.capnp.h"

namespace samples::contracts {

inline constexpr std::string_view kPaymentsTopic = "payments.payments";

struct payment_authorized {
  static constexpr std::string_view type = "payment.PaymentAuthorized.v1";
  using capnp_schema = schema::PaymentAuthorized;
  std::string account_id;
  std::int64_t amount_cents = 0;
  std::string reference;  // the booking id, for payments booking-service requested
  bool operator==(const payment_authorized&) const = default;

  void to_capnp(capnp_schema::Builder b) const {
    b.setAccountId(account_id);
    b.setAmountCents(amount_cents);
    b.setReference(reference);
  }
  static cairn::result<payment_authorized> from_capnp(capnp_schema::Reader r) {
    payment_authorized e{text_of(r.getAccountId()), r.getAmountCents(), text_of(r.getReference())};
    if (e.account_id.empty() || e.amount_cents <= 0) return cairn::es::errc::malformed_event;
    return e;
  }
};

struct payment_declined {
  static constexpr std::string_view type = "payment.PaymentDeclined.v1";
  using capnp_schema = schema::PaymentDeclined;
  std::string account_id;
  std::int64_t amount_cents = 0;
  std::string reference;
  std::string reason;
  bool operator==(const payment_declined&) const = default;

  void to_capnp(capnp_schema::Builder b) const {
    b.setAccountId(account_id);
    b.setAmountCents(amount_cents);
    b.setReference(reference);
    b.setReason(reason);
  }
  static cairn::result<payment_declined> from_capnp(capnp_schema::Reader r) {
    payment_declined e{text_of(r.getAccountId()), r.getAmountCents(), text_of(r.getReference()),
                       text_of(r.getReason())};
    if (e.reason.empty()) return cairn::es::errc::malformed_event;
    return e;
  }
};

// Captured, voided and refunded carry the amount that moved; each is valid only when positive.
template <class Self, class Schema>
struct payment_amount_event {
  using capnp_schema = Schema;
  std::int64_t amount_cents = 0;
  bool operator==(const payment_amount_event&) const = default;

  void to_capnp(typename Schema::Builder b) const { b.setAmountCents(amount_cents); }
  static cairn::result<Self> from_capnp(typename Schema::Reader r) {
    if (r.getAmountCents() <= 0) return cairn::es::errc::malformed_event;
    Self e;
    e.amount_cents = r.getAmountCents();
    return e;
  }
};

struct payment_captured : payment_amount_event<payment_captured, schema::PaymentCaptured> {
  static constexpr std::string_view type = "payment.PaymentCaptured.v1";
};
struct payment_voided : payment_amount_event<payment_voided, schema::PaymentVoided> {
  static constexpr std::string_view type = "payment.PaymentVoided.v1";
};
struct payment_refunded : payment_amount_event<payment_refunded, schema::PaymentRefunded> {
  static constexpr std::string_view type = "payment.PaymentRefunded.v1";
};

using payment_event = std::variant<payment_authorized, payment_declined, payment_captured,
                                   payment_voided, payment_refunded>;

}  // namespace samples::contracts
