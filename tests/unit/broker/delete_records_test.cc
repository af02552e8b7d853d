// partition::delete_records (DeleteRecords) over the log's advance_start, broker::delete_records
// (both front ends' DeleteRecords) on a standalone broker, and lookup_offset (ListOffsets, both
// front ends) against a log whose start moved inside a segment.
#include "broker/handlers/delete_records.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "broker/errc.h"
#include "broker/handlers/list_offsets.h"
#include "broker/partition/partition.h"
#include "cairn/protocol/errc.h"
#include "eventstore/errc.h"
#include "tests/support/batches.h"
#include "tests/support/temp_dir.h"

using namespace cairn::broker;
namespace es = cairn::eventstore;
using cairn::testing::make_batch;
using cairn::testing::temp_dir;

namespace {

std::unique_ptr<partition> open_partition(const std::string& dir,
                                          std::int64_t segment_bytes_max = 1 << 20) {
  partition::options opts;
  opts.log.segment_bytes_max = segment_bytes_max;
  auto p = partition::open(dir, opts);
  REQUIRE(p);
  return std::move(p).value();
}

// Batches of 3 records each; batch i has timestamp 1000 * (i + 1).
void produce_batches(partition& p, int count) {
  for (int i = 0; i < count; ++i) {
    std::string batch = make_batch(3, "b" + std::to_string(i), 1000 * (i + 1));
    REQUIRE(p.produce(batch, acks::all));
  }
}

std::size_t segment_files(const temp_dir& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    n += e.path().extension() == ".log";
  return n;
}

}  // namespace

TEST_CASE("delete_records moves the log start inside a segment, durably", "[partition]") {
  temp_dir dir;
  {
    auto p = open_partition(dir.path());
    produce_batches(*p, 4);  // offsets 0..11
    auto start = p->delete_records(4);
    REQUIRE(start);
    CHECK(start.value() == 4);
    CHECK(p->log_start_offset() == 4);
    // Below the start nothing is served; from it the batch holding it comes whole (as Kafka).
    auto below = p->fetch(3, 1 << 20);
    REQUIRE_FALSE(below);
    CHECK(below.error() == es::errc::offset_out_of_range);
    auto from = p->fetch(4, 1 << 20);
    REQUIRE(from);
    CHECK(from.value().log_start_offset == 4);
    // Never back, and an offset at or below the start changes nothing.
    CHECK(p->delete_records(2).value() == 4);
    REQUIRE(p->close());
  }
  auto p = open_partition(dir.path());
  CHECK(p->log_start_offset() == 4);
  CHECK(lookup_offset(*p, kEarliestTimestamp).offset == 4);
}

TEST_CASE("delete_records refuses offsets past the high watermark; -1 is the high watermark",
          "[partition]") {
  temp_dir dir;
  auto p = open_partition(dir.path());
  produce_batches(*p, 2);  // offsets 0..5
  auto past = p->delete_records(7);
  REQUIRE_FALSE(past);
  CHECK(past.error() == es::errc::offset_out_of_range);
  auto negative = p->delete_records(-2);
  REQUIRE_FALSE(negative);
  CHECK(negative.error() == es::errc::offset_out_of_range);
  CHECK(p->log_start_offset() == 0);
  CHECK(p->delete_records(partition::kDeleteToHighWatermark).value() == 6);
  CHECK(p->log_start_offset() == 6);
  // Appends carry on after an emptied log.
  produce_batches(*p, 1);
  CHECK(p->high_watermark() == 9);
  CHECK(p->log_start_offset() == 6);
}

TEST_CASE("delete_records removes the whole segments below the new start", "[partition]") {
  temp_dir dir;
  // Tiny segments: every batch rolls a new one.
  auto p = open_partition(dir.path(), 200);
  produce_batches(*p, 5);
  const std::size_t before = segment_files(dir);
  REQUIRE(before >= 4);
  REQUIRE(p->delete_records(9));
  CHECK(segment_files(dir) < before);
  CHECK(p->log_start_offset() == 9);
  auto fetched = p->fetch(9, 1 << 20);
  REQUIRE(fetched);
  CHECK(fetched.value().range.size > 0);
}

TEST_CASE("a damaged log start file fails the open rather than guessing", "[partition]") {
  temp_dir dir;
  {
    auto p = open_partition(dir.path());
    produce_batches(*p, 1);
    REQUIRE(p->delete_records(1));
    REQUIRE(p->close());
  }
  std::ofstream(dir / "log-start-offset", std::ios::trunc) << "1 x\n";
  CHECK_FALSE(partition::open(dir.path(), {}));
}

TEST_CASE("lookup_offset: sentinels, times and the largest timestamp", "[partition]") {
  temp_dir dir;
  auto p = open_partition(dir.path());
  produce_batches(*p, 3);  // [0,3) at 1000, [3,6) at 2000, [6,9) at 3000
  CHECK(lookup_offset(*p, kEarliestTimestamp).offset == 0);
  CHECK(lookup_offset(*p, kLatestTimestamp).offset == 9);
  auto at = lookup_offset(*p, 1500);
  CHECK(at.offset == 3);
  CHECK(at.timestamp == 2000);
  CHECK(lookup_offset(*p, 2000).offset == 3);
  CHECK(lookup_offset(*p, 3001).offset == -1);  // none at or after it
  auto max = lookup_offset(*p, kMaxTimestamp);
  CHECK(max.offset == 6);  // the first record carrying the largest timestamp
  CHECK(max.timestamp == 3000);
  auto bad = lookup_offset(*p, -4);
  CHECK(bad.error == cairn::protocol::errc::invalid_request);
  // A time before the moved start answers the first record at or after the start.
  REQUIRE(p->delete_records(4));
  auto early = lookup_offset(*p, 0);
  CHECK(early.offset == 4);
  CHECK(early.timestamp == 2000);
}

TEST_CASE(
    "broker::delete_records alone: the low watermark is the new start and compacted topics are "
    "refused",
    "[partition]") {
  temp_dir dir;
  auto topics = topic_manager::open({.data_dir = dir.path().string()});
  REQUIRE(topics);
  broker_identity self;
  handler_context ctx{.topics = *topics.value(), .self = self};
  REQUIRE(topics.value()->create({.name = "events", .partitions = 1}));
  REQUIRE(topics.value()->create(
      {.name = "latest", .partitions = 1, .cleanup = cleanup_policy::compact}));
  auto events = topics.value()->get("events", 0);
  REQUIRE(events);
  produce_batches(*events.value(), 2);  // offsets 0..5
  const auto soon = std::chrono::steady_clock::now();

  delete_records_outcome moved = delete_records(ctx, "events", 0, 4, soon);
  CHECK_FALSE(moved.error);
  CHECK(moved.low_watermark == 4);
  CHECK(delete_records(ctx, "events", 0, partition::kDeleteToHighWatermark, soon).low_watermark ==
        6);
  CHECK(delete_records(ctx, "events", 0, 7, soon).error == es::errc::offset_out_of_range);
  CHECK(delete_records(ctx, "latest", 0, 0, soon).error == errc::records_not_deletable);
  CHECK(delete_records(ctx, "events", 3, 0, soon).error);
  CHECK(delete_records(ctx, "missing", 0, 0, soon).error == errc::unknown_topic);
}
