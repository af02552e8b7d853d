// The Kafka config names of a topic: what each reads, what each accepts, and what is refused.
#include "broker/kafka/topic_configs.h"

#include <catch2/catch.hpp>

using namespace cairn::broker;
using namespace cairn::broker::kafka;

namespace {

const broker_log_settings kBroker{
    .segment_bytes = 1 << 20, .segment_ms = 3'600'000, .max_message_bytes = 1 << 16};

const config_entry& entry(const std::vector<config_entry>& all, std::string_view name) {
  for (const auto& e : all) {
    if (e.name == name) return e;
  }
  FAIL("no config " << name);
  throw;
}

}  // namespace

TEST_CASE("a topic's configs read under Kafka's names, defaults flagged", "[kafka]") {
  topic_config t{.name = "orders", .retention_ms = 1000, .cleanup = cleanup_policy::compact};
  auto all = describe_topic_configs(t, kBroker);
  CHECK(entry(all, "retention.ms").value == "1000");
  CHECK(entry(all, "retention.ms").source == config_source::dynamic_topic);
  CHECK_FALSE(entry(all, "retention.ms").is_default);
  REQUIRE(entry(all, "retention.ms").synonyms.size() == 2);
  CHECK(entry(all, "retention.ms").synonyms[1].name == "log.retention.ms");
  CHECK(entry(all, "retention.ms").synonyms[1].value == "604800000");
  CHECK(entry(all, "cleanup.policy").value == "compact");
  CHECK(entry(all, "cleanup.policy").type == config_type::list);
  CHECK(entry(all, "retention.bytes").value == "-1");
  CHECK(entry(all, "retention.bytes").source == config_source::default_config);
  CHECK(entry(all, "retention.bytes").is_default);
  CHECK(entry(all, "delete.retention.ms").value == "86400000");
  CHECK(entry(all, "segment.bytes").value == "1048576");
  CHECK(entry(all, "segment.bytes").read_only);
  CHECK(entry(all, "max.message.bytes").value == "65536");
  CHECK(entry(all, "message.timestamp.type").value == "CreateTime");
  CHECK(std::is_sorted(all.begin(), all.end(),
                       [](const auto& a, const auto& b) { return a.name < b.name; }));
}

TEST_CASE("setting configs checks them as Kafka does", "[kafka]") {
  topic_config t{.name = "orders"};
  CHECK(set_topic_config(t, "retention.ms", " 5000 ").code == error_code::none);
  CHECK(t.retention_ms == 5000);
  CHECK(set_topic_config(t, "retention.ms", "-1").code == error_code::none);
  CHECK(t.retention_ms == -1);
  CHECK(set_topic_config(t, "retention.bytes", "1048576").code == error_code::none);
  CHECK(t.retention_bytes == 1048576);
  CHECK(set_topic_config(t, "cleanup.policy", "compact").code == error_code::none);
  CHECK(t.cleanup == cleanup_policy::compact);
  CHECK(set_topic_config(t, "delete.retention.ms", "10").code == error_code::none);
  CHECK(t.delete_retention_ms == 10);

  const topic_config before = t;
  for (auto [name, value] : std::vector<std::pair<const char*, const char*>>{
           {"retention.ms", "-2"},
           {"retention.ms", "soon"},
           {"retention.ms", "99999999999999999999"},
           {"retention.bytes", ""},
           {"delete.retention.ms", "-1"},
           {"cleanup.policy", "compact,delete"},
           {"cleanup.policy", "shred"},
           {"segment.bytes", "1024"},        // broker-wide in Cairn
           {"min.insync.replicas", "2"}}) {  // not a Cairn config
    INFO(name << "=" << value);
    auto refused = set_topic_config(t, name, value);
    CHECK(refused.code == error_code::invalid_config);
    CHECK(refused.message.find(name) != std::string::npos);
  }
  CHECK(t == before);
  CHECK(reset_topic_config(t, "retention.ms").code == error_code::none);
  CHECK(t.retention_ms == topic_config{}.retention_ms);
}

