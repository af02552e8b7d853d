// The Kafka front end of a three-broker cluster, with librdkafka: Metadata through any broker
// names every broker's Kafka address and each partition's leader; an idempotent producer with
// acks=all keeps producing while the leader of its partition is killed with SIGKILL, follows the
// new leader on its own, and every acknowledged record is read back exactly once. A LogAppendTime
// topic (created through the native admin API, so through the controller's topic record): the
// leader stamps each batch once, and after it is killed the new leader serves the same stamps.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "cairn/admin.h"
#include "tests/cluster/test_cluster.h"
#include "tests/support/command.h"

using cairn::testing::test_cluster;

namespace {

// Every delivered record's value, from the delivery report callback.
struct deliveries {
  std::mutex mu;
  std::set<std::string> acknowledged;
  int failed = 0;
  std::string last_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<deliveries*>(opaque);
  std::lock_guard lock(d->mu);
  if (m->err) {
    ++d->failed;
    d->last_error = rd_kafka_err2str(m->err);
    return;
  }
  d->acknowledged.emplace(static_cast<const char*>(m->payload), m->len);
}

rd_kafka_conf_t* base_conf(const std::string& bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const char* k, const char* v) {
    REQUIRE(rd_kafka_conf_set(conf, k, v, err, sizeof err) == RD_KAFKA_CONF_OK);
  };
  set("bootstrap.servers", bootstrap.c_str());
  set("topic.metadata.refresh.interval.ms", "1000");
  set("reconnect.backoff.ms", "20");
  set("reconnect.backoff.max.ms", "200");
  return conf;
}

// The leader of `topic`/0 as the cluster reports it, or -1.
int leader_of(test_cluster& cluster, cairn::client& c, const std::string& topic) {
  int leader = -1;
  cluster.wait_for(c, [&](const cairn::cluster_description& d) {
    for (const auto& t : d.topics) {
      if (t.name != topic) continue;
      for (const auto& p : t.partitions) {
        if (p.partition == 0 && p.leader > 0) leader = p.leader;
      }
    }
    return leader > 0;
  });
  return leader;
}

}  // namespace

