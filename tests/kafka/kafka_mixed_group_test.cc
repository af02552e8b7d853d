// One consumer group with members of both kinds against a real cairn-broker: an SDK consumer
// (native protocol) and a librdkafka consumer (Kafka protocol) share a 4-partition topic, with
// eager `range` and with `cooperative-sticky`, each kind leading in turn. The leader computes the
// assignment over both kinds' subscriptions and the follower reads the leader's assignment bytes,
// so this only works because both write Kafka's ConsumerProtocol (sdk/group/membership_codec.h).
// Then the leader leaves and the follower takes every partition over, continuing from the
// offsets the group committed (one offset store for both front ends). Records are produced with
// the SDK producer.
//
// One thread polls both members in turn: each runs its group protocol in the background
// (librdkafka on its own threads, the SDK on its client's io thread) and hands records and
// rebalances over in poll, so the checks see a consistent view. Every wait is bounded and ends on
// an event (a record, an assignment) where one exists.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cairn/admin.h"
#include "cairn/client.h"
#include "cairn/consumer.h"
#include "cairn/producer.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"

namespace {

using cairn::testing::broker_process;
using cairn::testing::temp_dir;
using namespace std::chrono_literals;
using record_map = std::map<std::pair<int, std::int64_t>, std::string>;

// Groups start their first rebalance at once (the broker's default waits 3 s for more members).
const std::vector<std::string> kBrokerArgs = {"--group-initial-rebalance-delay-ms", "0",
                                              "--offsets-partitions", "3"};
constexpr int kPartitions = 4;
const std::string kSdkName = "sdk-member";
const std::string kKafkaName = "librdkafka-member";

std::unique_ptr<cairn::client> native_client(const broker_process& b) {
  auto c = cairn::client::create({.bootstrap = {"127.0.0.1:" + std::to_string(b.port())}});
  REQUIRE(c);
  return std::move(c).value();
}

// `count` records round-robin over the partitions, through the SDK producer; record i has value
// "<prefix>-<i>". Returns (partition, offset) -> value.
record_map produce(cairn::client& c, const std::string& topic, int count,
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
  record_map out;
  for (auto& [value, f] : sent) {
    auto delivered = f.get();
    REQUIRE(delivered);
    out[{delivered.value().tp.partition, delivered.value().offset}] = value;
  }
  return out;
}

struct delivered {
  std::string member;
  int partition;
  std::int64_t offset;
  std::string value;
};

// What both members delivered, and how far the group's commits had got when they did.
struct ledger {
  std::vector<delivered> records;
  std::map<int, std::int64_t> committed_upto;  // partition -> next offset committed
  std::vector<std::string> rereads_of_committed;

  void add(const delivered& d) {
    if (auto it = committed_upto.find(d.partition);
        it != committed_upto.end() && d.offset < it->second) {
      rereads_of_committed.push_back(d.member + " re-read partition " +
                                     std::to_string(d.partition) + " offset " +
                                     std::to_string(d.offset));
    }
    records.push_back(d);
  }
  void committed(int partition, std::int64_t next) {
    auto& upto = committed_upto[partition];
    upto = std::max(upto, next);
  }
  bool covers(const record_map& produced) const {
    std::set<std::pair<int, std::int64_t>> seen;
    for (const auto& r : records)
      seen.insert({r.partition, r.offset});
    return std::all_of(produced.begin(), produced.end(),
                       [&](const auto& e) { return seen.contains(e.first); });
  }
};

// A group member of either kind, as the pump drives it.
class member {
 public:
  virtual ~member() = default;
  virtual const std::string& name() const = 0;
  virtual std::string member_id() = 0;
  // One poll of up to timeout_ms; what it reads goes into `log`, committed before the next poll
  // (as an application that processes, then commits).
  virtual void poll(int timeout_ms, ledger& log) = 0;
  virtual std::set<int> assignment() = 0;
  // Leaves the group (LeaveGroup) after revoking what it owns.
  virtual void close() = 0;
  std::vector<std::string> errors;
};

class sdk_member final : public member {
 public:
  sdk_member(const broker_process& b, const std::string& group, const std::string& topic,
             const std::string& strategy)
      : client_(native_client(b)), consumer_(*client_, options(strategy)), topic_(topic) {
    auto subscribed = consumer_.subscribe({topic}, group);
    INFO((subscribed ? std::string() : subscribed.error().message()));
    REQUIRE(subscribed);
  }

