#!/bin/sh
# The test command: installs the build dependencies (Debian 12), builds libfeth with warnings
# as errors, and runs the whole suite with ctest (unit tests over the Darwin simulator, the
# ABI, header and install checks).
# usage: tests/run-tests.sh [BUILD_DIR]   (default: build)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
sh tests/install-deps.sh
cmake -S . -B "$build" -DFETH_WERROR=ON
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
