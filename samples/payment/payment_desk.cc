#include "samples/payment/payment_desk.h"

namespace samples::payment {
namespace {

// The decline reasons of the contract (payment_events.capnp) for the account's refusals of a
// hold; other refusals (a hold conflict) are not a decision about this payment.
std::optional<std::string> decline_reason(const std::error_code& ec) {
  if (ec == account_refusal::insufficient_funds) return "insufficient_funds";
  if (ec == account_refusal::closed) return "account_closed";
  if (ec == account_refusal::not_open) return "account_not_found";
  if (ec == account_refusal::not_positive) return "invalid_amount";
  return std::nullopt;
}

}  // namespace

bool is_refusal(const std::error_code& ec) {
  return ec.category() == account_refusal_category() || ec.category() == payment_refusal_category();
}

std::string refusal_name_of(const std::error_code& ec) {
  if (ec.category() == account_refusal_category()) {
    return std::string(refusal_name(static_cast<account_refusal>(ec.value())));
  }
  if (ec.category() == payment_refusal_category()) {
    return std::string(refusal_name(static_cast<payment_refusal>(ec.value())));
  }
  return {};
}

// The state a command produced: handle, then load. With the repository's cache, the load reads
// only what was appended after the cached version (usually nothing).
cairn::result<account_outcome> payment_desk::on_account(const std::string& id,
                                                        const account_command& c,
                                                        const std::string& command_id) {
  CAIRN_TRY(auto handled, accounts_.handle(id, c, {.command_id = command_id}));
  CAIRN_TRY(auto loaded, accounts_.load(id));
  return account_outcome{std::move(loaded.state), handled.duplicate};
}

cairn::result<payment_outcome> payment_desk::on_payment(const std::string& id,
                                                        const payment_command& c,
                                                        const std::string& command_id) {
  CAIRN_TRY(auto handled, payments_.handle(id, c, {.command_id = command_id}));
  CAIRN_TRY(auto loaded, payments_.load(id));
  return payment_outcome{std::move(loaded.state), handled.duplicate};
}

cairn::result<account_outcome> payment_desk::open_account(const std::string& id,
                                                          const std::string& owner,
                                                          const std::string& command_id) {
  return on_account(id, samples::payment::open_account{owner}, command_id);
}

cairn::result<account_outcome> payment_desk::deposit(const std::string& id, std::int64_t cents,
                                                     const std::string& command_id) {
  return on_account(id, samples::payment::deposit{cents}, command_id);
}

cairn::result<account_outcome> payment_desk::withdraw(const std::string& id, std::int64_t cents,
                                                      const std::string& command_id) {
  return on_account(id, samples::payment::withdraw{cents}, command_id);
}

cairn::result<account_outcome> payment_desk::close(const std::string& id,
                                                   const std::string& command_id) {
  return on_account(id, close_account{}, command_id);
}

cairn::result<payment_outcome> payment_desk::authorize(const std::string& payment_id,
                                                       const std::string& account_id,
                                                       std::int64_t cents,
                                                       const std::string& reference) {
  CAIRN_TRY(auto current, payments_.load(payment_id));
  if (current.state.status != payment_status::none) {
    // The same request again gets the decision it got; another request under a used id is
    // refused, not answered with someone else's payment.
    const auto& p = current.state;
    if (p.account_id != account_id || p.amount_cents != cents) {
      return payment_refusal::already_decided;
    }
    return payment_outcome{std::move(current.state), true};
  }
  const std::string step_id = "authorize/" + payment_id;
  auto held = accounts_.handle(account_id, hold_funds{payment_id, cents},
                               {.command_id = "hold/" + payment_id});
  if (held) {
    return on_payment(payment_id, authorize_payment{account_id, cents, reference}, step_id);
  }
  auto reason = decline_reason(held.error());
  if (!reason) return held.error();  // a platform error, or a refusal that decides nothing
  return on_payment(payment_id, decline_payment{account_id, cents, reference, *reason}, step_id);
}

cairn::result<payment_outcome> payment_desk::capture(const std::string& payment_id) {
  CAIRN_TRY(auto current, payments_.load(payment_id));
  const auto& p = current.state;
  if (p.status == payment_status::captured || p.status == payment_status::refunded) {
    return payment_outcome{p, true};
  }
  // Refusals come from the payment's own rules before any money moves.
  CAIRN_TRY(payment_decider::decide(capture_payment{}, p));
  const std::string step_id = "capture/" + payment_id;
  CAIRN_TRY(accounts_.handle(p.account_id, capture_hold{payment_id}, {.command_id = step_id}));
  return on_payment(payment_id, capture_payment{}, step_id);
}

cairn::result<payment_outcome> payment_desk::void_payment(const std::string& payment_id) {
  CAIRN_TRY(auto current, payments_.load(payment_id));
  const auto& p = current.state;
  if (p.status == payment_status::voided) return payment_outcome{p, true};
  CAIRN_TRY(payment_decider::decide(samples::payment::void_payment{}, p));
  const std::string step_id = "void/" + payment_id;
  CAIRN_TRY(accounts_.handle(p.account_id, release_hold{payment_id}, {.command_id = step_id}));
  return on_payment(payment_id, samples::payment::void_payment{}, step_id);
}

cairn::result<payment_outcome> payment_desk::refund(const std::string& payment_id,
                                                    std::int64_t cents,
                                                    const std::string& command_id) {
  CAIRN_TRY(auto current, payments_.load(payment_id));
  const auto& p = current.state;
  if (current.applied(command_id)) return payment_outcome{p, true};
  CAIRN_TRY(payment_decider::decide(refund_payment_cents{cents}, p));
  // Without a client id the refund is named by its place among the payment's refunds: a rerun
  // after a crash between the steps finds the same place (the payment's refund is not recorded
  // yet) and the account's step answers "already applied".
  const std::string suffix = command_id.empty() ? std::to_string(p.refunds) : "id/" + command_id;
  const std::string step_id = "refund/" + payment_id + "/" + suffix;
  CAIRN_TRY(
      accounts_.handle(p.account_id, refund_payment{payment_id, cents}, {.command_id = step_id}));
  return on_payment(payment_id, refund_payment_cents{cents},
                    command_id.empty() ? step_id : command_id);
}

}  // namespace samples::payment
