#include "samples/payment/account.h"

#include "cairn/es/overloaded.h"

namespace samples::payment {

using cairn::es::overloaded;

namespace {

using decided = cairn::result<std::vector<account_event>>;

// Money moves only on an open account; every command but open needs one.
std::optional<account_refusal> refuse_unless_open(const account_state& s) {
  if (s.status == account_status::none) return account_refusal::not_open;
  if (s.status == account_status::closed) return account_refusal::closed;
  return std::nullopt;
}

decided one(account_event e) {
  return std::vector<account_event>{std::move(e)};
}
decided nothing() {
  return std::vector<account_event>{};
}

}  // namespace

std::string_view refusal_name(account_refusal r) {
  switch (r) {
    case account_refusal::already_open:
      return "already_open";
    case account_refusal::not_open:
      return "not_open";
    case account_refusal::closed:
      return "closed";
    case account_refusal::not_positive:
      return "not_positive";
    case account_refusal::insufficient_funds:
      return "insufficient_funds";
    case account_refusal::hold_conflict:
      return "hold_conflict";
    case account_refusal::unknown_hold:
      return "unknown_hold";
    case account_refusal::hold_released:
      return "hold_released";
    case account_refusal::hold_captured:
      return "hold_captured";
    case account_refusal::unknown_capture:
      return "unknown_capture";
    case account_refusal::refund_exceeds_capture:
      return "refund_exceeds_capture";
    case account_refusal::holds_pending:
      return "holds_pending";
  }
  return "unknown_refusal";
}

const std::error_category& account_refusal_category() {
  struct category final : std::error_category {
    const char* name() const noexcept override { return "payment.account"; }
    std::string message(int v) const override {
      switch (static_cast<account_refusal>(v)) {
        case account_refusal::already_open:
          return "the account already exists";
        case account_refusal::not_open:
          return "no such account";
        case account_refusal::closed:
          return "the account is closed";
        case account_refusal::not_positive:
          return "the amount must be positive";
        case account_refusal::insufficient_funds:
          return "insufficient funds";
        case account_refusal::hold_conflict:
          return "the payment already holds a different amount on this account";
        case account_refusal::unknown_hold:
          return "the payment holds nothing on this account";
        case account_refusal::hold_released:
          return "the payment's hold was released";
        case account_refusal::hold_captured:
          return "the payment's hold was captured";
        case account_refusal::unknown_capture:
          return "the payment captured nothing from this account";
        case account_refusal::refund_exceeds_capture:
          return "the refund exceeds what the payment captured";
        case account_refusal::holds_pending:
          return "payments still hold money on the account";
      }
      return "unknown refusal";
    }
  };
  static const category instance;
  return instance;
}

std::string_view status_name(account_status s) {
  switch (s) {
    case account_status::none:
      return "none";
    case account_status::open:
      return "open";
    case account_status::closed:
      return "closed";
  }
  return "none";
}

decided account::decide(const command& c, const state& s) {
  return std::visit(
      overloaded{
          [&](const open_account& o) -> decided {
            if (s.status != account_status::none) return account_refusal::already_open;
            return one(account_opened{o.owner});
          },
          [&](const deposit& d) -> decided {
            if (auto no = refuse_unless_open(s)) return *no;
            if (d.cents <= 0) return account_refusal::not_positive;
            money_deposited e;
            e.amount_cents = d.cents;
            return one(e);
          },
          [&](const withdraw& w) -> decided {
            if (auto no = refuse_unless_open(s)) return *no;
            if (w.cents <= 0) return account_refusal::not_positive;
            if (w.cents > s.available_cents()) return account_refusal::insufficient_funds;
            money_withdrawn e;
            e.amount_cents = w.cents;
            return one(e);
          },
          [&](const hold_funds& h) -> decided {
            if (auto no = refuse_unless_open(s)) return *no;
            if (h.cents <= 0) return account_refusal::not_positive;
            // A retried authorize converges: the same hold again changes nothing. Another
            // amount under the same payment id is a different payment: refused, not merged.
            if (auto held = s.holds.find(h.payment_id); held != s.holds.end()) {
              if (held->second == h.cents) return nothing();
              return account_refusal::hold_conflict;
            }
            if (s.captured.contains(h.payment_id) || s.released.contains(h.payment_id)) {
              return account_refusal::hold_conflict;  // that payment is settled already
            }
            if (h.cents > s.available_cents()) return account_refusal::insufficient_funds;
            return one(funds_held{{.payment_id = h.payment_id, .amount_cents = h.cents}});
          },
          [&](const release_hold& r) -> decided {
            if (s.status == account_status::none) return account_refusal::not_open;
            // Releasing is allowed on a closed account too; but one is never closed with
            // holds, so a closed account only ever answers "already released" or a refusal.
            if (s.released.contains(r.payment_id)) return nothing();
            if (s.captured.contains(r.payment_id)) return account_refusal::hold_captured;
            auto held = s.holds.find(r.payment_id);
            if (held == s.holds.end()) return account_refusal::unknown_hold;
            return one(hold_released{{.payment_id = r.payment_id, .amount_cents = held->second}});
          },
          [&](const capture_hold& c) -> decided {
            if (s.status == account_status::none) return account_refusal::not_open;
            if (s.captured.contains(c.payment_id)) return nothing();
            if (s.released.contains(c.payment_id)) return account_refusal::hold_released;
            auto held = s.holds.find(c.payment_id);
            if (held == s.holds.end()) return account_refusal::unknown_hold;
            return one(hold_captured{{.payment_id = c.payment_id, .amount_cents = held->second}});
          },
          [&](const refund_payment& r) -> decided {
            if (auto no = refuse_unless_open(s)) return *no;
            if (r.cents <= 0) return account_refusal::not_positive;
            auto captured = s.captured.find(r.payment_id);
            if (captured == s.captured.end()) return account_refusal::unknown_capture;
            if (r.cents > captured->second) return account_refusal::refund_exceeds_capture;
            return one(money_refunded{{.payment_id = r.payment_id, .amount_cents = r.cents}});
          },
          [&](const close_account&) -> decided {
            if (s.status == account_status::none) return account_refusal::not_open;
            if (s.status == account_status::closed) return nothing();  // closing twice: done
            if (!s.holds.empty()) return account_refusal::holds_pending;
            return one(account_closed{});
          }},
      c);
}

account_state account::evolve(state s, const event& e) {
  std::visit(overloaded{[&](const account_opened& o) {
                          s.status = account_status::open;
                          s.owner = o.owner;
                        },
                        [&](const money_deposited& d) { s.balance_cents += d.amount_cents; },
                        [&](const money_withdrawn& w) { s.balance_cents -= w.amount_cents; },
                        [&](const funds_held& h) {
                          s.holds[h.payment_id] = h.amount_cents;
                          s.held_cents += h.amount_cents;
                        },
                        [&](const hold_released& r) {
                          s.holds.erase(r.payment_id);
                          s.held_cents -= r.amount_cents;
                          s.released.insert(r.payment_id);
                        },
                        [&](const hold_captured& c) {
                          s.holds.erase(c.payment_id);
                          s.held_cents -= c.amount_cents;
                          s.balance_cents -= c.amount_cents;
                          s.captured[c.payment_id] = c.amount_cents;
                        },
                        [&](const money_refunded& r) {
                          s.balance_cents += r.amount_cents;
                          s.captured[r.payment_id] -= r.amount_cents;
                        },
                        [&](const account_closed&) { s.status = account_status::closed; }},
             e);
  return s;
}

}  // namespace samples::payment
