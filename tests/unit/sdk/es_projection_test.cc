// cairn::es::projection without a broker: batches go in through apply_batch(), as the consumer
// loop would hand them over, so re-delivery, failures and reopening can be staged exactly.
#include <catch2/catch.hpp>

#include "cairn/es/projection.h"
#include "tests/support/temp_dir.h"

namespace {

using cairn::consumer_record;
using cairn::result;
using cairn::es::projection;
using cairn::es::projection_txn;
using cairn::testing::temp_dir;

consumer_record record(std::int32_t partition, std::int64_t offset, std::string key) {
  consumer_record r;
  r.topic = "orders";
  r.partition = partition;
  r.offset = offset;
  r.key = std::move(key);
  r.value = "v" + std::to_string(offset);
  return r;
}

// A model that notices double application: per key, how many events it has seen.
result<void> count_by_key(projection_txn& v, const consumer_record& r) {
  auto counts = v.db("counts");
  CAIRN_TRY(auto old, counts.get(*r.key));
  std::int64_t n = old ? std::stoll(std::string(*old)) : 0;
  return counts.put(*r.key, std::to_string(n + 1));
}

std::unique_ptr<projection> open(const temp_dir& dir,
                                 cairn::es::projection_apply apply = count_by_key) {
  cairn::es::projection_options o;
  o.dir = dir.path() / "model";
  o.dbs = {"counts"};
  o.partitions = {{"orders", 0}, {"orders", 1}};
  auto p = projection::open(o, std::move(apply));
  REQUIRE(p);
  return std::move(p).value();
}

std::string count_of(const projection& p, const std::string& key) {
  auto n = p.query<std::string>([&](projection_txn& v) -> result<std::string> {
    CAIRN_TRY(auto value, v.db("counts").get(key));
    return std::string(value.value_or("0"));
  });
  REQUIRE(n);
  return n.value();
}

}  // namespace

TEST_CASE("a batch is applied with its checkpoints", "[projection]") {
  temp_dir dir;
  auto p = open(dir);
  auto n = p->apply_batch({record(0, 0, "a"), record(0, 1, "b"), record(1, 0, "a")});
  REQUIRE(n);
  CHECK(n.value() == 3);
  CHECK(count_of(*p, "a") == "2");
  CHECK(count_of(*p, "b") == "1");
  auto cp = p->checkpoints();
  REQUIRE(cp);
  CHECK(cp.value().at({"orders", 0}) == 2);
  CHECK(cp.value().at({"orders", 1}) == 1);
}

TEST_CASE("records below the checkpoint are skipped (re-delivery)", "[projection]") {
  temp_dir dir;
  auto p = open(dir);
  REQUIRE(p->apply_batch({record(0, 0, "a"), record(0, 1, "a")}));
  auto n = p->apply_batch({record(0, 0, "a"), record(0, 1, "a"), record(0, 2, "a")});
  REQUIRE(n);
  CHECK(n.value() == 1);
  CHECK(count_of(*p, "a") == "3");
}

TEST_CASE("a failing apply keeps nothing of its batch", "[projection]") {
  temp_dir dir;
  auto p = open(dir, [](projection_txn& v, const consumer_record& r) -> result<void> {
    if (r.offset == 2) return std::make_error_code(std::errc::invalid_argument);
    return count_by_key(v, r);
  });
  REQUIRE(p->apply_batch({record(0, 0, "a")}));
  auto failed = p->apply_batch({record(0, 1, "a"), record(0, 2, "a")});
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == std::errc::invalid_argument);
  CHECK(count_of(*p, "a") == "1");
  auto cp = p->checkpoints();
  REQUIRE(cp);
  CHECK(cp.value().at({"orders", 0}) == 1);
}

TEST_CASE("a reopened projection keeps its model and checkpoints", "[projection]") {
  temp_dir dir;
  std::string before;
  {
    auto p = open(dir);
    REQUIRE(p->apply_batch({record(0, 0, "a"), record(1, 5, "b")}));
    auto d = p->dump();
    REQUIRE(d);
    before = d.value();
  }
  auto p = open(dir);
  auto after = p->dump();
  REQUIRE(after);
  CHECK(after.value() == before);
  CHECK(p->current_dir().filename() == "gen-000001");
  auto cp = p->checkpoints();
  REQUIRE(cp);
  CHECK(cp.value().at({"orders", 1}) == 6);
}

TEST_CASE("open removes generations CURRENT does not name", "[projection]") {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "model" / "gen-000002");  // a crashed rebuild
  auto p = open(dir);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "model" / "gen-000002"));
  CHECK(std::filesystem::exists(dir.path() / "model" / "CURRENT"));
}

TEST_CASE("open refuses an environment without room for the checkpoint db", "[projection]") {
  temp_dir dir;
  cairn::es::projection_options o;
  o.dir = dir.path() / "model";
  o.dbs = {"a", "b"};
  o.env.max_dbs = 2;
  auto p = projection::open(o, count_by_key);
  REQUIRE_FALSE(p);
  CHECK(p.error() == std::errc::invalid_argument);
}

TEST_CASE("a batch that fills the map grows it and is applied whole", "[projection]") {
  temp_dir dir;
  auto open_small = [&](std::size_t max) {
    cairn::es::projection_options o;
    o.dir = dir.path() / ("model-" + std::to_string(max));
    o.dbs = {"counts"};
    o.partitions = {{"orders", 0}};
    o.env.map_size_bytes = 64 << 10;  // 16 pages: a few hundred keys fill it
    o.map_size_max_bytes = max;
    auto p = projection::open(o, count_by_key);
    REQUIRE(p);
    return std::move(p).value();
  };
  std::vector<consumer_record> batch;
  for (int i = 0; i < 5000; ++i)
    batch.push_back(record(0, i, "key-" + std::to_string(i)));

  auto growing = open_small(std::size_t{1} << 30);
  auto applied = growing->apply_batch(batch);
  REQUIRE(applied);
  CHECK(applied.value() == 5000);
  CHECK(count_of(*growing, "key-4999") == "1");
  CHECK(growing->checkpoints().value().at({"orders", 0}) == 5000);

  // With growth capped below what the batch needs, map_full comes back and nothing is kept.
  auto capped = open_small(128 << 10);
  auto refused = capped->apply_batch(batch);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == cairn::lmdb::condition::map_full);
  CHECK(count_of(*capped, "key-0") == "0");
}
