#include "eventstore/log/retention.h"

#include <catch2/catch.hpp>

#include "eventstore/errc.h"
#include "eventstore/log/partition_log.h"
#include "tests/support/batches.h"
#include "tests/support/temp_dir.h"

using namespace cairn::eventstore;
using cairn::testing::make_batch;

TEST_CASE("retention by bytes deletes the oldest segments while the rest still fits",
          "[retention]") {
  std::vector<segment_summary> segments = {{100, 1}, {100, 2}, {100, 3}, {100, 4}};
  CHECK(segments_to_delete(segments, {.retention_bytes = 1000}, 0) == 0);
  CHECK(segments_to_delete(segments, {.retention_bytes = 300}, 0) == 1);
  CHECK(segments_to_delete(segments, {.retention_bytes = 250}, 0) == 1);
  CHECK(segments_to_delete(segments, {.retention_bytes = 100}, 0) == 3);
  CHECK(segments_to_delete(segments, {.retention_bytes = 0}, 0) == 3);  // never the active one
}

TEST_CASE("retention by time deletes segments whose newest record is too old", "[retention]") {
  std::vector<segment_summary> segments = {{10, 100}, {10, 200}, {10, 300}, {10, 400}};
  CHECK(segments_to_delete(segments, {.retention_ms = 1000}, 1000) == 0);
  CHECK(segments_to_delete(segments, {.retention_ms = 800}, 1050) == 2);
  CHECK(segments_to_delete(segments, {.retention_ms = 0}, 100000) == 3);
  CHECK(segments_to_delete(segments, {.retention_bytes = 30, .retention_ms = 800}, 1050) == 2);
}

TEST_CASE("retention moves the log start offset and reads below it fail", "[retention]") {
  cairn::testing::temp_dir dir;
  std::int64_t now = 10'000;
  log_options options;
  options.segment_bytes_max = 2048;
  options.clock_ms = [&now] { return now; };
  auto log = partition_log::open(dir.path(), options).value();
  for (int i = 0; i < 100; ++i) {
    std::string batch = make_batch(2, "k", i * 100);
    REQUIRE(log->append(batch));
  }
  auto segments = log->segment_count();
  REQUIRE(segments > 4);
  auto size_before = log->size_bytes();

  auto deleted = log->apply_retention({.retention_bytes = size_before / 2});
  REQUIRE(deleted);
  CHECK(deleted.value() > 0);
  CHECK(log->size_bytes() >= size_before / 2);
  CHECK(log->start_offset() > 0);
  CHECK(log->read(0, 100).error() == errc::offset_out_of_range);
  CHECK(log->read(log->start_offset(), 100).value().range.size > 0);

  now = 1'000'000;
  REQUIRE(log->apply_retention({.retention_ms = 1000}));
  CHECK(log->segment_count() == 1);
  CHECK(log->end_offset() == 200);

  // What is left opens again with the same start.
  auto start = log->start_offset();
  REQUIRE(log->close());
  log.reset();
  auto reopened = partition_log::open(dir.path(), options).value();
  CHECK(reopened->start_offset() == start);
  CHECK(reopened->end_offset() == 200);
}
