// test_cluster: N real cairn-broker processes forming one cluster on loopback. Each broker sits
// behind a tcp_proxy whose address is its entry in --cluster, so peers and clients reach it only
// through the proxy: a test can cut a broker off, and a restarted broker (a new port) is found
// again by retargeting its proxy. Its Kafka listener sits behind a second proxy, whose address is
// its --kafka-brokers entry, for Kafka clients. Each broker listens on port 0. Stops every
// process by PID.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cairn/admin.h"
#include "cairn/client.h"
#include "tests/fault/tcp_proxy.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"

namespace cairn::testing {

class test_cluster {
 public:
  // `brokers` addresses, of which the first `running` (all by default) start as the cluster,
  // their map listing only them; join() brings the others in.
  explicit test_cluster(int brokers, std::vector<std::string> extra = {}, int running = -1)
      : extra_(std::move(extra)) {
    if (running < 0) running = brokers;
    for (int i = 0; i < brokers; ++i) {
      auto& m = members_.emplace_back(std::make_unique<member>());
      // A placeholder target until the broker runs and its port is known.
      m->proxy = std::make_unique<fault::tcp_proxy>("127.0.0.1", 1);
      m->kafka_proxy = std::make_unique<fault::tcp_proxy>("127.0.0.1", 1);
    }
    set_map(running);
    for (int id = 1; id <= running; ++id)
      start(id);
  }

  // Adds broker `id` the documented way (docs/replication.md): the map grows to include it and
  // it starts with --join; roll() then restarts the others one by one onto the larger map.
  void join(int id) {
    set_map(id);
    members_.at(id - 1)->joined = true;
    start(id);
  }
  // Takes the last broker, `id`, out of the map; roll() the others onto it, then stop it.
  void leave(int id) { set_map(id - 1); }
  void stop(int id) { members_.at(id - 1)->broker->stop(); }
  // A clean restart (SIGTERM, then start again with the current map).
  void roll(int id) {
    members_.at(id - 1)->broker->stop();
    start(id);
  }

  void start(int id) {
    member& m = *members_.at(id - 1);
    std::vector<std::string> args = {"--node-id", std::to_string(id), "--cluster",
                                     map_,        "--kafka-brokers",  kafka_map_};
    if (m.joined) args.push_back("--join");
    args.insert(args.end(), extra_.begin(), extra_.end());
    m.broker = std::make_unique<broker_process>(CAIRN_BROKER_PATH, m.dir.path().string(), args);
    m.proxy->set_target("127.0.0.1", m.broker->port());
    m.kafka_proxy->set_target("127.0.0.1", m.broker->kafka_port());
  }
  // SIGKILL: a crash.
  void kill(int id) { members_.at(id - 1)->broker->kill(); }
  void restart(int id) { start(id); }
  fault::tcp_proxy& proxy(int id) { return *members_.at(id - 1)->proxy; }
  fault::tcp_proxy& kafka_proxy(int id) { return *members_.at(id - 1)->kafka_proxy; }
  broker_process& broker(int id) { return *members_.at(id - 1)->broker; }
  std::string data_dir(int id) const { return members_.at(id - 1)->dir.path().string(); }
  int size() const { return static_cast<int>(members_.size()); }

  std::vector<std::string> bootstrap() const {
    std::vector<std::string> out;
    for (const auto& m : members_)
      out.push_back(m->proxy->address());
    return out;
  }

  // The Kafka clients' bootstrap list: every broker's Kafka proxy, comma-separated.
  std::string kafka_bootstrap() const {
    std::string out;
    for (const auto& m : members_) {
      if (!out.empty()) out += ",";
      out += m->kafka_proxy->address();
    }
    return out;
  }

  std::unique_ptr<cairn::client> connect() const {
    auto c = cairn::client::create({.bootstrap = bootstrap(),
                                    .connect_timeout_ms = 1'000,
                                    .request_timeout_ms = 3'000,
                                    .reconnect_backoff_ms = 20,
                                    .reconnect_backoff_max_ms = 200});
    if (!c) throw std::runtime_error("client: " + c.error().message());
    return std::move(c).value();
  }

  // Polls DescribeCluster until `done(description)` holds, for at most `limit`. The cluster's
  // state has no event a test process can wait on, so this is a bounded poll.
  template <class Predicate>
  bool wait_for(cairn::client& c, Predicate done,
                std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    cairn::admin admin(c);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto d = admin.describe_cluster();
      if (d && done(d.value())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  void set_map(int brokers) {
    map_.clear();
    kafka_map_.clear();
    for (int i = 0; i < brokers; ++i) {
      if (i > 0) {
        map_ += ",";
        kafka_map_ += ",";
      }
      map_ += std::to_string(i + 1) + "=" + members_[i]->proxy->address();
      kafka_map_ += std::to_string(i + 1) + "=" + members_[i]->kafka_proxy->address();
    }
  }

  struct member {
    bool joined = false;  // started with --join
    temp_dir dir;
    std::unique_ptr<fault::tcp_proxy> proxy;
    std::unique_ptr<fault::tcp_proxy> kafka_proxy;
    std::unique_ptr<broker_process> broker;
  };
  std::vector<std::string> extra_;
  std::vector<std::unique_ptr<member>> members_;
  std::string map_;
  std::string kafka_map_;  // --kafka-brokers: the Kafka proxies
};

// How many brokers this description reports alive.
inline int count_alive(const cairn::cluster_description& d) {
  int alive = 0;
  for (const auto& b : d.brokers)
    alive += b.alive ? 1 : 0;
  return alive;
}

// The cluster has a controller and exactly `brokers` brokers alive.
inline bool all_alive(const cairn::cluster_description& d, int brokers) {
  return d.controller_id > 0 && count_alive(d) == brokers;
}

// Every partition of `topic` has a leader and `isr` replicas in sync.
inline bool topic_ready(const cairn::cluster_description& d, const std::string& topic,
                        std::size_t isr) {
  for (const auto& t : d.topics) {
    if (t.name != topic) continue;
    if (t.partitions.empty()) return false;
    for (const auto& p : t.partitions) {
      if (p.leader < 0 || p.in_sync_replicas.size() < isr) return false;
    }
    return true;
  }
  return false;
}

// One line per partition of `topic`: leader, epoch, in-sync set and each replica's lag.
inline std::string describe(const cairn::cluster_description& d, const std::string& topic) {
  std::string out;
  for (const auto& t : d.topics) {
    if (t.name != topic) continue;
    for (const auto& p : t.partitions) {
      out += topic + "/" + std::to_string(p.partition) + " leader " + std::to_string(p.leader) +
             " epoch " + std::to_string(p.leader_epoch) + " isr " +
             std::to_string(p.in_sync_replicas.size()) + " lag";
      for (const auto& r : p.replica_states)
        out += " " + std::to_string(r.node_id) + ":" + std::to_string(r.lag);
      out += "\n";
    }
  }
  return out;
}

inline std::int32_t leader_of(const cairn::cluster_description& d, const std::string& topic,
                              std::int32_t partition) {
  for (const auto& t : d.topics) {
    if (t.name != topic) continue;
    for (const auto& p : t.partitions) {
      if (p.partition == partition) return p.leader;
    }
  }
  return -1;
}

}  // namespace cairn::testing
