// es_load_bench: cairn::es aggregate load time against a real broker, with and without
// snapshots, at several history lengths (the goal: with snapshots, load time flat in history
// length, within 2x from 10 to 100k events).
//
//   es_load_bench [--broker HOST:PORT | --broker-bin PATH] [--sizes 10,1000,100000]
//                 [--loads 30] [--loads-long 10] [--behind 100] [--append-batch 1000] [--json]
//
// For each size N one aggregate gets N deposit events (JSON, ~40 bytes each), appended in
// batches of --append-batch events with expected_version::any (each append is one record batch
// in the log: 1 is what a repository writes for one-event commands, 1,000 writes quickly). Then
// repository::load is timed, after one untimed warm-up load, in three modes:
//   none    no snapshot store: read and fold the whole stream;
//   end     an LMDB snapshot store holding a snapshot at the stream's last version: one LMDB get,
//           one ReadStream that returns nothing;
//   behind  a snapshot `behind` events before the end (what a policy of one snapshot every
//           `behind` events leaves at worst): one get, then the tail is read and folded.
// Loads of N >= 10,000 without snapshots are repeated --loads-long times, the rest --loads times.
// Without --broker, a broker is started from --broker-bin (the build's cairn-broker) in a
// temporary directory with --flush never (only the writing is faster; loads read the page
// cache either way) and killed at the end.
#include <algorithm>
#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "cairn/admin.h"
#include "cairn/es/repository.h"
#include "tests/support/broker_process.h"
#include "tests/support/temp_dir.h"

namespace po = boost::program_options;
namespace es = cairn::es;
using clock_type = std::chrono::steady_clock;

namespace ledger_model {

struct deposited {
  static constexpr std::string_view type = "bench.Deposited.v1";
  std::int64_t amount_cents = 0;
  std::string memo;
};
BOOST_DESCRIBE_STRUCT(deposited, (), (amount_cents, memo))
using event = std::variant<deposited>;

struct deposit {
  std::int64_t amount_cents = 0;
};

struct balance {
  std::int64_t cents = 0;
  std::int64_t deposits = 0;
};
BOOST_DESCRIBE_STRUCT(balance, (), (cents, deposits))

struct ledger {
  using state = balance;
  using command = deposit;
  using event = ledger_model::event;
  static constexpr std::uint32_t state_schema_version = 1;
  static state initial() { return {}; }
  static cairn::result<std::vector<event>> decide(const command& c, const state&) {
    return std::vector<event>{deposited{c.amount_cents, "bench"}};
  }
  static state evolve(state s, const event& e) {
    const auto& d = std::get<deposited>(e);
    s.cents += d.amount_cents;
    ++s.deposits;
    return s;
  }
};

}  // namespace ledger_model

namespace {

using ledger = ledger_model::ledger;

[[noreturn]] void fail(const std::string& what, const std::error_code& ec) {
  std::fprintf(stderr, "es_load_bench: %s: %s\n", what.c_str(), ec.message().c_str());
  std::exit(1);
}

struct timing {
  std::int64_t events = 0;
  std::string mode;
  int loads = 0;
  double median_us = 0;
  double p99_us = 0;
  double min_us = 0;
};

timing summarize(std::int64_t events, std::string mode, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(us.size() - 1) + 0.5);
    return us[std::min(i, us.size() - 1)];
  };
  return {events, std::move(mode), static_cast<int>(us.size()), at(0.5), at(0.99), us.front()};
}

// Times `loads` loads of `id` (after one warm-up) and checks each saw the whole stream.
timing time_loads(es::repository<ledger>& repo, const std::string& id, std::int64_t events,
                  std::string mode, int loads) {
  std::vector<double> us;
  for (int i = 0; i <= loads; ++i) {
    const auto started = clock_type::now();
    auto loaded = repo.load(id);
    const auto took = std::chrono::duration<double, std::micro>(clock_type::now() - started);
    if (!loaded) fail("load " + id, loaded.error());
    if (loaded.value().version != events - 1 || loaded.value().state.deposits != events) {
      std::fprintf(stderr, "es_load_bench: %s loaded at version %lld, expected %lld\n", id.c_str(),
                   static_cast<long long>(loaded.value().version),
                   static_cast<long long>(events - 1));
      std::exit(1);
    }
    if (i > 0) us.push_back(took.count());  // the first is the warm-up
  }
  return summarize(events, std::move(mode), std::move(us));
}

