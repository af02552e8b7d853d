// message.timestamp.type through librdkafka against a real cairn-broker. A topic created with
// LogAppendTime: records produced with old explicit timestamps are delivered (the Produce
// response's log_append_time) and consumed as RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME with the
// broker's clock, between the produce and its acknowledgement; rd_kafka_offsets_for_times finds
// records by that time; DescribeConfigs and `cairn consume` (the SDK consumer) show it. A
// CreateTime topic altered to LogAppendTime (AlterConfigs) stamps only the batches after it.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/kafka/kafka_fixture.h"
#include "tests/kafka/rdkafka_support.h"

namespace {

using namespace cairn::testing;

constexpr std::int64_t kCreated = 1'600'000'000'000;  // the producer's timestamps: 2020
constexpr int kTimeoutMs = 15'000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct admin_client : rdkafka_admin {
  using rdkafka_admin::rdkafka_admin;

  // CreateTopics: one partition, one replica, the given configs; the topic's error code.
  rd_kafka_resp_err_t create_topic(const std::string& topic,
                                   const std::map<std::string, std::string>& configs) const {
    char err[256];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), 1, 1, err, sizeof err);
    REQUIRE(nt != nullptr);
    for (const auto& [name, value] : configs) {
      REQUIRE(rd_kafka_NewTopic_set_config(nt, name.c_str(), value.c_str()) ==
              RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    rd_kafka_CreateTopics(rk.get(), &nt, 1, options().get(), queue.get());
    rd_kafka_NewTopic_destroy(nt);
    auto e = result(RD_KAFKA_EVENT_CREATETOPICS_RESULT);
    std::size_t n = 0;
    auto results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(e.get()), &n);
    REQUIRE(n == 1);
    INFO(rd_kafka_topic_result_error_string(results[0]));
    return rd_kafka_topic_result_error(results[0]);
  }

  // AlterConfigs (key 33, the whole set) of `topic`; the resource's error code.
  rd_kafka_resp_err_t alter_config(const std::string& topic, const std::string& name,
                                   const std::string& value) const {
    rd_kafka_ConfigResource_t* res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    REQUIRE(rd_kafka_ConfigResource_set_config(res, name.c_str(), value.c_str()) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_AlterConfigs(rk.get(), &res, 1, options().get(), queue.get());
    rd_kafka_ConfigResource_destroy(res);
    auto e = result(RD_KAFKA_EVENT_ALTERCONFIGS_RESULT);
    std::size_t n = 0;
    auto results =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(e.get()), &n);
    REQUIRE(n == 1);
    INFO(rd_kafka_ConfigResource_error_string(results[0]));
    return rd_kafka_ConfigResource_error(results[0]);
  }

  // DescribeConfigs of `topic`: the value of config `name`.
  std::string config(const std::string& topic, const std::string& name) const {
    rd_kafka_ConfigResource_t* res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    rd_kafka_DescribeConfigs(rk.get(), &res, 1, options().get(), queue.get());
    rd_kafka_ConfigResource_destroy(res);
    auto e = result(RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
    std::size_t count = 0;
    const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(e.get()), &count);
    REQUIRE(count == 1);
    REQUIRE(rd_kafka_ConfigResource_error(resources[0]) == RD_KAFKA_RESP_ERR_NO_ERROR);
    std::size_t n = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &n);
    for (std::size_t i = 0; i < n; ++i) {
      if (name == rd_kafka_ConfigEntry_name(entries[i])) {
        const char* value = rd_kafka_ConfigEntry_value(entries[i]);
        return value ? value : "<null>";
      }
    }
    return "<absent>";
  }
};

// What a delivery report said about one record.
struct delivered {
  std::int64_t offset = -1;
  std::int64_t timestamp_ms = -1;
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  delivered d;
  d.offset = m->offset;
  d.err = m->err;
  d.timestamp_ms = rd_kafka_message_timestamp(m, &d.type);
  static_cast<std::vector<delivered>*>(opaque)->push_back(d);
}

