// es_load_bench: cairn::es aggregate load time against a real broker, with and without
// snapshots, at several history lengths (the goal: with snapshots, load time flat in history
// length, within 2x from 10 to 100k events).
//
//   es_load_bench [--broker HOST:PORT | --broker-bin PATH] [--sizes 10,1000,100000]
//                 [--loads 30] [--loads-long 10] [--behind 100] [--append-batch 1000]
//                 [--codec json|capnp] [--json]
//
// For each size N one aggregate gets N deposit events (33 bytes of JSON each, or a 40-byte
// Cap'n Proto message and a content-type header: --codec), appended in
// batches of --append-batch events with expected_version::any (each append is one record batch
// in the log: 1 is what a repository writes for one-event commands, 1,000 writes quickly). Then
// repository::load is timed, after one untimed warm-up load, in three modes:
//   none    no snapshot store: read and fold the whole stream;
//   end     an LMDB snapshot store holding a snapshot at the stream's last version: one LMDB get,
//           one ReadStream that returns nothing;
//   behind  a snapshot `behind` events before the end (what a policy of one snapshot every
//           `behind` events leaves at worst): one get, then the tail is read and folded.
// Loads of N >= 10,000 without snapshots are repeated --loads-long times, the rest --loads times,
// all cases round-robin (see main).
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

#include "base/command_line.h"
#include "bench/es_load_bench.capnp.h"
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

// The same event in Cap'n Proto (--codec capnp).
struct deposited_capnp {
  static constexpr std::string_view type = "bench.capnp.Deposited.v1";
  using capnp_schema = es_load_bench::Deposited;
  std::int64_t amount_cents = 0;
  std::string memo;
  void to_capnp(es_load_bench::Deposited::Builder b) const {
    b.setAmountCents(amount_cents);
    b.setMemo(memo);
  }
  static deposited_capnp from_capnp(es_load_bench::Deposited::Reader r) {
    return {r.getAmountCents(), std::string(r.getMemo().cStr(), r.getMemo().size())};
  }
};
using event = std::variant<deposited, deposited_capnp>;

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
    s.cents += std::visit([](const auto& d) { return d.amount_cents; }, e);
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

// One load case: an aggregate, how it is loaded, and the load times so far.
struct load_case {
  std::int64_t events = 0;
  std::string mode;
  int loads = 0;
  es::repository<ledger>* repo = nullptr;
  std::vector<double> us;
};

