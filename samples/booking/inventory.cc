#include "samples/booking/inventory.h"

#include "cairn/es/errc.h"
#include "cairn/es/overloaded.h"

namespace samples::booking {

using cairn::es::overloaded;

namespace {

using decided = cairn::result<std::vector<inventory_event>>;
using contracts::text_of;

}  // namespace

// --- Cap'n Proto mapping: readers refuse what no booking-service writes -----------------------

void stock_added::to_capnp(capnp_schema::Builder b) const {
  b.setUnits(units);
  b.setPriceCents(price_cents);
}
cairn::result<stock_added> stock_added::from_capnp(capnp_schema::Reader r) {
  stock_added e{r.getUnits(), r.getPriceCents()};
  if (e.units == 0 || e.price_cents <= 0) return cairn::es::errc::malformed_event;
  return e;
}

void units_held::to_capnp(capnp_schema::Builder b) const {
  b.setBookingId(booking_id);
  b.setUnits(units);
  b.setAmountCents(amount_cents);
}
cairn::result<units_held> units_held::from_capnp(capnp_schema::Reader r) {
  units_held e{text_of(r.getBookingId()), r.getUnits(), r.getAmountCents()};
  if (e.booking_id.empty() || e.units == 0 || e.amount_cents <= 0) {
    return cairn::es::errc::malformed_event;
  }
  return e;
}

void hold_released::to_capnp(capnp_schema::Builder b) const {
  b.setBookingId(booking_id);
  b.setUnits(units);
}
cairn::result<hold_released> hold_released::from_capnp(capnp_schema::Reader r) {
  hold_released e{text_of(r.getBookingId()), r.getUnits()};
  if (e.booking_id.empty()) return cairn::es::errc::malformed_event;  // units 0: see the schema
  return e;
}

void hold_confirmed::to_capnp(capnp_schema::Builder b) const {
  b.setBookingId(booking_id);
  b.setUnits(units);
}
cairn::result<hold_confirmed> hold_confirmed::from_capnp(capnp_schema::Reader r) {
  hold_confirmed e{text_of(r.getBookingId()), r.getUnits()};
  if (e.booking_id.empty() || e.units == 0) return cairn::es::errc::malformed_event;
  return e;
}

// --- refusals ------------------------------------------------------------------------------------

const std::error_category& inventory_refusal_category() {
  struct category final : std::error_category {
    const char* name() const noexcept override { return "booking.inventory"; }
    std::string message(int v) const override {
      switch (static_cast<inventory_refusal>(v)) {
        case inventory_refusal::unknown_item:
          return "no such item: no stock was ever added to it";
        case inventory_refusal::sold_out:
          return "not enough units available";
        case inventory_refusal::not_positive:
          return "units and price must be positive";
        case inventory_refusal::too_many:
          return "too many units in one command";
      }
      return "unknown refusal";
    }
  };
  static const category instance;
  return instance;
}

std::string_view inventory_refusal_name(std::error_code ec) {
  if (ec.category() != inventory_refusal_category()) return {};
  switch (static_cast<inventory_refusal>(ec.value())) {
    case inventory_refusal::unknown_item:
      return "unknown_item";
    case inventory_refusal::sold_out:
      return "sold_out";
    case inventory_refusal::not_positive:
      return "not_positive";
    case inventory_refusal::too_many:
      return "too_many";
  }
  return {};
}

// --- the decider ---------------------------------------------------------------------------------

std::int64_t inventory_state::held_units() const {
  std::int64_t total = 0;
  for (const auto& [id, h] : holds)
    total += h.units;
  return total;
}

decided inventory::decide(const command& c, const state& s) {
  return std::visit(
      overloaded{[&](const add_stock& a) -> decided {
                   if (a.units <= 0 || a.price_cents <= 0) return inventory_refusal::not_positive;
                   if (a.units > kUnitsMax || a.price_cents > kPriceCentsMax) {
                     return inventory_refusal::too_many;
                   }
                   return std::vector<event>{
                       stock_added{static_cast<std::uint32_t>(a.units), a.price_cents}};
                 },
                 [&](const hold_units& h) -> decided {
                   if (h.units <= 0 || h.booking_id.empty()) return inventory_refusal::not_positive;
                   if (h.units > kUnitsMax) return inventory_refusal::too_many;
                   if (!s.stocked) return inventory_refusal::unknown_item;
                   // Already held, or already settled: the step was taken (a retry, a re-sent
                   // message).
                   if (s.holds.contains(h.booking_id) || s.settled.contains(h.booking_id)) {
                     return std::vector<event>{};
                   }
                   if (s.available() < h.units) return inventory_refusal::sold_out;
                   return std::vector<event>{units_held{
                       h.booking_id, static_cast<std::uint32_t>(h.units), h.units * s.price_cents}};
                 },
                 [&](const release_hold& r) -> decided {
                   if (r.booking_id.empty()) return inventory_refusal::not_positive;
                   if (s.settled.contains(r.booking_id))
                     return std::vector<event>{};  // released before
                   auto it = s.holds.find(r.booking_id);
                   // Never held: a release of 0 units settles the booking, so that a hold still on
                   // its way (a request the saga gave up on, or one whose process died before it
                   // could release) takes nothing when it lands.
                   const std::int64_t units = it == s.holds.end() ? 0 : it->second.units;
                   return std::vector<event>{
                       hold_released{r.booking_id, static_cast<std::uint32_t>(units)}};
                 },
                 [&](const confirm_hold& f) -> decided {
                   auto it = s.holds.find(f.booking_id);
                   if (it == s.holds.end()) return std::vector<event>{};
                   return std::vector<event>{
                       hold_confirmed{f.booking_id, static_cast<std::uint32_t>(it->second.units)}};
                 }},
      c);
}

inventory_state inventory::evolve(state s, const event& e) {
  std::visit(overloaded{[&](const stock_added& a) {
                          s.stocked = true;
                          s.capacity += a.units;
                          s.price_cents = a.price_cents;
                        },
                        [&](const units_held& h) {
                          s.holds[h.booking_id] = held{h.units, h.amount_cents};
                        },
                        [&](const hold_released& r) {
                          s.holds.erase(r.booking_id);
                          s.settled.insert(r.booking_id);
                        },
                        [&](const hold_confirmed& f) {
                          s.holds.erase(f.booking_id);
                          s.sold += f.units;
                          s.settled.insert(f.booking_id);
                        }},
             e);
  return s;
}

}  // namespace samples::booking
