#!/usr/bin/env bash
# Cairn's broker against Redis Streams on this machine, in one run, at the same durability:
#   flush never  vs  Redis with AOF off
#   flush always vs  Redis with appendonly yes + appendfsync always
# 100-byte records, one partition, one producer process. Prints each figure and the ratio.
# Needs redis-server and redis-benchmark (Debian: redis-server redis-tools), and a build.
# Usage: bench/broker_vs_redis.sh [RECORDS]   (default 1000000)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CAIRN_BUILD_DIR:-$root/build}"
records="${1:-1000000}"
work="$(mktemp -d /tmp/cairn-vs-redis-XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

command -v redis-server >/dev/null || { echo "redis-server missing: apt-get install redis-server redis-tools" >&2; exit 1; }

start_broker() {  # $1 = flush policy; sets broker_port
  rm -rf "$work/cairn" && mkdir -p "$work/cairn"
  "$build/broker/cairn-broker" --data-dir "$work/cairn" --listen 127.0.0.1:0 --kafka-listen 127.0.0.1:0 --http 127.0.0.1:0 \
    --flush "$1" --log-level warn > "$work/broker.out" 2> "$work/broker.err" &
  pids+=($!)
  broker_pid=$!
  for _ in $(seq 1 100); do
    grep -q "listening on" "$work/broker.out" 2>/dev/null && break
    sleep 0.1
  done
  broker_port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/broker.out")
}

stop_broker() { kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; }

# shellcheck source=bench/redis_peer.sh
source "$root/bench/redis_peer.sh"

cairn_rate() {  # $1 = flush policy; prints produce records/s
  start_broker "$1"
  "$build/tools/cairn-perf" produce --topic bench --records "$records" --record-size 100 \
    -b "127.0.0.1:$broker_port" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["records_s"])'
  stop_broker
}

echo "machine: $(nproc) cores, $(uname -r); $records records of 100 bytes"
redis_never=$(redis_rate --appendonly no)
cairn_never=$(cairn_rate never)
redis_always=$(redis_rate --appendonly yes --appendfsync always)
cairn_always=$(cairn_rate always)
python3 - "$redis_never" "$cairn_never" "$redis_always" "$cairn_always" <<'PY'
import sys
rn, cn, ra, ca = map(float, sys.argv[1:])
print(f"flush never : Cairn {cn:>10,.0f} rec/s   Redis AOF off       {rn:>10,.0f} rec/s   ratio {cn/rn:.2f}")
print(f"flush always: Cairn {ca:>10,.0f} rec/s   Redis fsync always  {ra:>10,.0f} rec/s   ratio {ca/ra:.2f}")
PY
