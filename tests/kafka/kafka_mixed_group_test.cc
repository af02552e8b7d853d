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
#include "tests/kafka/group_test_support.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace cairn::testing;
using namespace std::chrono_literals;

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

record_map produce(cairn::client& c, const std::string& topic, int count,
                   const std::string& prefix) {
  return produce_round_robin(c, topic, count, prefix, kPartitions);
}

// A group member of either kind, as the pump drives it.
class member {
 public:
  virtual ~member() = default;
  virtual const std::string& name() const = 0;
  virtual std::string member_id() = 0;
  // One poll of up to timeout_ms; what it reads goes into `log`, committed before the next poll
  // (as an application that processes, then commits).
  virtual void poll(int timeout_ms, group_ledger& log) = 0;
  virtual std::set<int> assignment() = 0;
  // Leaves the group (LeaveGroup) after revoking what it owns.
  virtual void close() = 0;
  virtual const std::vector<std::string>& errors() const = 0;
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

  void poll(int timeout_ms, group_ledger& log) override {
    auto records = consumer_.poll(timeout_ms);
    if (!records) {
      errors_.push_back("poll: " + records.error().message());
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
      errors_.push_back("commit: " + c.error().message());
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
  const std::vector<std::string>& errors() const override { return errors_; }

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
  std::vector<std::string> errors_;
};

class kafka_member final : public member {
 public:
  kafka_member(const broker_process& b, const std::string& group, const std::string& topic,
               const std::string& strategy)
      : rk_("127.0.0.1:" + std::to_string(b.kafka_port()), group, strategy, kKafkaName, topic) {}

  const std::string& name() const override { return kKafkaName; }
  std::string member_id() override { return rk_.member_id(); }
  void poll(int timeout_ms, group_ledger& log) override { rk_.poll(timeout_ms, log); }
  std::set<int> assignment() override { return rk_.assignment(); }
  void close() override { rk_.close(); }
  const std::vector<std::string>& errors() const override { return rk_.errors; }

  void mark_positions() { rk_.mark_positions(); }
  std::map<int, std::int64_t> committed(const std::string& topic) {
    return rk_.committed(topic, kPartitions);
  }

 private:
  rdkafka_group_member rk_;
};

std::set<int> all_partitions() {
  return partitions_upto(kPartitions);
}

bool split_between(member& a, member& b) {
  return cairn::testing::split_between(a.assignment(), b.assignment(), kPartitions);
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

  group_ledger log;
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
    CHECK(kafka->committed(topic) == partition_ends(produced));
    CHECK(sdk->committed() == partition_ends(produced));
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
    CHECK(kafka->committed(topic) == partition_ends(everything));
  } else {
    CHECK(sdk->committed() == partition_ends(everything));
  }
  for (const member* m : {first, second}) {
    for (const auto& e : m->errors())
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