// Produces `count` records to partition 0 of `topic`, record i stamped kCreated + i by the
// producer, and waits for every delivery report.
std::vector<delivered> produce(const std::string& bootstrap, const std::string& topic, int count) {
  std::vector<delivered> reports;
  auto rk =
      rdkafka_client(RD_KAFKA_PRODUCER, bootstrap,
                     {{"enable.idempotence", "true"}, {"linger.ms", "0"}}, on_delivery, &reports);
  for (int i = 0; i < count; ++i) {
    std::string value = "v" + std::to_string(i);
    REQUIRE(rd_kafka_producev(rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_VALUE(value.data(), value.size()),
                              RD_KAFKA_V_TIMESTAMP(kCreated + i),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  REQUIRE(rd_kafka_flush(rk.get(), 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(reports.size() == static_cast<std::size_t>(count));
  for (const delivered& d : reports)
    REQUIRE(d.err == RD_KAFKA_RESP_ERR_NO_ERROR);
  return reports;
}

// rd_kafka_offsets_for_times for partition 0: the offset librdkafka answers (-1: none).
std::int64_t offset_for_time(const std::string& bootstrap, const std::string& topic,
                             std::int64_t timestamp_ms) {
  auto rk = rdkafka_client(RD_KAFKA_PRODUCER, bootstrap, {});
  rdkafka_list_ptr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0)->offset = timestamp_ms;
  REQUIRE(rd_kafka_offsets_for_times(rk.get(), list.get(), kTimeoutMs) ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(list->cnt == 1);
  REQUIRE(list->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR);
  return list->elems[0].offset;
}

// Waits (bounded) until the wall clock passes `t`, so the next append is stamped later.
void clock_passes(std::int64_t t) {
  for (int i = 0; i < 1000 && now_ms() <= t; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(now_ms() > t);
}

}  // namespace

TEST_CASE("librdkafka sees a LogAppendTime topic's records at the broker's append time") {
  kafka_broker b;
  admin_client a(b.kafka_address());
  const std::string topic = "appended";
  CHECK(a.create_topic("refused", {{"message.timestamp.type", "WhenItArrives"}}) ==
        RD_KAFKA_RESP_ERR_INVALID_CONFIG);
  REQUIRE(a.create_topic(topic, {{"message.timestamp.type", "LogAppendTime"}}) ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK(a.config(topic, "message.timestamp.type") == "LogAppendTime");

  const std::int64_t before = now_ms();
  std::vector<delivered> first = produce(b.kafka_address(), topic, 5);
  const std::int64_t acked = now_ms();
  // The Produce response's log_append_time: the broker's clock, not the producer's 2020.
  for (const delivered& d : first) {
    INFO("offset " << d.offset);
    CHECK(d.type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME);
    CHECK(d.timestamp_ms >= before);
    CHECK(d.timestamp_ms <= acked);
  }
  // librdkafka may send the five in more than one batch, each stamped when it was appended.
  const std::int64_t first_time = first.front().timestamp_ms;
  clock_passes(first.back().timestamp_ms);
  std::vector<delivered> second = produce(b.kafka_address(), topic, 3);
  const std::int64_t second_time = second.front().timestamp_ms;
  CHECK(second_time > first_time);

  // Consumed: every record at its batch's append time, typed LogAppendTime.
  std::map<std::int64_t, std::int64_t> stamped;  // offset -> the delivery report's time
  for (const auto& reports : {first, second}) {
    for (const delivered& d : reports)
      stamped[d.offset] = d.timestamp_ms;
  }
  auto rk = rdkafka_client(RD_KAFKA_CONSUMER, b.kafka_address(),
                           {{"group.id", "timestamps"}, {"enable.auto.commit", "false"}});
  rdkafka_list_ptr assignment(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk.get(), assignment.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::size_t consumed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (consumed < 8 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      INFO("offset " << m->offset);
      rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
      std::int64_t ts = rd_kafka_message_timestamp(m, &type);
      CHECK(type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME);
      CHECK(ts == stamped.at(m->offset));
      ++consumed;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk.get());
  CHECK(consumed == 8);

  // ListOffsets by time goes by append time: the producer's 2020 timestamps find the first
  // record, the second batch's stamp finds the second batch, a later time nothing.
  CHECK(offset_for_time(b.kafka_address(), topic, kCreated + 3) == 0);
  CHECK(offset_for_time(b.kafka_address(), topic, first_time) == 0);
  CHECK(offset_for_time(b.kafka_address(), topic, second_time) == 5);
  CHECK(offset_for_time(b.kafka_address(), topic, second_time + 60'000) == -1);

  // The SDK consumer (`cairn consume`) reads the same times.
  auto json = b.cli({"consume", topic, "-o", "beginning", "-n", "8", "--format", "json"}).out;
  INFO(json);
  for (const auto& [offset, time] : stamped) {
    CHECK(json.find("\"offset\":" + std::to_string(offset) +
                    ",\"timestamp\":" + std::to_string(time) +
                    ",\"timestamp_type\":\"LogAppendTime\"") != std::string::npos);
  }
  CHECK(json.find("CreateTime") == std::string::npos);
}

TEST_CASE("altering a topic to LogAppendTime stamps only the batches after the alter") {
  kafka_broker b;
  admin_client a(b.kafka_address());
  const std::string topic = "altered";
  b.create_topic(topic, 1);
  CHECK(a.config(topic, "message.timestamp.type") == "CreateTime");

  std::vector<delivered> before_alter = produce(b.kafka_address(), topic, 3);
  for (const delivered& d : before_alter) {
    CHECK(d.type == RD_KAFKA_TIMESTAMP_CREATE_TIME);
    CHECK(d.timestamp_ms == kCreated + d.offset);
  }

  CHECK(a.alter_config(topic, "message.timestamp.type", "Sometimes") ==
        RD_KAFKA_RESP_ERR_INVALID_CONFIG);
  REQUIRE(a.alter_config(topic, "message.timestamp.type", "LogAppendTime") ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK(a.config(topic, "message.timestamp.type") == "LogAppendTime");
  CHECK(b.cli({"topic", "describe", topic}).out.find("timestamp.type LogAppendTime") !=
        std::string::npos);

  const std::int64_t altered = now_ms();
  std::vector<delivered> after_alter = produce(b.kafka_address(), topic, 3);
  const std::int64_t acked = now_ms();
  std::map<std::int64_t, std::int64_t> stamped;  // offset -> the delivery report's time
  for (const delivered& d : after_alter) {
    CHECK(d.type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME);
    CHECK(d.timestamp_ms >= altered);
    CHECK(d.timestamp_ms <= acked);
    stamped[d.offset] = d.timestamp_ms;
  }

  // The old batches kept their producer's times; the new ones carry the broker's.
  std::vector<consumed_record> records =
      rdkafka_consume(b.kafka_address(), topic, 1, 6, std::chrono::seconds(15));
  REQUIRE(records.size() == 6);
  for (const consumed_record& r : records) {
    INFO("offset " << r.offset);
    if (r.offset < 3) {
      CHECK(r.timestamp_type == RD_KAFKA_TIMESTAMP_CREATE_TIME);
      CHECK(r.timestamp_ms == kCreated + r.offset);
    } else {
      CHECK(r.timestamp_type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME);
      CHECK(r.timestamp_ms == stamped.at(r.offset));
    }
  }
}
