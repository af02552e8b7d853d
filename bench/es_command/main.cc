// es_command_bench: event-sourced command throughput, load-decide-append-with-expected-version
// per command, against cairn-broker or a PostgreSQL event table at the same concurrency.
//
//   es_command_bench --target cairn -b HOST:PORT [--partitions 8]
//   es_command_bench --target postgres --pg "host=/tmp/sock port=5433 dbname=postgres"
//   common: [--handlers 64] [--aggregates 1000] [--seconds 10] [--warmup 1] [--cache] [--json]
//
// Each of `handlers` concurrent command handlers picks a random aggregate, loads it (the whole
// stream, or with --cache only the events after the cached version, on both sides alike),
// decides one event and appends it with the loaded version as the expected version, deciding
// again when another handler won the race. Prints commands/s, events/s, lost races and latency
// percentiles; with --json one machine-readable line.
// bench/es_vs_postgres.sh starts both servers and runs the two sides in one go.
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "base/command_line.h"
#include "bench/es_command/cairn_side.h"
#include "bench/es_command/postgres_side.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  bench::run_config config;
  bench::cairn_target cairn_target;
  bench::postgres_target pg_target;
  std::string target;
  po::options_description desc("es_command_bench");
  desc.add_options()("help,h", "this help")("target", po::value(&target)->required(),
                                            "cairn | postgres")(
      "broker,b", po::value(&cairn_target.bootstrap), "cairn-broker host:port")(
      "topic", po::value(&cairn_target.topic)->default_value(cairn_target.topic),
      "the Cairn topic (created when missing)")(
      "partitions", po::value(&cairn_target.partitions)->default_value(8),
      "partitions of the Cairn topic")("pg", po::value(&pg_target.conninfo),
                                       "libpq connection string")(
      "handlers", po::value(&config.handlers)->default_value(64), "concurrent command handlers")(
      "aggregates", po::value(&config.aggregates)->default_value(1000), "aggregates")(
      "seconds", po::value(&config.seconds)->default_value(10.0), "measured seconds")(
      "warmup", po::value(&config.warmup_seconds)->default_value(1.0), "unmeasured seconds first")(
      "cache", "keep loaded aggregates in memory (both sides the same way)")("json",
                                                                             "print one JSON line");
  po::variables_map vm;
  if (auto exit_code = cairn::parse_options("es_command_bench", argc, argv, desc, vm)) {
    return *exit_code;
  }
  config.cache = vm.count("cache") != 0U;
  if (config.handlers < 1 || config.aggregates < 1 || config.seconds <= 0) {
    std::fprintf(stderr, "es_command_bench: handlers, aggregates and seconds must be positive\n");
    return 2;
  }

  cairn::result<bench::run_stats> ran = std::make_error_code(std::errc::invalid_argument);
  if (target == "cairn" && !cairn_target.bootstrap.empty()) {
    ran = bench::run_cairn(cairn_target, config);
  } else if (target == "postgres" && !pg_target.conninfo.empty()) {
    ran = bench::run_postgres(pg_target, config);
  } else {
    std::fprintf(stderr, "es_command_bench: --target cairn needs -b, --target postgres --pg\n");
    return 2;
  }
  if (!ran) {
    std::fprintf(stderr, "es_command_bench: %s\n", ran.error().message().c_str());
    return 1;
  }
  auto& s = ran.value();
  double p50 = s.percentile_us(0.50);
  double p99 = s.percentile_us(0.99);
  if (vm.count("json") != 0U) {
    boost::json::object o{{"target", target},
                          {"cache", config.cache},
                          {"handlers", config.handlers},
                          {"aggregates", config.aggregates},
                          {"seconds", s.seconds},
                          {"commands", s.commands},
                          {"events", s.events},
                          {"events_s", s.events_per_s()},
                          {"conflicts", s.conflicts},
                          {"errors", s.errors},
                          {"p50_us", p50},
                          {"p99_us", p99}};
    std::cout << boost::json::serialize(o) << "\n";
  } else {
    std::printf(
        "%-9s %3d handlers %5d aggregates: %9.0f events/s  %8lld commands  "
        "%6lld lost races  %lld errors  p50 %7.0f us  p99 %7.0f us\n",
        target.c_str(), config.handlers, config.aggregates, s.events_per_s(),
        static_cast<long long>(s.commands), static_cast<long long>(s.conflicts),
        static_cast<long long>(s.errors), p50, p99);
  }
  return s.errors > 0 ? 1 : 0;
}
