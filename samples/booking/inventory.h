// The inventory aggregate of booking-service: one stream per bookable item (a hotel's rooms for
// one night, a flight's seats) on topic `bookings.inventory`. Units are added as stock, held for
// a booking while its payment is pending, then confirmed (sold) or released. Pure: no broker,
// no clock, no I/O.
//
// Overbooking is impossible because every hold is decided on the item's whole state and appended
// with the loaded version as expected version (repository<inventory>): of two bookings racing for
// the last unit, the second append finds the stream moved, folds the winner's UnitsHeld and
// decides again, and is refused with sold_out.
//
// The saga's steps are idempotent by state as well as by command id: holding a booking that
// already holds (or held) units, confirming a hold that is not there, and releasing a booking
// already released or sold decide no events. A message re-sent after a crash, or a late step
// after the other outcome, is harmless. Releasing a booking that never held units is the one
// step that is not a no-op: it records a release of 0 units, so that the booking is settled and
// a hold that arrives after the saga gave up on it takes nothing (nobody would release it).
#pragma once

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "cairn/es/decider.h"
#include "samples/booking/inventory_events.capnp.h"
#include "samples/contracts/capnp_text.h"

namespace samples::booking {

inline constexpr std::string_view kInventoryTopic = "bookings.inventory";

// --- events (Cap'n Proto; the schema is inventory_events.capnp) ------------------------------
struct stock_added {
  static constexpr std::string_view type = "inventory.StockAdded.v1";
  using capnp_schema = schema::StockAdded;
  std::uint32_t units = 0;
  std::int64_t price_cents = 0;
  bool operator==(const stock_added&) const = default;

  void to_capnp(capnp_schema::Builder b) const;
  static cairn::result<stock_added> from_capnp(capnp_schema::Reader r);
};

struct units_held {
  static constexpr std::string_view type = "inventory.UnitsHeld.v1";
  using capnp_schema = schema::UnitsHeld;
  std::string booking_id;
  std::uint32_t units = 0;
  std::int64_t amount_cents = 0;
  bool operator==(const units_held&) const = default;

  void to_capnp(capnp_schema::Builder b) const;
  static cairn::result<units_held> from_capnp(capnp_schema::Reader r);
};

struct hold_released {
  static constexpr std::string_view type = "inventory.HoldReleased.v1";
  using capnp_schema = schema::HoldReleased;
  std::string booking_id;
  std::uint32_t units = 0;
  bool operator==(const hold_released&) const = default;

  void to_capnp(capnp_schema::Builder b) const;
  static cairn::result<hold_released> from_capnp(capnp_schema::Reader r);
};

struct hold_confirmed {
  static constexpr std::string_view type = "inventory.HoldConfirmed.v1";
  using capnp_schema = schema::HoldConfirmed;
  std::string booking_id;
  std::uint32_t units = 0;
  bool operator==(const hold_confirmed&) const = default;

  void to_capnp(capnp_schema::Builder b) const;
  static cairn::result<hold_confirmed> from_capnp(capnp_schema::Reader r);
};

using inventory_event = std::variant<stock_added, units_held, hold_released, hold_confirmed>;

// --- commands: named and JSON-described, because the saga sends them through its outbox -------
struct add_stock {
  static constexpr std::string_view type = "inventory.AddStock.v1";
  std::int64_t units = 0;
  std::int64_t price_cents = 0;
};
struct hold_units {
  static constexpr std::string_view type = "inventory.HoldUnits.v1";
  std::string booking_id;
  std::int64_t units = 0;
};
struct release_hold {
  static constexpr std::string_view type = "inventory.ReleaseHold.v1";
  std::string booking_id;
};
struct confirm_hold {
  static constexpr std::string_view type = "inventory.ConfirmHold.v1";
  std::string booking_id;
};
BOOST_DESCRIBE_STRUCT(add_stock, (), (units, price_cents))
BOOST_DESCRIBE_STRUCT(hold_units, (), (booking_id, units))
BOOST_DESCRIBE_STRUCT(release_hold, (), (booking_id))
BOOST_DESCRIBE_STRUCT(confirm_hold, (), (booking_id))
using inventory_command = std::variant<add_stock, hold_units, release_hold, confirm_hold>;

// --- refusals ----------------------------------------------------------------------------------
enum class inventory_refusal {
  unknown_item = 1,  // no stock was ever added to the item
  sold_out,          // fewer units available than asked for
  not_positive,      // units or price not above zero
  too_many,          // more units than one command may carry (kUnitsMax)
};
const std::error_category& inventory_refusal_category();
inline std::error_code make_error_code(inventory_refusal r) {
  return {static_cast<int>(r), inventory_refusal_category()};
}
// The refusal's short name as the HTTP API reports it ("sold_out"), "" for other errors.
std::string_view inventory_refusal_name(std::error_code ec);

// Units fit the events' UInt32 and the sums stay far from overflow.
inline constexpr std::int64_t kUnitsMax = 1'000'000;
inline constexpr std::int64_t kPriceCentsMax = 100'000'000'00;

// --- state -------------------------------------------------------------------------------------
struct held {
  std::int64_t units = 0;
  std::int64_t amount_cents = 0;
  bool operator==(const held&) const = default;
};
BOOST_DESCRIBE_STRUCT(held, (), (units, amount_cents))

struct inventory_state {
  bool stocked = false;  // a StockAdded was seen: the item exists
  std::int64_t capacity = 0;
  std::int64_t price_cents = 0;
  std::map<std::string, held> holds;  // booking id -> held units, while payment is pending
  std::int64_t sold = 0;
  // Bookings whose hold was confirmed or released: holding them again is a no-op (a re-sent
  // hold after the saga settled the booking must not take units nobody will release).
  std::set<std::string> settled;

  std::int64_t held_units() const;
  std::int64_t available() const { return capacity - held_units() - sold; }
};
BOOST_DESCRIBE_STRUCT(inventory_state, (), (stocked, capacity, price_cents, holds, sold, settled))

struct inventory {
  using state = inventory_state;
  using command = inventory_command;
  using event = inventory_event;
  static constexpr std::uint32_t state_schema_version = 1;  // bump when inventory_state changes

  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state& s);
  static state evolve(state s, const event& e);
};

}  // namespace samples::booking

template <>
struct std::is_error_code_enum<samples::booking::inventory_refusal> : std::true_type {};
