#include "broker/partition/producer_id_allocator.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "cairn/protocol/errc.h"
#include "tests/support/temp_dir.h"

using cairn::broker::producer_id_allocator;
using cairn::broker::producer_id_block;
using cairn::broker::producer_identity_grant;
using cairn::testing::temp_dir;

namespace {

std::unique_ptr<producer_id_allocator> open_allocator(const temp_dir& dir,
                                                      std::int64_t block_size = 10) {
  auto a = producer_id_allocator::open({.dir = dir.path().string(), .block_size = block_size});
  REQUIRE(a);
  return std::move(a.value());
}

std::string file_text(const temp_dir& dir) {
  std::ifstream in(dir / "producer_ids");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("producer ids are consecutive within a block and persisted before use") {
  temp_dir dir;
  auto a = open_allocator(dir);
  CHECK(a->used_end() == 0);
  CHECK(a->allocate().value() == 0);
  // The whole block is on disk before its first id was returned.
  CHECK(file_text(dir) == "1 10\n");
  for (std::int64_t i = 1; i < 10; ++i)
    CHECK(a->allocate().value() == i);
  CHECK(file_text(dir) == "1 10\n");
  CHECK(a->allocate().value() == 10);  // the next block
  CHECK(file_text(dir) == "1 20\n");
  CHECK(a->used_end() == 20);
}

TEST_CASE("a reopened allocator never hands out an id it may have handed out before") {
  temp_dir dir;
  std::set<std::int64_t> seen;
  for (int restart = 0; restart < 4; ++restart) {
    auto a = open_allocator(dir);
    for (int i = 0; i < 3 + restart * 7; ++i) {
      auto id = a->allocate();
      REQUIRE(id);
      CHECK(seen.insert(id.value()).second);
    }
  }
  // Each restart skips the rest of its block: the ids start at block boundaries.
  auto a = open_allocator(dir);
  CHECK(a->allocate().value() % 10 == 0);
}

TEST_CASE("a damaged producer id file is refused, not guessed at") {
  temp_dir dir;
  for (const char* text : {"", "1\n", "2 10\n", "1 -5\n", "1 10", "1 10\nx", "1 abc\n"}) {
    std::ofstream(dir / "producer_ids", std::ios::trunc) << text;
    CHECK_FALSE(producer_id_allocator::open({.dir = dir.path().string()}));
  }
  std::ofstream(dir / "producer_ids", std::ios::trunc) << "1 12345\n";
  auto a = producer_id_allocator::open({.dir = dir.path().string()});
  REQUIRE(a);
  CHECK(a.value()->allocate().value() == 12345);
}

TEST_CASE("blocks from a source (the controller) are used above what was used locally") {
  temp_dir dir;
  std::vector<std::int64_t> asked;
  std::int64_t next_grant = 5000;
  auto source = [&](std::int64_t at_least,
                    std::chrono::milliseconds) -> cairn::result<producer_id_block> {
    asked.push_back(at_least);
    producer_id_block b{std::max(next_grant, at_least), 3};
    next_grant = b.end() + 100;  // another broker took the ids between
    return b;
  };
  {
    auto a = producer_id_allocator::open({.dir = dir.path().string(), .source = source});
    REQUIRE(a);
    CHECK(a.value()->allocate().value() == 5000);
    CHECK(a.value()->allocate().value() == 5001);
    CHECK(a.value()->allocate().value() == 5002);
    CHECK(a.value()->allocate().value() == 5103);
    CHECK(asked == std::vector<std::int64_t>{0, 5003});
    CHECK(file_text(dir) == "1 5106\n");
  }
  // After a restart the source is asked for ids above the last block taken, even if it still
  // names that block as this broker's (its state may lag behind).
  next_grant = 0;
  auto a = producer_id_allocator::open({.dir = dir.path().string(), .source = source});
  REQUIRE(a);
  CHECK(a.value()->allocate().value() == 5106);
  CHECK(asked.back() == 5106);
}

TEST_CASE("a source's refusal is the allocation's error, and nothing is used up") {
  temp_dir dir;
  bool refuse = true;
  auto source = [&](std::int64_t at_least,
                    std::chrono::milliseconds) -> cairn::result<producer_id_block> {
    if (refuse) return cairn::protocol::make_error_code(cairn::protocol::errc::not_controller);
    return producer_id_block{at_least, 2};
  };
  auto a = producer_id_allocator::open({.dir = dir.path().string(), .source = source});
  REQUIRE(a);
  auto failed = a.value()->allocate();
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == cairn::protocol::errc::not_controller);
  CHECK(a.value()->used_end() == 0);
  refuse = false;
  CHECK(a.value()->allocate().value() == 0);
}

TEST_CASE("InitProducerId bumps the epoch of the identity it handed out (KIP-360)") {
  temp_dir dir;
  auto a = open_allocator(dir);
  auto first = a->init(-1, -1).value();
  CHECK(first == producer_identity_grant{0, 0});
  // The current identity: same id, next epoch.
  CHECK(a->init(0, 0).value() == producer_identity_grant{0, 1});
  CHECK(a->init(0, 1).value() == producer_identity_grant{0, 2});
  // A stale epoch, or an id this broker does not know: a new id, as Kafka answers.
  CHECK(a->init(0, 1).value() == producer_identity_grant{1, 0});
  CHECK(a->init(777, 0).value() == producer_identity_grant{2, 0});
  // A new producer each time without an identity.
  CHECK(a->init(-1, -1).value() == producer_identity_grant{3, 0});
}

TEST_CASE("a spent epoch gets a new producer id") {
  temp_dir dir;
  auto a = open_allocator(dir);
  auto g = a->init(-1, -1).value();
  for (int i = 0; i < 32766 - 1; ++i)
    g = a->init(g.producer_id, g.epoch).value();
  CHECK(g == producer_identity_grant{0, 32766 - 1});
  g = a->init(g.producer_id, g.epoch).value();
  CHECK(g == producer_identity_grant{0, 32766});
  // Epoch 32766 is spent (Kafka: isEpochExhausted at Short.MAX_VALUE - 1): a new id.
  CHECK(a->init(g.producer_id, g.epoch).value() == producer_identity_grant{1, 0});
}

TEST_CASE("remembered epochs are bounded: the oldest identities are forgotten") {
  temp_dir dir;
  auto a =
      producer_id_allocator::open({.dir = dir.path().string(), .block_size = 100, .epochs_max = 2});
  REQUIRE(a);
  auto& alloc = *a.value();
  auto p0 = alloc.init(-1, -1).value();
  auto p1 = alloc.init(-1, -1).value();
  auto p2 = alloc.init(-1, -1).value();
  CHECK(alloc.init(p2.producer_id, 0).value() == producer_identity_grant{p2.producer_id, 1});
  CHECK(alloc.init(p1.producer_id, 0).value() == producer_identity_grant{p1.producer_id, 1});
  // p0 was forgotten: it gets a new id.
  CHECK(alloc.init(p0.producer_id, 0).value().producer_id == 3);
}
