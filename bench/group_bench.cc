// group_bench: consumer-group costs against a running broker, through the public SDK.
//
//   group_bench -b HOST:PORT [--members 10] [--partitions 60] [--commits 2000]
//               [--heartbeat-ms 1000]
//
// rebalance: `members` consumers (each with its own client, as separate services would) subscribe
//   at once to a topic of `partitions` partitions; the time from the first subscribe until every
//   partition is owned by exactly one member. Then one member closes (LeaveGroup) and the time
//   until the others own every partition again (cooperative-sticky moves only its partitions).
//   The others learn of that rebalance from their next heartbeat, so this time is about one
//   heartbeat interval plus the protocol's own cost: run it with two intervals to separate them.
// commit: one member commits the positions of all its partitions `commits` times in a row
//   (synchronous commits); commits/s and partition offsets/s. Baseline in the same run: the same
//   number of one-record acks=all produce round trips, the cheapest durable request there is.
//
// Start the broker with --group-initial-rebalance-delay-ms 0, or every first rebalance waits
// 3 s for more members (Kafka's group.initial.rebalance.delay.ms). Prints a table and one JSON
// line.
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "base/command_line.h"
#include "cairn/admin.h"
#include "cairn/consumer.h"
#include "cairn/producer.h"

namespace po = boost::program_options;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

std::unique_ptr<cairn::client> connect(const std::string& bootstrap, const std::string& id) {
  auto c = cairn::client::create({.bootstrap = {bootstrap}, .client_id = id});
  if (!c) {
    std::fprintf(stderr, "group_bench: %s\n", c.error().message().c_str());
    std::exit(1);
  }
  return std::move(c).value();
}

// One group member on its own client and thread, polling until told to stop.
class member {
 public:
  member(const std::string& bootstrap, const std::string& topic, const std::string& group, int i,
         std::int32_t heartbeat_ms)
      : client_(connect(bootstrap, "bench-" + std::to_string(i))),
        consumer_(*client_, {.session_timeout_ms = 10'000, .heartbeat_interval_ms = heartbeat_ms}) {
    auto subscribed = consumer_.subscribe({topic}, group);
    if (!subscribed) {
      std::fprintf(stderr, "group_bench: subscribe: %s\n", subscribed.error().message().c_str());
      std::exit(1);
    }
    thread_ = std::thread([this] {
      while (!stop_) {
        auto polled = consumer_.poll(50);
        if (!polled) continue;  // a rebalance or a moving coordinator: poll again
        auto owned = consumer_.assignment();
        std::lock_guard lock(mu_);
        owned_ = std::move(owned);
      }
      consumer_.close();
    });
  }
  ~member() { leave(); }

  void leave() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mu_);
    owned_.clear();
  }

  std::vector<cairn::topic_partition> owned() const {
    std::lock_guard lock(mu_);
    return owned_;
  }

 private:
  std::unique_ptr<cairn::client> client_;
  cairn::consumer consumer_;
  mutable std::mutex mu_;
  std::vector<cairn::topic_partition> owned_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Waits (bounded) until the members together own each of `partitions` exactly once.
