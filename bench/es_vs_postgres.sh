#!/usr/bin/env bash
# cairn::es command throughput against a PostgreSQL event table, side by side in one run, at the
# same durability and concurrency: cairn-broker with --flush always (an append is acknowledged
# after fdatasync) against PostgreSQL with fsync=on and synchronous_commit=on (a commit is
# acknowledged after its WAL is flushed). Each side runs bench/es_command (load the stream,
# decide one event, append with the expected version) with HANDLERS concurrent handlers over
# AGGREGATES aggregates for SECONDS seconds.
#
# Needs a build and Debian's postgresql + libpq-dev (scripts/setup installs both). PostgreSQL runs
# as its own throwaway cluster in a temporary directory, on a Unix socket only; nothing is left
# running. Usage: bench/es_vs_postgres.sh [SECONDS] [HANDLERS] [AGGREGATES]   (10 64 1000)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CAIRN_BUILD_DIR:-$root/build}"
seconds="${1:-10}"
handlers="${2:-64}"
aggregates="${3:-1000}"
bench="$build/bench/es_command/es_command_bench"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
work="$(mktemp -d /tmp/cairn-vs-postgres-XXXXXX)"
broker_pid=""
pg_started=""

cleanup() {
  if [[ -n "$broker_pid" ]]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
  if [[ -n "$pg_started" ]]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

[[ -x "$bench" ]] || { echo "missing $bench: build first (scripts/setup; needs libpq-dev)" >&2; exit 1; }
[[ -n "$pg_bin" ]] || { echo "PostgreSQL missing: apt-get install postgresql" >&2; exit 1; }

# --- PostgreSQL: a private cluster, Unix socket only ------------------------------------------
mkdir -p "$work/pg" "$work/pgsock"
chown postgres "$work" "$work/pg" "$work/pgsock"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o \
  "-c listen_addresses='' -c unix_socket_directories=$work/pgsock -c port=5499 \
   -c fsync=on -c synchronous_commit=on -c max_connections=$((handlers + 16))" start >/dev/null
pg_started=1
pg_conninfo="host=$work/pgsock port=5499 user=postgres dbname=postgres"

# --- cairn-broker, flush always -----------------------------------------------------------------
mkdir -p "$work/cairn"
"$build/broker/cairn-broker" --data-dir "$work/cairn" --listen 127.0.0.1:0 --kafka-listen 127.0.0.1:0 --http 127.0.0.1:0 \
  --flush always --log-level warn > "$work/broker.out" 2> "$work/broker.err" &
broker_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/broker.out" 2>/dev/null && break
  sleep 0.1
done
broker_port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/broker.out")
[[ -n "$broker_port" ]] || { echo "cairn-broker did not start:" >&2; cat "$work/broker.err" >&2; exit 1; }

common=(--handlers "$handlers" --aggregates "$aggregates" --seconds "$seconds" --json)
echo "machine: $(nproc) cores, $(uname -r); $handlers handlers, $aggregates aggregates, ${seconds}s each"
# Two rounds: each command loads the whole stream; then with the aggregate cache on both sides
# (only events after the cached version are read). Each round on fresh tables/topics.
for mode in full cache; do
  extra=()
  topic="bench-full"
  if [[ "$mode" == cache ]]; then extra=(--cache); topic="bench-cache"; fi
  pg_json=$("$bench" --target postgres --pg "$pg_conninfo" "${common[@]}" "${extra[@]}")
  cairn_json=$("$bench" --target cairn -b "127.0.0.1:$broker_port" --topic "$topic" \
    "${common[@]}" "${extra[@]}")
  echo "$pg_json"
  echo "$cairn_json"
  python3 - "$mode" "$pg_json" "$cairn_json" <<'PY'
import json, sys
mode = sys.argv[1]
pg, ca = (json.loads(a) for a in sys.argv[2:])
print(f"-- loads: {'whole stream' if mode == 'full' else 'aggregate cache, newer events only'}")
for name, r in (("PostgreSQL", pg), ("Cairn", ca)):
    print(f"{name:<11} {r['events_s']:>10,.0f} events/s   p50 {r['p50_us']/1000:6.2f} ms   "
          f"p99 {r['p99_us']/1000:6.2f} ms   lost races {r['conflicts']}   errors {r['errors']}")
print(f"ratio Cairn/PostgreSQL: {ca['events_s']/pg['events_s']:.2f}")
PY
done
