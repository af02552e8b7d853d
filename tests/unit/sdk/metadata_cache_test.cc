#include "sdk/client/metadata_cache.h"

#include <catch2/catch.hpp>

#include "protocol/wire_errc.h"
#include "protocol/frame.h"
#include "sdk/client/backoff.h"
#include "cairn/errc.h"

namespace {

using namespace cairn;
namespace wire = protocol::wire;

// A Metadata response for one broker and one topic with `partitions` partitions, all led by
// node 7; partition 1 is leaderless when `leaderless` is set.
cluster_info sample(int partitions, bool leaderless = false) {
  protocol::frame_writer w;
  auto m = w.init_response(1).initMetadata();
  auto b = m.initBrokers(1)[0];
  b.setNodeId(7);
  b.setHost("127.0.0.1");
  b.setPort(9092);
  m.setClusterId("c1");
  auto topics = m.initTopics(2);
  topics[0].setName("orders");
  auto parts = topics[0].initPartitions(static_cast<unsigned>(partitions));
  for (int i = 0; i < partitions; ++i) {
    parts[static_cast<unsigned>(i)].setPartition(i);
    parts[static_cast<unsigned>(i)].setLeader(leaderless && i == 1 ? -1 : 7);
    parts[static_cast<unsigned>(i)].setHighWatermark(10 * i);
  }
  topics[1].setName("missing");
  topics[1].setErrorCode(wire::ErrorCode::UNKNOWN_TOPIC);
  auto frame = w.finish().value();
  auto parsed = protocol::parse_response(std::move(frame)).value();
  return sdk::to_cluster_info(parsed.root().getMetadata());
}

}  // namespace

TEST_CASE("parse_address accepts host:port and refuses the rest", "[sdk][metadata]") {
  auto a = sdk::parse_address("127.0.0.1:9092");
  REQUIRE(a);
  CHECK(a.value().host == "127.0.0.1");
  CHECK(a.value().port == 9092);
  auto v6 = sdk::parse_address("[::1]:19092");
  REQUIRE(v6);
  CHECK(v6.value().host == "::1");
  for (const char* bad : {"localhost", ":9092", "host:", "host:0", "host:65536", "host:12x", ""}) {
    INFO(bad);
    auto r = sdk::parse_address(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error() == sdk::errc::bad_address);
  }
}

TEST_CASE("to_cluster_info maps brokers, partitions and error codes", "[sdk][metadata]") {
  auto info = sample(3);
  CHECK(info.cluster_id == "c1");
  REQUIRE(info.brokers.size() == 1);
  CHECK(info.brokers[0].node_id == 7);
  REQUIRE(info.topics.size() == 2);
  CHECK(info.topics[0].partitions.size() == 3);
  CHECK(info.topics[0].partitions[2].high_watermark == 20);
  CHECK_FALSE(info.topics[0].error);
  CHECK(info.topics[1].error == protocol::errc::unknown_topic);
}

TEST_CASE("metadata_cache finds leaders and forgets stale or unknown topics", "[sdk][metadata]") {
  sdk::metadata_cache cache;
  CHECK_FALSE(cache.partition_count("orders"));
  cache.update(sample(3, /*leaderless=*/true));
  CHECK(cache.partition_count("orders") == 3);
  CHECK(cache.topic("missing") == nullptr);  // an error answer is not cached
  auto leader = cache.leader_for({"orders", 0});
  REQUIRE(leader);
  CHECK(leader->port == 9092);
  CHECK_FALSE(cache.leader_for({"orders", 1}));  // no leader
  CHECK_FALSE(cache.leader_for({"orders", 3}));  // no such partition
  CHECK_FALSE(cache.leader_for({"orders", -1}));
  cache.mark_stale("orders");
  CHECK_FALSE(cache.leader_for({"orders", 0}));
  cache.update(sample(2));
  CHECK(cache.partition_count("orders") == 2);
  cache.clear();
  CHECK(cache.brokers().empty());
  CHECK_FALSE(cache.partition_count("orders"));
}

TEST_CASE("backoff doubles up to its cap, with at most 20 percent jitter", "[sdk][backoff]") {
  sdk::backoff_policy p{.initial_ms = 50, .max_ms = 1'000};
  std::mt19937_64 rng(42);
  for (int i = 0; i < 100; ++i) {
    auto first = p.delay_ms(1, rng);
    CHECK(first <= 50);
    CHECK(first >= 40);
    auto third = p.delay_ms(3, rng);
    CHECK(third <= 200);
    CHECK(third >= 160);
    auto late = p.delay_ms(1'000'000, rng);
    CHECK(late <= 1'000);
    CHECK(late >= 800);
  }
}

TEST_CASE("metadata carries the controller and each partition's replicas", "[sdk][metadata]") {
  protocol::frame_writer w;
  auto m = w.init_response(1).initMetadata();
  auto brokers = m.initBrokers(2);
  brokers[0].setNodeId(1);
  brokers[0].setHost("10.0.0.1");
  brokers[0].setPort(7070);
  brokers[1].setNodeId(2);
  brokers[1].setHost("10.0.0.2");
  brokers[1].setPort(7070);
  m.setControllerId(2);
  auto p = m.initTopics(1)[0].initPartitions(1)[0];
  p.setLeader(1);
  p.setLeaderEpoch(4);
  auto replicas = p.initReplicas(2);
  replicas.set(0, 1);
  replicas.set(1, 2);
  p.initInSyncReplicas(1).set(0, 1);
  auto state = p.initReplicaStates(1)[0];
  state.setNodeId(2);
  state.setLag(17);
  auto parsed = protocol::parse_response(w.finish().value()).value();
  auto info = sdk::to_cluster_info(parsed.root().getMetadata());
  CHECK(info.controller_id == 2);
  const partition_info& part = info.topics[0].partitions[0];
  CHECK(part.leader_epoch == 4);
  CHECK(part.replicas == std::vector<std::int32_t>{1, 2});
  CHECK(part.in_sync_replicas == std::vector<std::int32_t>{1});
  REQUIRE(part.replica_states.size() == 1);
  CHECK(part.replica_states[0].lag == 17);

  sdk::metadata_cache cache;
  CHECK_FALSE(cache.controller());
  cache.update(info);
  REQUIRE(cache.controller());
  CHECK(cache.controller()->host == "10.0.0.2");
  // A topics-only answer (no brokers) keeps the controller; clear() forgets it.
  cache.update(cluster_info{});
  CHECK(cache.controller());
  cache.clear();
  CHECK_FALSE(cache.controller());
}
