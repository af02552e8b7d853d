// projection_bench: replay speed of a projection into LMDB (the goal: >= 500k events/s).
//
// In memory (default): records are made up front and handed to projection::apply_batch() batch
// by batch, as a rebuild does after each poll, so the figure is the LMDB side alone: per record
// one read-modify-write of a per-key counter and one append to a log db, plus the checkpoints
// and one commit (fsync unless --nosync) per batch.
// Through a broker (-b HOST:PORT): the records are produced to a fresh topic first, then
// projection::rebuild() replays them from offset 0 over the wire (consumer fetches, decoding,
// the same apply) into a new generation and switches to it: what a user's rebuild costs.
//
//   projection_bench [--events N] [--batch N] [--keys N] [--nosync] [--json]
//                    [-b HOST:PORT [--partitions N]]
#include <unistd.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "base/command_line.h"
#include "cairn/admin.h"
#include "cairn/es/projection.h"
#include "cairn/producer.h"

namespace po = boost::program_options;

namespace {

cairn::result<void> apply(cairn::es::read_model_txn& v, const cairn::consumer_record& r) {
  auto counts = v.db("counts");
  CAIRN_TRY(auto old, counts.get(*r.key));
  std::uint64_t n = 0;
  if (old && old->size() == sizeof n) std::memcpy(&n, old->data(), sizeof n);
  ++n;
  CAIRN_TRY(counts.put(*r.key, std::string_view(reinterpret_cast<char*>(&n), sizeof n)));
  char pos[24];
  std::snprintf(pos, sizeof pos, "%04d/%012lld", r.partition, static_cast<long long>(r.offset));
  return v.db("log").append(pos, *r.value);  // offsets arrive in order
}

// Produces `events` records of 100 bytes to a fresh topic; returns its partitions.
cairn::result<std::vector<cairn::topic_partition>> fill_topic(cairn::client& c, std::int64_t events,
                                                              int keys, int partitions) {
  std::string topic = "projection-bench-" + std::to_string(::getpid());
  cairn::admin admin(c);
  CAIRN_TRY(admin.create_topic(topic, {.partitions = partitions}));
  CAIRN_TRY(auto producer, cairn::producer::create(c));
  std::string value(100, 'x');
  for (std::int64_t i = 0; i < events; ++i) {
    producer->send({.topic = topic, .key = "key-" + std::to_string(i % keys), .value = value},
                   [](const cairn::delivery_result&) {});
  }
  CAIRN_TRY(producer->flush());
  std::vector<cairn::topic_partition> tps;
  for (int p = 0; p < partitions; ++p)
    tps.push_back({topic, p});
  return tps;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t events = 1'000'000;
  std::size_t batch = 10'000;
  int keys = 10'000;
  std::string broker;
  int partitions = 1;
  po::options_description desc("projection_bench");
  desc.add_options()("help", "this text")("events", po::value(&events), "events to replay")(
      "batch", po::value(&batch), "records per LMDB write txn")(
      "keys", po::value(&keys), "distinct keys")("nosync", "MDB_NOSYNC: no fsync per commit")(
      "broker,b", po::value(&broker), "replay through this broker (host:port) with rebuild()")(
      "partitions", po::value(&partitions), "partitions of the topic (with --broker)")(
      "json", "one JSON line instead of the table");
  po::variables_map vm;
  if (auto exit_code = cairn::parse_options("projection_bench", argc, argv, desc, vm)) {
    return *exit_code;
  }

  auto dir =
      std::filesystem::temp_directory_path() / ("projection_bench-" + std::to_string(::getpid()));
  cairn::es::projection_options o;
  o.dir = dir;
  o.dbs = {"counts", "log"};
  o.partitions = {{"events", 0}};
  o.env.map_size_bytes = std::size_t{8} << 30;
  if (vm.count("nosync")) o.env.flags |= MDB_NOSYNC;
  auto p = cairn::es::projection::open(o, apply);
  if (!p) {
    std::cerr << "open: " << p.error().message() << "\n";
    return 1;
  }

  double s = 0;
  if (!broker.empty()) {
    auto c = cairn::client::create({.bootstrap = {broker}, .client_id = "projection-bench"});
    if (!c) {
      std::cerr << "connect: " << c.error().message() << "\n";
      return 1;
    }
    auto tps = fill_topic(*c.value(), events, keys, partitions);
    if (!tps) {
      std::cerr << "produce: " << tps.error().message() << "\n";
      return 1;
    }
    o.partitions = tps.value();
    p.value().reset();  // reopened on the topic's partitions
    p = cairn::es::projection::open(o, apply);
    if (!p) {
      std::cerr << "open: " << p.error().message() << "\n";
      return 1;
    }
    auto start = std::chrono::steady_clock::now();
    auto rebuilt = p.value()->rebuild(*c.value(), {.terminal_progress = false});
    s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!rebuilt || rebuilt.value().records_applied != events) {
      std::cerr << "rebuild: "
                << (rebuilt ? std::to_string(rebuilt.value().records_applied) + " records"
                            : rebuilt.error().message())
                << "\n";
      return 1;
    }
  } else {
    std::vector<std::vector<cairn::consumer_record>> batches;
    for (std::int64_t i = 0; i < events;) {
      auto& b = batches.emplace_back();
      for (; i < events && b.size() < batch; ++i) {
        cairn::consumer_record r;
        r.topic = "events";
        r.offset = i;
        r.key = "key-" + std::to_string(i % keys);
        r.value = std::string(100, 'x');
        b.push_back(std::move(r));
      }
    }
    auto start = std::chrono::steady_clock::now();
    for (const auto& b : batches) {
      if (auto n = p.value()->apply_batch(b); !n) {
        std::cerr << "apply_batch: " << n.error().message() << "\n";
        return 1;
      }
    }
    s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  double rate = static_cast<double>(events) / s;
  p.value().reset();
  std::filesystem::remove_all(dir);

  if (vm.count("json")) {
    boost::json::object j{{"bench", "projection_replay"},
                          {"events", events},
                          {"batch", batch},
                          {"keys", keys},
                          {"nosync", vm.count("nosync") > 0},
                          {"through", broker.empty() ? "memory" : "broker"},
                          {"seconds", s},
                          {"events_per_s", rate}};
    std::cout << boost::json::serialize(j) << "\n";
  } else {
    std::printf(
        "projection replay into LMDB (%s)\n  events %lld  batch %zu  keys %d  %s\n"
        "  %.3f s  %.0f events/s\n",
        broker.empty() ? "records in memory" : "rebuild() through the broker",
        static_cast<long long>(events), batch, keys,
        vm.count("nosync") ? "nosync" : "fsync per batch", s, rate);
  }
  return 0;
}
