#include "broker/partition/producer_state.h"

#include <catch2/catch.hpp>
#include <limits>

#include "broker/errc.h"

using namespace cairn::broker;
using cairn::eventstore::batch_header;

namespace {

batch_header batch(std::int64_t producer, std::int16_t epoch, std::int32_t sequence,
                   std::int32_t records = 1) {
  batch_header h{};
  h.producer_id = producer;
  h.producer_epoch = epoch;
  h.base_sequence = sequence;
  h.last_offset_delta = records - 1;
  return h;
}

}  // namespace

TEST_CASE("batches without a producer id are never checked", "[producer_state]") {
  producer_state_table table;
  CHECK_FALSE(table.check(batch(-1, -1, -1)).value());
  table.record(batch(-1, -1, -1), 0);
  CHECK(table.size() == 0);
}

TEST_CASE("sequences must start at 0 and follow on", "[producer_state]") {
  producer_state_table table;
  CHECK(table.check(batch(7, 0, 5)).error() == errc::out_of_order_sequence);
  REQUIRE_FALSE(table.check(batch(7, 0, 0, 3)).value());
  table.record(batch(7, 0, 0, 3), 100);
  CHECK_FALSE(table.check(batch(7, 0, 3)).value());
  CHECK(table.check(batch(7, 0, 4)).error() == errc::out_of_order_sequence);
  CHECK(table.check(batch(7, 0, 2)).error() == errc::out_of_order_sequence);
}

TEST_CASE("a retry of one of the last five batches is a duplicate with its offsets",
          "[producer_state]") {
  producer_state_table table;
  for (int i = 0; i < 7; ++i)
    table.record(batch(7, 0, i * 2, 2), 1000 + i * 2);
  for (int i = 2; i < 7; ++i) {
    auto dup = table.check(batch(7, 0, i * 2, 2));
    REQUIRE(dup);
    REQUIRE(dup.value());
    CHECK(dup.value()->base_offset == 1000 + i * 2);
    CHECK(dup.value()->last_offset == 1001 + i * 2);
  }
  // Older than the five remembered: no longer recognised, and out of order.
  CHECK(table.check(batch(7, 0, 2, 2)).error() == errc::out_of_order_sequence);
}

TEST_CASE("epochs fence old producers and restart sequences", "[producer_state]") {
  producer_state_table table;
  table.record(batch(7, 3, 0, 5), 0);
  CHECK(table.check(batch(7, 2, 5)).error() == errc::invalid_producer_epoch);
  CHECK(table.check(batch(7, 4, 5)).error() == errc::out_of_order_sequence);
  CHECK_FALSE(table.check(batch(7, 4, 0)).value());
  table.record(batch(7, 4, 0), 10);
  CHECK(table.check(batch(7, 3, 5)).error() == errc::invalid_producer_epoch);
  CHECK_FALSE(table.check(batch(7, 4, 1)).value());
}

TEST_CASE("sequences wrap from INT32_MAX to 0", "[producer_state]") {
  constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
  CHECK(last_sequence_of(batch(1, 0, kMax - 1, 3)) == 0);
  producer_state_table table;
  table.record(batch(1, 0, 0, 5), 0);  // sequences 0 .. 4
  // A producer near the end of the sequence space; the batch after kMax starts at 0.
  table.record(batch(1, 0, 5, kMax - 5), 5);  // sequences 5 .. kMax - 1
  CHECK_FALSE(table.check(batch(1, 0, kMax)).value());
  table.record(batch(1, 0, kMax), 5);
  CHECK_FALSE(table.check(batch(1, 0, 0)).value());
}

TEST_CASE("the table forgets the least recently active producers past its bound",
          "[producer_state]") {
  producer_state_table table(100);
  for (int p = 0; p < 500; ++p)
    table.record(batch(p, 0, 0), p);
  CHECK(table.size() <= 100);
  // The newest producer is remembered: its retry is recognised.
  CHECK(table.check(batch(499, 0, 0)).value().has_value());
}
