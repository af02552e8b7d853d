#!/usr/bin/env bash
# Runs every Kafka request fuzz target of a fuzz build (docs/kafka.md, "Bad input") in turn, each
# on its own corpus seeded by kafka_fuzz_seeds, and prints one line per target: runs, seconds,
# coverage (edges), corpus size, and whether it found anything (crash-*, leak-*, oom-* files in
# the artifacts directory). Exits non-zero when any target found something.
#   tests/kafka/fuzz/run_all.sh BUILD_DIR [SECONDS_SIMPLE [SECONDS_COMPLEX]]
# Complex targets (the larger decoders and whole frames) get SECONDS_COMPLEX (default 60), the
# others SECONDS_SIMPLE (default 20). One target runs at a time, on one core.
set -euo pipefail
build="${1:?usage: run_all.sh BUILD_DIR [SECONDS_SIMPLE [SECONDS_COMPLEX]]}"
simple="${2:-20}"
complex="${3:-60}"
bin="$build/tests/kafka"
work="$build/fuzz-runs"
mkdir -p "$work/corpus" "$work/artifacts" "$work/logs"
"$bin/kafka_fuzz_seeds" "$work/seeds" >/dev/null

complex_targets=" produce fetch metadata offset_commit offset_fetch join_group sync_group create_topics frame "
found=0
for target in "$bin"/kafka_fuzz_*; do
  name="${target##*/kafka_fuzz_}"
  [[ "$name" == "seeds" || "$name" == "all" ]] && continue
  seconds="$simple"
  [[ "$complex_targets" == *" $name "* ]] && seconds="$complex"
  mkdir -p "$work/corpus/$name" "$work/artifacts/$name"
  log="$work/logs/$name.log"
  # -malloc_limit_mb: one allocation above 64 MiB is a finding (a length taken at its word);
  # -max_len: frames up to 64 KiB, well past every sample.
  "$target" "$work/corpus/$name" "$work/seeds/$name" -max_total_time="$seconds" \
    -malloc_limit_mb=64 -rss_limit_mb=1024 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$name/" >"$log" 2>&1 || true
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  corpus=$(ls "$work/corpus/$name" | wc -l)
  findings=$(ls "$work/artifacts/$name" | wc -l)
  [[ "$findings" -gt 0 ]] && found=1
  printf '%-26s %4ss %10s runs  cov %5s  corpus %5s  findings %s\n' "$name" "$seconds" "$runs" \
    "$cov" "$corpus" "$findings"
done
exit "$found"
