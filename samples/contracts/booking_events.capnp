# The public events of booking-service, on topic `bookings.bookings`, one stream per booking
# (the record key is the booking id). payment-service reads PaymentRequested, BookingConfirmed and
# BookingCancelled; any other service may read them all. Each struct is stored as one Cap'n Proto
# message (flat array) with the header `type` naming it and `content-type: application/x-capnp`.
#
# Schemas only ever grow: add fields at the end with new ordinals; a change of meaning is a new
# type name (".v2") with an upcaster in the readers.
@0xda28ebb985af5299;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("samples::contracts::schema");

# booking.BookingRequested.v1: a customer asked for `units` of `item`, to be paid from `accountId`.
struct BookingRequested {
  item @0 :Text;
  units @1 :UInt32;
  accountId @2 :Text;
}

# booking.BookingRejected.v1: the booking never held inventory (for example "sold_out").
struct BookingRejected {
  reason @0 :Text;
}

# booking.PaymentRequested.v1: the inventory is held; payment-service is asked to authorize
# `amountCents` from `accountId`. The payment's id is `paymentId` (booking-service uses the
# booking id); payment-service's answer carries the booking id as its `reference`.
struct PaymentRequested {
  paymentId @0 :Text;
  accountId @1 :Text;
  amountCents @2 :Int64;
}

# booking.BookingConfirmed.v1: paid; the units are the customer's. payment-service captures.
struct BookingConfirmed {
  paymentId @0 :Text;
}

# booking.BookingCancelled.v1: the hold was released (payment declined, or the saga's timeout).
# payment-service voids the payment `paymentId` if it authorized it (empty: none was requested).
struct BookingCancelled {
  reason @0 :Text;
  paymentId @1 :Text;
}
