// The Node Kafka clients (tests/kafka/node, pinned by its package-lock.json and installed by
// scripts/setup) against a real cairn-broker: each script runs its checks through one client
// and exits non-zero naming what failed; this test starts the broker, runs the script under a
// deadline, and reads back through the native protocol what the script wrote as streams.
#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "tests/kafka/kafka_fixture.h"

namespace cairn::testing {
namespace {

using namespace std::chrono_literals;

// The exit code a script gives when this machine cannot run its client (too old a Node).
constexpr int kScriptSkipped = 77;

command_result run_script(const kafka_broker& b, const std::string& script,
                          const std::string& stream_topic) {
  REQUIRE(std::string(CAIRN_NODE_PATH) != "");  // CMake found no node: run scripts/setup
  auto r = run_command({CAIRN_NODE_PATH, std::string(CAIRN_NODE_SCRIPTS) + "/" + script,
                        b.kafka_address(), stream_topic},
                       {}, 120s);
  INFO(script << " stdout:\n" << r.out);
  INFO(script << " stderr:\n" << r.err);
  REQUIRE_FALSE(r.timed_out);
  REQUIRE((r.exit_code == 0 || r.exit_code == kScriptSkipped));
  return r;
}

struct stream_event {
  std::int64_t version = -1;
  std::string data;
};

// `cairn stream read TOPIC KEY --format json`: the stream as the native protocol serves it.
std::vector<stream_event> read_stream(const kafka_broker& b, const std::string& topic,
                                      const std::string& key) {
  auto r = b.cli({"stream", "read", topic, key, "--format", "json"});
  std::vector<stream_event> events;
  std::size_t start = 0;
  while (start < r.out.size()) {
    std::size_t end = r.out.find('\n', start);
    if (end == std::string::npos) end = r.out.size();
    if (end > start) {
      auto o = boost::json::parse(r.out.substr(start, end - start)).as_object();
      events.push_back({o.at("version").as_int64(), std::string(o.at("data").as_string())});
    }
    start = end + 1;
  }
  return events;
}

}  // namespace

TEST_CASE(
    "KafkaJS 2.2.4: GZIP producer, eachBatch group, admin offsets and groups, "
    "expected-version appends") {
  kafka_broker b;
  auto r = run_script(b, "kafkajs_test.js", "kafkajs-streams");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("kafkajs: all checks passed") != std::string::npos);

  // The two appends the script made with no-stream then 0 are one stream, numbered 0 and 1 by
  // the broker; the refused ones left nothing.
  auto events = read_stream(b, "kafkajs-streams", "order-1");
  REQUIRE(events.size() == 2);
  CHECK(events[0].version == 0);
  CHECK(events[0].data == "created");
  CHECK(events[1].version == 1);
  CHECK(events[1].data == "paid");

  // The GZIP batch of two events with no-stream: one append, numbered by the broker; the batch
  // refused for a record without the header left nothing before it.
  auto compressed = read_stream(b, "kafkajs-streams", "order-3");
  REQUIRE(compressed.size() == 2);
  CHECK(compressed[0].version == 0);
  CHECK(compressed[0].data == "opened");
  CHECK(compressed[1].version == 1);
  CHECK(compressed[1].data == "closed");
}

TEST_CASE(
    "@platformatic/kafka 1.35: admin, producer, consumer group, expected-version "
    "conflict message over Produce v8+") {
  kafka_broker b;
  auto r = run_script(b, "platformatic_test.mjs", "platformatic-streams");
  if (r.exit_code == kScriptSkipped) {
    WARN("skipped: " << r.out);
    return;
  }
  CHECK(r.out.find("platformatic: all checks passed") != std::string::npos);
  auto events = read_stream(b, "platformatic-streams", "order-2");
  REQUIRE(events.size() == 2);
  CHECK(events[0].version == 0);
  CHECK(events[1].version == 1);
  CHECK(events[1].data == "paid");
}

}  // namespace cairn::testing
