# The events of booking-service's inventory, on topic `bookings.inventory`, one stream per
# bookable item (the record key is the item id, e.g. "hotel-astoria/2026-12-24": one hotel's
# rooms for one night, or one flight's seats). Private to booking-service: no other service
# reads them, but they are documented like the contracts (samples/contracts/) because the read
# model, a rebuild and any future reader depend on them. Each struct is stored as one Cap'n Proto
# message (flat array) with the header `type` naming it and `content-type: application/x-capnp`.
#
# Units are whole rooms or seats; amounts are in cents. Schemas only ever grow: add fields at
# the end with new ordinals; a change of meaning is a new type name (".v2") with an upcaster.
@0xdc0a92298d0925df;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("samples::booking::schema");

# inventory.StockAdded.v1: `units` more can be sold, each at `priceCents` from now on (the latest
# StockAdded sets the price of later holds; existing holds keep the amount they were held at).
struct StockAdded {
  units @0 :UInt32;
  priceCents @1 :Int64;
}

# inventory.UnitsHeld.v1: `units` are set aside for booking `bookingId` until its payment is
# settled; `amountCents` (units x price at the time) is what the booking will be charged.
struct UnitsHeld {
  bookingId @0 :Text;
  units @1 :UInt32;
  amountCents @2 :Int64;
}

# inventory.HoldReleased.v1: the booking's held `units` are available again (payment declined,
# timed out, or the booking was cancelled). `units` is 0 when the booking was released before it
# held anything: the booking is settled, and a hold for it arriving later takes nothing.
struct HoldReleased {
  bookingId @0 :Text;
  units @1 :UInt32;
}

# inventory.HoldConfirmed.v1: the booking's held `units` are sold (its payment was authorized).
struct HoldConfirmed {
  bookingId @0 :Text;
  units @1 :UInt32;
}
