// The event registry: JSON round trips by stable type name, upcasters on read, and refusals of
// unknown types, malformed data and upcaster cycles.
#include <catch2/catch.hpp>

#include "tests/unit/sdk/es_account.h"

namespace es = cairn::es;

TEST_CASE("es registry encodes with the type name and decodes back", "[es][registry]") {
  auto r = bank::registry();
  bank::event e = bank::deposited{1250, "rent"};
  auto data = es::event_registry<bank::event>::encode(e);
  CHECK(data.type == "bank.Deposited.v2");
  auto back = r.decode(data.type, data.data);
  REQUIRE(back);
  CHECK(back.value() == e);
  CHECK(es::event_registry<bank::event>::type_of(bank::opened{"ann"}) == "bank.AccountOpened.v1");
}

TEST_CASE("es registry upcasts an old event type on read", "[es][registry]") {
  auto r = bank::registry();
  auto back = r.decode("bank.Deposited.v1", R"({"amount": 7})");
  REQUIRE(back);
  CHECK(back.value() == bank::event{bank::deposited{700, "upcast from v1"}});
  CHECK(r.decode("bank.Deposited.v1", R"({"amount": "x"})").error() == es::errc::malformed_event);
}

TEST_CASE("es registry refuses unknown types and malformed JSON", "[es][registry]") {
  auto r = bank::registry();
  CHECK(r.decode("bank.Closed.v1", "{}").error() == es::errc::unknown_event_type);
  CHECK(r.decode("bank.Deposited.v2", "{not json").error() == es::errc::malformed_event);
  CHECK(r.decode("bank.Deposited.v2", R"({"amount_cents": "ten"})").error() ==
        es::errc::malformed_event);
  CHECK(r.knows("bank.Deposited.v1"));
  CHECK_FALSE(r.knows("bank.Closed.v1"));
}

TEST_CASE("es registry stops an upcaster cycle", "[es][registry]") {
  auto r = bank::registry();
  r.add_upcaster("a", [](es::raw_event e) -> cairn::result<es::raw_event> {
    e.type = "b";
    return e;
  });
  r.add_upcaster("b", [](es::raw_event e) -> cairn::result<es::raw_event> {
    e.type = "a";
    return e;
  });
  CHECK(r.decode("a", "{}").error() == es::errc::upcast_loop);
}
