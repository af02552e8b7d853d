// The inventory decider: given(events) -> when(command) -> then(events), no broker.
#include "samples/booking/inventory.h"

#include <catch2/catch.hpp>

#include "cairn/es/event_registry.h"

using namespace samples::booking;
using cairn::es::given;

namespace {

const std::vector<inventory_event> two_rooms = {stock_added{2, 120'00}};

}  // namespace

TEST_CASE("inventory: stock is added and held at the current price", "[booking]") {
  CHECK(given<inventory>().when(add_stock{3, 99'00}).then({stock_added{3, 99'00}}));
  CHECK(given<inventory>(two_rooms)
            .when(hold_units{"bk-1", 2})
            .then({units_held{"bk-1", 2, 240'00}}));
  auto s = given<inventory>({stock_added{2, 100'00}, stock_added{1, 150'00}}).state();
  CHECK(s.capacity == 3);
  CHECK(s.price_cents == 150'00);
  CHECK(s.available() == 3);
}

TEST_CASE("inventory: refusals", "[booking]") {
  CHECK(given<inventory>().when(hold_units{"bk-1", 1}).then_error(inventory_refusal::unknown_item));
  CHECK(given<inventory>().when(add_stock{0, 1}).then_error(inventory_refusal::not_positive));
  CHECK(given<inventory>().when(add_stock{1, 0}).then_error(inventory_refusal::not_positive));
  CHECK(
      given<inventory>().when(add_stock{kUnitsMax + 1, 1}).then_error(inventory_refusal::too_many));
  CHECK(given<inventory>(two_rooms)
            .when(hold_units{"bk-1", 0})
            .then_error(inventory_refusal::not_positive));
  CHECK(given<inventory>(two_rooms)
            .when(hold_units{"bk-1", 3})
            .then_error(inventory_refusal::sold_out));
}

TEST_CASE("inventory: the last unit goes to one booking only", "[booking]") {
  const std::vector<inventory_event> one_left = {stock_added{2, 100'00},
                                                 units_held{"bk-1", 1, 100'00}};
  CHECK(
      given<inventory>(one_left).when(hold_units{"bk-2", 1}).then({units_held{"bk-2", 1, 100'00}}));
  auto after = one_left;
  after.push_back(units_held{"bk-2", 1, 100'00});
  CHECK(
      given<inventory>(after).when(hold_units{"bk-3", 1}).then_error(inventory_refusal::sold_out));
  CHECK(given<inventory>(after).state().available() == 0);
}

TEST_CASE("inventory: confirm sells and release frees the held units", "[booking]") {
  const std::vector<inventory_event> held = {stock_added{3, 100'00}, units_held{"bk-1", 2, 200'00}};
  auto confirmed = given<inventory>(held).when(confirm_hold{"bk-1"});
  CHECK(confirmed.then({hold_confirmed{"bk-1", 2}}));
  CHECK(confirmed.then_state().sold == 2);
  CHECK(confirmed.then_state().available() == 1);
  auto released = given<inventory>(held).when(release_hold{"bk-1"});
  CHECK(released.then({hold_released{"bk-1", 2}}));
  CHECK(released.then_state().available() == 3);
}

TEST_CASE("inventory: repeated saga steps are no-ops", "[booking]") {
  const std::vector<inventory_event> held = {stock_added{3, 100'00}, units_held{"bk-1", 1, 100'00}};
  CHECK(given<inventory>(held).when(hold_units{"bk-1", 1}).then({}));
  // Released before it was held: a release of 0 units settles it, and the late hold is a no-op.
  auto early = given<inventory>(two_rooms).when(release_hold{"bk-9"});
  CHECK(early.then({hold_released{"bk-9", 0}}));
  auto late_hold = given<inventory>({stock_added{2, 120'00}, hold_released{"bk-9", 0}});
  CHECK(late_hold.when(hold_units{"bk-9", 1}).then({}));
  CHECK(late_hold.when(release_hold{"bk-9"}).then({}));
  CHECK(late_hold.state().available() == 2);
  CHECK(given<inventory>(two_rooms).when(confirm_hold{"bk-9"}).then({}));
  auto released = held;
  released.push_back(hold_released{"bk-1", 1});
  // A hold re-sent after the saga released it must not take units nobody would release.
  CHECK(given<inventory>(released).when(hold_units{"bk-1", 1}).then({}));
  CHECK(given<inventory>(released).when(confirm_hold{"bk-1"}).then({}));
  CHECK(given<inventory>(released).when(release_hold{"bk-1"}).then({}));
}

TEST_CASE("inventory events round-trip through Cap'n Proto", "[booking]") {
  cairn::es::event_registry<inventory_event> registry;
  for (const inventory_event& e :
       {inventory_event{stock_added{5, 120'00}}, inventory_event{units_held{"bk-1", 2, 240'00}},
        inventory_event{hold_released{"bk-1", 2}}, inventory_event{hold_confirmed{"bk-2", 1}}}) {
    auto data = registry.encode(e);
    auto back = registry.decode(data.type, data.data);
    REQUIRE(back);
    CHECK(back.value() == e);
  }
  // A reader refuses what no booking-service writes.
  auto bad = registry.encode(inventory_event{units_held{"", 1, 100}});
  CHECK(!registry.decode(bad.type, bad.data));
}
