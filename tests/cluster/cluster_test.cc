// Replication against real processes: three cairn-broker processes form a cluster behind proxies
// (test_cluster.h). They elect a controller, create a topic with three replicas through it, and
// serve produce with acks=all and idempotence; a leader killed with SIGKILL is replaced, the
// producer follows the new leader without the application noticing, and every acknowledged
// record is read back exactly once, in one order per partition. Waits are bounded.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include "cairn/admin.h"
#include "cairn/consumer.h"
#include "cairn/producer.h"
#include "protocol/key_partitioner.h"
#include "tests/cluster/test_cluster.h"

using namespace std::chrono_literals;
using cairn::testing::count_alive;
using cairn::testing::leader_of;
using cairn::testing::test_cluster;
using cairn::testing::topic_ready;

namespace {

constexpr int kPartitions = 3;

void create_replicated_topic(test_cluster& cluster, cairn::client& c, const std::string& name) {
  REQUIRE(cluster.wait_for(
      c, [](const cairn::cluster_description& d) { return cairn::testing::all_alive(d, 3); }));
  cairn::admin admin(c);
  auto created = admin.create_topic(name, {.partitions = kPartitions, .replication_factor = 3});
  if (!created) FAIL("create_topic: " << created.error().message());
  REQUIRE(cluster.wait_for(
      c, [&](const cairn::cluster_description& d) { return topic_ready(d, name, 3); }));
}

// Every partition of `topic` has a leader in this description, whichever broker gave it (the
// in-sync sets travel by gossip, leaders also with the Raft messages themselves).
bool all_led(const cairn::cluster_description& d, const std::string& topic) {
  for (const auto& t : d.topics) {
    if (t.name != topic) continue;
    return !t.partitions.empty() &&
           std::ranges::all_of(t.partitions, [](const auto& p) { return p.leader > 0; });
  }
  return false;
}

struct acknowledged {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string value;
};

// Sends `count` keyed records and waits for every outcome; all must succeed.
std::vector<acknowledged> produce(cairn::producer& p, const std::string& topic, int first,
                                  int count) {
  std::vector<std::future<cairn::delivery_result>> pending;
  for (int i = first; i < first + count; ++i) {
    pending.push_back(p.send({.topic = topic,
                              .key = "key-" + std::to_string(i % 17),
                              .value = "value-" + std::to_string(i)}));
  }
  std::vector<acknowledged> out;
  for (int i = 0; i < count; ++i) {
    REQUIRE(pending[i].wait_for(60s) == std::future_status::ready);
    auto r = pending[i].get();
    if (!r) FAIL("record " << first + i << ": " << r.error().message());
    out.push_back({r.value().tp.partition, r.value().offset, "value-" + std::to_string(first + i)});
  }
  return out;
}

// Reads every partition of `topic` from the start until `expected` records arrived (bounded).
std::map<std::int32_t, std::vector<cairn::consumer_record>> read_all(cairn::client& c,
                                                                     const std::string& topic,
                                                                     std::size_t expected) {
  cairn::consumer consumer(c);
  std::vector<cairn::topic_partition> all;
  for (int p = 0; p < kPartitions; ++p)
    all.push_back({topic, p});
  consumer.assign(all);
  std::map<std::int32_t, std::vector<cairn::consumer_record>> out;
  std::size_t seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (seen < expected && std::chrono::steady_clock::now() < deadline) {
    auto polled = consumer.poll(500);
    if (!polled) continue;  // a leader change under the consumer: it refreshes and retries
    for (auto& r : polled.value()) {
      out[r.partition].push_back(std::move(r));
      ++seen;
    }
  }
  return out;
}

void check_exactly_once(const std::vector<acknowledged>& acks,
                        const std::map<std::int32_t, std::vector<cairn::consumer_record>>& read) {
  std::map<std::pair<std::int32_t, std::int64_t>, std::string> at;
  std::set<std::string> values;
  for (const auto& [partition, records] : read) {
    std::int64_t previous = -1;
    for (const auto& r : records) {
      CHECK(r.offset > previous);  // one order per partition, no record twice
      previous = r.offset;
      at[{partition, r.offset}] = r.value.value_or("");
      CHECK(values.insert(r.value.value_or("")).second);  // no value twice (idempotence)
    }
  }
  for (const acknowledged& a : acks) {
    auto it = at.find({a.partition, a.offset});
    REQUIRE(it != at.end());
    CHECK(it->second == a.value);
  }
}

}  // namespace

