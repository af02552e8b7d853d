#!/usr/bin/env bash
# The SDK as a user gets it:
#   0. a project that includes the source tree (add_subdirectory) gets only the SDK's targets, no
#      Catch2 lookup, and keeps its own (empty) build type;
#   1. the dev component installs into a temporary prefix, and nothing but headers under cairn/,
#      static libraries, the CMake package and cairn.pc lands there;
#   2. every installed header compiles on its own with -Wall -Wextra -Werror -pedantic, against
#      the prefix alone (a header that includes a private or generated path fails here);
#   3. pkg-config finds the client through cairn.pc;
#   4. examples/lending-library, a project of its own that only calls find_package(Cairn), builds
#      against the prefix with its strict warnings and runs its scenario against a real broker.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR CAIRN_BROKER
set -euo pipefail
build="$1"
source="$2"
broker="$3"
. "$source/tests/install/common.sh"
make_work_dir cairn-install-test

echo "== included with add_subdirectory: only the SDK, no Catch2, the includer's build type"
cmake -S "$source/tests/install/subproject" -B "$work/subproject" -DCAIRN_SOURCE_DIR="$source" \
  -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON >"$work/subproject.log" 2>&1 || {
  cat "$work/subproject.log" >&2
  exit 1
}
targets="$(cmake --build "$work/subproject" --target help)"
for wanted in uses_cairn cairn_sdk cairn_es cairn_es_projection cairn_es_handler \
  cairn_es_process; do
  grep -q "\.\.\. $wanted\$" <<<"$targets" || {
    echo "the including project lacks the target $wanted" >&2
    exit 1
  }
done
for unwanted in cairn-broker cairn cairn-perf quickstart sdk_connection_test eventstore_bench; do
  if grep -q "\.\.\. $unwanted\$" <<<"$targets"; then
    echo "the including project builds $unwanted" >&2
    exit 1
  fi
done
build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$work/subproject/CMakeCache.txt")"
[[ -z "$build_type" ]] || {
  echo "Cairn set the including project's build type to '$build_type'" >&2
  exit 1
}

prefix="$work/prefix"
echo "== install the dev component into $prefix"
cmake --install "$build" --prefix "$prefix" --component dev >/dev/null

echo "== what was installed"
unexpected="$(cd "$prefix" && find . -type f | grep -Ev \
  '^\./include/cairn/.*\.h$|^\./lib[^/]*/(x86_64-linux-gnu/)?libcairn_[a-z_]+\.a$|^\./lib[^/]*/(x86_64-linux-gnu/)?cmake/Cairn/[A-Za-z-]+\.cmake$|^\./lib[^/]*/(x86_64-linux-gnu/)?pkgconfig/cairn\.pc$|^\./share/doc/libcairn-dev/|^\./share/lintian/overrides/libcairn-dev$' || true)"
if [[ -n "$unexpected" ]]; then
  echo "unexpected files in the install:" >&2
  echo "$unexpected" >&2
  exit 1
fi
mapfile -t headers < <(cd "$prefix/include" && find cairn -name '*.h' | sort)
echo "${#headers[@]} headers"
((${#headers[@]} > 30))

echo "== each header alone, -Wall -Wextra -Werror -pedantic"
check_header() {
  local header="$1" prefix="$2" out="$3"
  local name="${header//\//_}"
  printf '#include <%s>\n#include <%s>\n' "$header" "$header" >"$out/$name.cc"
  if ! g++ -std=c++20 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$prefix/include" \
    "$out/$name.cc" 2>"$out/$name.log"; then
    echo "FAILED: $header" >&2
    head -n 20 "$out/$name.log" >&2
    return 1
  fi
}
export -f check_header
mkdir -p "$work/headers"
printf '%s\n' "${headers[@]}" |
  xargs -P 2 -I{} bash -c 'check_header "$@"' _ {} "$prefix" "$work/headers"

echo "== pkg-config"
pc_dir="$(dirname "$(find "$prefix" -name cairn.pc)")"
cflags="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags cairn)"
libs="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --libs cairn)"
[[ "$cflags" == *"-I$prefix/"*"include"* ]] || {
  echo "pkg-config --cflags cairn gave '$cflags'" >&2
  exit 1
}
cat >"$work/pc_client.cc" <<'CC'
#include <cairn/client.h>
int main() {
  auto client = cairn::client::create(cairn::client_options{});
  return client ? 1 : 0;  // no bootstrap broker: create() refuses the configuration
}
CC
# shellcheck disable=SC2086
g++ -std=c++20 -Wall -Wextra -Werror $cflags "$work/pc_client.cc" -o "$work/pc_client" $libs
"$work/pc_client"

echo "== examples/lending-library against the prefix"
build_example "$source" "$prefix"

echo "== the example against a real broker"
mkdir -p "$work/broker-data"
start_broker "$work/broker.log" "$broker" --data-dir "$work/broker-data" \
  --listen 127.0.0.1:0 --kafka-listen 127.0.0.1:0 --http 127.0.0.1:0
"$work/example/lending-library" --broker "$BROKER_ADDRESS" --data-dir "$work/example-data"
stop_broker
echo "install test passed"
