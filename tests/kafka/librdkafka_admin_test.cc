// librdkafka's Admin API against a real cairn-broker: CreateTopics with partitions, replication
// factor 1 and a config; DescribeConfigs sees the config; AlterConfigs (librdkafka 2.0 has no
// incremental variant: this is API key 33) changes it, and both DescribeConfigs and
// `cairn topic describe` see the change; CreatePartitions grows the topic; DeleteTopics removes
// it from Metadata.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "tests/kafka/kafka_fixture.h"
#include "tests/kafka/rdkafka_support.h"

namespace {

using namespace cairn::testing;

constexpr int kTimeoutMs = 15'000;

using admin_client = rdkafka_admin;

// Fails the test unless the single topic result names `topic` and carries no error.
void require_topic_ok(const rd_kafka_topic_result_t** results, std::size_t count,
                      const std::string& topic) {
  REQUIRE(count == 1);
  INFO(rd_kafka_topic_result_error_string(results[0]));
  CHECK(std::string(rd_kafka_topic_result_name(results[0])) == topic);
  REQUIRE(rd_kafka_topic_result_error(results[0]) == RD_KAFKA_RESP_ERR_NO_ERROR);
}

// DescribeConfigs of `topic`: every config's name and value.
std::map<std::string, std::string> describe_configs(const admin_client& a,
                                                    const std::string& topic) {
  rd_kafka_ConfigResource_t* res =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_DescribeConfigs(a.rk.get(), &res, 1, a.options().get(), a.queue.get());
  rd_kafka_ConfigResource_destroy(res);
  auto e = a.result(RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
  std::size_t count = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(e.get()), &count);
  REQUIRE(count == 1);
  INFO(rd_kafka_ConfigResource_error_string(resources[0]));
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

// The partition count Metadata reports for `topic`, or -1 when Metadata does not list it.
int metadata_partitions(const admin_client& a, const std::string& topic) {
  const rd_kafka_metadata_t* raw = nullptr;
  REQUIRE(rd_kafka_metadata(a.rk.get(), 1, nullptr, &raw, kTimeoutMs) ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  rdkafka_metadata_ptr md(raw);
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic == md->topics[i].topic) {
      INFO(rd_kafka_err2str(md->topics[i].err));
      REQUIRE(md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR);
      return md->topics[i].partition_cnt;
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("librdkafka's Admin API creates, configures, grows and deletes a topic") {
  kafka_broker b;
  admin_client a(b.kafka_address());
  const std::string topic = "admin-topic";
  char err[256];

  // CreateTopics: 2 partitions, replication factor 1, retention.ms one hour.
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), 2, 1, err, sizeof err);
  REQUIRE(nt != nullptr);
  REQUIRE(rd_kafka_NewTopic_set_config(nt, "retention.ms", "3600000") ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_CreateTopics(a.rk.get(), &nt, 1, a.options().get(), a.queue.get());
  rd_kafka_NewTopic_destroy(nt);
  {
    auto e = a.result(RD_KAFKA_EVENT_CREATETOPICS_RESULT);
    std::size_t n = 0;
    auto results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(e.get()), &n);
    require_topic_ok(results, n, topic);
  }
  CHECK(metadata_partitions(a, topic) == 2);
  CHECK(describe_configs(a, topic)["retention.ms"] == "3600000");

  // AlterConfigs (key 33): retention.ms two hours.
  rd_kafka_ConfigResource_t* res =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  REQUIRE(rd_kafka_ConfigResource_set_config(res, "retention.ms", "7200000") ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_AlterConfigs(a.rk.get(), &res, 1, a.options().get(), a.queue.get());
  rd_kafka_ConfigResource_destroy(res);
  {
    auto e = a.result(RD_KAFKA_EVENT_ALTERCONFIGS_RESULT);
    std::size_t n = 0;
    auto results =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(e.get()), &n);
    REQUIRE(n == 1);
    INFO(rd_kafka_ConfigResource_error_string(results[0]));
    REQUIRE(rd_kafka_ConfigResource_error(results[0]) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  CHECK(describe_configs(a, topic)["retention.ms"] == "7200000");
  auto described = b.cli({"topic", "describe", topic}).out;
  INFO(described);
  CHECK(described.find("retention.ms 7200000") != std::string::npos);
  CHECK(described.find("partitions 2") != std::string::npos);

  // CreatePartitions: to 5.
  rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(topic.c_str(), 5, err, sizeof err);
  REQUIRE(np != nullptr);
  rd_kafka_CreatePartitions(a.rk.get(), &np, 1, a.options().get(), a.queue.get());
  rd_kafka_NewPartitions_destroy(np);
  {
    auto e = a.result(RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT);
    std::size_t n = 0;
    auto results = rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(e.get()), &n);
    require_topic_ok(results, n, topic);
  }
  CHECK(metadata_partitions(a, topic) == 5);
  CHECK(b.cli({"topic", "describe", topic}).out.find("partitions 5") != std::string::npos);

  // DeleteTopics: Metadata no longer lists it.
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
  rd_kafka_DeleteTopics(a.rk.get(), &dt, 1, a.options().get(), a.queue.get());
  rd_kafka_DeleteTopic_destroy(dt);
  {
    auto e = a.result(RD_KAFKA_EVENT_DELETETOPICS_RESULT);
    std::size_t n = 0;
    auto results =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(e.get()), &n);
    require_topic_ok(results, n, topic);
  }
  CHECK(metadata_partitions(a, topic) == -1);
}

TEST_CASE("librdkafka's Admin API reports a topic that already exists") {
  kafka_broker b;
  b.create_topic("taken", 1);
  admin_client a(b.kafka_address());
  char err[256];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new("taken", 1, 1, err, sizeof err);
  REQUIRE(nt != nullptr);
  rd_kafka_CreateTopics(a.rk.get(), &nt, 1, a.options().get(), a.queue.get());
  rd_kafka_NewTopic_destroy(nt);
  auto e = a.result(RD_KAFKA_EVENT_CREATETOPICS_RESULT);
  std::size_t n = 0;
  auto results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(e.get()), &n);
  REQUIRE(n == 1);
  CHECK(rd_kafka_topic_result_error(results[0]) == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
}