std::vector<std::int64_t> parse_sizes(const std::string& text) {
  std::vector<std::int64_t> sizes;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    sizes.push_back(std::stoll(item));
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  std::string broker;
  std::string broker_bin = CAIRN_BROKER_PATH;
  std::string sizes_text = "10,1000,100000";
  int loads = 30;
  int loads_long = 10;
  std::int64_t behind = 100;
  std::int64_t append_batch = 1'000;
  po::options_description desc("es_load_bench");
  desc.add_options()("help,h", "show this help")(
      "broker", po::value(&broker), "HOST:PORT of a running broker (default: start one)")(
      "broker-bin", po::value(&broker_bin)->default_value(broker_bin),
      "the cairn-broker to start when --broker is not given")(
      "sizes", po::value(&sizes_text)->default_value(sizes_text), "events per aggregate")(
      "loads", po::value(&loads)->default_value(loads), "timed loads per case")(
      "loads-long", po::value(&loads_long)->default_value(loads_long),
      "timed loads of >= 10k events without a snapshot")(
      "behind", po::value(&behind)->default_value(behind),
      "events between the `behind` snapshot and the stream's end")(
      "append-batch", po::value(&append_batch)->default_value(append_batch),
      "events per append (one record batch each)")("json", "one JSON line instead of the table");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "es_load_bench: " << e.what() << "\n" << desc;
    return 2;
  }
  const auto sizes = parse_sizes(sizes_text);
  if (append_batch < 1) {
    std::cerr << "es_load_bench: --append-batch must be at least 1\n";
    return 2;
  }

  std::optional<cairn::testing::temp_dir> broker_dir;
  std::unique_ptr<cairn::testing::broker_process> own_broker;
  if (broker.empty()) {
    broker_dir.emplace();
    own_broker = std::make_unique<cairn::testing::broker_process>(
        broker_bin, (broker_dir->path() / "data").string(),
        std::vector<std::string>{"--flush", "never"});  // loads read; no fdatasync per append
    broker = "127.0.0.1:" + std::to_string(own_broker->port());
  }
  auto client = cairn::client::create({.bootstrap = {broker}, .client_id = "es-load-bench"});
  if (!client) fail("connect to " + broker, client.error());
  cairn::client& c = *client.value();
  const std::string topic = "es-load-bench-" + std::to_string(::getpid());
  cairn::admin admin(c);
  if (auto created = admin.create_topic(topic, {.partitions = 1}); !created) {
    fail("create topic", created.error());
  }

  cairn::testing::temp_dir snapshot_dir;
  auto store = cairn::lmdb::snapshot_store::open(snapshot_dir.path());
  if (!store) fail("open snapshot store", store.error());

  const es::event_registry<ledger::event> registry;
  const es::repository_options options{.topic = topic};
  es::repository<ledger> plain(c, registry, options);
  es::repository<ledger> snapshotted(c, registry, options, &store.value());
  cairn::streams streams(c);

  std::vector<timing> timings;
  double write_s = 0;
  for (const std::int64_t n : sizes) {
    const std::string id = "ledger-" + std::to_string(n);
    const auto started = clock_type::now();
    ledger::state at_behind;
    ledger::state s;
    for (std::int64_t written = 0; written < n;) {
      std::vector<cairn::event_data> batch;
      for (; written < n && static_cast<std::int64_t>(batch.size()) < append_batch; ++written) {
        const ledger::event e = ledger_model::deposited{1 + written % 100, "bench"};
        batch.push_back(es::event_registry<ledger::event>::encode(e));
        s = ledger::evolve(std::move(s), e);
        if (written + 1 == n - behind) at_behind = s;
      }
      auto appended = streams.append(topic, id, cairn::expected_version::any, std::move(batch));
      if (!appended) fail("append to " + id, appended.error());
    }
    write_s += std::chrono::duration<double>(clock_type::now() - started).count();

    timings.push_back(time_loads(plain, id, n, "none", n >= 10'000 ? loads_long : loads));

    // A snapshot at the stream's end, as a repository with a snapshot policy writes it.
    const std::string key = topic + "/" + id;
    es::loaded_aggregate<ledger> at_end{.state = s, .version = n - 1};
    if (auto put = store.value().put(key, cairn::stream_version{n - 1},
                                     ledger::state_schema_version, es::encode_snapshot(at_end));
        !put) {
      fail("put snapshot", put.error());
    }
    timings.push_back(time_loads(snapshotted, id, n, "end", loads));

    if (n > behind) {
      // Snapshots only move forward: a fresh store holds the older one.
      cairn::testing::temp_dir behind_dir;
      auto behind_store = cairn::lmdb::snapshot_store::open(behind_dir.path());
      if (!behind_store) fail("open snapshot store", behind_store.error());
      es::loaded_aggregate<ledger> older{.state = at_behind, .version = n - 1 - behind};
      if (auto put =
              behind_store.value().put(key, cairn::stream_version{n - 1 - behind},
                                       ledger::state_schema_version, es::encode_snapshot(older));
          !put) {
        fail("put snapshot", put.error());
      }
      es::repository<ledger> tail(c, registry, options, &behind_store.value());
      timings.push_back(time_loads(tail, id, n, "behind", loads));
    }
  }
  (void)admin.delete_topic(topic);

  // Flatness: the slowest over the fastest median load with a snapshot at the end.
  double end_min = 0;
  double end_max = 0;
  for (const auto& t : timings) {
    if (t.mode != "end") continue;
    end_min = end_min == 0 ? t.median_us : std::min(end_min, t.median_us);
    end_max = std::max(end_max, t.median_us);
  }
  const double flat_ratio = end_min > 0 ? end_max / end_min : 0;

  if (vm.count("json")) {
    boost::json::array rows;
    for (const auto& t : timings) {
      rows.push_back({{"events", t.events},
                      {"snapshot", t.mode},
                      {"loads", t.loads},
                      {"median_us", t.median_us},
                      {"p99_us", t.p99_us},
                      {"min_us", t.min_us}});
    }
    boost::json::object o{{"bench", "es_load"},           {"behind", behind},
                          {"append_batch", append_batch}, {"write_s", write_s},
                          {"results", std::move(rows)},   {"end_flat_ratio", flat_ratio}};
    std::printf("%s\n", boost::json::serialize(o).c_str());
  } else {
    std::printf(
        "cairn::es aggregate load (repository::load), broker %s, JSON events, %lld per append\n",
        broker.c_str(), static_cast<long long>(append_batch));
    std::printf("%10s  %-8s %6s %14s %14s %14s\n", "events", "snapshot", "loads", "median", "p99",
                "min");
    for (const auto& t : timings) {
      std::printf("%10lld  %-8s %6d %11.1f us %11.1f us %11.1f us\n",
                  static_cast<long long>(t.events), t.mode.c_str(), t.loads, t.median_us, t.p99_us,
                  t.min_us);
    }
    std::printf("snapshot at the end: slowest / fastest median = %.2fx (target <= 2x)\n",
                flat_ratio);
    std::printf("writing all histories took %.2f s\n", write_s);
  }
  return 0;
}
