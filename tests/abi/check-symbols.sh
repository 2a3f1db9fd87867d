#!/bin/sh
# The shared library exports exactly the names in the version script, all named feth_*.
# usage: check-symbols.sh LIBRARY MAPFILE
set -eu
lib=$1 map=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {sub(/@.*/, "", $3); print $3}' \
  | grep -v '^LIBFETH_' | sort -u > "$tmp/exported"
sed 's,/\*.*\*/,,' "$map" | grep -o 'feth_[a-z0-9_]*' | sort -u > "$tmp/listed"

status=0
if ! diff -u "$tmp/listed" "$tmp/exported"; then
  echo "FAIL: exported symbols differ from $map (- listed only, + exported only)"
  status=1
fi
if grep -v '^feth_' "$tmp/exported"; then
  echo "FAIL: exported symbols above do not start with feth_"
  status=1
fi
# No test switch ships, not even as a local symbol: the environment is a constant there.
hooks=$(nm -a "$lib" | awk '{print $NF}' | grep -E '^(feth__env_set|current_env|feth__linux_rx_blocks)$' || true)
if [ -n "$hooks" ]; then
  echo "FAIL: test hooks in the shipped library: $(echo $hooks)"
  status=1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != "libfeth.so.1" ]; then
  echo "FAIL: SONAME is '$soname', expected libfeth.so.1"
  status=1
fi
[ $status -eq 0 ] && echo "OK: $(wc -l < "$tmp/exported") exported symbols match the list; SONAME $soname"
exit $status
