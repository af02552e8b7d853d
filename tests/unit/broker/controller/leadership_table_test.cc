#include "broker/controller/leadership_table.h"

#include <catch2/catch.hpp>

#include "broker/controller/broker_liveness.h"

using namespace cairn::broker::controller;
using cairn::log_offset;
using cairn::raft::node_id;
using cairn::raft::partition_leadership;
using cairn::raft::term_id;

namespace {

partition_leadership lead(std::int32_t leader, std::int64_t epoch, std::int64_t hw = 0) {
  partition_leadership p;
  p.topic = "orders";
  p.partition = 0;
  p.leader = node_id{leader};
  p.epoch = term_id{epoch};
  p.replicas = {node_id{1}, node_id{2}, node_id{3}};
  p.isr = {node_id{1}, node_id{2}};
  p.high_watermark = log_offset{hw};
  p.replica_states = {{node_id{leader}, log_offset{hw}, 0, true}};
  return p;
}

}  // namespace

TEST_CASE("leadership: a newer epoch wins, an older one is stale", "[controller]") {
  leadership_table t;
  CHECK(t.update(node_id{2}, lead(2, 5), 100));
  CHECK_FALSE(t.update(node_id{1}, lead(1, 4), 110));  // an old leader still gossiping
  CHECK(t.find({"orders", 0})->leader == node_id{2});
  CHECK(t.update(node_id{3}, lead(3, 6), 120));
  CHECK(t.find({"orders", 0})->leader == node_id{3});
  CHECK(t.find({"orders", 0})->epoch == term_id{6});
  CHECK(t.find({"orders", 1}) == nullptr);
  CHECK(t.find({"other", 0}) == nullptr);
}

TEST_CASE("leadership: the same epoch refreshes, the leader's own report is preferred",
          "[controller]") {
  leadership_table t;
  // A local follower knows the leader but not the followers' progress.
  auto from_follower = lead(2, 5, 10);
  from_follower.replica_states.clear();
  CHECK(t.update(node_id{1}, from_follower, 100));
  CHECK(t.update(node_id{2}, lead(2, 5, 20), 110));  // the leader's gossip replaces it
  CHECK(t.find({"orders", 0})->replica_states.size() == 1);
  CHECK_FALSE(t.update(node_id{1}, from_follower, 120));  // and the follower does not undo that
  CHECK(t.find({"orders", 0})->high_watermark == log_offset{20});
  CHECK(t.update(node_id{2}, lead(2, 5, 30), 130));  // fresher offsets from the leader
  CHECK(t.find({"orders", 0})->high_watermark == log_offset{30});
  CHECK_FALSE(t.update(node_id{3}, lead(3, 5), 140));  // two leaders in one epoch: the first stands
  CHECK(t.find({"orders", 0})->leader == node_id{2});
}

TEST_CASE("leadership: entries nobody refreshes expire; deleted topics go at once",
          "[controller]") {
  leadership_table t;
  REQUIRE(t.update(node_id{2}, lead(2, 5), 1'000));
  auto other = lead(3, 1);
  other.topic = "payments";
  REQUIRE(t.update(node_id{3}, other, 1'500));
  CHECK(t.expire(2'000, 1'000) == 0);  // exactly at the limit: kept
  CHECK(t.expire(2'001, 1'000) == 1);  // orders/0 was last refreshed at 1000
  CHECK(t.find({"orders", 0}) == nullptr);
  CHECK(t.size() == 1);
  // Once dropped, any report is taken again, even an older epoch (a leader that came back).
  CHECK(t.update(node_id{1}, lead(1, 4), 2'100));
  t.remove_topic("payments");
  CHECK(t.find({"payments", 0}) == nullptr);
  CHECK(t.entries().size() == 1);
}

TEST_CASE("liveness: alive when heard from recently", "[controller]") {
  broker_liveness live({1, 2, 3}, 3'000);
  CHECK_FALSE(live.alive(2, 0));
  CHECK(live.last_seen_ms_ago(2, 0) == -1);
  live.heard_from(2, 10'000);
  live.heard_from(9, 10'000);  // not a member: ignored
  live.heard_from(2, 9'000);   // out of order: never goes back
  CHECK(live.alive(2, 13'000));
  CHECK(live.last_seen_ms_ago(2, 12'500) == 2'500);
  CHECK_FALSE(live.alive(2, 13'001));
  CHECK_FALSE(live.alive(9, 10'000));
  CHECK(live.last_seen_ms_ago(9, 10'000) == -1);
}
