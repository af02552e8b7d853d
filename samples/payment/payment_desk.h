// payment_desk: the application service of payment-service. Every operation on money is a short
// sequence of steps on the two aggregates, each step a repository command with a command id
// derived from the payment (never random), so that running an operation again after a crash
// between its steps (a client retry, a redelivered booking event) finishes it instead of doing
// it twice:
//
//   authorize: [payment decided? answer it] -> account: hold "hold/<pid>"
//              -> payment: authorize (hold ok) or decline{reason} (the account refused)
//   capture:   [payment authorized?] -> account: capture hold "capture/<pid>"
//              -> payment: capture "capture/<pid>"
//   void:      [payment authorized?] -> account: release hold "void/<pid>"
//              -> payment: void "void/<pid>"
//   refund:    [payment captured, cents refundable?] -> account: refund "refund/<pid>/<n or id>"
//              -> payment: refund (the client's command id, else "refund/<pid>/<n>")
//
// The account's step comes first: money only moves there, and the payment's event is the public
// announcement of what already happened. The account also remembers settled holds, so a step
// retried after its command id left the idempotency window still converges (account.h).
//
// Blocking: call from any thread but the client's (HTTP handlers, the event handler's thread).
#pragma once

#include <cstdint>
#include <string>

#include "cairn/es/repository.h"
#include "samples/payment/account.h"
#include "samples/payment/payment.h"

namespace samples::payment {

template <class State>
struct desk_outcome {
  State state;             // the aggregate after the operation
  bool duplicate = false;  // the operation had been applied already: nothing new was appended
};
using account_outcome = desk_outcome<account_state>;
using payment_outcome = desk_outcome<payment_state>;

// Is `ec` a domain refusal of one of the deciders (not a failure of the platform)?
bool is_refusal(const std::error_code& ec);
// The refusal's name ("insufficient_funds"); "" for an error that is not a refusal.
std::string refusal_name_of(const std::error_code& ec);

class payment_desk {
 public:
  // Both repositories must outlive the desk.
  payment_desk(cairn::es::repository<account>& accounts,
               cairn::es::repository<payment_decider>& payments)
      : accounts_(accounts), payments_(payments) {}

  // --- accounts: one command each; `command_id` (may be empty) makes a retry a no-op ---------
  cairn::result<account_outcome> open_account(const std::string& id, const std::string& owner,
                                              const std::string& command_id);
  cairn::result<account_outcome> deposit(const std::string& id, std::int64_t cents,
                                         const std::string& command_id);
  cairn::result<account_outcome> withdraw(const std::string& id, std::int64_t cents,
                                          const std::string& command_id);
  cairn::result<account_outcome> close(const std::string& id, const std::string& command_id);

  // --- payments --------------------------------------------------------------------------------
  // Authorized, or declined when the account refused the hold (a decline is an outcome, not an
  // error). A payment already decided is answered as it is (duplicate) when the request is the
  // same (account and amount), refused with already_decided otherwise.
  cairn::result<payment_outcome> authorize(const std::string& payment_id,
                                           const std::string& account_id, std::int64_t cents,
                                           const std::string& reference);
  cairn::result<payment_outcome> capture(const std::string& payment_id);
  cairn::result<payment_outcome> void_payment(const std::string& payment_id);
  // `command_id` (may be empty) makes a retried refund a no-op.
  cairn::result<payment_outcome> refund(const std::string& payment_id, std::int64_t cents,
                                        const std::string& command_id);

 private:
  cairn::result<account_outcome> on_account(const std::string& id, const account_command& c,
                                            const std::string& command_id);
  cairn::result<payment_outcome> on_payment(const std::string& id, const payment_command& c,
                                            const std::string& command_id);

  cairn::es::repository<account>& accounts_;
  cairn::es::repository<payment_decider>& payments_;
};

}  // namespace samples::payment
