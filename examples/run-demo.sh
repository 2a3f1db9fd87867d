#!/bin/sh
# The demo: installs what it needs (Debian 12), builds libfeth and, in a network namespace of
# its own, runs feth-responder (a tap whose host side has 10.77.0.1/24 and whose I/O side
# answers ARP and ping for 10.77.0.2) and a real `ping -c 5 10.77.0.2`, whose replies crossed
# the tap both ways. The namespace, the responder and the pair go away at the end, also when
# the demo is interrupted.
# usage: examples/run-demo.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
if [ "$(id -u)" -ne 0 ]; then
  echo "run-demo.sh: network namespaces and taps need root: sudo sh examples/run-demo.sh" >&2
  exit 1
fi
sh tests/install-deps.sh iputils-ping
cmake -S . -B "$build" -DFETH_WERROR=ON > /dev/null
cmake --build "$build" -j "$(nproc)" > /dev/null
echo "== built: $("$build/examples/fethctl" --version)"

ns="feth-demo-$$"
out=$(mktemp)
pid=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  ip netns del "$ns" 2>/dev/null || true
  rm -f "$out"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

ip netns add "$ns"
ip -n "$ns" link set lo up
echo "== in network namespace $ns: feth-responder"
ip netns exec "$ns" "$build/examples/feth-responder" > "$out" 2>&1 &
pid=$!
tries=0
until grep -q '^ready$' "$out"; do
  if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -ge 50 ]; then
    cat "$out" >&2
    echo "run-demo.sh: feth-responder did not start" >&2
    exit 1
  fi
  tries=$((tries + 1))
  sleep 0.1
done
sed -n 1p "$out"
echo "== ping -c 5 10.77.0.2 (answered through the tap)"
status=0
ip netns exec "$ns" ping -c 5 -i 0.5 -W 2 10.77.0.2 || status=$?
kill -TERM "$pid"
wait "$pid" || status=$?
pid=""
echo "== feth-responder's log"
sed -n '2,$p' "$out" | grep -v '^ready$'
if [ "$status" -eq 0 ]; then
  echo "== demo passed: 5 echo requests went into the tap and 5 replies came out"
else
  echo "== demo failed (status $status)" >&2
fi
exit "$status"
