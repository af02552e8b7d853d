// projection_bench: replay speed of a projection into LMDB (the goal: >= 500k events/s).
// Records are made in memory up front and handed to projection::apply_batch() batch by batch,
// as a rebuild does after each poll, so the figure is the LMDB side alone: per record one
// read-modify-write of a per-key counter and one append to a log db, plus the checkpoints and
// one commit (fsync unless --nosync) per batch.
//
//   projection_bench [--events N] [--batch N] [--keys N] [--nosync] [--json]
#include <unistd.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cairn/es/projection.h"

namespace po = boost::program_options;

namespace {

cairn::result<void> apply(cairn::es::projection_txn& v, const cairn::consumer_record& r) {
  CAIRN_TRY(auto old, v.txn.get(v.dbs[0], *r.key));
  std::uint64_t n = 0;
  if (old && old->size() == sizeof n) std::memcpy(&n, old->data(), sizeof n);
  ++n;
  CAIRN_TRY(v.txn.put(v.dbs[0], *r.key, std::string_view(reinterpret_cast<char*>(&n), sizeof n)));
  char pos[24];
  std::snprintf(pos, sizeof pos, "%04d/%012lld", r.partition, static_cast<long long>(r.offset));
  return v.txn.put(v.dbs[1], pos, *r.value, MDB_APPEND);  // offsets arrive in order
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t events = 1'000'000;
  std::size_t batch = 10'000;
  int keys = 10'000;
  po::options_description desc("projection_bench");
  desc.add_options()("help", "this text")("events", po::value(&events), "events to replay")(
      "batch", po::value(&batch), "records per LMDB write txn")(
      "keys", po::value(&keys), "distinct keys")("nosync", "MDB_NOSYNC: no fsync per commit")(
      "json", "one JSON line instead of the table");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
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
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double rate = static_cast<double>(events) / s;
  p.value().reset();
  std::filesystem::remove_all(dir);

  if (vm.count("json")) {
    boost::json::object j{{"bench", "projection_replay"},
                          {"events", events},
                          {"batch", batch},
                          {"keys", keys},
                          {"nosync", vm.count("nosync") > 0},
                          {"seconds", s},
                          {"events_per_s", rate}};
    std::cout << boost::json::serialize(j) << "\n";
  } else {
    std::printf(
        "projection replay into LMDB\n  events %lld  batch %zu  keys %d  %s\n"
        "  %.3f s  %.0f events/s\n",
        static_cast<long long>(events), batch, keys,
        vm.count("nosync") ? "nosync" : "fsync per batch", s, rate);
  }
  return 0;
}
