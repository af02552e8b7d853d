# What the install tests share (sourced by install_test.sh and package_test.sh): a work
# directory removed on exit with the broker stopped, the broker's start and stop, and the build of
# examples/lending-library against an installed Cairn.
#
# The broker binds free ports (port 0) on loopback and prints "listening on HOST:PORT" on stdout
# when it is ready: start_broker reads its stdout through a pipe until that line, with a
# deadline, rather than polling.

# make_work_dir NAME: sets `work` to a new temporary directory, removed (after the broker is
# stopped) when the script exits.
make_work_dir() {
  work="$(mktemp -d "/tmp/$1.XXXXXX")"
  BROKER_PID=""
  trap 'stop_broker || true; rm -rf "$work"' EXIT
}

# build_example SOURCE_DIR PREFIX_PATH: configures and builds examples/lending-library into
# $work/example against the Cairn found under PREFIX_PATH, showing the log if it fails.
build_example() {
  cmake -S "$1/examples/lending-library" -B "$work/example" -DCMAKE_PREFIX_PATH="$2" \
    -DCMAKE_BUILD_TYPE=Debug >"$work/example-configure.log" 2>&1 || {
    cat "$work/example-configure.log" >&2
    return 1
  }
  cmake --build "$work/example" -j 2 >"$work/example-build.log" 2>&1 || {
    cat "$work/example-build.log" >&2
    return 1
  }
}

# start_broker LOG_FILE COMMAND...: runs COMMAND (stderr to LOG_FILE); sets BROKER_PID and
# BROKER_ADDRESS, or fails showing the log.
start_broker() {
  local log="$1"
  shift
  coproc BROKER { exec "$@" 2>"$log"; }
  BROKER_ADDRESS=""
  local line deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)) && IFS= read -r -t $((deadline - SECONDS)) -u "${BROKER[0]}" line; do
    if [[ "$line" == "listening on "* ]]; then
      BROKER_ADDRESS="${line#listening on }"
      return 0
    fi
  done
  echo "the broker did not print 'listening on' within 30 s; its log:" >&2
  cat "$log" >&2
  return 1
}

# stop_broker: SIGTERM, then waits for the clean exit (status 0) the broker promises.
stop_broker() {
  [[ -n "${BROKER_PID:-}" ]] || return 0
  kill -TERM "$BROKER_PID" 2>/dev/null || true
  local status=0
  wait "$BROKER_PID" || status=$?
  BROKER_PID=""
  if ((status != 0)); then
    echo "the broker exited with status $status after SIGTERM" >&2
    return 1
  fi
}
