# The Redis Streams peer of the broker benchmarks, sourced by bench/broker_vs_redis.sh and
# bench/kafka_vs_native.sh: redis_rate ARGS... starts redis-server with ARGS on loopback in
# "$work/redis", runs `redis-benchmark -c 50 -P 64` XADD of "$records" 100-byte values, prints
# requests/s and stops the server. Needs $work, $records and the pids array of the caller.

redis_rate() {  # $1.. = extra redis-server arguments; prints XADD requests/s
  local port=16379
  rm -rf "$work/redis" && mkdir -p "$work/redis"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$work/redis" --save '' "$@" \
    > "$work/redis.log" 2>&1 &
  local pid=$!
  pids+=($pid)
  for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  local value
  value=$(head -c 100 /dev/zero | tr '\0' 'x')
  redis-benchmark -p "$port" -c 50 -P 64 -n "$records" -q \
    XADD bench '*' v "$value" | sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | head -1
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