TEST_CASE("three brokers replicate a topic and survive the leader's SIGKILL", "[cluster]") {
  test_cluster cluster(3);
  auto c = cluster.connect();
  create_replicated_topic(cluster, *c, "orders");

  auto p = cairn::producer::create(*c, {.linger_ms = 1, .retry_backoff_ms = 50});
  REQUIRE(p);
  std::vector<acknowledged> acks = produce(*p.value(), "orders", 0, 300);

  // The leader of partition 0 dies; the producer goes on, through the new leaders.
  cairn::admin admin(*c);
  auto before = admin.describe_cluster();
  REQUIRE(before);
  const std::int32_t victim = leader_of(before.value(), "orders", 0);
  REQUIRE(victim > 0);
  cluster.kill(victim);
  auto after = produce(*p.value(), "orders", 300, 300);
  acks.insert(acks.end(), after.begin(), after.end());
  REQUIRE(cluster.wait_for(*c, [&](const cairn::cluster_description& d) {
    const std::int32_t leader = leader_of(d, "orders", 0);
    return leader > 0 && leader != victim;
  }));

  check_exactly_once(acks, read_all(*c, "orders", acks.size()));

  // The victim comes back and catches up: all three replicas in sync again.
  cluster.restart(victim);
  REQUIRE(cluster.wait_for(
      *c, [](const cairn::cluster_description& d) { return topic_ready(d, "orders", 3); }, 30s));
}

TEST_CASE("a topic created on any broker goes through the controller", "[cluster]") {
  test_cluster cluster(3);
  auto c = cluster.connect();
  create_replicated_topic(cluster, *c, "bookings");
  cairn::admin admin(*c);
  auto again = admin.create_topic("bookings", {.partitions = 1, .replication_factor = 3});
  REQUIRE_FALSE(again);
  auto d = admin.describe_cluster();
  REQUIRE(d);
  std::map<std::int32_t, int> leaders;
  for (const auto& t : d.value().topics) {
    if (t.name != "bookings") continue;
    for (const auto& part : t.partitions) {
      CHECK(part.replicas.size() == 3);
      ++leaders[part.leader];
    }
  }
  CHECK(leaders.size() >= 1);
}

TEST_CASE("a created topic takes produce on every broker at once", "[cluster]") {
  test_cluster cluster(3);
  auto c = cluster.connect();
  REQUIRE(cluster.wait_for(
      *c, [](const cairn::cluster_description& d) { return cairn::testing::all_alive(d, 3); }));
  cairn::admin admin(*c);
  constexpr int kFreshPartitions = 6;
  auto created =
      admin.create_topic("fresh", {.partitions = kFreshPartitions, .replication_factor = 3});
  if (!created) FAIL("create_topic: " << created.error().message());

  // No waiting: the answer to CreateTopics came once the partitions had leaders and replicas.
  auto now = admin.describe_cluster();
  REQUIRE(now);
  INFO(cairn::testing::describe(now.value(), "fresh"));
  CHECK(all_led(now.value(), "fresh"));
  for (int id = 1; id <= cluster.size(); ++id) {
    // A client that knows only this broker, and a producer that must not need a single retry.
    auto only = cairn::client::create({.bootstrap = {cluster.bootstrap().at(id - 1)}});
    REQUIRE(only);
    std::mutex mu;  // the callback runs on the client's thread
    std::vector<std::string> retried;
    auto p = cairn::producer::create(
        *only.value(),
        {.linger_ms = 1,
         .on_retriable_error = [&](const cairn::topic_partition& tp, std::error_code ec) {
           std::lock_guard lock(mu);
           retried.push_back(std::to_string(tp.partition) + ": " + ec.message());
         }});
    REQUIRE(p);
    std::vector<std::future<cairn::delivery_result>> sent;
    for (int partition = 0; partition < kFreshPartitions; ++partition) {
      sent.push_back(p.value()->send({.topic = "fresh",
                                      .value = "from broker " + std::to_string(id),
                                      .partition = partition}));
    }
    for (auto& s : sent) {
      REQUIRE(s.wait_for(30s) == std::future_status::ready);
      auto r = s.get();
      if (!r) FAIL("broker " << id << ": " << r.error().message());
    }
    REQUIRE(p.value()->flush());
    std::lock_guard lock(mu);
    INFO("bootstrap broker " << id);
    CHECK(retried.empty());
  }
}

