#!/usr/bin/env bash
# replication.sh: the figures issue 7 asks for, against real processes on loopback, in one run so
# the noisy shared machine affects the baseline and the cluster alike (docs/benchmarks.md).
#   1. throughput: cairn-perf produce (acks all, 100-byte records, 3 partitions) against one
#      standalone broker, then against three brokers with replication factor 3; the ratio.
#   2. p99 produce latency at 10,000 records/s with flush always, on the three-broker cluster,
#      beside the disk's own fdatasync latency and one standalone broker at the same rate.
#   3. failover: SIGKILL a partition's leader, then time until a produce to that partition is
#      acknowledged by the new leader (the SDK finds it on its own), five times.
# Usage: bench/replication.sh [BUILD_DIR] [RECORDS]
set -euo pipefail
build=${1:-build}
records=${2:-500000}
broker=$build/broker/cairn-broker
perf=$build/tools/cairn-perf
cli=$build/tools/cairn
work=$(mktemp -d)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT

# Three brokers on fixed loopback ports (the cluster map needs them up front).
base=$((20000 + RANDOM % 20000))
map="1=127.0.0.1:$base,2=127.0.0.1:$((base + 1)),3=127.0.0.1:$((base + 2))"
start_cluster() {  # $1: flush policy
  for id in 1 2 3; do
    "$broker" --data-dir "$work/c$1-$id" --node-id "$id" --cluster "$map" --flush "$1" \
      --http 127.0.0.1:0 --kafka-listen none --log-level warn >/dev/null 2>"$work/c$1-$id.log" &
    pids+=($!)
  done
  for _ in $(seq 1 100); do  # bounded: the controller is elected within a second or two
    if "$cli" -b "127.0.0.1:$base" cluster status 2>/dev/null | grep -q "controller [1-3]"; then
      return 0
    fi
    sleep 0.1
  done
  echo "no controller elected" >&2
  exit 1
}
balanced() {  # $1 topic: waits (bounded) until every partition is led by its preferred replica
  for _ in $(seq 1 150); do
    if "$cli" -b "127.0.0.1:$base" topic describe "$1" |
      awk 'NR > 2 && $1 ~ /^[0-9]+$/ { split($3, r, ","); if ($2 != r[1]) bad = 1 } END { exit bad }'; then
      return 0
    fi
    sleep 0.1
  done
  echo "leaders of $1 not balanced after 15 s" >&2
}
leader_of() {  # $1 topic, $2 partition
  "$cli" -b "127.0.0.1:$base" topic describe "$1" | awk -v p="$2" '$1 == p { print $2 }'
}

echo "== 1. throughput, acks all, $records x 100 B, 3 partitions"
"$broker" --data-dir "$work/single" --listen "127.0.0.1:$((base + 10))" --http 127.0.0.1:0 --kafka-listen none \
  --log-level warn >/dev/null 2>"$work/single.log" &
pids+=($!)
sleep 0.5
single=$("$perf" produce --topic tput --records "$records" --partitions 3 --acks all \
  -b "127.0.0.1:$((base + 10))" | tail -1 || true)
stop_all
start_cluster never
"$cli" -b "127.0.0.1:$base" topic create tput -p 3 -r 3 >/dev/null
# Leaders move to their preferred replicas a moment after creation; measure after that.
balanced tput
cluster=$("$perf" produce --topic tput --records "$records" --partitions 3 --acks all \
  -b "127.0.0.1:$base" | tail -1 || true)
echo "single broker: $single"
echo "3 brokers RF3: $cluster"
python3 - "$single" "$cluster" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"ratio RF3 / single: {b['records_s'] / a['records_s']:.2f} "
      f"({b['records_s']:.0f} / {a['records_s']:.0f} records/s; "
      f"p99 {b['latency_p99_us']} / {a['latency_p99_us']} us)")
PY

echo "== 3. failover (flush never cluster): SIGKILL the leader, time to the first acknowledged produce"
"$cli" -b "127.0.0.1:$base" topic create failover -p 1 -r 3 >/dev/null
balanced failover
for round in 1 2 3 4 5; do
  echo "warm x" | "$cli" -b "127.0.0.1:$base" produce failover >/dev/null
  leader=$(leader_of failover 0)
  idx=$((leader - 1))
  other=$(( (leader % 3) ))
  t0=$(date +%s%N)
  kill -9 "${pids[$idx]}"
  echo "after x" | "$cli" -b "127.0.0.1:$((base + other))" produce failover >/dev/null
  t1=$(date +%s%N)
  echo "round $round: leader $leader killed, produce acknowledged after $(( (t1 - t0) / 1000000 )) ms"
  "$broker" --data-dir "$work/cnever-$leader" --node-id "$leader" --cluster "$map" --flush never \
    --http 127.0.0.1:0 --kafka-listen none --log-level warn >/dev/null 2>>"$work/cnever-$leader.log" &
  pids[$idx]=$!
  sleep 3  # the restarted broker rejoins and catches up before the next round
done
stop_all

echo "== 2. latency at 10,000 records/s, flush always"
# The phases above leave hundreds of MB dirty in the page cache (flush never); their background
# writeback would land in this phase's fdatasyncs. Each latency run starts with a clean cache.
sync
echo "-- baseline: the disk's own write(4 KiB) + fdatasync, 5 s"
python3 - "$work/sync-probe" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
chunk, lat, end = b"x" * 4096, [], time.monotonic() + 5
while time.monotonic() < end:
    os.write(fd, chunk)
    t = time.perf_counter()
    os.fdatasync(fd)
    lat.append(time.perf_counter() - t)
os.close(fd)
lat.sort()
q = lambda f: f"{lat[min(len(lat) - 1, int(len(lat) * f))] * 1e3:.2f}"
print(f"fdatasync x{len(lat)}: p50 {q(0.5)} p99 {q(0.99)} p99.9 {q(0.999)} max {lat[-1] * 1e3:.2f} ms")
PY
echo "-- baseline: one standalone broker"
"$broker" --data-dir "$work/single-always" --listen "127.0.0.1:$((base + 11))" --http 127.0.0.1:0 --kafka-listen none \
  --flush always --log-level warn >/dev/null 2>"$work/single-always.log" &
pids+=($!)
sleep 0.5
"$perf" produce --topic lat --records 100000 --partitions 3 --acks all --rate 10000 \
  --linger-ms 1 -b "127.0.0.1:$((base + 11))" | tail -1 || true
stop_all
sync
echo "-- 3 brokers, RF3"
start_cluster always
"$cli" -b "127.0.0.1:$base" topic create lat -p 3 -r 3 >/dev/null
balanced lat
"$perf" produce --topic lat --records 100000 --partitions 3 --acks all --rate 10000 \
  --linger-ms 1 -b "127.0.0.1:$base" | tail -2 || true
