#include "broker/topics/topic_manager.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "broker/errc.h"
#include "protocol/wire_errc.h"
#include "tests/support/batches.h"
#include "tests/support/temp_dir.h"

using namespace cairn::broker;
using cairn::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<topic_manager> open_manager(const temp_dir& dir) {
  auto m = topic_manager::open({.data_dir = dir.path().string()});
  REQUIRE(m);
  return std::move(m).value();
}

}  // namespace

TEST_CASE("topic names and configs follow Kafka's rules", "[topics]") {
  CHECK(valid_topic_name("orders.v1_events-2"));
  for (const char* bad : {"", ".", "..", "has space", "slash/", "ümlaut", "semi;colon"}) {
    CHECK_FALSE(valid_topic_name(bad));
  }
  CHECK_FALSE(valid_topic_name(std::string(250, 'a')));
  CHECK(validate({.name = "t", .partitions = 3}, 1));
  CHECK_FALSE(validate({.name = "t", .partitions = 0}, 1));
  CHECK_FALSE(validate({.name = "t", .partitions = kPartitionsMax + 1}, 1));
  CHECK_FALSE(validate({.name = "t", .replication_factor = 3}, 1));
  CHECK_FALSE(validate({.name = "t", .retention_ms = -7}, 1));
}

TEST_CASE("topic config round-trips through JSON and rejects bad files", "[topics]") {
  topic_config c{.name = "payments",
                 .partitions = 6,
                 .retention_bytes = 1 << 30,
                 .retention_ms = -1,
                 .cleanup = cleanup_policy::compact};
  CHECK(topic_config_from_json(to_json(c)).value() == c);
  for (
      const char* bad :
      {"", "[]", "{}", "{\"name\":\"x\"}", "not json",
       R"({"name":"a b","partitions":1,"replication_factor":1,"retention_bytes":-1,"retention_ms":1,"cleanup_policy":"delete","delete_retention_ms":1})",
       R"({"name":"x","partitions":-1,"replication_factor":1,"retention_bytes":-1,"retention_ms":1,"cleanup_policy":"delete","delete_retention_ms":1})",
       R"({"name":"x","partitions":1,"replication_factor":1,"retention_bytes":-1,"retention_ms":1,"cleanup_policy":"shred","delete_retention_ms":1})"}) {
    CHECK_FALSE(topic_config_from_json(bad));
  }
}

TEST_CASE("a topic's timestamp type is kept in topic.json and older files read CreateTime",
          "[topics]") {
  topic_config c{.name = "clicks",
                 .timestamp_type = cairn::eventstore::timestamp_type::log_append_time};
  CHECK(to_json(c).find("\"message_timestamp_type\":\"LogAppendTime\"") != std::string::npos);
  CHECK(topic_config_from_json(to_json(c)).value() == c);
  // Written before topics had a timestamp type.
  auto old = topic_config_from_json(
      R"({"name":"x","partitions":1,"replication_factor":1,"retention_bytes":-1,"retention_ms":1,"cleanup_policy":"delete","delete_retention_ms":1})");
  REQUIRE(old);
  CHECK(old.value().timestamp_type == cairn::eventstore::timestamp_type::create_time);
  for (const char* type : {"\"logappendtime\"", "1", "null"}) {
    INFO(type);
    CHECK_FALSE(topic_config_from_json(
        std::string(
            R"({"name":"x","partitions":1,"replication_factor":1,"retention_bytes":-1,"retention_ms":1,"cleanup_policy":"delete","delete_retention_ms":1,"message_timestamp_type":)") +
        type + "}"));
  }
}

TEST_CASE("topics are created, listed, described, and survive a restart", "[topics]") {
  temp_dir dir;
  {
    auto m = open_manager(dir);
    REQUIRE(m->create({.name = "orders", .partitions = 3}));
    REQUIRE(m->create({.name = "accounts", .partitions = 1, .cleanup = cleanup_policy::compact}));
    CHECK(m->create({.name = "orders"}).error() == errc::topic_already_exists);
    CHECK(m->create({.name = "bad name"}).error() == errc::invalid_topic_config);
    CHECK(m->list().size() == 2);
    CHECK(m->describe("orders").value().partitions == 3);
    CHECK(m->describe("nope").error() == errc::unknown_topic);
    CHECK(m->get("orders", 3).error() == errc::unknown_partition);
    auto p = m->get("orders", 2);
    REQUIRE(p);
    std::string batch = cairn::testing::make_batch(4, "x", 1);
    REQUIRE(p.value()->produce(batch, acks::all));
    REQUIRE(m->close());
  }
  auto m = open_manager(dir);
  CHECK(m->list().size() == 2);
  CHECK(m->describe("accounts").value().cleanup == cleanup_policy::compact);
  CHECK(m->get("orders", 2).value()->high_watermark() == 4);
}