namespace {

// Restarts brokers 1..count onto the cluster's current map, one at a time, each seen alive again
// (by whichever broker answers, some still on the old map) before the next goes.
void roll_brokers(test_cluster& cluster, cairn::client& c, int count) {
  for (int id = 1; id <= count; ++id) {
    cluster.roll(id);
    REQUIRE(cluster.wait_for(c, [id](const cairn::cluster_description& d) {
      return d.controller_id > 0 && std::ranges::any_of(d.brokers, [id](const auto& b) {
               return b.node_id == id && b.alive;
             });
    }));
  }
}

// Restarts brokers 1..count onto the cluster's current map as roll_brokers does, but the
// controller last: while the others restart it keeps the lead, and once they are on the smaller
// map they refuse a leaving broker's vote requests, so the election its own restart starts cannot
// go to the broker being taken out (docs/replication.md, "Removing a broker").
void roll_brokers_controller_last(test_cluster& cluster, cairn::client& c, int count) {
  std::int32_t controller = 0;
  REQUIRE(cluster.wait_for(c, [&controller](const cairn::cluster_description& d) {
    controller = d.controller_id;
    return d.controller_id > 0;
  }));
  std::vector<int> order;
  for (int id = 1; id <= count; ++id) {
    if (id != controller) order.push_back(id);
  }
  if (controller <= count) order.push_back(controller);
  for (int id : order) {
    cluster.roll(id);
    REQUIRE(cluster.wait_for(c, [id](const cairn::cluster_description& d) {
      return d.controller_id > 0 && std::ranges::any_of(d.brokers, [id](const auto& b) {
               return b.node_id == id && b.alive;
             });
    }));
  }
}

bool voters_are(const cairn::cluster_description& d, const std::set<std::int32_t>& expected) {
  std::set<std::int32_t> voters;
  for (const auto& b : d.brokers) {
    if (b.in_controller == cairn::controller_role::voter) voters.insert(b.node_id);
  }
  return voters == expected && d.controller_id > 0;
}

}  // namespace

