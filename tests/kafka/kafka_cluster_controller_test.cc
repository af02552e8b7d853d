// What only the controller may decide, asked through any broker of a three-broker cluster:
//   - producer ids (InitProducerId through the native port, and librdkafka idempotent producers
//     through the Kafka port): every broker hands out ids no other broker handed out, across
//     many blocks (--producer-id-block-size 10), after the controller's SIGKILL, and on a broker
//     restarted with an empty data directory under the same node id;
//   - topic configs: AlterConfigs (librdkafka, sent to a broker that is not the controller) and
//     IncrementalAlterConfigs (@platformatic/kafka, bootstrapped at that broker alone) apply,
//     and DescribeConfigs through every broker reads them back.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/test_cluster.h"
#include "tests/kafka/rdkafka_support.h"
#include "tests/kafka/stored_batches.h"
#include "tests/support/command.h"
#include "tests/support/wire_client.h"

using namespace cairn::testing;
using namespace std::chrono_literals;

namespace {

// The controller as the cluster reports it (waits until there is one and `brokers` are alive).
int controller_of(test_cluster& cluster, cairn::client& c, std::size_t brokers) {
  int controller = -1;
  REQUIRE(cluster.wait_for(c, [&](const cairn::cluster_description& d) {
    controller = d.controller_id;
    return all_alive(d, static_cast<int>(brokers));
  }));
  return controller;
}

// `count` new producer ids from broker `id`, each by a native InitProducerId on its own port.
std::vector<std::int64_t> ids_from(test_cluster& cluster, int id, int count) {
  wire_client w(cluster.broker(id).port());
  std::vector<std::int64_t> ids;
  for (int i = 0; i < count; ++i) {
    auto r = w.call([](auto request) { request.initInitProducerId(); });
    INFO("broker " << id << ": " << r.root().getErrorMessage().cStr());
    REQUIRE(r.root().getErrorCode() == cairn::protocol::wire::ErrorCode::NONE);
    REQUIRE(r.kind() == cairn::protocol::wire::Response::INIT_PRODUCER_ID);
    ids.push_back(r.root().getInitProducerId().getProducerId());
    CHECK(r.root().getInitProducerId().getProducerEpoch() == 0);
  }
  return ids;
}

// Adds `ids` to `seen`, failing on any id handed out before.
void all_new(std::set<std::int64_t>& seen, const std::vector<std::int64_t>& ids,
             const std::string& from) {
  for (std::int64_t id : ids) {
    INFO(from << ": producer id " << id);
    CHECK(id >= 0);
    CHECK(seen.insert(id).second);
  }
}

// The producer ids of the data batches partition 0 of `topic` holds in `data_dir` (Raft's own
// entries carry none; a preallocated or torn tail ends the read).
std::vector<std::int64_t> stored_producer_ids(const std::string& data_dir,
                                              const std::string& topic) {
  std::vector<std::int64_t> ids;
  for (const auto& h : cairn::testing::read_stored_batches(data_dir, topic).headers) {
    if (h.producer_id >= 0) ids.push_back(h.producer_id);
  }
  return ids;
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++*static_cast<int*>(opaque);
}

// One record through a librdkafka idempotent producer that knows only broker `id`'s Kafka port
// at first (its InitProducerId goes there), delivered before return.
void produce_idempotent(test_cluster& cluster, int id, const std::string& topic) {
  int failed = 0;
  auto rk =
      rdkafka_client(RD_KAFKA_PRODUCER, cluster.kafka_proxy(id).address(),
                     {{"enable.idempotence", "true"}, {"linger.ms", "0"}}, on_delivery, &failed);
  const std::string value = "from broker " + std::to_string(id);
  REQUIRE(rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(rd_kafka_flush(rk.get(), 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(failed == 0);
}

// The admin client with the config calls this test makes through one chosen broker.
struct admin_client : rdkafka_admin {
  using rdkafka_admin::rdkafka_admin;

  // DescribeConfigs of `topic` through `broker`: every config's name and value. `settled`: the
  // broker must know the topic; else an error (a broker whose view has not yet applied the
  // topic's creation answers UNKNOWN_TOPIC_OR_PARTITION for a moment) reads as no configs.
  std::map<std::string, std::string> describe(int broker, const std::string& topic,
                                              bool settled = true) const {
    rd_kafka_ConfigResource_t* res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    rd_kafka_DescribeConfigs(rk.get(), &res, 1, options(broker).get(), queue.get());
    rd_kafka_ConfigResource_destroy(res);
    auto e = result(RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
    std::size_t count = 0;
    const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(e.get()), &count);
    REQUIRE(count == 1);
    INFO(rd_kafka_ConfigResource_error_string(resources[0]));
    if (!settled && rd_kafka_ConfigResource_error(resources[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return {};
    }
    REQUIRE(rd_kafka_ConfigResource_error(resources[0]) == RD_KAFKA_RESP_ERR_NO_ERROR);
    std::size_t n = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &n);
    std::map<std::string, std::string> configs;
    for (std::size_t i = 0; i < n; ++i) {
      const char* value = rd_kafka_ConfigEntry_value(entries[i]);
      configs[rd_kafka_ConfigEntry_name(entries[i])] = value ? value : "<null>";
    }
    return configs;
  }

  // AlterConfigs (API key 33: the whole set) of `topic` through `broker`.
  void alter(int broker, const std::string& topic,
             const std::vector<std::pair<std::string, std::string>>& configs) const {
    rd_kafka_ConfigResource_t* res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    for (const auto& [name, value] : configs) {
      REQUIRE(rd_kafka_ConfigResource_set_config(res, name.c_str(), value.c_str()) ==
              RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    rd_kafka_AlterConfigs(rk.get(), &res, 1, options(broker).get(), queue.get());
    rd_kafka_ConfigResource_destroy(res);
    auto e = result(RD_KAFKA_EVENT_ALTERCONFIGS_RESULT);
    std::size_t count = 0;
    const rd_kafka_ConfigResource_t** resources =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(e.get()), &count);
    REQUIRE(count == 1);
    INFO(rd_kafka_ConfigResource_error_string(resources[0]));
    REQUIRE(rd_kafka_ConfigResource_error(resources[0]) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
};

// Every broker's DescribeConfigs shows `name` = `value` (a broker applies the controller's log a
// moment after the controller: a bounded poll, as there is no event a client can wait on).
void read_back_everywhere(const admin_client& a, const std::string& topic, const std::string& name,
                          const std::string& value) {
  for (int broker = 1; broker <= 3; ++broker) {
    INFO("through broker " << broker << ": " << name);
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      seen = a.describe(broker, topic, /*settled=*/false)[name];
      if (seen == value) break;
      std::this_thread::sleep_for(50ms);
    }
    CHECK(seen == value);
  }
}

}  // namespace

TEST_CASE(
    "producer ids stay unique through every broker and a controller's SIGKILL and a wiped disk",
    "[cluster]") {
  test_cluster cluster(3, {"--producer-id-block-size", "10"});
  auto client = cluster.connect();
  const int first_controller = controller_of(cluster, *client, 3);
  std::set<std::int64_t> seen;

  // Native InitProducerId through each broker, three blocks' worth each: every grant comes from
  // the controller's log, so the blocks interleave without overlapping, from 0 up.
  for (int id = 1; id <= 3; ++id) {
    auto ids = ids_from(cluster, id, 25);
    all_new(seen, ids, "broker " + std::to_string(id));
    for (std::int64_t pid : ids)
      CHECK(pid < 1'000);  // granted by the controller (not a range of the node's own)
  }

  // librdkafka's idempotent producers, one bootstrapped at each broker's Kafka port.
  cairn::admin admin(*client);
  auto created = admin.create_topic("ids", {.partitions = 1, .replication_factor = 3});
  if (!created) FAIL("create_topic: " << created.error().message());
  for (int id = 1; id <= 3; ++id)
    produce_idempotent(cluster, id, "ids");
  // Every replica holds every batch (acks=all answered once a majority did: a bounded poll for
  // the third, as a follower's log has no event a test can wait on).
  std::vector<std::int64_t> stored;
  const auto stored_by = std::chrono::steady_clock::now() + 10s;
  while (stored.size() < 3 && std::chrono::steady_clock::now() < stored_by) {
    stored = stored_producer_ids(cluster.data_dir(first_controller), "ids");
    if (stored.size() < 3) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(stored.size() == 3);
  all_new(seen, stored, "librdkafka");

  // The controller dies: the others get new blocks from the next controller.
  cluster.kill(first_controller);
  const int second_controller = controller_of(cluster, *client, 2);
  CHECK(second_controller != first_controller);
  for (int id = 1; id <= 3; ++id) {
    if (id == first_controller) continue;
    all_new(seen, ids_from(cluster, id, 25), "after the SIGKILL, broker " + std::to_string(id));
  }
  cluster.restart(first_controller);
  const int third_controller = controller_of(cluster, *client, 3);

  // A broker that is not the controller loses its disk and comes back under its node id: its
  // own file is gone, the controller's log is not.
  int wiped = 1;
  while (wiped == third_controller)
    ++wiped;
  cluster.kill(wiped);
  for (const auto& e : std::filesystem::directory_iterator(cluster.data_dir(wiped)))
    std::filesystem::remove_all(e.path());
  cluster.restart(wiped);
  controller_of(cluster, *client, 3);
  all_new(seen, ids_from(cluster, wiped, 25), "wiped broker " + std::to_string(wiped));
  for (int id = 1; id <= 3; ++id)
    all_new(seen, ids_from(cluster, id, 5), "at last, broker " + std::to_string(id));
}

TEST_CASE("config alters through a broker that is not the controller apply everywhere",
          "[cluster]") {
  test_cluster cluster(3);
  auto client = cluster.connect();
  const int controller = controller_of(cluster, *client, 3);
  const int other = controller == 1 ? 2 : 1;
  cairn::admin admin(*client);
  auto created = admin.create_topic("configs", {.partitions = 2, .replication_factor = 3});
  if (!created) FAIL("create_topic: " << created.error().message());
  admin_client a(cluster.kafka_bootstrap());

  // AlterConfigs, sent to the broker that is not the controller (Kafka's clients send it to
  // any broker).
  a.alter(other, "configs", {{"retention.ms", "12345"}, {"cleanup.policy", "compact"}});
  CHECK(a.describe(other, "configs")["retention.ms"] == "12345");  // at once, where it was sent
  read_back_everywhere(a, "configs", "retention.ms", "12345");
  read_back_everywhere(a, "configs", "cleanup.policy", "compact");

  // IncrementalAlterConfigs from @platformatic/kafka, which knows only that broker: one config
  // set, the others kept.
  REQUIRE(std::string(CAIRN_NODE_PATH) != "");  // CMake found no node: run scripts/setup
  auto r = run_command({CAIRN_NODE_PATH, std::string(CAIRN_NODE_SCRIPTS) + "/incremental_alter.mjs",
                        cluster.kafka_proxy(other).address(), "configs", "retention.ms", "777"},
                       {}, 60s);
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
  read_back_everywhere(a, "configs", "retention.ms", "777");
  read_back_everywhere(a, "configs", "cleanup.policy", "compact");

  // Two clients alter two configs at once through the two brokers that are not the controller,
  // each computing from the topic as its broker knows it: the compare-and-set makes the loser of
  // each race compute again, so neither change undoes the other (last values of both stay).
  const int third = 6 - controller - other;
  auto alters = [&](int broker, const std::string& name, const std::string& values) {
    return run_command({CAIRN_NODE_PATH, std::string(CAIRN_NODE_SCRIPTS) + "/incremental_alter.mjs",
                        cluster.kafka_proxy(broker).address(), "configs", name, values},
                       {}, 120s);
  };
  std::string ms, bytes;
  for (int i = 1; i <= 15; ++i) {
    ms += (i > 1 ? "," : "") + std::to_string(1000 + i);
    bytes += (i > 1 ? "," : "") + std::to_string(100000 + i);
  }
  command_result by_other;
  std::thread racer([&] { by_other = alters(other, "retention.ms", ms); });
  const command_result by_third = alters(third, "retention.bytes", bytes);
  racer.join();
  INFO("retention.ms through " << other << ":\n" << by_other.out << by_other.err);
  INFO("retention.bytes through " << third << ":\n" << by_third.out << by_third.err);
  REQUIRE(by_other.exit_code == 0);
  REQUIRE(by_third.exit_code == 0);
  read_back_everywhere(a, "configs", "retention.ms", "1015");
  read_back_everywhere(a, "configs", "retention.bytes", "100015");
  read_back_everywhere(a, "configs", "cleanup.policy", "compact");
}

TEST_CASE("controller requests are refused from outside the cluster and by a non-controller",
          "[cluster]") {
  test_cluster cluster(3);
  auto client = cluster.connect();
  const int controller = controller_of(cluster, *client, 3);
  const int other = controller == 1 ? 2 : 1;
  using cairn::protocol::wire::ErrorCode;
  auto ask = [&](int broker, const std::string& cluster_id, int from, std::int64_t count) {
    wire_client w(cluster.broker(broker).port());
    return w.call([&](auto request) {
      auto a = request.initAllocateProducerIds();
      a.setClusterId(cluster_id);
      a.setFromNode(from);
      a.setCount(count);
      a.setAtLeast(0);
    });
  };
  // Another cluster, a node outside the map, the receiver itself, a count out of bounds.
  CHECK(ask(controller, "elsewhere", other, 10).root().getErrorCode() ==
        ErrorCode::INVALID_REQUEST);
  CHECK(ask(controller, "cairn", 99, 10).root().getErrorCode() == ErrorCode::INVALID_REQUEST);
  CHECK(ask(controller, "cairn", controller, 10).root().getErrorCode() ==
        ErrorCode::INVALID_REQUEST);
  CHECK(ask(controller, "cairn", other, 0).root().getErrorCode() == ErrorCode::INVALID_REQUEST);
  CHECK(ask(controller, "cairn", other, (1 << 20) + 1).root().getErrorCode() ==
        ErrorCode::INVALID_REQUEST);
  // A broker that is not the controller says so; the controller grants.
  const int third = 6 - controller - other;
  CHECK(ask(other, "cairn", third, 10).root().getErrorCode() == ErrorCode::NOT_CONTROLLER);
  auto granted = ask(controller, "cairn", other, 10);
  REQUIRE(granted.root().getErrorCode() == ErrorCode::NONE);
  CHECK(granted.root().getAllocateProducerIds().getCount() == 10);
  CHECK(granted.root().getAllocateProducerIds().getFirstId() >= 0);

  // A forwarded alter that is not JSON, or not an alter with a version, is refused.
  wire_client w(cluster.broker(controller).port());
  for (std::string command :
       {std::string("not json"), std::string(R"({"v":1,"type":"delete_topic","name":"x"})")}) {
    auto r = w.call([&](auto request) {
      auto a = request.initAlterTopic();
      a.setClusterId("cairn");
      a.setFromNode(other);
      a.setCommand(command);
    });
    INFO(command);
    CHECK(r.root().getErrorCode() == ErrorCode::INVALID_REQUEST);
  }
}
