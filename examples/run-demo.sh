#!/bin/sh
# The demo command: installs the build dependencies (Debian 12), builds libfeth, proves the
# Darwin interface control against the simulated Darwin kernel (the unit tests), and shows
# fethctl. (A later release turns this into a live tap demo on a veth pair.)
# usage: examples/run-demo.sh
set -eu
cd "$(dirname "$0")/.."
build=build
sh tests/install-deps.sh
cmake -S . -B "$build" -DFETH_WERROR=ON > /dev/null
cmake --build "$build" -j "$(nproc)" > /dev/null
echo "== libfeth $(sed -n 's/^#define FETH_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' include/feth/feth.h | paste -sd.) built"
echo "== the Darwin backend against the simulated Darwin kernel"
ctest --test-dir "$build" -L unit -j "$(nproc)" | tail -n 3
echo "== fethctl --help"
"$build/examples/fethctl" --help
echo "== fethctl create feth7 (on $(uname -s))"
"$build/examples/fethctl" create feth7 || true
