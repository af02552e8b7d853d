// The account aggregate of payment-service: its events (Cap'n Proto, account_events.capnp), its
// commands, its refusals and the decider between them. Pure: no broker, no clock, no I/O.
//
// Money on an account: balance counts every cent, held or not; holds (payment id -> cents) are
// reserved for authorized payments; available = balance - held is what withdrawals and new
// holds may use. So the balance never goes negative: nothing leaves it but a withdrawal of
// available money or the capture of money already held.
//
// Settled holds are remembered (captured: payment id -> cents still refundable; released: ids)
// so that a step of the payment desk retried after a crash, long after its command id left the
// repository's idempotency window, is still recognised as done instead of refused.
#pragma once

#include <boost/describe.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "cairn/es/decider.h"
#include "cairn/es/errc.h"
#include "samples/contracts/capnp_text.h"
#include "samples/payment/account_events.capnp.h"

namespace samples::payment {

inline constexpr std::string_view kAccountsTopic = "payments.accounts";

// --- events ------------------------------------------------------------------------------------
struct account_opened {
  static constexpr std::string_view type = "payment.AccountOpened.v1";
  using capnp_schema = schema::AccountOpened;
  std::string owner;
  bool operator==(const account_opened&) const = default;

  void to_capnp(capnp_schema::Builder b) const { b.setOwner(owner); }
  static account_opened from_capnp(capnp_schema::Reader r) {
    return {contracts::text_of(r.getOwner())};
  }
};

// Deposited and withdrawn carry a positive amount; a stored zero or negative one is malformed.
template <class Self, class Schema>
struct amount_event {
  using capnp_schema = Schema;
  std::int64_t amount_cents = 0;
  bool operator==(const amount_event&) const = default;

  void to_capnp(typename Schema::Builder b) const { b.setAmountCents(amount_cents); }
  static cairn::result<Self> from_capnp(typename Schema::Reader r) {
    if (r.getAmountCents() <= 0) return cairn::es::errc::malformed_event;
    Self e;
    e.amount_cents = r.getAmountCents();
    return e;
  }
};

struct money_deposited : amount_event<money_deposited, schema::MoneyDeposited> {
  static constexpr std::string_view type = "payment.MoneyDeposited.v1";
};
struct money_withdrawn : amount_event<money_withdrawn, schema::MoneyWithdrawn> {
  static constexpr std::string_view type = "payment.MoneyWithdrawn.v1";
};

// The hold events name their payment and a positive amount.
template <class Self, class Schema>
struct hold_event {
  using capnp_schema = Schema;
  std::string payment_id;
  std::int64_t amount_cents = 0;
  bool operator==(const hold_event&) const = default;

  void to_capnp(typename Schema::Builder b) const {
    b.setPaymentId(payment_id);
    b.setAmountCents(amount_cents);
  }
  static cairn::result<Self> from_capnp(typename Schema::Reader r) {
    if (r.getAmountCents() <= 0 || r.getPaymentId().size() == 0) {
      return cairn::es::errc::malformed_event;
    }
    Self e;
    e.payment_id = contracts::text_of(r.getPaymentId());
    e.amount_cents = r.getAmountCents();
    return e;
  }
};

struct funds_held : hold_event<funds_held, schema::FundsHeld> {
  static constexpr std::string_view type = "payment.FundsHeld.v1";
};
struct hold_released : hold_event<hold_released, schema::HoldReleased> {
  static constexpr std::string_view type = "payment.HoldReleased.v1";
};
struct hold_captured : hold_event<hold_captured, schema::HoldCaptured> {
  static constexpr std::string_view type = "payment.HoldCaptured.v1";
};
struct money_refunded : hold_event<money_refunded, schema::MoneyRefunded> {
  static constexpr std::string_view type = "payment.MoneyRefunded.v1";
};

struct account_closed {
  static constexpr std::string_view type = "payment.AccountClosed.v1";
  using capnp_schema = schema::AccountClosed;
  bool operator==(const account_closed&) const = default;

  void to_capnp(capnp_schema::Builder) const {}
  static account_closed from_capnp(capnp_schema::Reader) { return {}; }
};

using account_event = std::variant<account_opened, money_deposited, money_withdrawn, funds_held,
                                   hold_released, hold_captured, money_refunded, account_closed>;

// --- commands ----------------------------------------------------------------------------------
struct open_account {
  std::string owner;
};
struct deposit {
  std::int64_t cents = 0;
};
struct withdraw {
  std::int64_t cents = 0;
};
struct hold_funds {  // reserve `cents` for a payment (authorize)
  std::string payment_id;
  std::int64_t cents = 0;
};
struct release_hold {  // give a payment's hold back (void)
  std::string payment_id;
};
struct capture_hold {  // the held money leaves (capture)
  std::string payment_id;
};
struct refund_payment {  // captured money comes back (refund)
  std::string payment_id;
  std::int64_t cents = 0;
};
struct close_account {};
using account_command = std::variant<open_account, deposit, withdraw, hold_funds, release_hold,
                                     capture_hold, refund_payment, close_account>;

// --- refusals ----------------------------------------------------------------------------------
enum class account_refusal {
  already_open = 1,        // open: the account exists (open or closed)
  not_open,                // no such account (it was never opened)
  closed,                  // the account is closed: no money moves any more
  not_positive,            // an amount of zero or less
  insufficient_funds,      // withdraw or hold beyond the available money
  hold_conflict,           // the payment already holds a different amount on this account
  unknown_hold,            // release/capture of a payment that holds nothing here
  hold_released,           // capture of a payment whose hold was released (voided)
  hold_captured,           // release of a payment whose hold was captured
  unknown_capture,         // refund of a payment never captured from this account
  refund_exceeds_capture,  // refunds of a payment beyond what it captured
  holds_pending,           // close while payments still hold money (they may yet be captured)
};
const std::error_category& account_refusal_category();
inline std::error_code make_error_code(account_refusal r) {
  return {static_cast<int>(r), account_refusal_category()};
}
// The refusal's name, as HTTP answers and decline reasons carry it ("insufficient_funds").
std::string_view refusal_name(account_refusal r);

// --- state -------------------------------------------------------------------------------------
enum class account_status { none, open, closed };
BOOST_DESCRIBE_ENUM(account_status, none, open, closed)

struct account_state {
  account_status status = account_status::none;
  std::string owner;
  std::int64_t balance_cents = 0;
  std::int64_t held_cents = 0;                   // the sum of `holds`
  std::map<std::string, std::int64_t> holds;     // open holds: payment id -> cents
  std::map<std::string, std::int64_t> captured;  // captured holds: id -> cents still refundable
  std::set<std::string> released;                // released holds: payment ids

  std::int64_t available_cents() const { return balance_cents - held_cents; }
};
BOOST_DESCRIBE_STRUCT(account_state, (),
                      (status, owner, balance_cents, held_cents, holds, captured, released))

std::string_view status_name(account_status s);

struct account {
  using state = account_state;
  using command = account_command;
  using event = account_event;
  static constexpr std::uint32_t state_schema_version = 1;  // bump when account_state changes

  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state& s);
  static state evolve(state s, const event& e);
};

}  // namespace samples::payment

template <>
struct std::is_error_code_enum<samples::payment::account_refusal> : std::true_type {};