  const std::string& name() const override { return kSdkName; }

  std::string member_id() override {
    auto m = consumer_.group_membership();
    return m ? m->member_id : std::string();
  }

  void poll(int timeout_ms, ledger& log) override {
    auto records = consumer_.poll(timeout_ms);
    if (!records) {
      errors.push_back("poll: " + records.error().message());
      return;
    }
    if (records.value().empty()) return;
    std::map<int, std::int64_t> next;
    for (const auto& r : records.value()) {
      log.add({kSdkName, r.partition, r.offset, r.value.value_or("")});
      next[r.partition] = std::max(next[r.partition], r.offset + 1);
    }
    // Refused between generations (rebalance_in_progress): the next owner reads these again.
    if (auto c = consumer_.commit(); !c) {
      errors.push_back("commit: " + c.error().message());
      return;
    }
    for (const auto& [partition, offset] : next)
      log.committed(partition, offset);
  }

  std::set<int> assignment() override {
    std::set<int> out;
    for (const auto& tp : consumer_.assignment())
      out.insert(tp.partition);
    return out;
  }

  void close() override { consumer_.close(); }

  // The group's committed offsets as the SDK reads them (the native OffsetFetch).
  std::map<int, std::int64_t> committed() {
    std::vector<cairn::topic_partition> tps;
    for (int p = 0; p < kPartitions; ++p)
      tps.push_back({topic_, p});
    auto c = consumer_.committed(tps);
    REQUIRE(c);
    std::map<int, std::int64_t> out;
    for (const auto& [tp, offset] : c.value())
      out[tp.partition] = offset;
    return out;
  }

 private:
  static cairn::consumer_options options(const std::string& strategy) {
    cairn::consumer_options o;
    o.session_timeout_ms = 6'000;  // the broker's minimum: a member that dies goes quickly
    o.heartbeat_interval_ms = 500;
    o.assignors = {strategy};
    return o;
  }

