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
#include "tests/support/broker_process.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace {

using cairn::testing::broker_process;
using cairn::testing::child_process;
using cairn::testing::temp_dir;
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

// Produces `count` records round-robin over the partitions through the SDK; record i has value
// "<prefix>-<i>". Returns (partition, offset) -> value.
std::map<std::pair<int, std::int64_t>, std::string> produce(cairn::client& c,
                                                            const std::string& topic, int count,
                                                            const std::string& prefix) {
  auto p = cairn::producer::create(c);
  REQUIRE(p);
  std::vector<std::pair<std::string, std::future<cairn::delivery_result>>> sent;
  for (int i = 0; i < count; ++i) {
    std::string value = prefix + "-" + std::to_string(i);
    sent.emplace_back(value, p.value()->send({.topic = topic,
                                              .key = "k" + std::to_string(i),
                                              .value = value,
                                              .partition = i % kPartitions}));
  }
  std::map<std::pair<int, std::int64_t>, std::string> out;
  for (auto& [value, f] : sent) {
    auto delivered = f.get();
    REQUIRE(delivered);
    out[{delivered.value().tp.partition, delivered.value().offset}] = value;
  }
  return out;
}

rd_kafka_conf_t* consumer_conf(const std::string& bootstrap, const std::string& group,
                               const std::string& strategy, const std::string& client_id) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const std::string& v) {
    char err[512] = {};
    bool ok = rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK;
    INFO(k << "=" << v << ": " << err);
    REQUIRE(ok);
  };
  set("bootstrap.servers", bootstrap);
  set("group.id", group);
  set("client.id", client_id);
  set("partition.assignment.strategy", strategy);
  set("enable.auto.commit", "false");
  set("auto.offset.reset", "earliest");
  // The broker's minimum session: a member that dies goes quickly.
  set("session.timeout.ms", "6000");
  set("heartbeat.interval.ms", "500");
  set("topic.metadata.refresh.interval.ms", "1000");
  return conf;
}

struct delivered {
  std::string member;
  int partition;
  std::int64_t offset;
  std::string value;
};

