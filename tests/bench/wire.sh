#!/bin/sh
# A benchmark, not a test: what the receive mode does to real traffic through taps. Two
# network namespaces whose host sides are joined by two tap_relay programs (a tap each, frames
# carried between them over a unix datagram socket, tests/linux/tap_relay.c): the round trip of
# ping with random gaps, iperf3 TCP throughput both ways, and one way with the window held to
# 64 KiB (a flow whose throughput is its window over its round trip, as over a long path), for
# each receive mode, interleaved over ROUNDS rounds. Prints `metric` lines per round and, at
# the end, each figure's median and range.
# usage: tests/bench/wire.sh BUILD_DIR [ROUNDS [SECS]]   (root; ping and iperf3 installed)
set -u
build=$(cd "${1:?usage: wire.sh BUILD_DIR [ROUNDS [SECS]]}" && pwd)
rounds=${2:-5}
secs=${3:-3}
relay=$build/tests/tap_relay
modes="batch low_latency"

[ "$(id -u)" -eq 0 ] || { echo "wire.sh: needs root (network namespaces)" >&2; exit 1; }
for tool in ip ping iperf3 awk; do
  command -v "$tool" > /dev/null || { echo "wire.sh: $tool is not installed" >&2; exit 1; }
done
[ -x "$relay" ] || { echo "wire.sh: $relay not built" >&2; exit 1; }

work=$(mktemp -d /tmp/feth-wire-XXXXXX)
a=feth-wire-$$-a
b=feth-wire-$$-b
pids=""
server=""
cleanup() {
  for p in $pids $server; do kill -TERM "$p" 2> /dev/null; done
  for p in $pids $server; do wait "$p" 2> /dev/null; done
  ip netns del "$a" 2> /dev/null
  ip netns del "$b" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for n in $a $b; do
  ip netns add "$n" || exit 1
  ip -n "$n" link set lo up
  ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
# The server as a job of this script, so that it goes with it (a namespace's deletion does not
# end its processes).
ip netns exec "$b" iperf3 -s > /dev/null 2>&1 &
server=$!

# wait_for FILE PATTERN
. "$(dirname "$0")/../linux/lib.sh"

# start MODE: the two relays, joined, in receive mode MODE.
start() {
  rm -f "$work"/*.sock
  ip netns exec "$a" "$relay" --socket "$work/a.sock" --peer "$work/b.sock" \
    --addr 10.82.0.1/24 --rx-mode "$1" > "$work/a.out" 2> "$work/a.err" &
  ra=$!
  ip netns exec "$b" "$relay" --socket "$work/b.sock" --peer "$work/a.sock" \
    --addr 10.82.0.2/24 --rx-mode "$1" > "$work/b.out" 2> "$work/b.err" &
  rb=$!
  pids="$ra $rb"
  wait_for "$work/a.out" '^ready' && wait_for "$work/b.out" '^ready' || {
    echo "wire.sh: the relays did not start: $(cat "$work/a.err" "$work/b.err")" >&2
    exit 1
  }
  ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.82.0.2 > /dev/null 2>&1
}

stop() {
  # shellcheck disable=SC2086 # a list of pids
  [ -n "$pids" ] && stop_pids $pids
  pids=""
}

# ping_rtt: 200 echo requests, each after a random 5-15 ms gap; prints median p95 p99 in us
# (nearest rank; the median of an even count is the mean of the middle two) and the requests
# that had no reply.
ping_rtt() {
  i=0
  : > "$work/rtt"
  while [ $i -lt 200 ]; do
    ip netns exec "$a" ping -c 1 -W 1 10.82.0.2 2> /dev/null |
      sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' >> "$work/rtt"
    sleep "0.0$(awk -v s=$$$i 'BEGIN { srand(s); printf "%02d", 5 + int(rand() * 11) }')"
    i=$((i + 1))
  done
  sort -n "$work/rtt" | awk '
    function rank(q) { k = int(q * NR + 0.999999); return v[k < 1 ? 1 : k] }
    { v[NR] = $1 * 1000 }
    END {
      if (NR == 0) { print "0 0 0 200"; exit }
      med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.0f %.0f %.0f %d\n", med, rank(0.95), rank(0.99), 200 - NR }'
}

# tcp [IPERF3_FLAGS]: iperf3 TCP throughput in Mbit/s (receiver's figure).
tcp() {
  ip netns exec "$a" iperf3 -c 10.82.0.2 --connect-timeout 3000 -t "$secs" -f m "$@" 2> /dev/null |
    awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }'
}

r=1
while [ $r -le "$rounds" ]; do
  for m in $modes; do
    start "$m"
    set -- $(ping_rtt)
    echo "metric wire_${m}_ping_rtt_round$r median $1 p95 $2 p99 $3 us ($4 of 200 unanswered)"
    echo "$m rtt $1" >> "$work/all"
    up=$(tcp)
    down=$(tcp -R)
    win=$(tcp -w 64K)
    echo "metric wire_${m}_tcp_round$r A-to-B $up B-to-A $down 64KiB-window $win Mbit/s"
    echo "$m tcp_up $up" >> "$work/all"
    echo "$m tcp_down $down" >> "$work/all"
    echo "$m tcp_64k_window $win" >> "$work/all"
    stop
  done
  r=$((r + 1))
done

for m in $modes; do
  for f in rtt tcp_up tcp_down tcp_64k_window; do
    awk -v m="$m" -v f="$f" '$1 == m && $2 == f { print $3 }' "$work/all" | sort -n |
      awk -v m="$m" -v f="$f" '{ v[NR] = $1 } END {
        unit = f == "rtt" ? "us" : "Mbit/s"
        med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "metric wire_%s_%s median %s (min %s, max %s) %s over %d rounds\n",
          m, f, med, v[1], v[NR], unit, NR }'
  done
done
