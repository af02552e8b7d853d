#!/usr/bin/env bash
# The Debian packages as a user or operator gets them (scripts/package builds the same ones):
#   1. CPack builds cairn-broker, cairn-tools and libcairn-dev from the build tree;
#   2. lintian finds no error and no warning in any of them;
#   3. each holds what it should: the broker its unit, conffile and maintainer scripts;
#   4. extracted (dpkg-deb -x) into one tree, libcairn-dev builds examples/lending-library;
#   5. the broker unit's ExecStart, run from the extracted tree with its packaged configuration
#      (free ports instead of 7070/7071, a temporary directory for /var/lib/cairn), serves the
#      example and stops cleanly on SIGTERM.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
source="$2"
. "$source/tests/install/common.sh"
make_work_dir cairn-package-test

echo "== cpack"
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/debs" >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log" >&2
  exit 1
}
debs=("$work"/debs/*.deb)
for name in cairn-broker cairn-tools libcairn-dev; do
  compgen -G "$work/debs/${name}_*.deb" >/dev/null || {
    echo "no $name package in: ${debs[*]}" >&2
    exit 1
  }
done

echo "== lintian"
# Run as root (CI, this machine) lintian wants --allow-root; findings of level warning or above
# fail the test.
lintian --allow-root --fail-on error,warning --tag-display-limit 0 "${debs[@]}"

echo "== contents"
contents="$(dpkg-deb -c "$work"/debs/cairn-broker_*.deb)"
for path in ./usr/bin/cairn-broker ./lib/systemd/system/cairn-broker.service ./etc/cairn/broker.conf \
  ./usr/share/man/man8/cairn-broker.8.gz; do
  grep -q " $path\$" <<<"$contents" || {
    echo "cairn-broker lacks $path" >&2
    exit 1
  }
done
mkdir -p "$work/control"
dpkg-deb -e "$work"/debs/cairn-broker_*.deb "$work/control"
grep -qx /etc/cairn/broker.conf "$work/control/conffiles"
grep -q 'adduser --system' "$work/control/postinst"
# (Listings go to a variable first: grep -q stops reading early, which would fail the pipe.)
tools="$(dpkg-deb -c "$work"/debs/cairn-tools_*.deb)"
grep -q ' ./usr/bin/cairn$' <<<"$tools"
grep -q ' ./usr/bin/cairn-perf$' <<<"$tools"
dev="$(dpkg-deb -c "$work"/debs/libcairn-dev_*.deb)"
grep -q '/cmake/Cairn/CairnConfig.cmake$' <<<"$dev"

echo "== extract and build the example against the packages"
root="$work/root"
for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$root"; done
build_example "$source" "$root/usr"
"$root/usr/bin/cairn" --help >/dev/null

echo "== the unit's ExecStart from the extracted tree"
unit="$root/lib/systemd/system/cairn-broker.service"
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
environment_file="$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")"
[[ -n "$exec_start" && "$environment_file" == /etc/cairn/broker.conf ]]
# The packaged options, as systemd reads them (KEY="VALUE" lines), with free ports.
options="$(sed -n 's/^CAIRN_BROKER_OPTS="\(.*\)"$/\1/p' "$root$environment_file")"
[[ "$options" == *--flush\ always* ]]
options="$(sed 's/127\.0\.0\.1:[0-9]\+/127.0.0.1:0/g' <<<"$options")"
command_line="${exec_start//\$CAIRN_BROKER_OPTS/$options}"
command_line="${command_line//\/var\/lib\/cairn/$work/var-lib-cairn}"
command_line="${command_line/\/usr\/bin\/cairn-broker/$root/usr/bin/cairn-broker}"
echo "$command_line"
mkdir -p "$work/var-lib-cairn"
read -r -a argv <<<"$command_line"
start_broker "$work/broker.log" "${argv[@]}"
"$work/example/lending-library" --broker "$BROKER_ADDRESS" --data-dir "$work/example-data"
stop_broker
echo "package test passed"