bool wait_all_owned(const std::vector<std::unique_ptr<member>>& members, int partitions,
                    std::chrono::seconds limit) {
  auto deadline = clock_type::now() + limit;
  while (clock_type::now() < deadline) {
    std::multiset<std::int32_t> owned;
    for (const auto& m : members) {
      if (!m) continue;
      for (const auto& tp : m->owned())
        owned.insert(tp.partition);
    }
    bool exact = static_cast<int>(owned.size()) == partitions;
    for (int p = 0; exact && p < partitions; ++p)
      exact = owned.count(p) == 1;
    if (exact) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // sampling the members' views
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap = "127.0.0.1:7070";
  int members_count = 10;
  int partitions = 60;
  int commits = 2'000;
  std::int32_t heartbeat_ms = 1'000;
  po::options_description desc("group_bench");
  desc.add_options()("help,h", "show this help")(
      "bootstrap,b", po::value(&bootstrap)->default_value(bootstrap), "HOST:PORT")(
      "members", po::value(&members_count)->default_value(members_count), "group members")(
      "partitions", po::value(&partitions)->default_value(partitions), "topic partitions")(
      "commits", po::value(&commits)->default_value(commits), "synchronous commits to time")(
      "heartbeat-ms", po::value(&heartbeat_ms)->default_value(heartbeat_ms),
      "the members' heartbeat interval");
  po::variables_map vm;
  if (auto exit_code = cairn::parse_options("group_bench", argc, argv, desc, vm)) return *exit_code;

  auto admin_client = connect(bootstrap, "bench-admin");
  cairn::admin admin(*admin_client);
  std::string topic = "group-bench-" + std::to_string(::getpid());
  if (auto created = admin.create_topic(topic, {.partitions = partitions}); !created) {
    std::fprintf(stderr, "group_bench: create topic: %s\n", created.error().message().c_str());
    return 1;
  }
  std::string group = topic + "-group";

  // --- rebalance: everyone joins at once ---
  auto started = clock_type::now();
  std::vector<std::unique_ptr<member>> members;
  for (int i = 0; i < members_count; ++i)
    members.push_back(std::make_unique<member>(bootstrap, topic, group, i, heartbeat_ms));
  if (!wait_all_owned(members, partitions, std::chrono::seconds(60))) {
    std::fprintf(stderr, "group_bench: the group never owned every partition exactly once\n");
    return 1;
  }
  double join_s = seconds_since(started);

  // --- one member leaves ---
  started = clock_type::now();
  members.back()->leave();
  members.back().reset();
  if (!wait_all_owned(members, partitions, std::chrono::seconds(60))) {
    std::fprintf(stderr, "group_bench: the rest never took over the leaver's partitions\n");
    return 1;
  }
  double leave_s = seconds_since(started);
  members.clear();

  // --- commit throughput: one standalone member of its own group ---
  auto commit_client = connect(bootstrap, "bench-commit");
  cairn::consumer committer(*commit_client, {.session_timeout_ms = 10'000});
  if (auto s = committer.subscribe({topic}, group + "-commit"); !s) return 1;
  for (int i = 0; i < 200 && committer.assignment().size() < static_cast<std::size_t>(partitions);
       ++i) {
    (void)committer.poll(50);
  }
  std::map<cairn::topic_partition, std::int64_t> offsets;
  for (const auto& tp : committer.assignment())
    offsets[tp] = 0;
  started = clock_type::now();
  int failed = 0;
  for (int i = 0; i < commits; ++i) {
    for (auto& [tp, o] : offsets)
      o = i + 1;
    if (!committer.commit(offsets)) ++failed;
  }
  double commit_s = seconds_since(started);
  committer.close();

  // --- baseline: one-record produce round trips (acks all) ---
  auto p = cairn::producer::create(*commit_client, {.linger_ms = 0});
  if (!p) return 1;
  started = clock_type::now();
  for (int i = 0; i < commits; ++i) {
    auto sent = p.value()->send({.topic = topic, .value = "x", .partition = 0});
    if (!sent.get()) ++failed;
  }
  double produce_s = seconds_since(started);

  double commits_per_s = commits / commit_s;
  double produces_per_s = commits / produce_s;
  std::fprintf(stderr,
               "rebalance: %d members x %d partitions, all joining at once: %.3f s to all "
               "assigned\n"
               "rebalance: one member leaves (cooperative-sticky, heartbeat %d ms): %.3f s until "
               "the rest own everything\n"
               "commit: %d synchronous commits of %zu offsets: %.0f commits/s (%.0f offsets/s)\n"
               "baseline: %d one-record acks=all produce round trips: %.0f/s (commit/produce "
               "%.2f)\n",
               members_count, partitions, join_s, heartbeat_ms, leave_s, commits, offsets.size(),
               commits_per_s, commits_per_s * static_cast<double>(offsets.size()), commits,
               produces_per_s, commits_per_s / produces_per_s);
  boost::json::object o;
  o["members"] = members_count;
  o["partitions"] = partitions;
  o["join_all_assigned_s"] = join_s;
  o["one_leaves_reassigned_s"] = leave_s;
  o["heartbeat_ms"] = heartbeat_ms;
  o["commits_per_s"] = commits_per_s;
  o["offsets_per_commit"] = offsets.size();
  o["produce_round_trips_per_s"] = produces_per_s;
  o["failed"] = failed;
  std::printf("%s\n", boost::json::serialize(o).c_str());
  (void)admin.delete_topic(topic);
  return failed == 0 ? 0 : 1;
}
