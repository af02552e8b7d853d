// partition's two-step produce (append, then commit) and the commit_flusher that runs the
// commits needing fdatasync off the event loop.
#include "broker/partition/commit_flusher.h"

#include <catch2/catch.hpp>
#include <future>
#include <set>
#include <vector>

#include "tests/support/batches.h"
#include "tests/support/temp_dir.h"

using namespace cairn::broker;
namespace es = cairn::eventstore;
using cairn::testing::temp_dir;

namespace {

std::shared_ptr<partition> open_partition(const std::string& dir, es::flush_policy flush) {
  partition::options opts;
  opts.log.flush = flush;
  auto p = partition::open(dir, std::move(opts));
  REQUIRE(p);
  return std::shared_ptr<partition>(std::move(p).value());
}

}  // namespace

TEST_CASE("append makes nothing visible; commit moves the high watermark", "[partition][commit]") {
  temp_dir dir;
  auto p = open_partition(dir.path(), es::flush_policy::always());
  std::string batch = cairn::testing::make_batch(4, "a", 1000);
  auto appended = p->append(batch);
  REQUIRE(appended);
  CHECK(appended.value().end_offset() == 4);
  CHECK(p->log_end_offset() == 4);
  CHECK(p->high_watermark() == 0);  // not committed: consumers must not see it
  CHECK(p->fetch(0, 1 << 20).value().range.size == 0);
  CHECK(p->commit_syncs(4));

  REQUIRE(p->commit(4));
  CHECK(p->high_watermark() == 4);
  CHECK(p->log().flushed_offset() == 4);
  CHECK_FALSE(p->commit_syncs(4));
}

TEST_CASE("flush never commits without a sync", "[partition][commit]") {
  temp_dir dir;
  auto p = open_partition(dir.path(), es::flush_policy::never());
  std::string batch = cairn::testing::make_batch(2, "a", 1000);
  auto appended = p->append(batch);
  REQUIRE(appended);
  CHECK_FALSE(p->commit_syncs(appended.value().end_offset()));
  REQUIRE(p->commit(appended.value().end_offset()));
  CHECK(p->high_watermark() == 2);
  CHECK(p->log().fdatasync_count() == 0);
}

TEST_CASE("commit_flusher commits every submission and shares syncs", "[partition][commit]") {
  temp_dir dir_a, dir_b;
  auto a = open_partition(dir_a.path(), es::flush_policy::always());
  auto b = open_partition(dir_b.path(), es::flush_policy::always());
  std::vector<std::future<cairn::result<void>>> outcomes;
  std::vector<std::string> batches;  // appended in place: kept alive for the test
  constexpr int kBatches = 50;
  {
    commit_flusher flusher(2);  // a and b may share a lane or not: both must hold
    for (int i = 0; i < kBatches; ++i) {
      auto& target = i % 2 == 0 ? a : b;
      batches.push_back(cairn::testing::make_batch(3, "k", 1000 + i));
      auto appended = target->append(batches.back());
      REQUIRE(appended);
      auto done = std::make_shared<std::promise<cairn::result<void>>>();
      outcomes.push_back(done->get_future());
      flusher.submit(target, appended.value().end_offset(),
                     [done](cairn::result<void> r) { done->set_value(r); });
    }
    // The destructor finishes what was submitted.
  }
  for (auto& o : outcomes) {
    REQUIRE(o.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    CHECK(o.get());
  }
  CHECK(a->high_watermark() == 3 * kBatches / 2);
  CHECK(b->high_watermark() == 3 * kBatches / 2);
  CHECK(a->log().flushed_offset() == 3 * kBatches / 2);
  // At most one sync per partition per round, and never more than one per submission.
  CHECK(a->log().fdatasync_count() + b->log().fdatasync_count() <= kBatches);
  CHECK(a->log().fdatasync_count() >= 1);
}

TEST_CASE("a duplicate is answered only after its original commits", "[partition][commit]") {
  temp_dir dir;
  auto p = open_partition(dir.path(), es::flush_policy::always());
  es::record_batch_builder builder({.producer_id = 7, .producer_epoch = 0, .base_sequence = 0});
  builder.add({.key = "k", .value = "v", .timestamp_ms = 1000});
  std::string first = builder.finish();
  std::string retry = first;
  auto appended = p->append(first);
  REQUIRE(appended);
  auto again = p->append(retry);
  REQUIRE(again);
  CHECK(again.value().duplicate);
  CHECK(again.value().end_offset() == appended.value().end_offset());
  CHECK(p->commit_syncs(again.value().end_offset()));  // the caller must still wait
}

TEST_CASE("commit_flusher spreads partitions at aligned addresses over its lanes",
          "[partition][commit]") {
  // Heap objects sit at multiples of 16 or more: a lane choice that ignored that put every
  // partition on one lane. Whatever the stride, eight partitions use most of four lanes.
  for (std::uintptr_t stride : {16U, 64U, 256U, 4096U}) {
    std::set<std::size_t> used;
    for (std::uintptr_t i = 0; i < 8; ++i) {
      auto* p = reinterpret_cast<const partition*>(0x7f0000000000 + i * stride);
      std::size_t lane = commit_flusher::lane_of(p, 4);
      CHECK(lane < 4);
      used.insert(lane);
    }
    INFO("stride " << stride);
    CHECK(used.size() >= 3);
  }
}