TEST_CASE("a broker joins a running cluster, votes in the controller and takes new topics",
          "[cluster]") {
  test_cluster cluster(4, {}, /*running=*/3);
  auto c = cluster.connect();
  REQUIRE(cluster.wait_for(*c, [](const cairn::cluster_description& d) {
    return voters_are(d, {1, 2, 3}) && count_alive(d) == 3;
  }));
  create_replicated_topic(cluster, *c, "before");
  auto p = cairn::producer::create(*c, {.linger_ms = 1, .retry_backoff_ms = 50});
  REQUIRE(p);
  std::vector<acknowledged> acks = produce(*p.value(), "before", 0, 100);

  // The documented procedure: start the new broker with the larger map and --join, then restart
  // the others onto that map, one at a time, each back before the next goes.
  cluster.join(4);
  roll_brokers(cluster, *c, 3);
  // The controller adds broker 4 as a learner, and promotes it once it has the whole log.
  REQUIRE(cluster.wait_for(*c, [](const cairn::cluster_description& d) {
    return voters_are(d, {1, 2, 3, 4});
  }));

  // New topics spread over four brokers; the old one stays where it was (as in Kafka, moving
  // partitions is a separate reassignment).
  cairn::admin admin(*c);
  auto created = admin.create_topic("after", {.partitions = 4, .replication_factor = 3});
  if (!created) FAIL("create_topic: " << created.error().message());
  // Brokers that host none of a partition learn its leader by gossip: wait (bounded) for that.
  REQUIRE(cluster.wait_for(
      *c, [](const cairn::cluster_description& d) { return topic_ready(d, "after", 3); }));
  auto d = admin.describe_cluster();
  REQUIRE(d);
  int hosted_by_new = 0;
  for (const auto& t : d.value().topics) {
    if (t.name != "after") continue;
    for (const auto& part : t.partitions)
      hosted_by_new += std::ranges::count(part.replicas, 4) > 0 ? 1 : 0;
  }
  CHECK(hosted_by_new >= 2);  // 12 replicas over 4 brokers: 3 each

  auto more = produce(*p.value(), "before", 100, 100);
  acks.insert(acks.end(), more.begin(), more.end());
  check_exactly_once(acks, read_all(*c, "before", acks.size()));
  auto fresh = produce(*p.value(), "after", 0, 100);
  CHECK(fresh.size() == 100);

  // A quorum of the four: with broker 1 gone, the other three still change topics.
  cluster.kill(1);
  REQUIRE(cluster.wait_for(*c, [](const cairn::cluster_description& d) {
    return d.controller_id > 1 && count_alive(d) == 3;
  }));
  auto third = admin.create_topic("third", {.partitions = 1, .replication_factor = 3});
  if (!third) FAIL("create_topic with broker 1 down: " << third.error().message());
}

TEST_CASE("a broker taken out of the map leaves the controller's group", "[cluster]") {
  test_cluster cluster(4);
  auto c = cluster.connect();
  REQUIRE(cluster.wait_for(*c, [](const cairn::cluster_description& d) {
    return voters_are(d, {1, 2, 3, 4}) && count_alive(d) == 4;
  }));
  // The broker taken out must not lead the controller while the others roll: a restarted broker
  // refuses Replicate from a node outside its map, so a controller on broker 4 never sees the
  // rolled broker alive, and keeps the lead with the brokers still on the old map (a known gap:
  // docs/replication.md, "Brokers join and leave"). Restarting broker 4 on the old map hands the
  // lead to another broker; a few rounds bound the wait.
  std::int32_t controller = 0;
  for (int round = 0; round < 5; ++round) {
    REQUIRE(cluster.wait_for(*c, [&controller](const cairn::cluster_description& d) {
      controller = d.controller_id;
      return d.controller_id > 0 && count_alive(d) == 4;
    }));
    if (controller != 4) break;
    cluster.roll(4);
  }
  REQUIRE(controller != 4);
  cluster.leave(4);
  roll_brokers_controller_last(cluster, *c, 3);
  // Once every broker has the smaller map, the controller removes broker 4 from its group.
  REQUIRE(cluster.wait_for(*c, [](const cairn::cluster_description& d) {
    return d.brokers.size() == 3 && voters_are(d, {1, 2, 3});
  }));
  cluster.stop(4);
  // Brokers 1 and 2 alone are a quorum of three voters, not of four: the create below works
  // only if broker 4 really left the group.
  cluster.kill(3);
  cairn::admin admin(*c);
  REQUIRE(cluster.wait_for(*c, [](const cairn::cluster_description& d) {
    return d.controller_id == 1 || d.controller_id == 2;
  }));
  auto made = admin.create_topic("after-leave", {.partitions = 1, .replication_factor = 2});
  if (!made) FAIL("create_topic with two of three voters: " << made.error().message());
}

