#include "samples/booking/booking_desk.h"

#include <cstdio>

namespace samples::booking {
namespace {

namespace es = cairn::es;

}  // namespace

std::string booking_desk::new_booking_id() {
  std::uint64_t bits = 0;
  {
    std::lock_guard lock(ids_mu_);
    bits = ids_();
  }
  char text[24];
  std::snprintf(text, sizeof text, "bk-%016llx", static_cast<unsigned long long>(bits));
  return text;
}

// The booking as its stream says now.
cairn::result<placed_booking> booking_desk::current(const std::string& id) {
  CAIRN_TRY(auto b, bookings_.load(id));
  placed_booking p{id, b.state.status, b.state.amount_cents, {}};
  if (b.state.status == booking_status::rejected) p.rejected_because = b.state.reason;
  return p;
}

cairn::result<placed_booking> booking_desk::place(booking_request r) {
  if (r.id.empty()) r.id = new_booking_id();
  const std::string& id = r.id;

  // 1. The request. A retry (same id) is a duplicate command id: nothing is appended, and the
  //    stream's state tells whether it was this request or another one under the same id.
  const booking_command request = request_booking{r.item, r.units, r.account_id};
  CAIRN_TRY(bookings_.handle(id, request, {.command_id = id, .correlation_id = id}));
  CAIRN_TRY(auto b, bookings_.load(id));
  const auto& s = b.state;
  if (s.item != r.item || s.units != r.units || s.account_id != r.account_id) {
    return booking_refusal::id_in_use;
  }
  if (s.status != booking_status::requested) return current(id);  // placed by an earlier attempt

  // 2. The hold: the race for the units.
  const inventory_command hold = hold_units{id, r.units};
  auto held = inventory_.handle(r.item, hold, {.command_id = "hold/" + id, .correlation_id = id});
  if (!held) {
    const auto refusal = held.error();
    if (refusal != inventory_refusal::sold_out && refusal != inventory_refusal::unknown_item) {
      return refusal;
    }
    const std::string reason(inventory_refusal_name(refusal));
    const booking_command reject = reject_booking{reason};
    auto rejected =
        bookings_.handle(id, reject, {.command_id = "reject/" + id, .correlation_id = id});
    // Refused only when the saga cancelled the booking meanwhile: report what it is now.
    if (!rejected && rejected.error() != booking_refusal::invalid_transition) {
      return rejected.error();
    }
    CAIRN_TRY(auto now, current(id));
    if (now.status == booking_status::rejected) now.rejected_because = reason;
    return now;
  }
  std::int64_t amount_cents = 0;
  for (const auto& e : held.value().events) {
    if (const auto* h = std::get_if<units_held>(&e)) amount_cents = h->amount_cents;
  }
  if (amount_cents == 0) {
    // The hold was taken by an earlier attempt (or already settled by the saga).
    CAIRN_TRY(auto item, inventory_.load(r.item));
    auto it = item.state.holds.find(id);
    if (it == item.state.holds.end()) return current(id);
    amount_cents = it->second.amount_cents;
  }

  // 3. The payment request.
  const booking_command pay = request_payment{id, amount_cents};
  auto paid = bookings_.handle(id, pay, {.command_id = "pay/" + id, .correlation_id = id});
  if (!paid && paid.error() == booking_refusal::invalid_transition) {
    // The saga cancelled the booking before this step: give back the units held in step 2
    // now rather than when the saga's release is dispatched (then a no-op).
    const inventory_command release = release_hold{id};
    CAIRN_TRY(
        inventory_.handle(r.item, release, {.command_id = "release/" + id, .correlation_id = id}));
    return current(id);
  }
  if (!paid) return paid.error();
  return placed_booking{id, booking_status::awaiting_payment, amount_cents, {}};
}

cairn::result<stock_level> booking_desk::add_stock(const std::string& item, std::int64_t units,
                                                   std::int64_t price_cents) {
  const inventory_command add = samples::booking::add_stock{units, price_cents};
  CAIRN_TRY(inventory_.handle(item, add));
  CAIRN_TRY(auto a, inventory_.load(item));
  return stock_level{item, a.state.capacity, a.state.available(), a.state.price_cents};
}

}  // namespace samples::booking