  std::unique_ptr<cairn::client> client_;
  cairn::consumer consumer_;
  std::string topic_;
};

class kafka_member final : public member {
 public:
  kafka_member(const broker_process& b, const std::string& group, const std::string& topic,
               const std::string& strategy) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const char* k, const std::string& v) {
      char err[512] = {};
      bool ok = rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK;
      INFO(k << "=" << v << ": " << err);
      REQUIRE(ok);
    };
    set("bootstrap.servers", "127.0.0.1:" + std::to_string(b.kafka_port()));
    set("group.id", group);
    set("client.id", kKafkaName);
    set("partition.assignment.strategy", strategy);
    set("enable.auto.commit", "false");
    set("auto.offset.reset", "earliest");
    set("session.timeout.ms", "6000");
    set("heartbeat.interval.ms", "500");
    set("topic.metadata.refresh.interval.ms", "1000");
    // librdkafka's own account of the group protocol, on stderr, when a run needs explaining.
    if (const char* debug = std::getenv("CAIRN_TEST_RDKAFKA_DEBUG")) set("debug", debug);
    char err[512] = {};
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    INFO(err);
    REQUIRE(rk_ != nullptr);
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    REQUIRE(e == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  kafka_member(const kafka_member&) = delete;
  kafka_member& operator=(const kafka_member&) = delete;
  ~kafka_member() override {
    close();
    rd_kafka_destroy(rk_);
  }

  const std::string& name() const override { return kKafkaName; }

  std::string member_id() override {
    char* id = rd_kafka_memberid(rk_);
    if (id == nullptr) return {};
    std::string out = id;
    rd_kafka_mem_free(rk_, id);
    return out;
  }

  void poll(int timeout_ms, ledger& log) override {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
    if (m == nullptr) return;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      log.add({kKafkaName, m->partition, m->offset,
               std::string(static_cast<const char*>(m->payload), m->len)});
      // Synchronous OffsetCommit of offset + 1.
      rd_kafka_resp_err_t c = rd_kafka_commit_message(rk_, m, 0);
      if (c == RD_KAFKA_RESP_ERR_NO_ERROR) {
        log.committed(m->partition, m->offset + 1);
      } else {
        errors.push_back(std::string("commit: ") + rd_kafka_err2str(c));
      }
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      errors.push_back(rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
  }

  std::set<int> assignment() override {
    rd_kafka_topic_partition_list_t* list = nullptr;
    std::set<int> out;
    if (rd_kafka_assignment(rk_, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    for (int i = 0; i < list->cnt; ++i)
      out.insert(list->elems[i].partition);
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }

  // librdkafka before 2.4 (#4686): a cooperative incremental assignment restarts fetching of the
  // partitions the member keeps from where each was last started or resumed, not from the
  // consumer's position, so a member that gains partitions re-reads what it already read (and
  // committed) of the others. Pausing sets that restart point to the consumer's position; the
  // resume then carries on from it. Called before the member takes partitions over, it keeps
  // the client's bug out of what this test checks: that the moved partitions continue from the
  // group's committed offsets.
  void mark_positions() {
    rd_kafka_topic_partition_list_t* list = nullptr;
    REQUIRE(rd_kafka_assignment(rk_, &list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK(rd_kafka_pause_partitions(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK(rd_kafka_resume_partitions(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(list);
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    rd_kafka_consumer_close(rk_);
  }

  // The group's committed offsets as librdkafka reads them (the Kafka OffsetFetch).
  std::map<int, std::int64_t> committed(const std::string& topic) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(kPartitions);
    for (int p = 0; p < kPartitions; ++p)
      rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
    std::map<int, std::int64_t> out;
    rd_kafka_resp_err_t e = rd_kafka_committed(rk_, list, 10'000);
    for (int i = 0; e == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) {
      if (list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[i].offset >= 0) {
        out[list->elems[i].partition] = list->elems[i].offset;
      }
    }
    rd_kafka_topic_partition_list_destroy(list);
    REQUIRE(e == RD_KAFKA_RESP_ERR_NO_ERROR);
    return out;
  }

 private:
  rd_kafka_t* rk_ = nullptr;
  bool closed_ = false;
};

// Polls every member in turn until `done` holds or `timeout` passes; returns `done`.
bool pump(const std::vector<member*>& members, ledger& log, const std::function<bool()>& done,
          std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    for (member* m : members)
      m->poll(50, log);
  }
  return true;
}

std::set<int> all_partitions() {
  std::set<int> out;
  for (int p = 0; p < kPartitions; ++p)
    out.insert(p);
  return out;
}

// Both members own partitions, disjointly, and together all of them.
bool split_between(member& a, member& b) {
  std::set<int> pa = a.assignment(), pb = b.assignment();
  if (pa.empty() || pb.empty()) return false;
  std::set<int> both = pa;
  both.insert(pb.begin(), pb.end());
  return both == all_partitions() && both.size() == pa.size() + pb.size();
}

std::map<int, std::int64_t> ends(const record_map& produced) {
  std::map<int, std::int64_t> out;
  for (const auto& [where, value] : produced)
    out[where.first] = std::max(out[where.first], where.second + 1);
  return out;
}

// The broker's view through the SDK's admin (DescribeGroups): the group is Stable with `leader`
// leading, and the assignment bytes each member's leader wrote decode (the SDK's codec reads
// librdkafka's bytes and the other way round) to a split of every partition. Asks a few times:
// the group settles a moment after the members saw their assignments.
void check_described(cairn::client& c, const std::string& group, const std::string& strategy,
                     const std::string& leader) {
  cairn::admin admin(c);
  cairn::group_description d;
  auto settled = [&] {
    auto described = admin.describe_group(group);
    if (!described) return false;
    d = described.value();
    return d.state == "Stable" && d.members.size() == 2 && !d.members[0].assignment.empty() &&
           !d.members[1].assignment.empty();
  };
  for (int attempt = 0; attempt < 50 && !settled(); ++attempt) {
    std::this_thread::sleep_for(100ms);  // no event to wait on: the broker's state is polled
  }
  CHECK(d.state == "Stable");
  CHECK(d.protocol_type == "consumer");
  CHECK(d.protocol_name == strategy);
  CHECK(d.leader == leader);
  REQUIRE(d.members.size() == 2);
  std::set<int> together;
  std::size_t count = 0;
  for (const auto& m : d.members) {
    CHECK_FALSE(m.assignment.empty());
    for (const auto& tp : m.assignment) {
      together.insert(tp.partition);
      ++count;
    }
  }
  CHECK(together == all_partitions());
  CHECK(count == together.size());
}

// `sdk_leads`: the SDK member joins first and leads; else the librdkafka member does. Either way
// the second joins, they split the partitions and consume, then the leader leaves and the other
// takes over from the committed offsets.
void mixed_group(const std::string& strategy, bool sdk_leads) {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto native = native_client(broker);
  const std::string topic = "mixed-" + strategy + (sdk_leads ? "-sdk" : "-kafka");
  const std::string group = "mixed-group-" + strategy + (sdk_leads ? "-sdk" : "-kafka");
  {
    cairn::admin admin(*native);
    REQUIRE(admin.create_topic(topic, {.partitions = kPartitions}));
  }

  ledger log;
  std::unique_ptr<sdk_member> sdk;
  std::unique_ptr<kafka_member> kafka;
  member* first = nullptr;
  member* second = nullptr;
  if (sdk_leads) {
    sdk = std::make_unique<sdk_member>(broker, group, topic, strategy);
    first = sdk.get();
  } else {
    kafka = std::make_unique<kafka_member>(broker, group, topic, strategy);
    first = kafka.get();
  }
  // The first member alone owns every partition.
  REQUIRE(pump(
      {first}, log, [&] { return first->assignment() == all_partitions(); }, 30s));
  const std::string leader_id = first->member_id();
  REQUIRE_FALSE(leader_id.empty());

  if (sdk_leads) {
    kafka = std::make_unique<kafka_member>(broker, group, topic, strategy);
    second = kafka.get();
  } else {
    sdk = std::make_unique<sdk_member>(broker, group, topic, strategy);
    second = sdk.get();
  }
  {
    INFO("the second member joins; the leader assigns over both kinds' subscriptions");
    REQUIRE(pump(
        {first, second}, log, [&] { return split_between(*first, *second); }, 60s));
  }
  check_described(*native, group, strategy, leader_id);

  // Records produced now are read by whichever member owns their partition.
  const std::set<int> first_owns = first->assignment(), second_owns = second->assignment();
  auto produced = produce(*native, topic, 40, "first");
  REQUIRE(pump(
      {first, second}, log, [&] { return log.covers(produced); }, 60s));
  std::set<std::string> readers;
  for (const auto& r : log.records) {
    readers.insert(r.member);
    const auto& owned = r.member == first->name() ? first_owns : second_owns;
    INFO(r.member << " read partition " << r.partition);
    CHECK(owned.contains(r.partition));
  }
  CHECK(readers == std::set<std::string>{kSdkName, kKafkaName});
  CHECK(log.records.size() == produced.size());  // each once: the split did not change
  {
    INFO("the group's commits, read through both front ends");
    CHECK(kafka->committed(topic) == ends(produced));
    CHECK(sdk->committed() == ends(produced));
  }

  // The leader leaves; the other member takes every partition over and reads what comes next
  // from where the group's commits left each partition.
  if (sdk_leads) kafka->mark_positions();
  first->close();
  member* remaining = second;
  REQUIRE(pump(
      {remaining}, log, [&] { return remaining->assignment() == all_partitions(); }, 60s));
  auto more = produce(*native, topic, 40, "second");
  REQUIRE(pump(
      {remaining}, log, [&] { return log.covers(more); }, 60s));

  for (const auto& r : log.rereads_of_committed)
    UNSCOPED_INFO(r);
  CHECK(log.rereads_of_committed.empty());
  auto everything = produced;
  everything.insert(more.begin(), more.end());
  CHECK(log.records.size() == everything.size());
  for (const auto& r : log.records) {
    auto it = everything.find({r.partition, r.offset});
    REQUIRE(it != everything.end());
    CHECK(it->second == r.value);
  }
  if (sdk_leads) {
    CHECK(kafka->committed(topic) == ends(everything));
  } else {
    CHECK(sdk->committed() == ends(everything));
  }
  for (const member* m : {first, second}) {
    for (const auto& e : m->errors)
      WARN(m->name() << ": " << e);  // commits refused mid-rebalance would show here
  }
}

}  // namespace

TEST_CASE("kafka mixed group: an SDK member leads a librdkafka member with range",
          "[kafka][group][mixed]") {
  mixed_group("range", true);
}

TEST_CASE("kafka mixed group: a librdkafka member leads an SDK member with range",
          "[kafka][group][mixed]") {
  mixed_group("range", false);
}

TEST_CASE("kafka mixed group: an SDK member leads a librdkafka member with cooperative-sticky",
          "[kafka][group][mixed]") {
  mixed_group("cooperative-sticky", true);
}

TEST_CASE("kafka mixed group: a librdkafka member leads an SDK member with cooperative-sticky",
          "[kafka][group][mixed]") {
  mixed_group("cooperative-sticky", false);
}