TEST_CASE("a librdkafka idempotent producer follows a killed leader, and every ack is read once",
          "[cluster]") {
  test_cluster cluster(3);
  auto client = cluster.connect();
  REQUIRE(cluster.wait_for(*client, [](const cairn::cluster_description& d) {
    return cairn::testing::all_alive(d, 3);
  }));
  cairn::admin admin(*client);
  auto created = admin.create_topic("payments", {.partitions = 1, .replication_factor = 3});
  if (!created) FAIL("create_topic: " << created.error().message());
  const int first_leader = leader_of(cluster, *client, "payments");
  REQUIRE(first_leader > 0);

  SECTION("kcat -L through any broker names all three and the leader") {
    auto listed = cairn::testing::run_command(
        {"kcat", "-b", cluster.kafka_proxy(1).address(), "-L", "-t", "payments"});
    INFO(listed.out << listed.err);
    REQUIRE(listed.exit_code == 0);
    CHECK_THAT(listed.out, Catch::Contains("3 brokers:"));
    for (int id = 1; id <= 3; ++id) {
      CHECK_THAT(listed.out, Catch::Contains("broker " + std::to_string(id) + " at " +
                                             cluster.kafka_proxy(id).address()));
    }
    CHECK_THAT(listed.out, Catch::Contains("partition 0, leader " + std::to_string(first_leader) +
                                           ", replicas: "));
  }

  SECTION("produce through a leader's SIGKILL") {
    deliveries delivered;
    rd_kafka_conf_t* conf = base_conf(cluster.kafka_bootstrap());
    char err[512];
    REQUIRE(rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err) ==
            RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(conf, "acks", "all", err, sizeof err) == RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof err) == RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(conf, "message.timeout.ms", "60000", err, sizeof err) ==
            RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &delivered);
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    REQUIRE(producer != nullptr);

    constexpr int kRecords = 3000;
    for (int i = 0; i < kRecords; ++i) {
      std::string value = "payment-" + std::to_string(i);
      if (i == kRecords / 3) cluster.kill(first_leader);  // mid-stream, with batches in flight
      while (true) {
        auto e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("payments"), RD_KAFKA_V_PARTITION(0),
                                   RD_KAFKA_V_VALUE(value.data(), value.size()),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          REQUIRE(e == RD_KAFKA_RESP_ERR_NO_ERROR);
          break;
        }
        rd_kafka_poll(producer, 50);
      }
      rd_kafka_poll(producer, 0);
    }
    REQUIRE(rd_kafka_flush(producer, 90'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);
    {
      std::lock_guard lock(delivered.mu);
      INFO("failed deliveries: " << delivered.failed << " (" << delivered.last_error << ")");
      CHECK(delivered.failed == 0);
      CHECK(delivered.acknowledged.size() == kRecords);
    }
    const int new_leader = leader_of(cluster, *client, "payments");
    CHECK(new_leader != first_leader);

    // Read everything back through the Kafka front end of the new leader's cluster.
    rd_kafka_conf_t* cconf = base_conf(cluster.kafka_bootstrap());
    REQUIRE(rd_kafka_conf_set(cconf, "group.id", "payments-check", err, sizeof err) ==
            RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(cconf, "auto.offset.reset", "earliest", err, sizeof err) ==
            RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(cconf, "enable.partition.eof", "true", err, sizeof err) ==
            RD_KAFKA_CONF_OK);
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
    REQUIRE(consumer != nullptr);
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, "payments", 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    REQUIRE(rd_kafka_assign(consumer, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(parts);
    std::map<std::string, int> seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool at_end = false;
    while (!at_end && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 500);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        at_end = static_cast<int>(seen.size()) >= kRecords;
      } else if (!m->err) {
        ++seen[std::string(static_cast<const char*>(m->payload), m->len)];
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    std::lock_guard lock(delivered.mu);
    for (const std::string& v : delivered.acknowledged) {
      INFO(v);
      CHECK(seen[v] == 1);
    }
    for (const auto& [value, count] : seen) {
      INFO(value);
      CHECK(count == 1);
    }
  }
}

namespace {

// Each delivered record's value and the timestamp its delivery report gave.
struct stamped_deliveries {
  std::mutex mu;
  std::map<std::string, std::int64_t> time_of;
  int wrong_type = 0;
  int failed = 0;
};

void on_stamped_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<stamped_deliveries*>(opaque);
  std::lock_guard lock(d->mu);
  if (m->err) {
    ++d->failed;
    return;
  }
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  const std::int64_t ts = rd_kafka_message_timestamp(m, &type);
  if (type != RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME) ++d->wrong_type;
  d->time_of[std::string(static_cast<const char*>(m->payload), m->len)] = ts;
}

}  // namespace

TEST_CASE("a LogAppendTime topic's stamp is its leader's, and a new leader serves the same",
          "[cluster]") {
  test_cluster cluster(3);
  auto client = cluster.connect();
  REQUIRE(cluster.wait_for(*client, [](const cairn::cluster_description& d) {
    return cairn::testing::all_alive(d, 3);
  }));
  // Created through the native admin API: the type travels in the controller's topic record.
  cairn::admin admin(*client);
  auto created =
      admin.create_topic("clicks", {.partitions = 1,
                                    .replication_factor = 3,
                                    .timestamp = cairn::timestamp_type::log_append_time});
  if (!created) FAIL("create_topic: " << created.error().message());
  const int first_leader = leader_of(cluster, *client, "clicks");
  REQUIRE(first_leader > 0);
  auto described = admin.describe_topic("clicks");
  REQUIRE(described);
  CHECK(described.value().settings.timestamp == cairn::timestamp_type::log_append_time);

  // acks=all: every acknowledged batch is on all three replicas, as the leader stamped it.
  stamped_deliveries delivered;
  rd_kafka_conf_t* conf = base_conf(cluster.kafka_bootstrap());
  char err[512];
  REQUIRE(rd_kafka_conf_set(conf, "acks", "all", err, sizeof err) == RD_KAFKA_CONF_OK);
  REQUIRE(rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof err) == RD_KAFKA_CONF_OK);
  rd_kafka_conf_set_dr_msg_cb(conf, on_stamped_delivery);
  rd_kafka_conf_set_opaque(conf, &delivered);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  REQUIRE(producer != nullptr);
  constexpr int kRecords = 40;
  for (int i = 0; i < kRecords; ++i) {
    std::string value = "click-" + std::to_string(i);
    REQUIRE(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("clicks"), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_VALUE(value.data(), value.size()),
                              RD_KAFKA_V_TIMESTAMP(1'600'000'000'000 + i),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
    if (i % 10 == 9) REQUIRE(rd_kafka_flush(producer, 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  REQUIRE(rd_kafka_flush(producer, 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);
  {
    std::lock_guard lock(delivered.mu);
    REQUIRE(delivered.failed == 0);
    CHECK(delivered.wrong_type == 0);
    REQUIRE(delivered.time_of.size() == kRecords);
  }

  // A follower that takes over serves the leader's stamps, not times of its own.
  cluster.kill(first_leader);
  int new_leader = -1;
  REQUIRE(cluster.wait_for(*client, [&](const cairn::cluster_description& d) {
    for (const auto& t : d.topics) {
      if (t.name != "clicks") continue;
      for (const auto& p : t.partitions) {
        if (p.partition == 0 && p.leader > 0 && p.leader != first_leader) new_leader = p.leader;
      }
    }
    return new_leader > 0;
  }));
  rd_kafka_conf_t* cconf = base_conf(cluster.kafka_bootstrap());
  REQUIRE(rd_kafka_conf_set(cconf, "group.id", "clicks-check", err, sizeof err) ==
          RD_KAFKA_CONF_OK);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
  REQUIRE(consumer != nullptr);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, "clicks", 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(consumer, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);
  int read = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (read < kRecords && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 500);
    if (m == nullptr) continue;
    if (!m->err) {
      const std::string value(static_cast<const char*>(m->payload), m->len);
      INFO(value);
      rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
      const std::int64_t ts = rd_kafka_message_timestamp(m, &type);
      CHECK(type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME);
      std::lock_guard lock(delivered.mu);
      CHECK(ts == delivered.time_of.at(value));
      ++read;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  CHECK(read == kRecords);
}