// One librdkafka group member. Each record it returns is committed synchronously (OffsetCommit)
// before the next poll, as an application that processes one record at a time would.
class kafka_member {
 public:
  kafka_member(const std::string& bootstrap, const std::string& group, const std::string& strategy,
               std::string name)
      : name_(std::move(name)) {
    char err[512] = {};
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, consumer_conf(bootstrap, group, strategy, name_), err,
                       sizeof err);
    INFO(err);
    REQUIRE(rk_ != nullptr);
    rd_kafka_poll_set_consumer(rk_);
  }
  kafka_member(const kafka_member&) = delete;
  kafka_member& operator=(const kafka_member&) = delete;
  ~kafka_member() {
    close();
    rd_kafka_destroy(rk_);
  }

  const std::string& name() const { return name_; }
  rd_kafka_t* handle() { return rk_; }

  void subscribe(const std::string& topic) {
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    REQUIRE(e == RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  // One poll of up to timeout_ms. A record is committed before it is returned; `committed` says
  // whether the commit succeeded (it may fail with REBALANCE_IN_PROGRESS between generations,
  // and the record's next owner then reads it again, as with Kafka).
  std::optional<delivered> poll(int timeout_ms, bool& committed) {
    committed = false;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
    if (m == nullptr) return std::nullopt;
    std::optional<delivered> out;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out = delivered{name_, m->partition, m->offset,
                      std::string(static_cast<const char*>(m->payload), m->len)};
      committed = rd_kafka_commit_message(rk_, m, 0) == RD_KAFKA_RESP_ERR_NO_ERROR;
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      errors.push_back(rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
    return out;
  }

  // librdkafka before 2.4 (#4686): a cooperative incremental assignment restarts fetching of the
  // partitions the member keeps from where each was last started or resumed, not from the
  // consumer's position, so a member that gains partitions re-reads what it already read (and
  // committed) of the others. Pausing and resuming sets that restart point to the position.
  // Called before the member takes partitions over, it keeps the client's bug out of what this
  // test checks: that moved partitions continue from the group's committed offsets.
  void mark_positions() {
    rd_kafka_topic_partition_list_t* list = nullptr;
    REQUIRE(rd_kafka_assignment(rk_, &list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK(rd_kafka_pause_partitions(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK(rd_kafka_resume_partitions(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(list);
  }

  std::set<int> assignment() {
    rd_kafka_topic_partition_list_t* list = nullptr;
    std::set<int> out;
    if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    for (int i = 0; i < list->cnt; ++i)
      out.insert(list->elems[i].partition);
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }

  // Leaves the group (LeaveGroup) after revoking its partitions.
  void close() {
    if (closed_) return;
    closed_ = true;
    rd_kafka_consumer_close(rk_);
  }

  std::vector<std::string> errors;

 private:
  std::string name_;
  rd_kafka_t* rk_ = nullptr;
  bool closed_ = false;
};

// What every member delivered, and which offsets were committed when.
struct ledger {
  std::vector<delivered> records;
  std::map<int, std::int64_t> committed_upto;  // partition -> next offset committed
  std::vector<std::string> rereads_of_committed;

  void add(const delivered& d, bool committed) {
    if (auto it = committed_upto.find(d.partition);
        it != committed_upto.end() && d.offset < it->second) {
      rereads_of_committed.push_back(d.member + " re-read partition " +
                                     std::to_string(d.partition) + " offset " +
                                     std::to_string(d.offset));
    }
    records.push_back(d);
    if (committed) {
      auto& upto = committed_upto[d.partition];
      upto = std::max(upto, d.offset + 1);
    }
  }

  std::set<std::pair<int, std::int64_t>> seen() const {
    std::set<std::pair<int, std::int64_t>> out;
    for (const auto& r : records)
      out.insert({r.partition, r.offset});
    return out;
  }
};

// Polls every member in turn until `done` holds or `timeout` passes; returns `done`.
bool pump(std::vector<kafka_member*> members, ledger& log, const std::function<bool()>& done,
          std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    for (kafka_member* m : members) {
      bool committed = false;
      if (auto d = m->poll(50, committed)) log.add(*d, committed);
    }
  }
  return true;
}

bool covers(const std::map<std::pair<int, std::int64_t>, std::string>& produced,
            const ledger& log) {
  auto seen = log.seen();
  for (const auto& [where, value] : produced) {
    if (!seen.contains(where)) return false;
  }
  return true;
}

std::set<int> all_partitions() {
  std::set<int> out;
  for (int p = 0; p < kPartitions; ++p)
    out.insert(p);
  return out;
}

// Two members split the partitions, disjointly and completely.
bool split_between(kafka_member& a, kafka_member& b) {
  std::set<int> pa = a.assignment(), pb = b.assignment();
  if (pa.empty() || pb.empty()) return false;
  std::set<int> both = pa;
  both.insert(pb.begin(), pb.end());
  return both == all_partitions() && both.size() == pa.size() + pb.size();
}

// The group as DescribeGroups shows it through librdkafka (rd_kafka_list_groups with a name).
struct described_group {
  std::string state, protocol_type, protocol;
  std::vector<std::string> client_ids;
  std::vector<int> assignment_sizes;
};

std::optional<described_group> describe(kafka_member& m, const std::string& group) {
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
std::set<std::string> listed_groups(kafka_member& m) {
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

// The committed offset of every partition, through OffsetFetch (rd_kafka_committed).
std::map<int, std::int64_t> committed_offsets(kafka_member& m, const std::string& topic) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(kPartitions);
  for (int p = 0; p < kPartitions; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  std::map<int, std::int64_t> out;
  if (rd_kafka_committed(m.handle(), list, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        out[list->elems[i].partition] = list->elems[i].offset;
      }
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  return out;
}

// The end offset of each partition among `produced`.
std::map<int, std::int64_t> ends(
    const std::map<std::pair<int, std::int64_t>, std::string>& produced) {
  std::map<int, std::int64_t> out;
  for (const auto& [where, value] : produced)
    out[where.first] = std::max(out[where.first], where.second + 1);
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

  ledger log;
  kafka_member a(kafka_address(broker), group, strategy, "member-a");
  a.subscribe(topic);
  // A alone owns every partition and reads the first records.
  REQUIRE(pump(
      {&a}, log, [&] { return covers(produced, log); }, 30s));
  CHECK(a.assignment() == all_partitions());

  // The incremental revocation B's join causes restarts A's kept partitions too (#4686).
  if (strategy == "cooperative-sticky") a.mark_positions();
  kafka_member b(kafka_address(broker), group, strategy, "member-b");
  b.subscribe(topic);
  REQUIRE(pump(
      {&a, &b}, log, [&] { return split_between(a, b); }, 60s));

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
      {&a, &b}, log, [&] { return covers(produced, log); }, 60s));
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
      {&a}, log, [&] { return covers(more, log); }, 60s));

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
  CHECK(committed_offsets(a, topic) == ends(everything));
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
  std::map<std::pair<int, std::int64_t>, std::string> read;
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

  ledger log;
  kafka_member member(kafka_address(broker), "lag-group", "cooperative-sticky", "kafka-member");
  member.subscribe("lagging");
  REQUIRE(pump(
      {&member}, log, [&] { return covers(produced, log); }, 60s));
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
