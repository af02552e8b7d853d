#include <catch2/catch.hpp>
#include <string>

#include "cairn/es/aggregate_cache.h"

using cairn::es::aggregate_cache;

TEST_CASE("aggregate cache keeps the most recently used and drops the oldest", "[es][cache]") {
  aggregate_cache<int> cache(2);
  cache.put("a", 1);
  cache.put("b", 2);
  CHECK(cache.get("a") == 1);  // a is now more recent than b
  cache.put("c", 3);           // over capacity: b goes
  CHECK_FALSE(cache.get("b").has_value());
  CHECK(cache.get("a") == 1);
  CHECK(cache.get("c") == 3);
  CHECK(cache.size() == 2);

  cache.put("a", 10);  // replaces in place
  CHECK(cache.get("a") == 10);
  CHECK(cache.size() == 2);
  cache.erase("a");
  CHECK_FALSE(cache.get("a").has_value());
  CHECK(cache.size() == 1);
}

TEST_CASE("aggregate cache of capacity 0 keeps nothing", "[es][cache]") {
  aggregate_cache<std::string> cache(0);
  cache.put("a", "state");
  CHECK_FALSE(cache.get("a").has_value());
  CHECK(cache.size() == 0);
}

TEST_CASE("aggregate cache hands out copies", "[es][cache]") {
  aggregate_cache<std::string> cache(4);
  cache.put("a", "state");
  auto copy = cache.get("a");
  REQUIRE(copy);
  *copy += " changed";
  CHECK(cache.get("a") == "state");
}
