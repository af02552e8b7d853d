// projection_runner: runs the test projection (projection_model.h) in its own process, so a test
// can kill it with SIGKILL mid-batch. Prints "batch <applied> <position>" after every committed
// batch and exits 0 once the checkpoints add up to --until records; 2 if that takes over 60 s.
//
//   projection_runner BROKER DIR TOPIC PARTITIONS UNTIL APPLY_DELAY_US RECORDS_PER_POLL
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cairn/consumer.h"
#include "cairn/es/projection.h"
#include "tests/integration/projection_model.h"

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s BROKER DIR TOPIC PARTITIONS UNTIL DELAY_US RECORDS\n", argv[0]);
    return 1;
  }
  const std::string topic = argv[3];
  const int partitions = std::stoi(argv[4]);
  const std::int64_t until = std::stoll(argv[5]);
  const long delay_us = std::stol(argv[6]);

  cairn::es::projection_options o;
  o.dir = argv[2];
  o.dbs = cairn::testing::projection_dbs;
  for (int i = 0; i < partitions; ++i)
    o.partitions.push_back({topic, i});
  auto p = cairn::es::projection::open(
      o, [&](cairn::es::projection_txn& v, const cairn::consumer_record& r) {
        if (delay_us > 0) ::usleep(static_cast<useconds_t>(delay_us));  // widens the kill window
        return cairn::testing::apply_test_event(v, r);
      });
  if (!p) {
    std::fprintf(stderr, "open: %s\n", p.error().message().c_str());
    return 1;
  }
  auto cl = cairn::client::create({.bootstrap = {argv[1]}});
  if (!cl) return 1;
  cairn::consumer c(*cl.value(), {.records_max = std::stoul(argv[7])});
  if (auto s = p.value()->start(c); !s) {
    std::fprintf(stderr, "start: %s\n", s.error().message().c_str());
    return 1;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto n = p.value()->run_once(c);
    if (!n) {
      std::fprintf(stderr, "run_once: %s\n", n.error().message().c_str());
      return 1;
    }
    auto cp = p.value()->checkpoints();
    if (!cp) return 1;
    std::int64_t position = 0;
    for (const auto& [tp, next] : cp.value())
      position += next;
    std::printf("batch %zu %lld\n", n.value(), static_cast<long long>(position));
    std::fflush(stdout);
    if (position >= until) return 0;
  }
  return 2;
}