TEST_CASE("a consumer group outlives its coordinator's SIGKILL with its offsets", "[cluster]") {
  test_cluster cluster(3, {"--group-initial-rebalance-delay-ms", "0"});
  auto c = cluster.connect();
  create_replicated_topic(cluster, *c, "events");
  REQUIRE(cluster.wait_for(*c, [](const cairn::cluster_description& d) {
    return topic_ready(d, "__consumer_offsets", 3);
  }));
  auto p = cairn::producer::create(*c, {.linger_ms = 1, .retry_backoff_ms = 50});
  REQUIRE(p);
  std::map<cairn::topic_partition, std::int64_t> end;  // per partition: past its last record
  auto produce_more = [&](int first) {
    for (const acknowledged& a : produce(*p.value(), "events", first, 300)) {
      std::int64_t& e = end[{"events", a.partition}];
      e = std::max(e, a.offset + 1);
    }
  };
  produce_more(0);

  auto member_client = cluster.connect();
  cairn::consumer member(*member_client,
                         {.session_timeout_ms = 6'000, .heartbeat_interval_ms = 500});
  REQUIRE(member.subscribe({"events"}, "billing"));
  std::set<std::string> seen;
  // Reads (bounded) until `want` distinct records came; poll() returns errors a retry fixes.
  auto read_until = [&](std::size_t want) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (seen.size() < want && std::chrono::steady_clock::now() < deadline) {
      auto polled = member.poll(200);
      if (!polled) continue;
      for (const auto& r : polled.value())
        seen.insert(r.value.value_or(""));
    }
    return seen.size() >= want;
  };
  REQUIRE(read_until(300));
  REQUIRE(member.commit());
  const auto first_end = end;

  // The coordinator is the leader of the group's __consumer_offsets partition: kill it.
  cairn::admin admin(*c);
  auto before = admin.describe_cluster();
  REQUIRE(before);
  const std::int32_t coordinator = leader_of(before.value(), "__consumer_offsets",
                                             cairn::protocol::partition_for_key("billing", 8));
  REQUIRE(coordinator > 0);
  cluster.kill(coordinator);

  // The group's offsets as the new coordinator has them (rebuilt from its log), bounded wait.
  auto stored_offsets = [&]() -> std::optional<std::map<cairn::topic_partition, std::int64_t>> {
    auto described = admin.describe_group("billing");
    if (!described) return std::nullopt;
    std::map<cairn::topic_partition, std::int64_t> stored;
    for (const auto& g : described.value().partitions) {
      if (g.committed) stored[g.partition] = *g.committed;
    }
    return stored;
  };
  std::optional<std::map<cairn::topic_partition, std::int64_t>> after_kill;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!after_kill && std::chrono::steady_clock::now() < deadline) {
    (void)member.poll(100);  // the member keeps heartbeating through the move
    after_kill = stored_offsets();
  }
  REQUIRE(after_kill);
  CHECK(*after_kill == first_end);
  auto moved = admin.describe_cluster();
  REQUIRE(moved);
  const std::int32_t successor = leader_of(moved.value(), "__consumer_offsets",
                                           cairn::protocol::partition_for_key("billing", 8));
  CHECK(successor > 0);
  CHECK(successor != coordinator);

  // The member goes on: it reads what comes next and commits it at the new coordinator.
  produce_more(300);
  REQUIRE(read_until(600));
  bool committed = false;
  while (!committed && std::chrono::steady_clock::now() < deadline + 30s) {
    (void)member.poll(100);  // a rejoin after the move runs inside poll()
    committed = static_cast<bool>(member.commit(end));
  }
  REQUIRE(committed);
  member.close();
  auto final_offsets = stored_offsets();
  REQUIRE(final_offsets);
  CHECK(*final_offsets == end);
}
