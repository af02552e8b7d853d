// Consumer groups over the Kafka protocol against a real cairn-broker, with real clients:
// librdkafka members (cooperative-sticky, range, roundrobin) sharing partitions, committing, one
// leaving and the other taking over from the committed offsets; ListGroups/DescribeGroups and
// OffsetFetch through librdkafka's own calls; a kcat balanced consumer. Test data is produced with
// the SDK (the native protocol), so every record read here also crossed the two front ends.
//
// One thread polls every consumer in turn: librdkafka runs its group protocol on its own threads
// and hands records and rebalances over in poll, so the test's checks see a consistent view.
// Every wait is bounded and ends on an event (a record, an assignment) where one exists.
#include <librdkafka/rdkafka.h>
#include <sys/wait.h>

#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cairn/admin.h"
#include "cairn/client.h"
#include "cairn/producer.h"
#include "tests/kafka/group_test_support.h"
#include "tests/support/broker_process.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace cairn::testing;
using namespace std::chrono_literals;

// Groups start their first rebalance at once (the broker's default waits 3 s for more members).
const std::vector<std::string> kBrokerArgs = {"--group-initial-rebalance-delay-ms", "0",
                                              "--offsets-partitions", "3"};
constexpr int kPartitions = 4;

std::string kafka_address(const broker_process& b) {
  return "127.0.0.1:" + std::to_string(b.kafka_port());
}

std::unique_ptr<cairn::client> native_client(const broker_process& b) {
  auto c = cairn::client::create({.bootstrap = {"127.0.0.1:" + std::to_string(b.port())}});
  REQUIRE(c);
  return std::move(c).value();
}

void create_topic(cairn::client& c, const std::string& topic, int partitions) {
  cairn::admin admin(c);
  auto created = admin.create_topic(topic, {.partitions = partitions});
  REQUIRE(created);
}

record_map produce(cairn::client& c, const std::string& topic, int count,
                   const std::string& prefix) {
  return produce_round_robin(c, topic, count, prefix, kPartitions);
}

std::set<int> all_partitions() {
  return partitions_upto(kPartitions);
}

// The group as DescribeGroups shows it through librdkafka (rd_kafka_list_groups with a name).
struct described_group {
  std::string state, protocol_type, protocol;
  std::vector<std::string> client_ids;
  std::vector<int> assignment_sizes;
};

