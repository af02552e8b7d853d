# The private events of payment-service's account aggregate, on topic `payments.accounts`, one
# stream per account (the record key is the account id). Only payment-service writes them; its
# read model and anyone auditing balances read them. Each struct is stored as one Cap'n Proto
# message (flat array) with the header `type` naming it and `content-type: application/x-capnp`.
#
# Money: `balance` counts every cent on the account, held or not; `held` is the sum of open
# holds; what the owner may still spend or hold is `balance - held`. Amounts are positive cents.
#
# Schemas only ever grow: add fields at the end with new ordinals; a change of meaning is a new
# type name (".v2") with an upcaster in the readers.
@0xdc33cd7a1edf650a;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("samples::payment::schema");

# payment.AccountOpened.v1: the first event of every account. `owner`: a display name.
struct AccountOpened {
  owner @0 :Text;
}

# payment.MoneyDeposited.v1: balance += amountCents.
struct MoneyDeposited {
  amountCents @0 :Int64;
}

# payment.MoneyWithdrawn.v1: balance -= amountCents (never more than was available).
struct MoneyWithdrawn {
  amountCents @0 :Int64;
}

# payment.FundsHeld.v1: amountCents of the available money is held for payment `paymentId`
# (held += amountCents). At most one hold per payment id.
struct FundsHeld {
  paymentId @0 :Text;
  amountCents @1 :Int64;
}

# payment.HoldReleased.v1: the payment was voided; its hold is gone and the money is available
# again (held -= amountCents; balance unchanged).
struct HoldReleased {
  paymentId @0 :Text;
  amountCents @1 :Int64;
}

# payment.HoldCaptured.v1: the payment was captured; the held money left the account
# (held -= amountCents, balance -= amountCents).
struct HoldCaptured {
  paymentId @0 :Text;
  amountCents @1 :Int64;
}

# payment.MoneyRefunded.v1: part or all of a captured payment came back (balance += amountCents).
# The refunds of one payment never add up to more than it captured.
struct MoneyRefunded {
  paymentId @0 :Text;
  amountCents @1 :Int64;
}

# payment.AccountClosed.v1: no deposits, withdrawals, holds or refunds from now on. An account
# with open holds is never closed; the balance left stays visible.
struct AccountClosed {
}
