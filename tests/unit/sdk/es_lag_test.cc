// The lag arithmetic shared by projections and event handlers (no broker: the bounds are given).
#include <catch2/catch.hpp>

#include "sdk/es/lag_source.h"

namespace {

using cairn::topic_partition;
using cairn::es::bounds_by_partition;

}  // namespace

TEST_CASE("lag is the high watermark minus the next offset, per partition and summed", "[lag]") {
  bounds_by_partition bounds{{{"t", 0}, {0, 10}}, {{"t", 1}, {0, 4}}, {{"u", 0}, {7, 9}}};
  std::map<topic_partition, std::int64_t> next{{{"t", 0}, 6}, {{"t", 1}, 4}};
  auto r = cairn::es::lag_between(bounds, next);
  REQUIRE(r.partitions.size() == 3);
  CHECK(r.partitions[0].partition == topic_partition{"t", 0});
  CHECK(r.partitions[0].committed == 6);
  CHECK(r.partitions[0].lag == 4);
  CHECK(r.partitions[1].lag == 0);
  // Nothing committed counts from the log start, not from 0 (retention removed the rest).
  CHECK(r.partitions[2].committed == 7);
  CHECK(r.partitions[2].lag == 2);
  CHECK(r.total == 6);
  CHECK_FALSE(r.caught_up());
  CHECK_FALSE(cairn::es::reached(bounds, next));

  next[{"t", 0}] = 10;
  next[{"u", 0}] = 12;  // past the watermark asked for: no negative lag
  auto after = cairn::es::lag_between(bounds, next);
  CHECK(after.partitions[2].lag == 0);
  CHECK(after.caught_up());
  CHECK(cairn::es::reached(bounds, next));
}
