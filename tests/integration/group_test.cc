// The SDK's consumer groups against real cairn-broker processes: rebalances as members come and
// go (cooperative-sticky moves only what must move), a member killed with SIGKILL in another
// process (the `cairn consume -g` CLI), a zombie's commit, offsets across a broker restart, and
// pause/resume. Every wait is bounded; waits are for events (listener callbacks, output lines)
// wherever one exists.
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cairn/admin.h"
#include "cairn/consumer.h"
#include "cairn/producer.h"
#include "tests/integration/cli_process.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"

namespace {

using cairn::topic_partition;
using cairn::testing::broker_process;
using cairn::testing::cli_process;
using cairn::testing::temp_dir;
using namespace std::chrono_literals;
using tp_set = std::set<topic_partition>;

// Groups start their first rebalance at once (the broker's default waits 3 s for more members).
const std::vector<std::string> kBrokerArgs = {"--group-initial-rebalance-delay-ms", "0",
                                              "--offsets-partitions", "3"};

std::string address(const broker_process& b) {
  return "127.0.0.1:" + std::to_string(b.port());
}

std::unique_ptr<cairn::client> connect(const std::string& addr) {
  auto c = cairn::client::create({.bootstrap = {addr}});
  REQUIRE(c);
  return std::move(c).value();
}

// A group member's short session: the broker's minimum, so a dead member goes quickly.
cairn::consumer_options short_session() {
  cairn::consumer_options o;
  o.session_timeout_ms = 6'000;
  o.heartbeat_interval_ms = 1'000;
  return o;
}

struct seen_record {
  std::string member;
  topic_partition tp;
  std::int64_t offset;
};

// What the members' listeners and poll loops saw, shared with the test thread.
struct tracker {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, tp_set> owned;
  std::map<std::string, std::vector<std::vector<topic_partition>>> revoked;
  std::map<std::string, std::vector<std::vector<topic_partition>>> lost;
  std::map<std::string, std::vector<std::vector<topic_partition>>> assigned;
  std::vector<seen_record> records;
  std::vector<std::string> errors;  // Catch assertions are for the test thread: members log here

  // Reads the tracker under its lock (members update it from their threads).
  template <class F>
  auto locked(F f) {
    std::lock_guard lock(mutex);
    return f();
  }

  template <class Pred>
  bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return pred(); });
  }

  cairn::rebalance_listener listener_for(const std::string& name) {
    cairn::rebalance_listener l;
    l.on_assigned = [this, name](const std::vector<topic_partition>& tps) {
      std::lock_guard lock(mutex);
      owned[name].insert(tps.begin(), tps.end());
      assigned[name].push_back(tps);
      changed.notify_all();
    };
    l.on_revoked = [this, name](const std::vector<topic_partition>& tps) {
      std::lock_guard lock(mutex);
      for (const auto& tp : tps)
        owned[name].erase(tp);
      revoked[name].push_back(tps);
      changed.notify_all();
    };
    l.on_lost = [this, name](const std::vector<topic_partition>& tps) {
      std::lock_guard lock(mutex);
      for (const auto& tp : tps)
        owned[name].erase(tp);
      lost[name].push_back(tps);
      changed.notify_all();
    };
    return l;
  }
};

// One group member on its own thread and its own client, as a separate service would run it:
// poll, record, commit, until stop() (which closes the consumer: it leaves the group).
class member {
 public:
  member(tracker& t, std::string name, std::string addr, std::string group, std::string topic,
         cairn::consumer_options options = short_session())
      : tracker_(t), name_(std::move(name)) {
    thread_ =
        std::thread([this, addr = std::move(addr), group = std::move(group),
                     topic = std::move(topic), options] { run(addr, group, topic, options); });
  }
  ~member() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run(const std::string& addr, const std::string& group, const std::string& topic,
           cairn::consumer_options options) {
    auto created = cairn::client::create({.bootstrap = {addr}});
    if (!created) return note("client: " + created.error().message());
    auto client = std::move(created).value();
    cairn::consumer c(*client, options);
    if (auto s = c.subscribe({topic}, group, tracker_.listener_for(name_)); !s) {
      return note("subscribe: " + s.error().message());
    }
    while (!stop_) {
      auto records = c.poll(200);
      if (!records) {
        note("poll: " + records.error().message());
        continue;
      }
      if (records.value().empty()) continue;
      {
        std::lock_guard lock(tracker_.mutex);
        for (const auto& r : records.value())
          tracker_.records.push_back({name_, {r.topic, r.partition}, r.offset});
        tracker_.changed.notify_all();
      }
      if (auto committed = c.commit(); !committed) note("commit: " + committed.error().message());
    }
    c.close();
  }

