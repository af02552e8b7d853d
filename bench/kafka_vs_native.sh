#!/usr/bin/env bash
# The Kafka front end against the native one, on one broker, in one run: 100-byte records, one
# partition, flush never and flush always. Kafka side: bench/kafka_perf (librdkafka); native
# side: cairn-perf (the SDK); peer: Redis Streams XADD at the same durability
# (bench/broker_vs_redis.sh's setup). Then end-to-end latency at 10,000 records/s with flush
# always through librdkafka, and the broker's RSS with 1,000 idle Kafka connections.
# Usage: bench/kafka_vs_native.sh [RECORDS]   (default 1000000)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CAIRN_BUILD_DIR:-$root/build}"
records="${1:-1000000}"
work="$(mktemp -d /tmp/cairn-kafka-vs-native-XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start_broker() {  # $1 = flush policy; sets native_port, kafka_port, broker_pid
  rm -rf "$work/cairn" && mkdir -p "$work/cairn"
  "$build/broker/cairn-broker" --data-dir "$work/cairn" --listen 127.0.0.1:0 \
    --kafka-listen 127.0.0.1:0 --http 127.0.0.1:0 --flush "$1" --log-level warn \
    > "$work/broker.out" 2> "$work/broker.err" &
  broker_pid=$!
  pids+=($broker_pid)
  for _ in $(seq 1 100); do
    grep -q "kafka listening on" "$work/broker.out" 2>/dev/null && break
    sleep 0.1
  done
  native_port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/broker.out")
  kafka_port=$(sed -n 's/^kafka listening on .*:\([0-9]*\)$/\1/p' "$work/broker.out")
}
stop_broker() { kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readlines()[-1])['$1'])"; }

# shellcheck source=bench/redis_peer.sh
source "$root/bench/redis_peer.sh"

# The broker's CPU time so far (user + system), in clock ticks.
broker_ticks() { awk '{ print $14 + $15 }' "/proc/$broker_pid/stat"; }

