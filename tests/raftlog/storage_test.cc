// What the Raft log needs of eventstore's partition_log: reset_to, retention bounded by the
// commit end, compaction that keeps batch boundaries and control batches.
#include <catch2/catch.hpp>

#include "eventstore/log/partition_log.h"
#include "eventstore/record/control_batch.h"
#include "tests/support/batches.h"
#include "tests/support/temp_dir.h"

namespace es = cairn::eventstore;
using cairn::testing::make_batch;
using cairn::testing::temp_dir;

namespace {

es::log_options small_segments() {
  es::log_options o;
  o.segment_bytes_max = 400;
  o.segment.index_interval_bytes = 128;
  o.clock_ms = [] { return std::int64_t{10'000'000'000}; };
  return o;
}

void append(es::partition_log& log, std::string batch) {
  REQUIRE(log.append(batch));
}

// Every batch's [base, last] in the log.
std::vector<std::pair<std::int64_t, std::int64_t>> batches_of(const es::partition_log& log) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  REQUIRE(
      log.scan_headers(log.start_offset(), [&](const es::batch_header& h) -> cairn::result<void> {
        out.emplace_back(h.base_offset, h.last_offset());
        return cairn::success();
      }));
  return out;
}

}  // namespace

TEST_CASE("partition_log::reset_to starts an empty log at any offset, durably", "[raftlog]") {
  temp_dir dir;
  {
    auto log = es::partition_log::open(dir / "p", small_segments());
    REQUIRE(log);
    for (int i = 0; i < 10; ++i)
      append(*log.value(), make_batch(3, "k", 1000));
    REQUIRE(log.value()->reset_to(12));  // inside the old range
    CHECK(log.value()->start_offset() == 12);
    CHECK(log.value()->end_offset() == 12);
    CHECK(log.value()->segment_count() == 1);
    CHECK(log.value()->flushed_offset() == 12);
    append(*log.value(), make_batch(2, "k", 1000));
    CHECK(log.value()->end_offset() == 14);
  }
  auto log = es::partition_log::open(dir / "p", small_segments());
  REQUIRE(log);
  CHECK(log.value()->start_offset() == 12);
  CHECK(log.value()->end_offset() == 14);
  REQUIRE(log.value()->reset_to(1000));  // past the end, then nothing written
  log.value().reset();
  auto reopened = es::partition_log::open(dir / "p", small_segments());
  REQUIRE(reopened);
  CHECK(reopened.value()->start_offset() == 1000);
  CHECK(reopened.value()->end_offset() == 1000);
}

TEST_CASE("retention never deletes a segment reaching the commit end", "[raftlog]") {
  temp_dir dir;
  auto log = es::partition_log::open(dir / "p", small_segments());
  REQUIRE(log);
  for (int i = 0; i < 20; ++i)
    append(*log.value(), make_batch(2, "k", 1000));
  REQUIRE(log.value()->segment_count() > 3);
  auto none = log.value()->apply_retention({.retention_bytes = 0}, /*end_max=*/1);
  REQUIRE(none);
  CHECK(none.value() == 0);
  auto some = log.value()->apply_retention({.retention_bytes = 0}, /*end_max=*/20);
  REQUIRE(some);
  CHECK(some.value() > 0);
  CHECK(log.value()->start_offset() <= 20);
}

TEST_CASE("replicated compaction keeps batch boundaries and control batches", "[raftlog]") {
  temp_dir dir;
  auto log = es::partition_log::open(dir / "p", small_segments());
  REQUIRE(log);
  // Key "a" rewritten many times: its older batches become empty; noops between them.
  for (int i = 0; i < 12; ++i) {
    append(*log.value(), make_batch({{"a", "v" + std::to_string(i), 1000}}));
    append(*log.value(), es::build_control_batch({.type = es::control_type::raft_noop}, {}));
  }
  REQUIRE(log.value()->roll());
  const auto before = batches_of(*log.value());
  const std::int64_t end = log.value()->end_offset();

  SECTION("bounded by the commit end, keeping boundaries") {
    auto stats = log.value()->compact(
        {.delete_retention_ms = 0, .end_max = end / 2, .keep_batch_boundaries = true});
    REQUIRE(stats);
    auto after = batches_of(*log.value());
    CHECK(after == before);  // every batch is still there, emptied or not
    std::int64_t controls = 0;
    std::int64_t empty = 0;
    REQUIRE(log.value()->scan(log.value()->start_offset(),
                         [&](const es::record_batch_view& b) -> cairn::result<void> {
                           if (es::is_control_batch(b.header())) {
                             ++controls;
                             CHECK(es::decode_control_batch(b));
                           }
                           if (b.records_count() == 0) {
                             ++empty;
                             CHECK(b.next_offset() <= end / 2);  // nothing above the bound
                           }
                           return cairn::success();
                         }));
    CHECK(controls == 12);
    CHECK(empty > 0);
    CHECK(stats.value().records_removed > 0);
  }
  SECTION("standalone compaction still drops emptied batches but keeps control batches") {
    auto stats = log.value()->compact({.delete_retention_ms = 0});
    REQUIRE(stats);
    auto after = batches_of(*log.value());
    CHECK(after.size() < before.size());
    std::int64_t controls = 0;
    REQUIRE(log.value()->scan(log.value()->start_offset(),
                         [&](const es::record_batch_view& b) -> cairn::result<void> {
                           controls += es::is_control_batch(b.header()) ? 1 : 0;
                           return cairn::success();
                         }));
    CHECK(controls == 12);
  }
}