TEST_CASE("deleting a topic removes it and its data", "[topics]") {
  temp_dir dir;
  auto m = open_manager(dir);
  REQUIRE(m->create({.name = "gone", .partitions = 2}));
  auto held = m->get("gone", 0).value();  // a reader still holding a partition is fine
  REQUIRE(m->remove("gone"));
  CHECK(m->describe("gone").error() == errc::unknown_topic);
  CHECK(m->remove("gone").error() == errc::unknown_topic);
  CHECK_FALSE(fs::exists(dir.path() / "topics" / "gone"));
  REQUIRE(m->create({.name = "gone", .partitions = 1}));  // and the name can be used again
  CHECK(m->get("gone", 0).value()->log_end_offset() == 0);
}

TEST_CASE("an interrupted create is removed and a corrupt topic.json is not served",
          "[topics][recovery]") {
  temp_dir dir;
  {
    auto m = open_manager(dir);
    REQUIRE(m->create({.name = "ok"}));
    REQUIRE(m->create({.name = "broken"}));
    REQUIRE(m->close());
  }
  fs::create_directories(dir.path() / "topics" / "half" / "0");
  std::ofstream(dir.path() / "topics" / "broken" / "topic.json") << "{garbage";
  auto m = open_manager(dir);
  CHECK_FALSE(fs::exists(dir.path() / "topics" / "half"));
  CHECK(m->describe("ok"));
  CHECK(m->describe("broken").error() == errc::unknown_topic);
  CHECK(fs::exists(dir.path() / "topics" / "broken" / "0"));  // data kept for an operator
}

TEST_CASE("housekeeping applies each topic's retention", "[topics]") {
  temp_dir dir;
  topic_manager::options opts{.data_dir = dir.path().string()};
  opts.partition_options.log.segment_bytes_max = 1024;
  auto m = topic_manager::open(opts).value();
  REQUIRE(m->create({.name = "small", .retention_bytes = 2048, .retention_ms = -1}));
  auto p = m->get("small", 0).value();
  for (int i = 0; i < 100; ++i) {
    std::string batch = cairn::testing::make_batch(2, "k", i);
    REQUIRE(p->produce(batch, acks::all));
  }
  auto before = p->log().segment_count();
  REQUIRE(m->run_housekeeping());
  CHECK(p->log().segment_count() < before);
  CHECK(p->log_start_offset() > 0);
  CHECK(p->log().size_bytes() < 2048 + 1024);
}

TEST_CASE("a cluster topic's assignment round-trips, and bad assignments are refused", "[topics]") {
  topic_config c{.name = "orders", .partitions = 2, .replication_factor = 2};
  c.replicas = {{1, 2}, {2, 3}};
  auto back = topic_config_from_json(to_json(c));
  REQUIRE(back);
  CHECK(back.value() == c);
  const char* bad[] = {
      R"({"replicas":[[1,2]]})",         // one list for two partitions
      R"({"replicas":[[1,2],[]]})",      // a partition without replicas
      R"({"replicas":[[1,1],[2,3]]})",   // a broker twice
      R"({"replicas":[[0,2],[2,3]]})",   // node id 0
      R"({"replicas":[[1,"2"],[2,3]]})"  // not a number
  };
  std::string base = to_json({.name = "orders", .partitions = 2});
  base.pop_back();  // the closing brace: append one field
  for (const char* field : bad) {
    std::string text = base + "," + std::string(field + 1);
    INFO(text);
    CHECK_FALSE(topic_config_from_json(text));
  }
}

TEST_CASE("in cluster mode only the partitions assigned to this broker are opened", "[topics]") {
  temp_dir dir;
  auto m = topic_manager::open({.data_dir = dir.path().string(), .brokers = 3, .self = 2});
  REQUIRE(m);
  topic_config c{.name = "orders", .partitions = 3, .replication_factor = 2};
  c.replicas = {{1, 2}, {2, 3}, {3, 1}};
  REQUIRE(m.value()->create(c));
  CHECK(m.value()->get("orders", 0));
  CHECK(m.value()->get("orders", 1));
  auto absent = m.value()->get("orders", 2);
  REQUIRE_FALSE(absent);
  CHECK(absent.error() == cairn::protocol::errc::not_leader);
  CHECK_FALSE(fs::exists(dir.path() / "topics" / "orders" / "2"));
  REQUIRE(m.value()->close());
  m.value().reset();

  auto reopened = topic_manager::open({.data_dir = dir.path().string(), .brokers = 3, .self = 2});
  REQUIRE(reopened);
  CHECK(reopened.value()->get("orders", 1));
  CHECK_FALSE(reopened.value()->get("orders", 2));
  CHECK(reopened.value()->describe("orders").value().replicas == c.replicas);
}

