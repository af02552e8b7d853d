// cairn-raft-sim: runs the Raft simulator over a range of seeds, bounded by a count and a time
// budget, and prints each failing seed with its failure and the tail of its trace.
//
//   cairn-raft-sim --seed=S [--seeds=N] [--seconds=T] [--mutant=ack_unflushed|forget_hard_state]
//                  [--no-pre-vote] [--trace]
// Exit status: 0 if every seed passed, 1 if one failed, 2 on bad arguments.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "tests/sim/cluster.h"

namespace {

volatile std::uint64_t current_seed = 0;

extern "C" void on_abort(int) {
  // A CAIRN_ASSERT in the core fired: say which seed, so that it replays.
  char line[96];
  const int n = std::snprintf(line, sizeof line, "\nraft-sim: abort in seed %llu\n",
                              static_cast<unsigned long long>(current_seed));
  if (n > 0) (void)!write(2, line, static_cast<std::size_t>(n));
}

bool flag(std::string_view arg, std::string_view name, std::string_view& value) {
  if (!arg.starts_with(name)) return false;
  value = arg.substr(name.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cairn::raft::sim;
  std::uint64_t first = 1;
  std::uint64_t count = 1;
  double seconds = 1e9;
  mutant bug = mutant::none;
  bool pre_vote = true;
  bool trace = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    std::string_view v;
    if (flag(a, "--seed=", v)) {
      first = std::strtoull(std::string(v).c_str(), nullptr, 10);
    } else if (flag(a, "--seeds=", v)) {
      count = std::strtoull(std::string(v).c_str(), nullptr, 10);
    } else if (flag(a, "--seconds=", v)) {
      seconds = std::strtod(std::string(v).c_str(), nullptr);
    } else if (flag(a, "--mutant=", v)) {
      if (v == "ack_unflushed") {
        bug = mutant::ack_unflushed;
      } else if (v == "forget_hard_state") {
        bug = mutant::forget_hard_state;
      } else {
        std::fprintf(stderr, "unknown mutant '%s'\n", std::string(v).c_str());
        return 2;
      }
    } else if (a == "--no-pre-vote") {
      pre_vote = false;
    } else if (a == "--trace") {
      trace = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s --seed=S [--seeds=N] [--seconds=T] [--mutant=M] "
                   "[--no-pre-vote] [--trace]\n",
                   argv[0]);
      return 2;
    }
  }
  std::signal(SIGABRT, on_abort);
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t ran = 0;
  std::uint64_t failed = 0;
  sim_stats total;
  for (std::uint64_t s = first; s < first + count; ++s) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (elapsed >= seconds) break;
    current_seed = s;
    sim_options o = swarm_options(s);
    o.bug = bug;
    o.node.pre_vote = pre_vote;
    o.trace = trace;
    o.trace_live = trace;
    const seed_result r = run_seed(o);
    ++ran;
    total.leaders += r.stats.leaders;
    total.committed_batches += r.stats.committed_batches;
    total.crashes += r.stats.crashes;
    total.installs += r.stats.installs;
    total.transfers += r.stats.transfers;
    total.campaigns += r.stats.campaigns;
    total.config_changes += r.stats.config_changes;
    total.retentions += r.stats.retentions;
    if (trace) {
      for (const std::string& line : r.trace_tail)
        std::printf("  %s\n", line.c_str());
    }
    if (!r.ok) {
      ++failed;
      std::printf("FAIL seed %llu (%d voters): %s\n  reproduce: cairn-raft-sim --seed=%llu%s%s\n",
                  static_cast<unsigned long long>(s), o.voters, r.failure.c_str(),
                  static_cast<unsigned long long>(s),
                  bug == mutant::ack_unflushed       ? " --mutant=ack_unflushed"
                  : bug == mutant::forget_hard_state ? " --mutant=forget_hard_state"
                                                     : "",
                  pre_vote ? "" : " --no-pre-vote");
      if (!trace) {
        for (const std::string& line : r.trace_tail)
          std::printf("  %s\n", line.c_str());
      }
      std::fflush(stdout);
    }
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "raft-sim: %llu seeds from %llu in %.1f s, %llu failed; %lld leaders, %lld batches "
      "committed, %lld crashes, %lld installs, %lld transfers, %lld campaigns, %lld config "
      "changes, %lld retentions\n",
      static_cast<unsigned long long>(ran), static_cast<unsigned long long>(first), elapsed,
      static_cast<unsigned long long>(failed), static_cast<long long>(total.leaders),
      static_cast<long long>(total.committed_batches), static_cast<long long>(total.crashes),
      static_cast<long long>(total.installs), static_cast<long long>(total.transfers),
      static_cast<long long>(total.campaigns), static_cast<long long>(total.config_changes),
      static_cast<long long>(total.retentions));
  return failed == 0 ? 0 : 1;
}
