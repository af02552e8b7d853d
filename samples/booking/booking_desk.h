// The booking desk: what POST /bookings and POST /inventory do, as blocking calls on the two
// repositories (any thread but the client's; the HTTP server calls them from its pool).
//
// A booking is placed in steps, each idempotent, so a client that retries with the same id after
// a timeout or a crash continues where the first attempt stopped and is answered the same:
//   1. RequestBooking on the booking (command id = the booking id: a retry is applied once);
//   2. HoldUnits on the item (command id "hold/<id>"): the optimistic-concurrency race for the
//      last unit, which exactly one of the concurrent requests wins; a refusal (sold_out,
//      unknown_item) becomes RejectBooking and the answer is "rejected";
//   3. RequestPayment with the amount of the hold: the booking awaits payment-service's answer,
//      which the saga (booking_saga.h) acts on.
// If the saga cancelled the booking between 2 and 3 (its payment timeout ran out while this
// request was slow), step 3 is refused and the desk releases the hold itself, without waiting
// for the saga's release (still in its outbox, and a no-op when it lands). A hold that lands
// after the saga's release takes nothing: that release settled the booking (inventory.h).
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

#include "cairn/es/repository.h"
#include "samples/booking/booking.h"
#include "samples/booking/inventory.h"

namespace samples::booking {

struct booking_request {
  std::string id;  // empty: the desk picks one
  std::string item;
  std::int64_t units = 1;
  std::string account_id;
};

struct placed_booking {
  std::string id;
  booking_status status = booking_status::none;
  std::int64_t amount_cents = 0;
  // Set when the booking was rejected: the inventory's refusal ("sold_out", "unknown_item") or
  // the reason it was rejected with earlier.
  std::string rejected_because;
};

struct stock_level {
  std::string item;
  std::int64_t capacity = 0;
  std::int64_t available = 0;
  std::int64_t price_cents = 0;
};

class booking_desk {
 public:
  booking_desk(cairn::es::repository<booking>& bookings,
               cairn::es::repository<inventory>& inventory)
      : bookings_(bookings), inventory_(inventory) {}

  // Errors: booking refusals (id_in_use, ...), inventory refusals other than a full or unknown
  // item (not_positive, too_many), and the SDK's (broker unreachable, retries exhausted).
  cairn::result<placed_booking> place(booking_request request);

  // Adds `units` at `price_cents` each to `item` (creating it). Inventory refusals as errors.
  cairn::result<stock_level> add_stock(const std::string& item, std::int64_t units,
                                       std::int64_t price_cents);

  // "bk-" and 16 hex digits from a per-desk random source.
  std::string new_booking_id();

 private:
  cairn::result<placed_booking> current(const std::string& id);

  cairn::es::repository<booking>& bookings_;
  cairn::es::repository<inventory>& inventory_;
  std::mutex ids_mu_;  // guards ids_
  std::mt19937_64 ids_{std::random_device{}()};
};

}  // namespace samples::booking
