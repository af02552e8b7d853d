// kcat (Debian's, librdkafka inside) against a real cairn-broker's Kafka listener: metadata,
// keyed produce landing where Cairn's own partitioner puts the keys, consume from the beginning
// and from an offset, headers, and records crossing from one protocol to the other.
#include <boost/json.hpp>
#include <map>
#include <sstream>

#include "protocol/key_partitioner.h"
#include "tests/kafka/kafka_fixture.h"

using cairn::testing::kafka_broker;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(line);
  while (std::getline(in, part, sep))
    out.push_back(part);
  return out;
}

}  // namespace

TEST_CASE("kcat -L lists the broker's Kafka address and every topic with its partitions") {
  kafka_broker b;
  b.create_topic("orders", 3);
  auto listed = b.kcat({"-L"});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::Contains("1 brokers:"));
  CHECK_THAT(listed.out, Catch::Contains("broker 1 at " + b.kafka_address()));
  CHECK_THAT(listed.out, Catch::Contains("topic \"orders\" with 3 partitions"));
  CHECK_THAT(listed.out, Catch::Contains("partition 2, leader 1, replicas: 1, isrs: 1"));
}

TEST_CASE("kcat's keyed records land where Cairn's partitioner puts the keys, and read back") {
  kafka_broker b;
  b.create_topic("orders", 3);
  std::string input;
  for (int i = 0; i < 30; ++i)
    input += "key-" + std::to_string(i) + ":value-" + std::to_string(i) + "\n";
  auto produced = b.kcat({"-P", "-t", "orders", "-K:", "-X", "partitioner=murmur2_random"}, input);
  INFO(produced.err);
  REQUIRE(produced.exit_code == 0);

  auto consumed = b.kcat({"-C", "-t", "orders", "-o", "beginning", "-e", "-f", "%p|%o|%k|%s\\n"});
  INFO(consumed.err);
  REQUIRE(consumed.exit_code == 0);
  auto lines = lines_of(consumed.out);
  REQUIRE(lines.size() == 30);
  std::map<std::string, std::string> seen;
  for (const std::string& line : lines) {
    auto f = split(line, '|');
    REQUIRE(f.size() == 4);
    CHECK(std::stoi(f[0]) == cairn::protocol::partition_for_key(f[2], 3));
    seen[f[2]] = f[3];
  }
  CHECK(seen.size() == 30);
  CHECK(seen["key-7"] == "value-7");

  SECTION("from an offset of one partition") {
    auto from_one = b.kcat({"-C", "-t", "orders", "-p", "0", "-o", "1", "-e", "-f", "%o\\n"});
    REQUIRE(from_one.exit_code == 0);
    auto offsets = lines_of(from_one.out);
    REQUIRE_FALSE(offsets.empty());
    CHECK(offsets.front() == "1");
  }

  SECTION("and through the native protocol, with `cairn consume`") {
    auto native = b.cli({"consume", "orders", "--format", "json", "-n", "30"});
    auto records = lines_of(native.out);
    REQUIRE(records.size() == 30);
    for (const std::string& line : records) {
      auto o = boost::json::parse(line).as_object();
      std::string key(o.at("key").as_string());
      CHECK(std::string(o.at("value").as_string()) == seen[key]);
      CHECK(o.at("partition").as_int64() == cairn::protocol::partition_for_key(key, 3));
    }
  }
}

TEST_CASE("a record appended through the native protocol reads the same through kcat") {
  kafka_broker b;
  b.create_topic("events", 1);
  b.cli({"produce", "events", "-k", "order-1", "-H", "type=OrderPlaced", "-H", "source=test"},
        "{\"total\":12}\n");
  auto consumed = b.kcat({"-C", "-t", "events", "-o", "beginning", "-e", "-f", "%k|%s|%h\\n"});
  INFO(consumed.err);
  REQUIRE(consumed.exit_code == 0);
  auto lines = lines_of(consumed.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "order-1|{\"total\":12}|type=OrderPlaced,source=test");
}

TEST_CASE("headers and null values produced by kcat reach the native consumer") {
  kafka_broker b;
  b.create_topic("audit", 1);
  auto produced =
      b.kcat({"-P", "-t", "audit", "-K:", "-Z", "-H", "who=alice", "-H", "why=test"}, "k1:\n");
  INFO(produced.err);
  REQUIRE(produced.exit_code == 0);
  auto native = b.cli({"consume", "audit", "--format", "json", "-n", "1"});
  auto o = boost::json::parse(lines_of(native.out).at(0)).as_object();
  CHECK(std::string(o.at("key").as_string()) == "k1");
  CHECK(o.at("value").is_null());
  auto headers = boost::json::serialize(o.at("headers"));
  CHECK_THAT(headers, Catch::Contains("alice"));
  CHECK_THAT(headers, Catch::Contains("why"));
}

TEST_CASE(
    "events appended to a stream through the native protocol read through kcat with "
    "their stream version and type") {
  kafka_broker b;
  b.create_topic("orders", 1);
  b.cli({"stream", "append", "orders", "order-7", "--expected-version", "no-stream", "-t",
         "OrderPlaced"},
        "{\"total\":5}\n{\"total\":6}\n");
  auto consumed = b.kcat({"-C", "-t", "orders", "-o", "beginning", "-e", "-f", "%k|%s|%h\\n"});
  INFO(consumed.err);
  REQUIRE(consumed.exit_code == 0);
  auto lines = lines_of(consumed.out);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::StartsWith("order-7|{\"total\":5}|"));
  CHECK_THAT(lines[0], Catch::Contains("type=OrderPlaced"));
  CHECK_THAT(lines[0], Catch::Contains("cairn-stream-version=0"));
  CHECK_THAT(lines[1], Catch::Contains("cairn-stream-version=1"));
}
