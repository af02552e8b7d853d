# The public events of payment-service, on topic `payments.payments`, one stream per payment (the
# record key is the payment id). booking-service's saga reads PaymentAuthorized and
# PaymentDeclined, correlating by `reference` (the booking id). Stored like booking_events.capnp.
@0xdc74f0a75c8d3274;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("samples::contracts::schema");

# payment.PaymentAuthorized.v1: `amountCents` is held on `accountId` for this payment.
struct PaymentAuthorized {
  accountId @0 :Text;
  amountCents @1 :Int64;
  reference @2 :Text;
}

# payment.PaymentDeclined.v1: nothing is held. `reason`: "insufficient_funds", "account_closed",
# "account_not_found", "invalid_amount".
struct PaymentDeclined {
  accountId @0 :Text;
  amountCents @1 :Int64;
  reference @2 :Text;
  reason @3 :Text;
}

# payment.PaymentCaptured.v1: the held amount left the account.
struct PaymentCaptured {
  amountCents @0 :Int64;
}

# payment.PaymentVoided.v1: the hold was released; nothing left the account.
struct PaymentVoided {
  amountCents @0 :Int64;
}

# payment.PaymentRefunded.v1: a captured amount went back to the account.
struct PaymentRefunded {
  amountCents @0 :Int64;
}
