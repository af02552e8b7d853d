// What one side of es_command_bench reports: commands handled in the measured window, the events
// they appended, how many decide+append rounds lost a race (wrong expected version) and the
// per-command latency distribution.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace bench {

struct run_stats {
  std::int64_t commands = 0;
  std::int64_t events = 0;
  std::int64_t conflicts = 0;  // rounds that found the stream moved and decided again
  std::int64_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_us;  // one per command

  double events_per_s() const { return seconds > 0 ? events / seconds : 0; }
  double percentile_us(double p) {
    if (latencies_us.empty()) return 0;
    std::sort(latencies_us.begin(), latencies_us.end());
    auto i = static_cast<std::size_t>(p * static_cast<double>(latencies_us.size() - 1));
    return latencies_us[i];
  }
  void merge(const run_stats& o) {
    commands += o.commands;
    events += o.events;
    conflicts += o.conflicts;
    errors += o.errors;
    latencies_us.insert(latencies_us.end(), o.latencies_us.begin(), o.latencies_us.end());
  }
};

struct run_config {
  int handlers = 64;
  int aggregates = 1000;
  double seconds = 10;
  double warmup_seconds = 1;
  std::uint64_t seed = 1;
  // Keep loaded aggregates in memory and read only newer events on the next command (both
  // sides: the repository's cache_max, and the same cache in front of the PostgreSQL table).
  bool cache = false;
};

}  // namespace bench
