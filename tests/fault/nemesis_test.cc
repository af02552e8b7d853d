// Jepsen-style check of replication against real processes. Three brokers behind proxies take
// an idempotent acks=all produce load and two writers racing AppendToStream with expected
// versions, while a nemesis kills a partition leader with SIGKILL (and restarts it), freezes a
// broker with SIGSTOP, and cuts a broker off at its proxy. Afterwards a checker proves:
//   - every acknowledged record is present exactly once, at the offset it was acknowledged at;
//   - two consumers read one identical order per partition;
//   - the replicas' logs are byte-identical (read from the data directories after a clean stop);
//   - no two expected-version appends won the same version, and every win is in the stream.
// CAIRN_NEMESIS_SECONDS sets the fault phase (CI: 20 s; scripts/nemesis-soak runs longer), and
// CAIRN_NEMESIS_SEED the fault schedule. Every wait is bounded.
#include "tests/fault/nemesis.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cairn/admin.h"
#include "cairn/consumer.h"
#include "cairn/producer.h"
#include "cairn/streams.h"
#include "eventstore/log/partition_log.h"
#include "tests/cluster/test_cluster.h"

using namespace std::chrono_literals;
using cairn::testing::leader_of;
using cairn::testing::test_cluster;
using cairn::testing::topic_ready;
namespace fault = cairn::fault;

namespace {

constexpr int kPartitions = 3;
const std::string kTopic = "ledger";
const std::string kStreams = "accounts";

std::int64_t env_or(const char* name, std::int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoll(v) : fallback;
}

struct ack {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string value;
};

// Reads every partition from the start until `expected` records or the bound.
std::map<std::int32_t, std::vector<std::pair<std::int64_t, std::string>>> read_all(
    cairn::client& c, std::size_t expected, std::string* last_error = nullptr) {
  cairn::consumer consumer(c);
  std::vector<cairn::topic_partition> all;
  for (int p = 0; p < kPartitions; ++p)
    all.push_back({kTopic, p});
  consumer.assign(all);
  std::map<std::int32_t, std::vector<std::pair<std::int64_t, std::string>>> out;
  std::size_t seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  int idle = 0;
  while (std::chrono::steady_clock::now() < deadline && idle < 6) {
    auto polled = consumer.poll(500);
    if (!polled) {
      if (last_error != nullptr) *last_error = polled.error().message();
      continue;
    }
    if (polled.value().empty() && seen >= expected) ++idle;
    for (auto& r : polled.value()) {
      out[r.partition].emplace_back(r.offset, r.value.value_or(""));
      ++seen;
    }
  }
  return out;
}

// Every batch of one replica's partition log: (base offset, exact bytes).
std::vector<std::pair<std::int64_t, std::string>> batches_of(const std::string& dir) {
  auto log = cairn::eventstore::partition_log::open(dir, {});
  REQUIRE(log);
  std::vector<std::pair<std::int64_t, std::string>> out;
  auto scanned = log.value()->scan(0, [&](const cairn::eventstore::record_batch_view& b) {
    out.emplace_back(b.base_offset(), std::string(b.bytes()));
    return cairn::result<void>(cairn::success());
  });
  REQUIRE(scanned);
  return out;
}

}  // namespace

