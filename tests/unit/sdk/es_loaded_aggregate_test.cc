// The loaded aggregate (folding stored events, the command-id window, snapshot bytes) and the
// snapshot policy.
#include <catch2/catch.hpp>

#include "cairn/es/loaded_aggregate.h"
#include "cairn/es/snapshot_policy.h"
#include "tests/unit/sdk/es_account.h"

namespace es = cairn::es;

namespace {
cairn::recorded_event stored(std::int64_t version, const bank::event& e, std::string command_id) {
  auto data = es::event_registry<bank::event>::encode(e);
  cairn::recorded_event r{.version = version, .type = data.type, .data = data.data};
  if (!command_id.empty()) r.headers.push_back({"command-id", command_id});
  return r;
}
}  // namespace

TEST_CASE("es loaded aggregate folds events once and remembers command ids", "[es][aggregate]") {
  auto r = bank::registry();
  es::loaded_aggregate<bank::account> a;
  REQUIRE(a.apply(r, stored(0, bank::opened{"ann"}, "c0"), 2));
  REQUIRE(a.apply(r, stored(1, bank::deposited{100, ""}, "c1"), 2));
  REQUIRE(a.apply(r, stored(1, bank::deposited{100, ""}, "c1"), 2));  // a re-read: skipped
  CHECK(a.state.balance_cents == 100);
  CHECK(a.version == 1);
  CHECK(a.applied("c1") == std::optional<std::int64_t>{1});
  REQUIRE(a.apply(r, stored(2, bank::deposited{5, ""}, "c2"), 2));
  CHECK_FALSE(a.applied("c0"));  // out of the window of 2
  CHECK(a.applied("c2") == std::optional<std::int64_t>{2});
  CHECK_FALSE(a.applied(""));
  auto bad = stored(3, bank::deposited{5, ""}, "c3");
  bad.type = "bank.Unknown.v1";
  CHECK(a.apply(r, bad, 2).error() == es::errc::unknown_event_type);
}

TEST_CASE("es snapshot bytes round trip and refuse garbage", "[es][aggregate]") {
  es::loaded_aggregate<bank::account> a;
  a.state = {true, "ann", 42, 3};
  a.version = 9;
  a.commands = {{"c1", 4}, {"c2", 9}};
  auto bytes = es::encode_snapshot(a);
  auto back = es::decode_snapshot<bank::account>(bytes, 9);
  REQUIRE(back);
  CHECK(back.value().state == a.state);
  CHECK(back.value().version == 9);
  CHECK(back.value().snapshot_version == 9);
  CHECK(back.value().applied("c1") == std::optional<std::int64_t>{4});
  CHECK(es::decode_snapshot<bank::account>("[]", 1).error() == es::errc::malformed_snapshot);
  CHECK(
      es::decode_snapshot<bank::account>(R"({"state": {"open": 1}, "commands": []})", 1).error() ==
      es::errc::malformed_snapshot);
}

TEST_CASE("es snapshot policy every N events or a function", "[es][snapshot]") {
  es::snapshot_policy every3{.every_events = 3};
  CHECK_FALSE(every3.due(1, -1));
  CHECK(every3.due(2, -1));
  CHECK_FALSE(every3.due(4, 2));
  CHECK(every3.due(5, 2));
  CHECK_FALSE(es::snapshot_policy{}.due(100, -1));
  es::snapshot_policy on_even{.when = [](std::int64_t v, std::int64_t) { return v % 2 == 0; }};
  CHECK(on_even.due(4, 1));
  CHECK_FALSE(on_even.due(3, 1));
  CHECK_FALSE(on_even.due(4, 4));
}