std::optional<described_group> describe(rdkafka_group_member& m, const std::string& group) {
  const rd_kafka_group_list* list = nullptr;
  if (rd_kafka_list_groups(m.handle(), group.c_str(), &list, 10'000) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  std::optional<described_group> out;
  for (int i = 0; i < list->group_cnt; ++i) {
    const rd_kafka_group_info& g = list->groups[i];
    if (group != g.group || g.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    out = described_group{g.state, g.protocol_type, g.protocol, {}, {}};
    for (int j = 0; j < g.member_cnt; ++j) {
      out->client_ids.push_back(g.members[j].client_id);
      out->assignment_sizes.push_back(g.members[j].member_assignment_size);
    }
  }
  rd_kafka_group_list_destroy(list);
  return out;
}

// Every group the broker lists (ListGroups, then DescribeGroups for each).
std::set<std::string> listed_groups(rdkafka_group_member& m) {
  const rd_kafka_group_list* list = nullptr;
  std::set<std::string> out;
  if (rd_kafka_list_groups(m.handle(), nullptr, &list, 10'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return out;
  }
  for (int i = 0; i < list->group_cnt; ++i)
    out.insert(list->groups[i].group);
  rd_kafka_group_list_destroy(list);
  return out;
}

// The scenario every assignor goes through: A alone, B joins and they split the partitions, both
// consume and commit, B leaves (close: LeaveGroup) and A takes everything over, continuing from
// the committed offsets.
void share_then_take_over(const std::string& strategy) {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto native = native_client(broker);
  const std::string topic = "orders-" + strategy;
  const std::string group = "kafka-group-" + strategy;
  create_topic(*native, topic, kPartitions);
  auto produced = produce(*native, topic, 20, "first");

  group_ledger log;
  rdkafka_group_member a(kafka_address(broker), group, strategy, "member-a", topic);
  // A alone owns every partition and reads the first records.
  REQUIRE(pump(
      {&a}, log, [&] { return log.covers(produced); }, 30s));
  CHECK(a.assignment() == all_partitions());

  // The incremental revocation B's join causes restarts A's kept partitions too (#4686).
  if (strategy == "cooperative-sticky") a.mark_positions();
  rdkafka_group_member b(kafka_address(broker), group, strategy, "member-b", topic);
  REQUIRE(pump(
      {&a, &b}, log, [&] { return split_between(a.assignment(), b.assignment(), kPartitions); },
      60s));

  {
    INFO("DescribeGroups through librdkafka, while both members are in");
    auto d = describe(a, group);
    REQUIRE(d);
    CHECK(d->state == "Stable");
    CHECK(d->protocol_type == "consumer");
    CHECK(d->protocol == strategy);
    std::sort(d->client_ids.begin(), d->client_ids.end());
    CHECK(d->client_ids == std::vector<std::string>{"member-a", "member-b"});
    for (int size : d->assignment_sizes)
      CHECK(size > 0);
    CHECK(listed_groups(b).contains(group));
  }

  // Records produced while both are members: each reads those of its own partitions.
  auto middle = produce(*native, topic, 20, "middle");
  produced.insert(middle.begin(), middle.end());
  REQUIRE(pump(
      {&a, &b}, log, [&] { return log.covers(produced); }, 60s));
  std::set<std::string> readers;
  for (const auto& r : log.records)
    readers.insert(r.member);
  CHECK(readers == std::set<std::string>{"member-a", "member-b"});

  // B leaves; A takes every partition over and reads what is produced next from where the
  // group's commits left it.
  if (strategy == "cooperative-sticky") a.mark_positions();
  b.close();
  REQUIRE(pump(
      {&a}, log, [&] { return a.assignment() == all_partitions(); }, 30s));
  auto more = produce(*native, topic, 40, "second");
  REQUIRE(pump(
      {&a}, log, [&] { return log.covers(more); }, 60s));

  INFO("errors: " << a.errors.size() + b.errors.size());
  for (const auto& r : log.rereads_of_committed)
    UNSCOPED_INFO(r);
  CHECK(log.rereads_of_committed.empty());
  // Every record was read with the value produced at its offset.
  auto everything = produced;
  everything.insert(more.begin(), more.end());
  for (const auto& r : log.records) {
    auto it = everything.find({r.partition, r.offset});
    REQUIRE(it != everything.end());
    CHECK(it->second == r.value);
  }
  // OffsetFetch: the group committed up to the end of every partition.
  CHECK(a.committed(topic, kPartitions) == partition_ends(everything));
}

// `cairn group describe GROUP --format json` (the native CLI) against the broker's native port.
boost::json::object cli_describe(const broker_process& b, const std::string& group) {
  std::string command = std::string(CAIRN_CLI_PATH) + " -b 127.0.0.1:" + std::to_string(b.port()) +
                        " group describe " + group + " --format json";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
    out.append(buf, n);
  int status = ::pclose(pipe);
  INFO(out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return boost::json::parse(out).as_object();
}

}  // namespace

TEST_CASE("kafka group: two librdkafka members with cooperative-sticky share, commit and hand over",
          "[kafka][group]") {
  share_then_take_over("cooperative-sticky");
}

TEST_CASE("kafka group: eager range and roundrobin members share, commit and hand over",
          "[kafka][group]") {
  const std::string strategy = GENERATE(as<std::string>{}, "range", "roundrobin");
  INFO("strategy " << strategy);
  share_then_take_over(strategy);
}

TEST_CASE("kafka group: a kcat balanced consumer reads what was produced", "[kafka][group]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto native = native_client(broker);
  create_topic(*native, "kcat-topic", kPartitions);
  auto produced = produce(*native, "kcat-topic", 30, "kcat");

  // -G: a balanced consumer group member; -e: exit once every assigned partition is at its end.
  child_process kcat({KCAT_PATH, "-b", kafka_address(broker), "-G", "kcat-group", "-o", "beginning",
                      "-e", "-q", "-f", "%p %o %s\n", "-X", "session.timeout.ms=6000",
                      "kcat-topic"});
  record_map read;
  for (std::string line = kcat.read_line(60'000); !line.empty(); line = kcat.read_line(60'000)) {
    int partition = -1;
    long long offset = -1;
    char value[64] = {};
    REQUIRE(std::sscanf(line.c_str(), "%d %lld %63s", &partition, &offset, value) == 3);
    read[{partition, offset}] = value;
    if (read.size() == produced.size()) break;
  }
  CHECK(read == produced);
  kcat.kill();
}

TEST_CASE("kafka group: cairn group describe shows a librdkafka group with its lag",
          "[kafka][group]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto native = native_client(broker);
  create_topic(*native, "lagging", kPartitions);
  auto produced = produce(*native, "lagging", 40, "read");

  group_ledger log;
  rdkafka_group_member member(kafka_address(broker), "lag-group", "cooperative-sticky",
                              "kafka-member", "lagging");
  REQUIRE(pump(
      {&member}, log, [&] { return log.covers(produced); }, 60s));
  // Two more records per partition that the member does not read: it stays in the group (its
  // heartbeats run on librdkafka's own thread) with a lag of 2 everywhere.
  produce(*native, "lagging", 2 * kPartitions, "unread");

  boost::json::object d = cli_describe(broker, "lag-group");
  INFO(boost::json::serialize(d));
  CHECK(d.at("state").as_string() == "Stable");
  CHECK(d.at("protocol_type").as_string() == "consumer");
  CHECK(d.at("protocol").as_string() == "cooperative-sticky");
  const auto& members = d.at("members").as_array();
  REQUIRE(members.size() == 1);
  CHECK(members[0].as_object().at("client_id").as_string() == "kafka-member");
  const auto& partitions = d.at("partitions").as_array();
  REQUIRE(partitions.size() == kPartitions);
  for (const auto& p : partitions) {
    const auto& row = p.as_object();
    CHECK(row.at("current_offset").as_int64() == 10);
    CHECK(row.at("log_end_offset").as_int64() == 12);
    CHECK(row.at("lag").as_int64() == 2);
  }
}