// Times one load of the case's aggregate and checks it saw the whole stream.
double time_load(load_case& c) {
  const std::string id = "ledger-" + std::to_string(c.events);
  const auto started = clock_type::now();
  auto loaded = c.repo->load(id);
  const auto took = std::chrono::duration<double, std::micro>(clock_type::now() - started);
  if (!loaded) fail("load " + id, loaded.error());
  if (loaded.value().version != c.events - 1 || loaded.value().state.deposits != c.events) {
    std::fprintf(stderr, "es_load_bench: %s loaded at version %lld, expected %lld\n", id.c_str(),
                 static_cast<long long>(loaded.value().version),
                 static_cast<long long>(c.events - 1));
    std::exit(1);
  }
  return took.count();
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
  std::string codec = "json";
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
      "events per append (one record batch each)")("codec", po::value(&codec)->default_value(codec),
                                                   "json or capnp (the events' codec)")(
      "json", "one JSON line instead of the table");
  po::variables_map vm;
  if (auto exit_code = cairn::parse_options("es_load_bench", argc, argv, desc, vm))
    return *exit_code;
  const auto sizes = parse_sizes(sizes_text);
  if (codec != "json" && codec != "capnp") {
    std::cerr << "es_load_bench: --codec is json or capnp\n";
    return 2;
  }
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

  // Every history is written first; then the cases are loaded round-robin, so that the
  // machine's load (shared, noisy) falls on all of them alike rather than on whichever ran when
  // another tenant was busy.
  std::vector<load_case> cases;
  std::vector<std::unique_ptr<cairn::testing::temp_dir>> behind_dirs;
  std::vector<std::unique_ptr<cairn::lmdb::snapshot_store>> behind_stores;
  std::vector<std::unique_ptr<es::repository<ledger>>> behind_repos;
  double write_s = 0;
  for (const std::int64_t n : sizes) {
    const std::string id = "ledger-" + std::to_string(n);
    const auto started = clock_type::now();
    ledger::state at_behind;
    ledger::state s;
    for (std::int64_t written = 0; written < n;) {
      std::vector<cairn::event_data> batch;
      for (; written < n && static_cast<std::int64_t>(batch.size()) < append_batch; ++written) {
        const std::int64_t cents = 1 + written % 100;
        const ledger::event e = codec == "capnp"
                                    ? ledger::event{ledger_model::deposited_capnp{cents, "bench"}}
                                    : ledger::event{ledger_model::deposited{cents, "bench"}};
        batch.push_back(es::event_registry<ledger::event>::encode(e));
        s = ledger::evolve(std::move(s), e);
        if (written + 1 == n - behind) at_behind = s;
      }
      auto appended = streams.append(topic, id, cairn::expected_version::any, std::move(batch));
      if (!appended) fail("append to " + id, appended.error());
    }
    write_s += std::chrono::duration<double>(clock_type::now() - started).count();

    cases.push_back({n, "none", n >= 10'000 ? loads_long : loads, &plain, {}});

    // A snapshot at the stream's end, as a repository with a snapshot policy writes it.
    const std::string key = topic + "/" + id;
    es::loaded_aggregate<ledger> at_end{.state = s, .version = n - 1};
    if (auto put = store.value().put(key, cairn::stream_version{n - 1},
                                     ledger::state_schema_version, es::encode_snapshot(at_end));
        !put) {
      fail("put snapshot", put.error());
    }
    cases.push_back({n, "end", loads, &snapshotted, {}});

    if (n > behind) {
      // Snapshots only move forward: a store of its own holds the older one.
      auto& dir = behind_dirs.emplace_back(std::make_unique<cairn::testing::temp_dir>());
      auto opened = cairn::lmdb::snapshot_store::open(dir->path());
      if (!opened) fail("open snapshot store", opened.error());
      auto& older_store = behind_stores.emplace_back(
          std::make_unique<cairn::lmdb::snapshot_store>(std::move(opened).value()));
      es::loaded_aggregate<ledger> older{.state = at_behind, .version = n - 1 - behind};
      if (auto put = older_store->put(key, cairn::stream_version{n - 1 - behind},
                                      ledger::state_schema_version, es::encode_snapshot(older));
          !put) {
        fail("put snapshot", put.error());
      }
      auto& repo = behind_repos.emplace_back(
          std::make_unique<es::repository<ledger>>(c, registry, options, older_store.get()));
      cases.push_back({n, "behind", loads, repo.get(), {}});
    }
  }
  // The snapshot cases first, then the full replays: a replay of 100k events keeps the broker
  // busy for seconds, and the short loads right after one measured that, not themselves.
  for (const bool replays : {false, true}) {
    for (auto& lc : cases) {
      if ((lc.mode == "none") == replays) (void)time_load(lc);  // warm-up, untimed
    }
    for (int round = 0; round < std::max(loads, loads_long); ++round) {
      for (auto& lc : cases) {
        if ((lc.mode == "none") == replays && round < lc.loads) lc.us.push_back(time_load(lc));
      }
    }
  }
  std::vector<timing> timings;
  for (auto& lc : cases)
    timings.push_back(summarize(lc.events, lc.mode, std::move(lc.us)));
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
                          {"append_batch", append_batch}, {"codec", codec},
                          {"write_s", write_s},           {"results", std::move(rows)},
                          {"end_flat_ratio", flat_ratio}};
    std::printf("%s\n", boost::json::serialize(o).c_str());
  } else {
    std::printf(
        "cairn::es aggregate load (repository::load), broker %s, %s events, %lld per append\n",
        broker.c_str(), codec.c_str(), static_cast<long long>(append_batch));
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
