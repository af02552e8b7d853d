// es_command_bench against cairn-broker: `handlers` coroutines on one client, each running
// repository::async_handle (load the stream, decide, append with the loaded version as the
// expected version, retry on a lost race) on random aggregates.
#pragma once

#include <string>

#include "bench/es_command/run_stats.h"
#include "cairn/base/result.h"

namespace bench {

struct cairn_target {
  std::string bootstrap;  // host:port
  std::string topic = "bench-counters";
  int partitions = 8;
};

cairn::result<run_stats> run_cairn(const cairn_target& target, const run_config& config);

}  // namespace bench