TEST_CASE("a topic keeps its id across restarts, and an old topic.json gets one", "[topics]") {
  temp_dir dir;
  topic_id id{};
  {
    auto m = open_manager(dir);
    REQUIRE(m->create({.name = "orders"}));
    id = m->describe("orders").value().id;
    CHECK_FALSE(is_nil(id));
    REQUIRE(m->create({.name = "other"}));
    CHECK(m->describe("other").value().id != id);
    REQUIRE(m->close());
  }
  // A topic.json written before topics had ids.
  fs::create_directories(dir.path() / "topics" / "legacy" / "0");
  std::ofstream(dir.path() / "topics" / "legacy" / "topic.json")
      << R"({"name":"legacy","partitions":1,"replication_factor":1,"retention_bytes":-1,)"
      << R"("retention_ms":1,"cleanup_policy":"delete","delete_retention_ms":1})";
  topic_id legacy{};
  {
    auto m = open_manager(dir);
    CHECK(m->describe("orders").value().id == id);
    legacy = m->describe("legacy").value().id;
    CHECK_FALSE(is_nil(legacy));
    REQUIRE(m->close());
  }
  auto m = open_manager(dir);
  CHECK(m->describe("legacy").value().id == legacy);  // given once, then kept
  CHECK(topic_id_from_string(to_string(legacy)) == legacy);
  CHECK_FALSE(topic_id_from_string("not-a-uuid"));
  CHECK_FALSE(topic_id_from_string("0123456789abcdef0123456789abcdef0123"));
}

TEST_CASE("alter replaces settings live and adds partitions that survive a restart", "[topics]") {
  temp_dir dir;
  {
    auto m = open_manager(dir);
    REQUIRE(m->create({.name = "orders", .partitions = 2}));
    const topic_id id = m->describe("orders").value().id;
    topic_config next = m->describe("orders").value();
    next.partitions = 4;
    next.retention_ms = 60'000;
    next.cleanup = cleanup_policy::compact;
    REQUIRE(m->alter(next));
    CHECK(m->describe("orders").value().partitions == 4);
    CHECK(m->describe("orders").value().retention_ms == 60'000);
    CHECK(m->describe("orders").value().id == id);
    auto added = m->get("orders", 3);
    REQUIRE(added);
    CHECK(added.value()->log_end_offset() == 0);
    std::string batch = cairn::testing::make_batch(1, "x", 1);
    REQUIRE(added.value()->produce(batch, acks::all));

    // Partitions are never removed, nor the id or replication factor changed.
    topic_config shrink = m->describe("orders").value();
    shrink.partitions = 3;
    CHECK(m->alter(shrink).error() == errc::invalid_topic_config);
    topic_config other = m->describe("orders").value();
    other.id = random_topic_id();
    CHECK(m->alter(other).error() == errc::invalid_topic_config);
    CHECK(m->alter(topic_config{.name = "nope"}).error() == errc::unknown_topic);
    // The function form sees the current config, and its refusal is returned as it is.
    CHECK(m->alter("orders", [](const topic_config&) -> cairn::result<topic_config> {
             return cairn::protocol::errc::invalid_config;
           }).error() == cairn::protocol::errc::invalid_config);
    REQUIRE(m->close());
  }
  auto m = open_manager(dir);
  CHECK(m->describe("orders").value().partitions == 4);
  CHECK(m->describe("orders").value().cleanup == cleanup_policy::compact);
  CHECK(m->get("orders", 3).value()->high_watermark() == 1);
}

TEST_CASE("the topic's timestamp type reaches its partitions at open and on alter", "[topics]") {
  namespace es = cairn::eventstore;
  temp_dir dir;
  {
    auto m = open_manager(dir);
    REQUIRE(m->create({.name = "clicks", .timestamp_type = es::timestamp_type::log_append_time}));
    CHECK(m->get("clicks", 0).value()->timestamp_type() == es::timestamp_type::log_append_time);
    REQUIRE(m->close());
  }
  auto m = open_manager(dir);
  CHECK(m->describe("clicks").value().timestamp_type == es::timestamp_type::log_append_time);
  auto p = m->get("clicks", 0).value();
  CHECK(p->timestamp_type() == es::timestamp_type::log_append_time);
  topic_config next = m->describe("clicks").value();
  next.timestamp_type = es::timestamp_type::create_time;
  REQUIRE(m->alter(next));
  CHECK(p->timestamp_type() == es::timestamp_type::create_time);
}