  void note(const std::string& what) {
    std::lock_guard lock(tracker_.mutex);
    tracker_.errors.push_back(name_ + ": " + what);
  }

  tracker& tracker_;
  std::string name_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void produce(cairn::client& c, const std::string& topic, std::int32_t partitions, int per_partition,
             const std::string& tag) {
  auto p = cairn::producer::create(c);
  REQUIRE(p);
  for (std::int32_t part = 0; part < partitions; ++part) {
    for (int i = 0; i < per_partition; ++i) {
      p.value()->send({.topic = topic,
                       .key = std::nullopt,
                       .value = tag + "-" + std::to_string(part) + "-" + std::to_string(i),
                       .partition = part},
                      [](const cairn::delivery_result&) {});
    }
  }
  REQUIRE(p.value()->flush(30'000));
}

tp_set all_partitions(const std::string& topic, std::int32_t n) {
  tp_set out;
  for (std::int32_t i = 0; i < n; ++i)
    out.insert({topic, i});
  return out;
}

// Each member owns `share` partitions and together they own all of them, once each.
bool split_evenly(const tracker& t, const std::vector<std::string>& members, std::size_t share,
                  const tp_set& all) {
  tp_set seen;
  for (const auto& m : members) {
    auto it = t.owned.find(m);
    if (it == t.owned.end() || it->second.size() != share) return false;
    for (const auto& tp : it->second) {
      if (!seen.insert(tp).second) return false;
    }
  }
  return seen == all;
}

// The broker's view: Stable, these many members, whose decoded assignments are `expected`.
void check_broker_view(cairn::admin& adm, const std::string& group,
                       const std::map<std::string, tp_set>& expected_by_member_share) {
  // The group settles a moment after the members' callbacks ran (the last heartbeats or a
  // follow-up sync); ask a few times.
  cairn::group_description d;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto described = adm.describe_group(group);
    REQUIRE(described);
    d = described.value();
    if (d.state == "Stable" && d.members.size() == expected_by_member_share.size()) break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(d.state == "Stable");
  CHECK(d.protocol_name == "cooperative-sticky");
  REQUIRE(d.members.size() == expected_by_member_share.size());
  std::multiset<tp_set> broker_sets;
  for (const auto& m : d.members)
    broker_sets.insert(tp_set(m.assignment.begin(), m.assignment.end()));
  std::multiset<tp_set> member_sets;
  for (const auto& [name, set] : expected_by_member_share)
    member_sets.insert(set);
  CHECK(broker_sets == member_sets);
}

}  // namespace

TEST_CASE(
    "sdk group: 1 then 3 then 2 members share 6 partitions and cooperative-sticky moves only what "
    "must move",
    "[sdk][group]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto c = connect(address(broker));
  cairn::admin adm(*c);
  REQUIRE(adm.create_topic("orders", {.partitions = 6}));
  produce(*c, "orders", 6, 10, "first");
  const tp_set all = all_partitions("orders", 6);
  tracker t;

  member a(t, "a", address(broker), "g", "orders");
  REQUIRE(t.wait_for([&] { return split_evenly(t, {"a"}, 6, all); }, 30s));
  tp_set a_alone = t.locked([&] { return t.owned["a"]; });

  member b(t, "b", address(broker), "g", "orders");
  member c3(t, "c", address(broker), "g", "orders");
  REQUIRE(t.wait_for([&] { return split_evenly(t, {"a", "b", "c"}, 2, all); }, 60s));
  {
    std::lock_guard lock(t.mutex);
    // a gave up exactly the four partitions that moved, in one revocation; b and c gave up none.
    REQUIRE(t.revoked["a"].size() == 1);
    CHECK(t.revoked["a"][0].size() == 4);
    CHECK(t.revoked["b"].empty());
    CHECK(t.revoked["c"].empty());
    CHECK(t.lost.empty());
    for (const auto& tp : t.owned["a"])
      CHECK(a_alone.contains(tp));  // what a kept, it had
  }
  check_broker_view(adm, "g", t.locked([&] { return t.owned; }));

  std::map<std::string, tp_set> before;
  {
    std::lock_guard lock(t.mutex);
    before = t.owned;
  }
  c3.stop();  // closes: revokes its two partitions and leaves the group
  REQUIRE(t.wait_for([&] { return split_evenly(t, {"a", "b"}, 3, all); }, 60s));
  {
    std::lock_guard lock(t.mutex);
    CHECK(t.revoked["a"].size() == 1);  // nothing more revoked from a or b: only c's moved
    CHECK(t.revoked["b"].empty());
    for (const auto& name : {"a", "b"}) {
      for (const auto& tp : before[name])
        CHECK(t.owned[name].contains(tp));
    }
    CHECK(t.lost.empty());
  }
  auto owned = t.locked([&] { return t.owned; });
  owned.erase("c");
  check_broker_view(adm, "g", owned);

  // Every record, old and new, reached some member (the commits carried positions over).
  produce(*c, "orders", 6, 10, "second");
  auto everything_read = [&] {
    std::set<std::pair<topic_partition, std::int64_t>> read;
    for (const auto& r : t.records)
      read.insert({r.tp, r.offset});
    return read.size() == 120;
  };
  CHECK(t.wait_for(everything_read, 30s));
  std::lock_guard lock(t.mutex);
  for (const auto& e : t.errors)
    WARN(e);  // commits refused mid-rebalance are expected; anything else shows here
}

TEST_CASE(
    "sdk group: a member killed with SIGKILL loses its partitions after the session timeout and no "
    "record is lost",
    "[sdk][group][kill]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto c = connect(address(broker));
  cairn::admin adm(*c);
  REQUIRE(adm.create_topic("work", {.partitions = 6}));
  produce(*c, "work", 6, 20, "one");

  // The CLI joins first and takes everything; then an in-process member takes half.
  cli_process cli(CAIRN_CLI_PATH, {"-b", address(broker), "consume", "work", "-g", "workers",
                                   "--session-timeout-ms", "6000", "--format", "json"});
  auto assigned_line = [](const std::string& l) { return l.find("assigned") != std::string::npos; };
  REQUIRE(cli.wait_err(assigned_line, 30s));
  tracker t;
  member a(t, "a", address(broker), "workers", "work");
  REQUIRE(t.wait_for([&] { return t.owned["a"].size() == 3; }, 60s));

  // Records the CLI prints, as (partition, offset).
  auto cli_records = [&] {
    std::vector<std::pair<std::int32_t, std::int64_t>> out;
    for (const auto& line : cli.out_lines()) {
      auto v = boost::json::parse(line).as_object();
      out.emplace_back(static_cast<std::int32_t>(v.at("partition").as_int64()),
                       v.at("offset").as_int64());
    }
    return out;
  };
  tp_set cli_partitions;
  for (const auto& tp : all_partitions("work", 6)) {
    std::lock_guard lock(t.mutex);
    if (!t.owned["a"].contains(tp)) cli_partitions.insert(tp);
  }
  produce(*c, "work", 6, 20, "two");
  // Kill it while it works: once it has printed some of the second batch.
  REQUIRE(cli.wait_out(
      [&](const std::vector<std::string>& lines) {
        for (const auto& l : lines) {
          if (l.find("\"value\":\"two-") != std::string::npos) return true;
        }
        return false;
      },
      30s));
  auto killed_at = std::chrono::steady_clock::now();
  cli.signal_and_wait(SIGKILL);
  // Its last commits: nobody else commits its partitions until they move.
  auto described = adm.describe_group("workers");
  REQUIRE(described);
  std::map<std::int32_t, std::int64_t> committed_at_kill;
  for (const auto& p : described.value().partitions) {
    if (p.committed) committed_at_kill[p.partition.partition] = *p.committed;
  }
  produce(*c, "work", 6, 20, "three");

  REQUIRE(t.wait_for([&] { return t.owned["a"].size() == 6; }, 60s));
  auto moved_after = std::chrono::steady_clock::now() - killed_at;
  INFO("partitions moved "
       << std::chrono::duration_cast<std::chrono::milliseconds>(moved_after).count()
       << " ms after the kill");
  CHECK(moved_after >= 3s);  // not before the session could expire (6 s, heartbeats every 2 s)
  {
    std::lock_guard lock(t.mutex);
    CHECK(t.lost["a"].empty());  // a itself lost nothing
  }

  // Every record of every partition was read, by the CLI before it died or by a.
  auto all_read = [&] {
    std::set<std::pair<std::int32_t, std::int64_t>> read;
    for (const auto& r : t.records)
      read.insert({r.tp.partition, r.offset});
    for (const auto& r : cli_records())
      read.insert(r);
    return read.size() == 6 * 60;
  };
  REQUIRE(t.wait_for(all_read, 60s));

  // Duplicates come only from the CLI's uncommitted window: its partitions, at or after its last
  // commit.
  std::map<std::pair<std::int32_t, std::int64_t>, int> times;
  for (const auto& r : cli_records())
    ++times[r];
  std::lock_guard lock(t.mutex);
  for (const auto& r : t.records)
    ++times[{r.tp.partition, r.offset}];
  int duplicates = 0;
  for (const auto& [key, n] : times) {
    if (n == 1) continue;
    ++duplicates;
    INFO("partition " << key.first << " offset " << key.second << " read " << n << " times");
    CHECK(cli_partitions.contains({"work", key.first}));
    CHECK(key.second >= committed_at_kill[key.first]);
  }
  INFO(duplicates << " duplicates");
  CHECK(duplicates <= 3 * 40);
}

TEST_CASE("sdk group: a zombie from an old generation cannot commit", "[sdk][group][zombie]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto c = connect(address(broker));
  cairn::admin adm(*c);
  REQUIRE(adm.create_topic("ledger", {.partitions = 2}));
  produce(*c, "ledger", 2, 5, "x");

  // The zombie: its own client, a long max poll interval (so only its session can end it).
  tracker t;
  auto zombie_client = connect(address(broker));
  auto options = short_session();
  options.rebalance_timeout_ms = 60'000;
  cairn::consumer z(*zombie_client, options);
  REQUIRE(z.subscribe({"ledger"}, "books", t.listener_for("z")));
  for (int i = 0; i < 100 && t.owned["z"].size() < 2; ++i)
    REQUIRE(z.poll(200));
  REQUIRE(t.owned["z"].size() == 2);
  auto zombie_generation = z.group_membership()->generation;
  REQUIRE(z.commit({{{"ledger", 0}, 1}}));

  // Freeze its whole client (a stop-the-world pause): no heartbeats, no answers.
  std::promise<void> thaw;
  std::shared_future<void> thawed = thaw.get_future().share();
  std::promise<void> frozen;
  boost::asio::post(zombie_client->executor(), [&frozen, thawed] {
    frozen.set_value();
    thawed.wait_for(120s);
  });
  frozen.get_future().wait();
  struct thaw_on_exit {
    std::promise<void>& p;
    bool done = false;
    void now() {
      if (!done) p.set_value();
      done = true;
    }
    ~thaw_on_exit() { now(); }
  } thawing{thaw};

  // Its session expires; the successor takes over and commits the end.
  member y(t, "y", address(broker), "books", "ledger");
  REQUIRE(t.wait_for([&] { return t.owned["y"].size() == 2; }, 60s));
  REQUIRE(t.wait_for(
      [&] {
        std::set<std::int64_t> read;
        for (const auto& r : t.records)
          if (r.member == "y" && r.tp.partition == 0) read.insert(r.offset);
        return read.contains(4);
      },
      30s));
  // y commits after each poll; wait for that commit to show.
  std::int64_t successor_commit = -1;
  for (int attempt = 0; attempt < 50 && successor_commit != 5; ++attempt) {
    auto d = adm.describe_group("books");
    REQUIRE(d);
    for (const auto& p : d.value().partitions) {
      if (p.partition.partition == 0 && p.committed) successor_commit = *p.committed;
    }
    if (successor_commit != 5) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(successor_commit == 5);

  thawing.now();
  auto refused = z.commit({{{"ledger", 0}, 2}});  // an old offset, from the old generation
  REQUIRE_FALSE(refused);
  INFO("zombie commit: " << refused.error().message());
  // The coordinator removed it when its session expired (unknown_member_id); a member still in
  // the group with a stale generation gets illegal_generation. Either way: fenced.
  CHECK((refused.error() == cairn::protocol::errc::unknown_member_id ||
         refused.error() == cairn::protocol::errc::illegal_generation));
  auto d = adm.describe_group("books");
  REQUIRE(d);
  for (const auto& p : d.value().partitions) {
    if (p.partition.partition == 0) CHECK(p.committed == 5);  // the successor's commit stands
  }
  CHECK(d.value().generation > zombie_generation);

  // Its next poll reports the partitions lost (not revoked) and rejoins.
  for (int i = 0; i < 200 && t.locked([&] { return t.lost["z"].empty(); }); ++i)
    REQUIRE(z.poll(100));
  std::lock_guard lock(t.mutex);
  REQUIRE(t.lost["z"].size() == 1);
  CHECK(t.lost["z"][0].size() == 2);
  CHECK(t.revoked["z"].empty());
}

TEST_CASE("sdk group: committed offsets survive a broker restart", "[sdk][group][restart]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto c = connect(address(broker));
  {
    cairn::admin adm(*c);
    REQUIRE(adm.create_topic("durable", {.partitions = 2}));
  }
  produce(*c, "durable", 2, 10, "old");
  {
    cairn::consumer first(*c, short_session());
    REQUIRE(first.subscribe({"durable"}, "keeper"));
    std::size_t read = 0;
    for (int i = 0; i < 100 && read < 20; ++i) {
      auto records = first.poll(200);
      REQUIRE(records);
      read += records.value().size();
    }
    REQUIRE(read == 20);
    REQUIRE(first.commit());
  }  // closes: leaves the group

  broker.stop();
  broker.start();  // same data directory, a new port
  REQUIRE(c->reset_bootstrap({address(broker)}));
  produce(*c, "durable", 2, 3, "new");

  cairn::consumer second(*c, short_session());
  REQUIRE(second.subscribe({"durable"}, "keeper"));
  auto committed = second.committed({{"durable", 0}, {"durable", 1}});
  REQUIRE(committed);
  CHECK(committed.value() ==
        std::map<topic_partition, std::int64_t>{{{"durable", 0}, 10}, {{"durable", 1}, 10}});
  std::vector<cairn::consumer_record> got;
  for (int i = 0; i < 100 && got.size() < 6; ++i) {
    auto records = second.poll(200);
    REQUIRE(records);
    got.insert(got.end(), records.value().begin(), records.value().end());
  }
  REQUIRE(got.size() == 6);
  for (const auto& r : got) {
    CHECK(r.offset >= 10);  // started at the committed offset, not at the beginning
    CHECK(r.value->starts_with("new-"));
  }
}

TEST_CASE("sdk group: assign and subscribe are exclusive and pause stops fetching until resume",
          "[sdk][group]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto c = connect(address(broker));
  cairn::admin adm(*c);
  REQUIRE(adm.create_topic("pp", {.partitions = 2}));

  cairn::consumer manual(*c);
  manual.assign({{"pp", 0}});
  auto refused = manual.subscribe({"pp"}, "g");
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == cairn::sdk::errc::subscription_conflict);
  auto no_group = manual.commit();
  REQUIRE_FALSE(no_group);
  CHECK(no_group.error() == cairn::sdk::errc::not_subscribed);

  tracker t;
  cairn::consumer grouped(*c, short_session());
  REQUIRE(grouped.subscribe({"pp"}, "g", t.listener_for("m")));
  auto conflict = grouped.try_assign({{"pp", 1}});
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error() == cairn::sdk::errc::subscription_conflict);
  for (int i = 0; i < 100 && t.owned["m"].size() < 2; ++i)
    REQUIRE(grouped.poll(100));
  REQUIRE(t.owned["m"].size() == 2);

  REQUIRE(grouped.pause({{"pp", 0}}));
  CHECK(grouped.paused() == std::vector<topic_partition>{{"pp", 0}});
  produce(*c, "pp", 2, 3, "v");
  std::vector<cairn::consumer_record> got;
  for (int i = 0; i < 50 && got.size() < 3; ++i) {
    auto records = grouped.poll(100);
    REQUIRE(records);
    got.insert(got.end(), records.value().begin(), records.value().end());
  }
  REQUIRE(got.size() == 3);
  for (const auto& r : got)
    CHECK(r.partition == 1);
  auto more = grouped.poll(300);
  REQUIRE(more);
  CHECK(more.value().empty());  // partition 0 stays paused

  REQUIRE(grouped.resume({{"pp", 0}}));
  CHECK(grouped.paused().empty());
  got.clear();
  for (int i = 0; i < 50 && got.size() < 3; ++i) {
    auto records = grouped.poll(100);
    REQUIRE(records);
    got.insert(got.end(), records.value().begin(), records.value().end());
  }
  REQUIRE(got.size() == 3);
  for (const auto& r : got)
    CHECK(r.partition == 0);
  auto not_ours = grouped.pause({{"pp", 7}});
  REQUIRE_FALSE(not_ours);
  CHECK(not_ours.error() == cairn::sdk::errc::not_assigned);

  grouped.close();
  auto after_close = grouped.poll(0);
  REQUIRE_FALSE(after_close);
  CHECK(after_close.error() == cairn::sdk::errc::consumer_closed);
  std::lock_guard lock(t.mutex);
  CHECK(t.revoked["m"].size() == 1);  // close revokes what it owned
}

TEST_CASE("sdk group: a slow handler keeps its partitions until the max poll interval passes",
          "[sdk][group][slow]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto c = connect(address(broker));
  cairn::admin adm(*c);
  REQUIRE(adm.create_topic("slow", {.partitions = 2}));
  tracker t;
  auto options = short_session();
  options.rebalance_timeout_ms = 9'000;  // the max poll interval
  cairn::consumer slow(*c, options);
  REQUIRE(slow.subscribe({"slow"}, "patient", t.listener_for("s")));
  for (int i = 0; i < 100 && t.owned["s"].size() < 2; ++i)
    REQUIRE(slow.poll(100));
  REQUIRE(t.owned["s"].size() == 2);
  auto generation = slow.group_membership()->generation;
  auto member_id = slow.group_membership()->member_id;

  // Handling a record takes longer than the session timeout: the io thread's heartbeats keep
  // the member in the group.
  std::this_thread::sleep_for(7s);  // the handler's work, not a wait for an event
  REQUIRE(slow.poll(100));
  CHECK(t.lost["s"].empty());
  CHECK(t.owned["s"].size() == 2);
  CHECK(slow.group_membership()->generation == generation);

  // Stuck past the max poll interval: the member leaves the group (Kafka's rule) ...
  // (A group left with no members and no offsets is forgotten: not found counts as left.)
  bool left = false;
  for (int attempt = 0; attempt < 150 && !left; ++attempt) {
    std::this_thread::sleep_for(100ms);
    auto d = adm.describe_group("patient");
    left = d ? d.value().members.empty() : d.error() == cairn::protocol::errc::group_id_not_found;
  }
  CHECK(left);
  // ... and learns at its next poll that its partitions were lost, then joins again.
  for (int i = 0; i < 100 && (t.lost["s"].empty() || t.owned["s"].size() < 2); ++i)
    REQUIRE(slow.poll(100));
  CHECK(t.lost["s"].size() == 1);
  CHECK(t.owned["s"].size() == 2);
  CHECK(slow.group_membership()->member_id != member_id);  // a new member (the group may be too)
}

TEST_CASE("sdk group: auto commit commits on its interval and at close", "[sdk][group]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto c = connect(address(broker));
  cairn::admin adm(*c);
  REQUIRE(adm.create_topic("auto", {.partitions = 1}));
  produce(*c, "auto", 1, 5, "a");
  auto options = short_session();
  options.auto_commit = true;
  options.auto_commit_interval_ms = 200;
  {
    cairn::consumer consumer(*c, options);
    REQUIRE(consumer.subscribe({"auto"}, "autos"));
    std::size_t read = 0;
    for (int i = 0; i < 100 && read < 5; ++i) {
      auto records = consumer.poll(100);
      REQUIRE(records);
      read += records.value().size();
    }
    REQUIRE(read == 5);
    std::map<topic_partition, std::int64_t> committed;
    for (int i = 0; i < 50 && committed[{"auto", 0}] != 5; ++i) {
      REQUIRE(consumer.poll(100));  // the interval's commit happens inside poll()
      auto got = consumer.committed({{"auto", 0}});
      REQUIRE(got);
      committed = got.value();
    }
    CHECK(committed[{"auto", 0}] == 5);
    produce(*c, "auto", 1, 2, "b");
    read = 0;
    for (int i = 0; i < 100 && read < 2; ++i) {
      auto records = consumer.poll(100);
      REQUIRE(records);
      read += records.value().size();
    }
    REQUIRE(read == 2);
  }  // the destructor closes: it commits the last two before leaving
  auto d = adm.describe_group("autos");
  REQUIRE(d);
  REQUIRE(d.value().partitions.size() == 1);
  CHECK(d.value().partitions[0].committed == 7);
  CHECK(d.value().members.empty());
}

TEST_CASE(
    "sdk group: a static member that restarts within its session gets its partitions back without "
    "a rebalance",
    "[sdk][group][static]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto c = connect(address(broker));
  cairn::admin adm(*c);
  REQUIRE(adm.create_topic("st", {.partitions = 2}));
  auto options = short_session();
  options.session_timeout_ms = 30'000;  // a restart takes less
  options.group_instance_id = "worker-1";
  std::int32_t generation = -1;
  {
    tracker t;
    cairn::consumer first(*c, options);
    REQUIRE(first.subscribe({"st"}, "statics", t.listener_for("first")));
    for (int i = 0; i < 100 && t.owned["first"].size() < 2; ++i)
      REQUIRE(first.poll(100));
    REQUIRE(t.owned["first"].size() == 2);
    generation = first.group_membership()->generation;
  }  // closes without LeaveGroup: a static member stays until its session ends
  auto d = adm.describe_group("statics");
  REQUIRE(d);
  CHECK(d.value().state == "Stable");
  REQUIRE(d.value().members.size() == 1);
  CHECK(d.value().members[0].group_instance_id == "worker-1");

  tracker t;
  cairn::consumer again(*c, options);
  REQUIRE(again.subscribe({"st"}, "statics", t.listener_for("again")));
  for (int i = 0; i < 100 && t.owned["again"].size() < 2; ++i)
    REQUIRE(again.poll(100));
  CHECK(t.owned["again"].size() == 2);
  CHECK(again.group_membership()->generation == generation);  // no rebalance happened
}

TEST_CASE("sdk group: an eager assignor revokes everything before every rebalance",
          "[sdk][group][eager]") {
  temp_dir dir;
  broker_process broker{CAIRN_BROKER_PATH, dir.path().string(), kBrokerArgs};
  auto c = connect(address(broker));
  cairn::admin adm(*c);
  REQUIRE(adm.create_topic("eager", {.partitions = 4}));
  const tp_set all = all_partitions("eager", 4);
  auto options = short_session();
  options.assignors = {"range"};
  tracker t;
  member a(t, "a", address(broker), "ranged", "eager", options);
  REQUIRE(t.wait_for([&] { return split_evenly(t, {"a"}, 4, all); }, 30s));
  member b(t, "b", address(broker), "ranged", "eager", options);
  REQUIRE(t.wait_for([&] { return split_evenly(t, {"a", "b"}, 2, all); }, 60s));
  auto d = adm.describe_group("ranged");
  REQUIRE(d);
  CHECK(d.value().protocol_name == "range");
  std::lock_guard lock(t.mutex);
  REQUIRE(t.revoked["a"].size() == 1);
  CHECK(t.revoked["a"][0].size() == 4);  // all of it, though it keeps two
  CHECK(t.revoked["b"].empty());
}