TEST_CASE("incremental operations: SET, DELETE, and list-only APPEND and SUBTRACT", "[kafka]") {
  topic_config t{.name = "orders"};
  CHECK(apply_config_operation(t, 0, "retention.bytes", "10").code == error_code::none);
  CHECK(t.retention_bytes == 10);
  CHECK(apply_config_operation(t, 1, "retention.bytes", std::nullopt).code == error_code::none);
  CHECK(t.retention_bytes == -1);
  // APPEND and SUBTRACT work on lists only.
  CHECK(apply_config_operation(t, 2, "retention.ms", "5").code == error_code::invalid_config);
  CHECK(apply_config_operation(t, 3, "retention.ms", "5").code == error_code::invalid_config);
  // cleanup.policy is a list: subtract "delete" and append "compact" is a switch...
  CHECK(apply_config_operation(t, 3, "cleanup.policy", "delete").code ==
        error_code::invalid_config);  // ...but an empty list is no policy Cairn runs
  CHECK(t.cleanup == cleanup_policy::remove);
  CHECK(apply_config_operation(t, 2, "cleanup.policy", "delete").code == error_code::none);
  CHECK(apply_config_operation(t, 2, "cleanup.policy", "compact").code ==
        error_code::invalid_config);  // "delete,compact": both at once is not served
  CHECK(apply_config_operation(t, 0, "retention.ms", std::nullopt).code ==
        error_code::invalid_config);
  CHECK(apply_config_operation(t, 7, "retention.ms", "1").code == error_code::invalid_request);
}

TEST_CASE("a broker resource lists the broker's settings, read-only", "[kafka]") {
  auto all = describe_broker_configs({.node_id = 3,
                                      .log = kBroker,
                                      .default_replication_factor = 3,
                                      .advertised_listener = "10.0.0.3:9092"});
  CHECK(entry(all, "node.id").value == "3");
  CHECK(entry(all, "log.retention.ms").value == "604800000");
  CHECK(entry(all, "log.segment.bytes").value == "1048576");
  CHECK(entry(all, "advertised.listeners").value == "PLAINTEXT://10.0.0.3:9092");
  CHECK(entry(all, "auto.create.topics.enable").value == "false");
  for (const auto& e : all)
    CHECK(e.read_only);
}

TEST_CASE("message.timestamp.type is CreateTime or LogAppendTime", "[kafka]") {
  topic_config t{.name = "clicks"};
  CHECK(set_topic_config(t, "message.timestamp.type", "LogAppendTime").code == error_code::none);
  CHECK(t.timestamp_type == cairn::eventstore::timestamp_type::log_append_time);
  auto all = describe_topic_configs(t, kBroker);
  CHECK(entry(all, "message.timestamp.type").value == "LogAppendTime");
  CHECK(entry(all, "message.timestamp.type").source == config_source::dynamic_topic);
  CHECK_FALSE(entry(all, "message.timestamp.type").read_only);
  CHECK(entry(all, "message.timestamp.type").synonyms.back().name == "log.message.timestamp.type");

  for (const char* bad : {"logappendtime", "NoTimestampType", ""}) {
    INFO(bad);
    auto refused = set_topic_config(t, "message.timestamp.type", bad);
    CHECK(refused.code == error_code::invalid_config);
    CHECK(refused.message.find("message.timestamp.type") != std::string::npos);
  }
  CHECK(t.timestamp_type == cairn::eventstore::timestamp_type::log_append_time);
  CHECK(apply_config_operation(t, 1, "message.timestamp.type", std::nullopt).code ==
        error_code::none);
  CHECK(t.timestamp_type == cairn::eventstore::timestamp_type::create_time);
  CHECK(apply_config_operation(t, 2, "message.timestamp.type", "LogAppendTime").code ==
        error_code::invalid_config);  // APPEND: list configs only
}
