// end_of_epoch: Kafka's LeaderEpochFileCache.endOffsetFor over the epochs stamped in a log's
// batches (the Raft terms in cluster mode).
#include "broker/kafka/handlers/offset_for_leader_epoch.h"

#include <catch2/catch.hpp>

#include "eventstore/record/record_batch.h"
#include "tests/support/temp_dir.h"

using namespace cairn::broker;
using cairn::broker::kafka::end_of_epoch;
using cairn::broker::kafka::epoch_end;
namespace es = cairn::eventstore;
using cairn::testing::temp_dir;

namespace {

void produce(partition& p, std::int32_t epoch, int records) {
  es::record_batch_builder builder({.partition_leader_epoch = epoch});
  for (int i = 0; i < records; ++i)
    builder.add({.key = "k", .value = "v", .timestamp_ms = 1000});
  std::string batch = builder.finish();
  REQUIRE(p.produce(batch, acks::all));
}

}  // namespace

TEST_CASE("the end of an epoch is where the next epoch's first batch starts") {
  temp_dir dir;
  auto opened = partition::open(dir.path().string(), {});
  REQUIRE(opened);
  partition& p = *opened.value();
  produce(p, 1, 3);  // [0,3)
  produce(p, 1, 2);  // [3,5)
  produce(p, 3, 4);  // [5,9)
  produce(p, 5, 1);  // [9,10)
  // The leader's current epoch ends at the high watermark.
  CHECK(end_of_epoch(p, 5, 5).value() == epoch_end{5, 10});
  CHECK(end_of_epoch(p, 1, 5).value() == epoch_end{1, 5});
  CHECK(end_of_epoch(p, 3, 5).value() == epoch_end{3, 9});
  // An epoch with no batch of its own: the floor epoch, ending where the next one starts.
  CHECK(end_of_epoch(p, 2, 5).value() == epoch_end{1, 5});
  CHECK(end_of_epoch(p, 4, 5).value() == epoch_end{3, 9});
  // Older than anything in the log: the epoch asked, ending at the first later batch.
  CHECK(end_of_epoch(p, 0, 5).value() == epoch_end{0, 0});
  // Newer than the leader's, or none: undefined.
  CHECK(end_of_epoch(p, 6, 5).value() == epoch_end{-1, -1});
  CHECK(end_of_epoch(p, -1, 5).value() == epoch_end{-1, -1});
}

TEST_CASE("standalone, epoch 0 covers the whole log") {
  temp_dir dir;
  auto opened = partition::open(dir.path().string(), {});
  REQUIRE(opened);
  partition& p = *opened.value();
  produce(p, -1, 4);  // what a Kafka producer sends: no epoch
  CHECK(end_of_epoch(p, 0, 0).value() == epoch_end{0, 4});
  CHECK(end_of_epoch(p, 1, 0).value() == epoch_end{-1, -1});
}
