// Metadata, DescribeTopics and DescribeCluster with and without a cluster view. No broker runs
// in cluster mode yet, so the view is a fake; the topic manager is real (standalone answers).
#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "broker/handlers/handlers.h"
#include "protocol/frame.h"
#include "tests/support/temp_dir.h"

using namespace cairn::broker;
using namespace cairn::broker::controller;
using cairn::raft::node_id;
using cairn::testing::temp_dir;
namespace raft = cairn::raft;
namespace wire = cairn::protocol::wire;

namespace {

class fake_view final : public cluster_view {
 public:
  std::vector<broker_status> brokers() const override {
    return {{1, "10.0.0.1", 7070, true, 10},
            {2, "10.0.0.2", 7070, true, 20},
            {3, "10.0.0.3", 7070, false, 9'000}};
  }
  std::int32_t controller_id() const override { return 2; }
  std::vector<topic_config> topics() const override {
    return {{.name = "__consumer_offsets", .partitions = 1, .replication_factor = 3},
            {.name = "orders", .partitions = 2, .replication_factor = 3}};
  }
  std::optional<topic_config> topic(std::string_view name) const override {
    for (auto& t : topics()) {
      if (t.name == name) return t;
    }
    return std::nullopt;
  }
  std::optional<raft::partition_leadership> partition(std::string_view topic,
                                                      std::int32_t id) const override {
    if (topic == "orders" && id == 1) {
      // Assigned, but no leader known: an election is running.
      raft::partition_leadership p;
      p.topic = "orders";
      p.partition = 1;
      p.replicas = {node_id{3}, node_id{1}, node_id{2}};
      return p;
    }
    raft::partition_leadership p;
    p.topic = std::string(topic);
    p.partition = id;
    p.leader = node_id{2};
    p.epoch = raft::term_id{7};
    p.replicas = {node_id{2}, node_id{3}, node_id{1}};
    p.isr = {node_id{2}, node_id{1}};
    p.log_start = cairn::log_offset{0};
    p.high_watermark = cairn::log_offset{40};
    p.log_end = cairn::log_offset{42};
    p.replica_states = {{node_id{2}, cairn::log_offset{42}, 0, true},
                        {node_id{3}, cairn::log_offset{10}, 32, false},
                        {node_id{1}, cairn::log_offset{41}, 1, true}};
    return p;
  }
};

struct fixture {
  temp_dir dir;
  std::unique_ptr<topic_manager> topics;
  broker_identity self{.node_id = 1, .host = "127.0.0.1", .port = 7070};
  std::unique_ptr<handler_context> ctx;

  fixture() {
    auto m = topic_manager::open({.data_dir = dir.path().string()});
    REQUIRE(m);
    topics = std::move(m).value();
    REQUIRE(topics->create({.name = "local", .partitions = 2}));
    ctx = std::make_unique<handler_context>(handler_context{*topics, self});
  }
  ~fixture() { (void)topics->close(); }
};

cairn::protocol::parsed_response parse(cairn::protocol::frame f) {
  auto parsed = cairn::protocol::parse_response(std::move(f));
  REQUIRE(parsed);
  return std::move(parsed).value();
}

cairn::protocol::parsed_response metadata(handler_context& ctx) {
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<wire::MetadataRequest>();
  request.setAllTopics(true);
  return parse(handle_metadata(ctx, 1, request.asReader()));
}

cairn::protocol::parsed_response describe_cluster(handler_context& ctx) {
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<wire::DescribeClusterRequest>();
  return parse(handle_describe_cluster(ctx, 2, request.asReader()));
}

template <class List>
std::vector<std::int32_t> ids(List list) {
  std::vector<std::int32_t> out;
  for (auto id : list)
    out.push_back(id);
  return out;
}

}  // namespace

TEST_CASE("standalone: metadata and describe-cluster name this broker for everything",
          "[controller]") {
  fixture f;
  auto m = metadata(*f.ctx);
  auto md = m.root().getMetadata();
  REQUIRE(md.getBrokers().size() == 1);
  CHECK(md.getControllerId() == 1);
  REQUIRE(md.getTopics().size() == 1);
  auto p = md.getTopics()[0].getPartitions()[1];
  CHECK(p.getLeader() == 1);
  CHECK(ids(p.getReplicas()) == std::vector<std::int32_t>{1});
  CHECK(ids(p.getInSyncReplicas()) == std::vector<std::int32_t>{1});

  auto d = describe_cluster(*f.ctx);
  auto dc = d.root().getDescribeCluster();
  CHECK(dc.getControllerId() == 1);
  CHECK(std::string(dc.getClusterId().cStr()) == "cairn");
  REQUIRE(dc.getBrokers().size() == 1);
  CHECK(dc.getBrokers()[0].getAlive());
  CHECK(dc.getBrokers()[0].getPort() == 7070);
  REQUIRE(dc.getTopics().size() == 1);
  auto dp = dc.getTopics()[0].getPartitions()[0];
  CHECK(dp.getLeader() == 1);
  REQUIRE(dp.getReplicaStates().size() == 1);
  CHECK(dp.getReplicaStates()[0].getInSync());
  CHECK(dp.getReplicaStates()[0].getLag() == 0);
}

TEST_CASE("cluster mode: metadata lists every broker and takes leaders from the view",
          "[controller]") {
  fixture f;
  fake_view view;
  f.ctx->cluster = &view;
  auto m = metadata(*f.ctx);
  auto md = m.root().getMetadata();
  REQUIRE(md.getBrokers().size() == 3);
  CHECK(std::string(md.getBrokers()[2].getHost().cStr()) == "10.0.0.3");
  CHECK(md.getControllerId() == 2);
  // The controller's topics, not the local ones; internal topics left out of "all topics".
  REQUIRE(md.getTopics().size() == 1);
  auto t = md.getTopics()[0];
  CHECK(std::string(t.getName().cStr()) == "orders");
  REQUIRE(t.getPartitions().size() == 2);
  auto p0 = t.getPartitions()[0];
  CHECK(p0.getErrorCode() == wire::ErrorCode::NONE);
  CHECK(p0.getLeader() == 2);
  CHECK(p0.getLeaderEpoch() == 7);
  CHECK(ids(p0.getReplicas()) == std::vector<std::int32_t>{2, 3, 1});
  CHECK(ids(p0.getInSyncReplicas()) == std::vector<std::int32_t>{2, 1});
  CHECK(p0.getHighWatermark() == 40);
  CHECK(p0.getReplicaStates().size() == 3);
  auto p1 = t.getPartitions()[1];
  CHECK(p1.getErrorCode() == wire::ErrorCode::LEADER_NOT_AVAILABLE);
  CHECK(p1.getLeader() == -1);
  CHECK(p1.getLeaderEpoch() == -1);  // term 0: no epoch known yet
  CHECK(p1.getHighWatermark() == -1);
  CHECK(ids(p1.getReplicas()) == std::vector<std::int32_t>{3, 1, 2});

  // DescribeTopics: the same, with the controller's config; a local-only topic is unknown.
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<wire::DescribeTopicsRequest>();
  auto names = request.initNames(2);
  names.set(0, "orders");
  names.set(1, "local");
  auto r = parse(handle_describe_topics(*f.ctx, 3, request.asReader()));
  auto topics = r.root().getDescribeTopics().getTopics();
  REQUIRE(topics.size() == 2);
  CHECK(topics[0].getConfig().getReplicationFactor() == 3);
  CHECK(topics[0].getPartitions()[0].getLeader() == 2);
  CHECK(topics[1].getErrorCode() == wire::ErrorCode::UNKNOWN_TOPIC);
}

TEST_CASE("cluster mode: describe-cluster reports liveness, controller and lag", "[controller]") {
  fixture f;
  fake_view view;
  f.ctx->cluster = &view;
  auto d = describe_cluster(*f.ctx);
  auto dc = d.root().getDescribeCluster();
  CHECK(dc.getControllerId() == 2);
  REQUIRE(dc.getBrokers().size() == 3);
  CHECK_FALSE(dc.getBrokers()[2].getAlive());
  CHECK(dc.getBrokers()[2].getLastSeenMsAgo() == 9'000);
  REQUIRE(dc.getTopics().size() == 2);  // internal topics included
  CHECK(std::string(dc.getTopics()[0].getName().cStr()) == "__consumer_offsets");
  auto states = dc.getTopics()[1].getPartitions()[0].getReplicaStates();
  REQUIRE(states.size() == 3);
  CHECK(states[1].getNodeId() == 3);
  CHECK(states[1].getLag() == 32);
  CHECK_FALSE(states[1].getInSync());
}
