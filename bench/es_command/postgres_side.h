// es_command_bench against PostgreSQL: the same load-decide-append round over an event table
//
//   events(position bigserial primary key, stream_id text, version bigint, type text, data jsonb,
//          unique (stream_id, version))
//
// with `handlers` threads, each on its own connection (libpq is blocking: a connection per
// concurrent handler is how PostgreSQL clients get concurrency). A round reads the stream,
// decodes each event's JSON and folds it, and inserts the next version; a unique violation is the
// lost race: read again and decide again. With the cache, as the repository: a cached aggregate
// is decided on without a read, and after a lost race only the rows past its version are read.
#pragma once

#include <string>

#include "bench/es_command/run_stats.h"
#include "cairn/base/result.h"

namespace bench {

struct postgres_target {
  std::string conninfo;  // libpq connection string, e.g. "host=/tmp/pg port=5433 dbname=postgres"
};

// Fails with a message on stderr and an error when the server cannot be reached.
cairn::result<run_stats> run_postgres(const postgres_target& target, const run_config& config);

}  // namespace bench
