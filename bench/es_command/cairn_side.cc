#include "bench/es_command/cairn_side.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <random>

#include "bench/es_command/counter.h"
#include "cairn/admin.h"
#include "cairn/es/repository.h"

namespace bench {
namespace {

using clock_type = std::chrono::steady_clock;
using repository = cairn::es::repository<counter>;

std::string aggregate_id(int i) {
  return "counter-" + std::to_string(i);
}

// One command handler: commands back to back until `end`; only those that start after
// `measure_from` are counted.
cairn::awaitable<run_stats> handler_loop(repository& repo, run_config config, int index,
                                         clock_type::time_point measure_from,
                                         clock_type::time_point end) {
  run_stats stats;
  std::mt19937_64 rng(config.seed * 1000 + static_cast<std::uint64_t>(index));
  std::uniform_int_distribution<int> pick(0, config.aggregates - 1);
  while (clock_type::now() < end) {
    auto started = clock_type::now();
    // Named arguments: g++ 12 destroys a braced temporary passed to a coroutine twice.
    std::string id = aggregate_id(pick(rng));
    add command{1};
    cairn::es::command_meta meta;
    auto handled = co_await repo.async_handle(std::move(id), command, std::move(meta));
    if (started < measure_from) continue;
    if (!handled) {
      ++stats.errors;
      continue;
    }
    ++stats.commands;
    stats.events += static_cast<std::int64_t>(handled.value().events.size());
    stats.conflicts += handled.value().attempts - 1;
    stats.latencies_us.push_back(
        std::chrono::duration<double, std::micro>(clock_type::now() - started).count());
  }
  co_return stats;
}

}  // namespace

cairn::result<run_stats> run_cairn(const cairn_target& target, const run_config& config) {
  CAIRN_TRY(auto client, cairn::client::create({.bootstrap = {target.bootstrap},
                                                .client_id = "es-command-bench",
                                                .in_flight_max = 1024}));
  cairn::admin admin(*client);
  auto created = admin.create_topic(target.topic, {.partitions = target.partitions});
  // An existing topic is used as it is (its streams are longer: start a fresh broker to compare).
  if (!created && created.error() != cairn::protocol::errc::topic_already_exists) {
    return created.error();
  }

  cairn::es::event_registry<counter::event> registry;
  repository repo(*client, registry,
                  {.topic = target.topic,
                   .cache_max = config.cache ? static_cast<std::size_t>(config.aggregates) : 0});
  // Every aggregate gets its first event before the clock starts, as the PostgreSQL side.
  for (int i = 0; i < config.aggregates; ++i) {
    CAIRN_TRY(repo.handle(aggregate_id(i), add{1}));
  }

  auto start = clock_type::now();
  auto measure_from = start + std::chrono::duration_cast<clock_type::duration>(
                                  std::chrono::duration<double>(config.warmup_seconds));
  auto end = measure_from + std::chrono::duration_cast<clock_type::duration>(
                                std::chrono::duration<double>(config.seconds));
  std::vector<std::future<run_stats>> handlers;
  for (int i = 0; i < config.handlers; ++i) {
    handlers.push_back(boost::asio::co_spawn(client->executor(),
                                             handler_loop(repo, config, i, measure_from, end),
                                             boost::asio::use_future));
  }
  run_stats total;
  for (auto& h : handlers)
    total.merge(h.get());
  total.seconds = config.seconds;
  return total;
}

}  // namespace bench