# Runs one client command and prints "records_s broker_ticks client_cpu_s": its throughput, the
# broker's CPU time while it ran (what serving the records cost the broker, whoever limits the
# rate) and the client's own CPU seconds (user + system, all its threads).
measured() {
  local before out
  before=$(broker_ticks)
  out=$(python3 -c '
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(done.stdout.strip().splitlines()[-1])
print(used.ru_utime + used.ru_stime)' "$@")
  echo "$(head -1 <<<"$out" | field records_s) $(($(broker_ticks) - before)) $(tail -1 <<<"$out")"
}

# $1 = flush policy; prints "native_produce kafka_produce native_consume kafka_consume", each as
# measured() prints it.
run_policy() {
  start_broker "$1"
  "$build/tools/cairn" -b "127.0.0.1:$native_port" topic create native --partitions 1 >/dev/null
  "$build/tools/cairn" -b "127.0.0.1:$native_port" topic create kafka --partitions 1 >/dev/null
  local np kp nc kc
  np=$(measured "$build/tools/cairn-perf" produce --topic native --records "$records" \
    --record-size 100 -b "127.0.0.1:$native_port")
  kp=$(measured "$build/bench/kafka_perf" produce --topic kafka --records "$records" \
    --record-size 100 -b "127.0.0.1:$kafka_port")
  nc=$(measured "$build/tools/cairn-perf" consume --topic native --records "$records" \
    --record-size 100 -b "127.0.0.1:$native_port")
  kc=$(measured "$build/bench/kafka_perf" consume --topic kafka --records "$records" \
    --record-size 100 -b "127.0.0.1:$kafka_port")
  stop_broker
  echo "$np $kp $nc $kc"
}

echo "machine: $(nproc) cores, $(uname -r); $records records of 100 bytes, one partition"
read -r nn nn_t nn_c kn kn_t kn_c ncn ncn_t ncn_c kcn kcn_t kcn_c <<<"$(run_policy never)"
redis_never=$(redis_rate --appendonly no)
read -r na na_t na_c ka ka_t ka_c nca nca_t nca_c kca kca_t kca_c <<<"$(run_policy always)"
redis_always=$(redis_rate --appendonly yes --appendfsync always)

start_broker always
"$build/tools/cairn" -b "127.0.0.1:$native_port" topic create e2e --partitions 1 >/dev/null
e2e=$("$build/bench/kafka_perf" e2e --topic e2e --records 100000 --record-size 100 --rate 10000 \
  --linger-ms 0 -b "127.0.0.1:$kafka_port" 2>/dev/null | tail -1)
# 1,000 idle Kafka connections: the broker's RSS before and with them.
rss() { awk '/VmRSS/ { print $2 }' "/proc/$broker_pid/status"; }
rss_before=$(rss)
coproc idle { "$build/bench/kafka_perf" idle --connections 1000 -b "127.0.0.1:$kafka_port"; }
read -r idle_line <&"${idle[0]}"
rss_idle=$(rss)
echo done >&"${idle[1]}"
wait "$idle_PID" 2>/dev/null || true
stop_broker

python3 - "$nn" "$kn" "$ncn" "$kcn" "$redis_never" "$na" "$ka" "$nca" "$kca" "$redis_always" \
  "$e2e" "$rss_before" "$rss_idle" "$idle_line" "$records" "$(getconf CLK_TCK)" \
  "$nn_t" "$kn_t" "$ncn_t" "$kcn_t" "$na_t" "$ka_t" "$nca_t" "$kca_t" \
  "$nn_c" "$kn_c" "$ncn_c" "$kcn_c" "$na_c" "$ka_c" "$nca_c" "$kca_c" <<'PY'
import json, sys
nn, kn, ncn, kcn, rn, na, ka, nca, kca, ra = map(float, sys.argv[1:11])
e2e = json.loads(sys.argv[11]); before, idle = int(sys.argv[12]), int(sys.argv[13])
records, hz = int(sys.argv[15]), int(sys.argv[16])
# Broker CPU seconds per million records, per run (user + system, from /proc/PID/stat).
cpu = [int(t) / hz * 1e6 / records for t in sys.argv[17:25]]
# The clients' CPU seconds per million records (cairn-perf, kafka_perf: all their threads).
client = [float(t) * 1e6 / records for t in sys.argv[25:33]]
print(f"flush never : produce native {nn:>10,.0f}  kafka {kn:>10,.0f} rec/s ({kn/nn:.2f}x)   "
      f"consume native {ncn:>10,.0f}  kafka {kcn:>10,.0f} rec/s ({kcn/ncn:.2f}x)   "
      f"Redis AOF off {rn:>10,.0f} (kafka/redis {kn/rn:.2f}x)")
print(f"flush always: produce native {na:>10,.0f}  kafka {ka:>10,.0f} rec/s ({ka/na:.2f}x)   "
      f"consume native {nca:>10,.0f}  kafka {kca:>10,.0f} rec/s ({kca/nca:.2f}x)   "
      f"Redis fsync always {ra:>10,.0f} (kafka/redis {ka/ra:.2f}x)")
for name, (pn, pk, cn, ck) in (("flush never ", cpu[0:4]), ("flush always", cpu[4:8])):
    print(f"broker CPU s per 1M records, {name}: produce native {pn:.2f} kafka {pk:.2f}   "
          f"consume native {cn:.2f} kafka {ck:.2f}")
for name, (pn, pk, cn, ck) in (("flush never ", client[0:4]), ("flush always", client[4:8])):
    print(f"client CPU s per 1M records, {name}: produce cairn-perf {pn:.2f} kafka_perf {pk:.2f}   "
          f"consume cairn-perf {cn:.2f} kafka_perf {ck:.2f}")
print(f"e2e via librdkafka at 10k rec/s, flush always: p50 {e2e['latency_p50_us']/1000:.2f} ms, "
      f"p99 {e2e['latency_p99_us']/1000:.2f} ms, p99.9 {e2e['latency_p999_us']/1000:.2f} ms, "
      f"{e2e['records']} records")
print(f"broker RSS: {before/1024:.1f} MiB idle, {idle/1024:.1f} MiB with 1,000 Kafka connections "
      f"({(idle-before)/1000:.1f} KiB each) [{sys.argv[14]}]")
PY
