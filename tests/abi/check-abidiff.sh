#!/bin/sh
# Compares the shared library's ABI with the committed baseline. Added symbols are allowed;
# anything removed or changed fails. Exit 77 (skipped) when abigail-tools is not installed.
# usage: check-abidiff.sh LIBRARY BASELINE.abi
# To refresh the baseline after an intended, compatible addition:
#   abidw --no-corpus-path --no-show-locs --no-comp-dir-path --short-locs --drop-private-types \
#         --drop-undefined-syms --headers-dir include --out-file tests/abi/libfeth.abi \
#         build/libfeth.so.1
set -eu
lib=$1 baseline=$2
if ! command -v abidiff >/dev/null 2>&1; then
  echo "SKIP: abidiff not found (Debian package abigail-tools)"
  exit 77
fi
set +e
abidiff --no-added-syms "$baseline" "$lib"
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "FAIL: abidiff exit status $rc: the ABI changed incompatibly against $baseline"
  exit 1
fi
echo "OK: no removed or changed symbols against $(basename "$baseline")"
