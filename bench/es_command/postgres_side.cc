#include "bench/es_command/postgres_side.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <thread>

#include "bench/es_command/counter.h"
#include "cairn/es/aggregate_cache.h"
#include "cairn/es/event_registry.h"

namespace bench {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr const char* kSchema =
    "DROP TABLE IF EXISTS events;"
    "CREATE TABLE events (position bigserial PRIMARY KEY, stream_id text NOT NULL,"
    " version bigint NOT NULL, type text NOT NULL, data jsonb NOT NULL,"
    " UNIQUE (stream_id, version));";
constexpr const char* kUniqueViolation = "23505";

struct connection_closer {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct result_clearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using connection = std::unique_ptr<PGconn, connection_closer>;
using pg_result = std::unique_ptr<PGresult, result_clearer>;

std::string aggregate_id(int i) {
  return "counter-" + std::to_string(i);
}

cairn::result<connection> connect(const std::string& conninfo) {
  connection c(PQconnectdb(conninfo.c_str()));
  if (PQstatus(c.get()) != CONNECTION_OK) {
    std::fprintf(stderr, "postgres: %s", PQerrorMessage(c.get()));
    return std::make_error_code(std::errc::connection_refused);
  }
  return c;
}

bool ok(const pg_result& r) {
  auto s = PQresultStatus(r.get());
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

cairn::result<void> prepare(PGconn* c) {
  pg_result load(PQprepare(c, "load",
                           "SELECT version, type, data FROM events WHERE stream_id = $1 AND "
                           "version > $2 ORDER BY version",
                           2, nullptr));
  pg_result append(PQprepare(
      c, "append", "INSERT INTO events (stream_id, version, type, data) VALUES ($1, $2, $3, $4)", 4,
      nullptr));
  if (!ok(load) || !ok(append)) {
    std::fprintf(stderr, "postgres: prepare: %s", PQerrorMessage(c));
    return std::make_error_code(std::errc::protocol_error);
  }
  return cairn::success();
}

enum class round_outcome { appended, lost_race, failed };

// A loaded aggregate: what the cache keeps between commands.
struct loaded {
  counter::state state = counter::initial();
  std::int64_t version = -1;
};
using cache = cairn::es::aggregate_cache<loaded>;

// One load-decide-append round on stream `id`; `events` counts what it appended. With a cache,
// the load starts from the cached version and reads only newer events, as the repository does.
// A cached aggregate is decided on without reading first (as the repository does): the unique
// constraint catches a stale cache, and the round after a lost race reads (`read_first`).
round_outcome one_round(PGconn* c, const cairn::es::event_registry<counter::event>& registry,
                        cache& cached, const std::string& id, bool read_first,
                        std::int64_t& events) {
  auto hit = cached.get(id);
  loaded start = hit.value_or(loaded{});
  counter::state state = start.state;
  std::int64_t version = start.version;
  if (read_first || !hit) {
    std::string after = std::to_string(version);
    const char* load_params[] = {id.c_str(), after.c_str()};
    pg_result rows(PQexecPrepared(c, "load", 2, load_params, nullptr, nullptr, 0));
    if (!ok(rows)) return round_outcome::failed;
    for (int i = 0; i < PQntuples(rows.get()); ++i) {
      version = std::strtoll(PQgetvalue(rows.get(), i, 0), nullptr, 10);
      auto e = registry.decode(PQgetvalue(rows.get(), i, 1), PQgetvalue(rows.get(), i, 2));
      if (!e) return round_outcome::failed;
      state = counter::evolve(std::move(state), e.value());
    }
  }
  auto decided = counter::decide(add{1}, state);
  if (!decided) return round_outcome::failed;
  for (const auto& e : decided.value()) {
    auto data = cairn::es::event_registry<counter::event>::encode(e);
    std::string next = std::to_string(++version);
    const char* params[] = {id.c_str(), next.c_str(), data.type.c_str(), data.data.c_str()};
    pg_result inserted(PQexecPrepared(c, "append", 4, params, nullptr, nullptr, 0));
    if (PQresultStatus(inserted.get()) == PGRES_FATAL_ERROR) {
      const char* state_code = PQresultErrorField(inserted.get(), PG_DIAG_SQLSTATE);
      if (state_code != nullptr && std::strcmp(state_code, kUniqueViolation) == 0) {
        cached.put(id, {state, version - 1});  // what was read: the next round reads on from it
        return round_outcome::lost_race;
      }
      return round_outcome::failed;
    }
    ++events;
  }
  cached.put(id, {state, version});
  return round_outcome::appended;
}

void handler_thread(const std::string& conninfo, const run_config& config, cache& cached, int index,
                    clock_type::time_point measure_from, clock_type::time_point end,
                    run_stats& stats) {
  auto c = connect(conninfo);
  if (!c || !prepare(c.value().get())) {
    stats.errors = 1;
    return;
  }
  cairn::es::event_registry<counter::event> registry;
  std::mt19937_64 rng(config.seed * 1000 + static_cast<std::uint64_t>(index));
  std::uniform_int_distribution<int> pick(0, config.aggregates - 1);
  constexpr int kAttemptsMax = 8;  // the repository's default
  while (clock_type::now() < end) {
    auto started = clock_type::now();
    auto id = aggregate_id(pick(rng));
    std::int64_t events = 0;
    int conflicts = 0;
    round_outcome outcome = round_outcome::lost_race;
    for (int attempt = 0; attempt < kAttemptsMax && outcome == round_outcome::lost_race;
         ++attempt) {
      outcome = one_round(c.value().get(), registry, cached, id, attempt > 0, events);
      if (outcome == round_outcome::lost_race) ++conflicts;
    }
    if (started < measure_from) continue;
    if (outcome != round_outcome::appended) {
      ++stats.errors;
      continue;
    }
    ++stats.commands;
    stats.events += events;
    stats.conflicts += conflicts;
    stats.latencies_us.push_back(
        std::chrono::duration<double, std::micro>(clock_type::now() - started).count());
  }
}

}  // namespace

cairn::result<run_stats> run_postgres(const postgres_target& target, const run_config& config) {
  CAIRN_TRY(auto setup, connect(target.conninfo));
  pg_result schema(PQexec(setup.get(), kSchema));
  if (!ok(schema)) {
    std::fprintf(stderr, "postgres: schema: %s", PQerrorMessage(setup.get()));
    return std::make_error_code(std::errc::protocol_error);
  }
  CAIRN_TRY(prepare(setup.get()));
  // Every aggregate gets its first event before the clock starts, as the Cairn side.
  cairn::es::event_registry<counter::event> registry;
  cache cached(config.cache ? static_cast<std::size_t>(config.aggregates) : 0);
  for (int i = 0; i < config.aggregates; ++i) {
    std::int64_t events = 0;
    if (one_round(setup.get(), registry, cached, aggregate_id(i), true, events) !=
        round_outcome::appended) {
      std::fprintf(stderr, "postgres: seeding: %s", PQerrorMessage(setup.get()));
      return std::make_error_code(std::errc::protocol_error);
    }
  }

  auto start = clock_type::now();
  auto measure_from = start + std::chrono::duration_cast<clock_type::duration>(
                                  std::chrono::duration<double>(config.warmup_seconds));
  auto end = measure_from + std::chrono::duration_cast<clock_type::duration>(
                                std::chrono::duration<double>(config.seconds));
  std::vector<run_stats> per_thread(static_cast<std::size_t>(config.handlers));
  std::vector<std::thread> threads;
  for (int i = 0; i < config.handlers; ++i) {
    threads.emplace_back(handler_thread, std::cref(target.conninfo), std::cref(config),
                         std::ref(cached), i, measure_from, end,
                         std::ref(per_thread[static_cast<std::size_t>(i)]));
  }
  for (auto& t : threads)
    t.join();
  run_stats total;
  for (const auto& s : per_thread)
    total.merge(s);
  total.seconds = config.seconds;
  return total;
}

}  // namespace bench