TEST_CASE("under kill -9, SIGSTOP and cuts, acknowledged writes survive and replicas agree",
          "[cluster][nemesis]") {
  const auto fault_phase = std::chrono::seconds(env_or("CAIRN_NEMESIS_SECONDS", 20));
  std::mt19937 rng(static_cast<std::uint32_t>(env_or("CAIRN_NEMESIS_SEED", 7)));
  test_cluster cluster(3);
  auto c = cluster.connect();
  REQUIRE(cluster.wait_for(
      *c, [](const cairn::cluster_description& d) { return d.controller_id > 0; }));
  cairn::admin admin(*c);
  REQUIRE(admin.create_topic(kTopic, {.partitions = kPartitions, .replication_factor = 3}));
  REQUIRE(admin.create_topic(kStreams, {.partitions = 1, .replication_factor = 3}));
  REQUIRE(cluster.wait_for(*c, [](const cairn::cluster_description& d) {
    return topic_ready(d, kTopic, 3) && topic_ready(d, kStreams, 3);
  }));

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<ack> acks;
  std::map<std::int64_t, std::string> stream_wins;  // version → payload
  int double_wins = 0;

  std::thread producing([&] {
    auto pc = cluster.connect();
    auto p = cairn::producer::create(
        *pc, {.linger_ms = 2, .retry_backoff_ms = 50, .delivery_timeout_ms = 30'000});
    REQUIRE(p);
    for (int round = 0; !stop; ++round) {
      std::vector<std::pair<std::string, std::future<cairn::delivery_result>>> window;
      for (int i = 0; i < 20; ++i) {
        std::string value = "r" + std::to_string(round) + "-" + std::to_string(i);
        window.emplace_back(
            value, p.value()->send(
                       {.topic = kTopic, .key = "k" + std::to_string(i % 11), .value = value}));
      }
      for (auto& [value, f] : window) {
        if (f.wait_for(60s) != std::future_status::ready) continue;
        auto r = f.get();
        if (!r) continue;  // not acknowledged: may or may not be there, never twice
        std::lock_guard lock(mu);
        acks.push_back({r.value().tp.partition, r.value().offset, value});
      }
    }
  });
  auto writer = [&](int id) {
    auto wc = cluster.connect();
    cairn::streams s(*wc);
    std::int64_t version = -1;
    for (int n = 0; !stop; ++n) {
      const std::string payload = "w" + std::to_string(id) + "-" + std::to_string(n);
      auto out = s.append(kStreams, "account-1", version, {{.type = "t", .data = payload}});
      if (!out) continue;  // a failure: the outcome is unknown; re-read below
      if (auto* won = std::get_if<cairn::appended>(&out.value())) {
        std::lock_guard lock(mu);
        if (!stream_wins.emplace(won->last_version, payload).second) ++double_wins;
        version = won->last_version;
      } else {
        version = std::get<cairn::wrong_expected_version>(out.value()).actual;
      }
    }
  };
  std::thread writer_a(writer, 1), writer_b(writer, 2);

  // The nemesis.
  const auto end = std::chrono::steady_clock::now() + fault_phase;
  int kills = 0, pauses = 0, cuts = 0;
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(1s);  // the load runs between faults
    const int action = static_cast<int>(rng() % 3);
    if (action == 0) {
      auto d = admin.describe_cluster();
      if (!d) continue;
      const std::int32_t victim = leader_of(d.value(), kTopic, static_cast<int>(rng() % 3));
      if (victim <= 0) continue;
      REQUIRE_FALSE(fault::kill_9(cluster.broker(victim).pid()));
      cluster.kill(victim);  // reaps it
      std::this_thread::sleep_for(1500ms);
      cluster.restart(victim);
      ++kills;
    } else if (action == 1) {
      const int victim = 1 + static_cast<int>(rng() % 3);
      REQUIRE_FALSE(fault::pause(cluster.broker(victim).pid()));
      std::this_thread::sleep_for(1500ms);
      REQUIRE_FALSE(fault::resume(cluster.broker(victim).pid()));
      ++pauses;
    } else {
      const int victim = 1 + static_cast<int>(rng() % 3);
      cluster.proxy(victim).cut();
      std::this_thread::sleep_for(1500ms);
      cluster.proxy(victim).heal();
      ++cuts;
    }
  }
  stop = true;
  producing.join();
  writer_a.join();
  writer_b.join();
  INFO("kills " << kills << " pauses " << pauses << " cuts " << cuts << ", acknowledged "
                << acks.size() << ", stream wins " << stream_wins.size());
  REQUIRE(acks.size() > 0);

  // Healed: every replica in sync with nothing to catch up.
  std::string last_seen;
  std::map<std::int32_t, std::int64_t> healed_hw;  // partition → high watermark, all in sync
  const bool healed = cluster.wait_for(
      *c,
      [&](const cairn::cluster_description& d) {
        last_seen = cairn::testing::describe(d, kTopic);
        for (const auto& t : d.topics) {
          if (t.name != kTopic) continue;
          for (const auto& p : t.partitions)
            healed_hw[p.partition] = p.high_watermark;
        }
        if (!topic_ready(d, kTopic, 3)) return false;
        for (const auto& t : d.topics) {
          if (t.name != kTopic) continue;
          for (const auto& p : t.partitions) {
            for (const auto& r : p.replica_states) {
              if (r.lag != 0) return false;
            }
          }
        }
        return true;
      },
      60s);
  INFO(last_seen);
  REQUIRE(healed);

  // Exactly once, at the acknowledged offsets, and one order for every reader.
  // Fresh clients: `c` lived through the faults, and an SDK connection whose peer died behind
  // a proxy keeps timing out (the SDK keeps a connection after a request timeout; see
  // docs/replication.md, "Not done yet").
  std::string first_error, second_error;
  c = cluster.connect();
  auto first = read_all(*c, acks.size(), &first_error);
  auto other_client = cluster.connect();
  auto second = read_all(*other_client, acks.size(), &second_error);
  INFO("last poll errors: '" << first_error << "', '" << second_error << "'");
  CHECK(first == second);
  std::map<std::pair<std::int32_t, std::int64_t>, std::string> at;
  std::set<std::string> values;
  for (const auto& [partition, records] : first) {
    for (const auto& [offset, value] : records) {
      at[{partition, offset}] = value;
      CHECK(values.insert(value).second);  // no record twice
    }
  }
  for (const ack& a : acks) {
    auto it = at.find({a.partition, a.offset});
    REQUIRE(it != at.end());
    CHECK(it->second == a.value);
  }

  // Expected versions: one winner per version, and every win is the stream's event there.
  CHECK(double_wins == 0);
  cairn::streams s(*c);
  std::map<std::int64_t, std::string> recorded;
  for (std::int64_t from = 0;;) {  // page by page
    auto page = s.read(kStreams, "account-1", from, 10'000);
    REQUIRE(page);
    if (page.value().events.empty()) break;
    for (const auto& e : page.value().events) {
      CHECK(e.version == from);  // versions without a gap
      recorded[e.version] = e.data;
      from = e.version + 1;
    }
  }
  for (const auto& [version, payload] : stream_wins) {
    REQUIRE(recorded.contains(version));
    CHECK(recorded[version] == payload);
  }

  // Byte for byte: every replica of every partition holds the same batches below the high
  // watermark seen when all were in sync. (Stopping the brokers one by one elects new leaders,
  // whose no-ops the stopped ones never get: the tails past it may differ, as Raft allows.)
  c.reset();
  other_client.reset();
  for (int id = 1; id <= 3; ++id)
    cluster.broker(id).stop();
  for (int p = 0; p < kPartitions; ++p) {
    const std::string rel = "/topics/" + kTopic + "/" + std::to_string(p);
    auto committed = [&](std::vector<std::pair<std::int64_t, std::string>> all) {
      std::erase_if(all, [&](const auto& b) { return b.first >= healed_hw[p]; });
      return all;
    };
    auto reference = committed(batches_of(cluster.data_dir(1) + rel));
    CHECK(!reference.empty());
    for (int id = 2; id <= 3; ++id) {
      INFO("partition " << p << ", broker " << id << ", high watermark " << healed_hw[p]);
      CHECK(committed(batches_of(cluster.data_dir(id) + rel)) == reference);
    }
  }
}
