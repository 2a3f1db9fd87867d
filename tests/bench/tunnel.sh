#!/bin/sh
# A benchmark, not a test: examples/feth-tunnel (Ethernet over UDP through a libfeth tap) beside
# the same loop over a kernel TAP device (tests/bench/tun_tunnel.c), the kernel's own vxlan and
# the bare underlay. Two network namespaces, A and B, joined by a plain veth (ul0,
# 192.168.77.1/24 <-> .2, MTU 1500, the kernel's default offloads), and four ways between a
# host address in each, side by side:
#   feth-tunnel  feth-tunnel in each namespace, UDP port 7001, 10.88.0.1 <-> 10.88.0.2 (MTU 1458)
#   tap-loop     tun_tunnel in each (TAP device tap0), UDP port 7002, 10.89.0.x (MTU 1458)
#   vxlan        a vxlan device (vx0, id 42, dstport 4790) on ul0, 10.90.0.x (MTU 1450)
#   underlay     ul0 itself, 192.168.77.x (MTU 1500)
# Interleaved over ROUNDS rounds (default 3): each round runs every metric once on each way in
# turn: iperf3 TCP A->B and B->A (-R), iperf3 UDP at a fixed offered load, and ping. Prints a
# line per measurement, then a table of each figure's median [min-max] over the rounds, the
# ratios feth-tunnel / tap-loop, the tunnels' socket memory and drops (ss) and their counters at
# exit. Never fails on a timing.
# usage: tests/bench/tunnel.sh BUILD_DIR [ROUNDS]   (root; ip, ping, iperf3, ss, timeout)
# Environment: TUNNEL_WAYS (default "feth-tunnel tap-loop vxlan underlay": the ways to measure),
# TUNNEL_FETH_ARGS (more options for feth-tunnel, e.g. "--rx-mode batch"), TUNNEL_SECS (iperf3
# seconds, default 5).
set -u
build=$(cd "${1:?usage: tunnel.sh BUILD_DIR [ROUNDS]}" && pwd)
rounds=${2:-3}
ways=${TUNNEL_WAYS:-feth-tunnel tap-loop vxlan underlay}
feth_args=${TUNNEL_FETH_ARGS:-}
secs=${TUNNEL_SECS:-5}
udp_rate=500M # offered UDP load
udp_len=1400  # UDP payload: a 1428-byte IP packet, within every way's MTU
pings=200
# About 10 ms between pings, but not a multiple of 1 ms: a fixed 10 ms would phase-lock to the
# kernel's 1 ms block timer (libfeth's batch receive mode) and measure one point of it.
ping_iv=0.0107
feth=$build/examples/feth-tunnel
tun=$build/tests/bench/tun_tunnel

[ "$(id -u)" -eq 0 ] || { echo "tunnel.sh: needs root (network namespaces)" >&2; exit 1; }
for tool in ip ping iperf3 ss timeout awk; do
  command -v "$tool" > /dev/null || { echo "tunnel.sh: $tool is not installed" >&2; exit 1; }
done
case $rounds in '' | *[!0-9]* | 0) echo "tunnel.sh: ROUNDS is a number, 1 or more" >&2; exit 1 ;; esac

work=$(mktemp -d /tmp/feth-tunnel-bench-XXXXXX)
a=feth-tb-$$-a
b=feth-tb-$$-b
tunnel_pids=""
server=""
cleanup() {
  # shellcheck disable=SC2086 # a list of pids
  [ -n "$tunnel_pids" ] && stop_pids $tunnel_pids
  [ -n "$server" ] && stop_pids "$server"
  ip netns del "$a" 2> /dev/null
  ip netns del "$b" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# A signal ends the script through its EXIT trap (a closed pipe, e.g. `| head`, included).
trap 'exit 130' INT TERM HUP PIPE

# wait_for FILE PATTERN, stop_pids PID...
. "$(dirname "$0")/../linux/lib.sh"

# ---- the namespaces and the underlay ----------------------------------------------------------

for n in $a $b; do
  ip netns add "$n" || exit 1
  ip -n "$n" link set lo up
  ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
timeout 10 ip link add ul0 netns "$a" type veth peer name ul0 netns "$b" || exit 1
ip -n "$a" addr add 192.168.77.1/24 dev ul0
ip -n "$b" addr add 192.168.77.2/24 dev ul0
ip -n "$a" link set ul0 mtu 1500 up
ip -n "$b" link set ul0 mtu 1500 up

# The iperf3 server, in B, as a job of this script (a namespace's deletion does not end its
# processes). Restarted when a client got nothing from it (a server can stay stuck after a
# test that failed halfway).
start_server() {
  ip netns exec "$b" iperf3 -s > /dev/null 2>&1 &
  server=$!
  sleep 0.3
}
restart_server() {
  stop_pids "$server"
  start_server
}
start_server

# dst WAY: the address in B.  src WAY: the address in A.
dst() {
  case $1 in
    feth-tunnel) echo 10.88.0.2 ;;
    tap-loop) echo 10.89.0.2 ;;
    vxlan) echo 10.90.0.2 ;;
    underlay) echo 192.168.77.2 ;;
  esac
}
# pids_of WAY: the pids of the way's two tunnel processes (none for the kernel's ways).
pids_of() {
  case $1 in
    feth-tunnel) echo "$fa $fb" ;;
    tap-loop) echo "$ta $tb" ;;
  esac
}

# start_tunnel NS NAME PROGRAM ARGS...: a tunnel process in NS, its output in $work/NAME.out and
# .err; its pid in $started (`ip netns exec` execs the program: the pid is the program's).
start_tunnel() {
  _ns=$1
  _name=$2
  shift 2
  ip netns exec "$_ns" "$@" > "$work/$_name.out" 2> "$work/$_name.err" &
  started=$!
  tunnel_pids="$tunnel_pids $started"
}

available=""
fa="" fb="" ta="" tb=""
for w in $ways; do
  case $w in
    feth-tunnel)
      if [ ! -x "$feth" ]; then
        echo "# feth-tunnel: unavailable: $feth not built"
        continue
      fi
      # shellcheck disable=SC2086 # options
      start_tunnel "$a" fa "$feth" --listen 7001 --peer 192.168.77.2:7001 --host-addr 10.88.0.1/24 $feth_args
      fa=$started
      # shellcheck disable=SC2086
      start_tunnel "$b" fb "$feth" --listen 7001 --peer 192.168.77.1:7001 --host-addr 10.88.0.2/24 $feth_args
      fb=$started
      if ! wait_for "$work/fa.out" '^ready' || ! wait_for "$work/fb.out" '^ready'; then
        echo "# feth-tunnel: unavailable: it did not start: $(cat "$work/fa.err" "$work/fb.err")"
        continue
      fi
      echo "# feth-tunnel: A $(cat "$work/fa.out"), B $(cat "$work/fb.out")${feth_args:+ (options: $feth_args)}"
      ;;
    tap-loop)
      if [ ! -x "$tun" ]; then
        echo "# tap-loop: unavailable: $tun not built"
        continue
      fi
      start_tunnel "$a" ta "$tun" --listen 7002 --peer 192.168.77.2:7002 --name tap0 --host-addr 10.89.0.1/24
      ta=$started
      start_tunnel "$b" tb "$tun" --listen 7002 --peer 192.168.77.1:7002 --name tap0 --host-addr 10.89.0.2/24
      tb=$started
      if ! wait_for "$work/ta.out" '^ready' || ! wait_for "$work/tb.out" '^ready'; then
        echo "# tap-loop: unavailable: it did not start: $(cat "$work/ta.err" "$work/tb.err")"
        continue
      fi
      echo "# tap-loop: A $(cat "$work/ta.out"), B $(cat "$work/tb.out")"
      ;;
    vxlan)
      if ! ip -n "$a" link add vx0 type vxlan id 42 remote 192.168.77.2 local 192.168.77.1 dstport 4790 dev ul0 ||
        ! ip -n "$b" link add vx0 type vxlan id 42 remote 192.168.77.1 local 192.168.77.2 dstport 4790 dev ul0; then
        echo "# vxlan: unavailable: no vxlan device"
        continue
      fi
      ip -n "$a" addr add 10.90.0.1/24 dev vx0
      ip -n "$b" addr add 10.90.0.2/24 dev vx0
      ip -n "$a" link set vx0 up
      ip -n "$b" link set vx0 up
      echo "# vxlan: vx0 mtu $(ip -n "$a" -o link show vx0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')"
      ;;
    underlay)
      echo "# underlay: ul0 mtu 1500"
      ;;
    *)
      echo "tunnel.sh: unknown way $w (feth-tunnel, tap-loop, vxlan, underlay)" >&2
      exit 1
      ;;
  esac
  # Neighbours resolved, and the way carries traffic at all.
  if timeout 10 ip netns exec "$a" ping -n -c 3 -i 0.2 -W 2 "$(dst "$w")" > /dev/null 2>&1; then
    available="$available $w"
  else
    echo "# $w: unavailable: no ping reply from $(dst "$w")"
  fi
done
[ -n "$available" ] || { echo "tunnel.sh: no way to measure" >&2; exit 1; }

# ---- measurements -----------------------------------------------------------------------------

# machine_cpu: the CPU time every task of the machine has run so far, in seconds: the
# scheduler's count of each live task (/proc/*/task/*/schedstat, nanoseconds; the softirq work
# done in a task's context included) plus this shell's reaped children (iperf3 and ping, which
# end within a step), from `times`, which the caller writes into $work/times (in the script's
# own shell: a command substitution's subshell has no children of its own). Unlike /proc/stat,
# whose busy time is sampled at the kernel's tick and misses work that keeps in step with it,
# it is right for a lightly loaded machine too.
machine_cpu() {
  {
    cat /proc/[0-9]*/task/[0-9]*/schedstat 2> /dev/null | awk '{ print $1 / 1e9 }'
    awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); sub("s", "", t[2]); print t[1] * 60 + t[2] } }' "$work/times"
  } | awk '{ s += $1 } END { printf "%.3f\n", s }'
}
# proc_cpu PID...: the time they have run so far, in seconds: the scheduler's own count
# (/proc/PID/schedstat, nanoseconds; it includes the softirq work done while they ran), or
# user + system from /proc/PID/stat where the kernel has no schedstat.
proc_cpu() {
  for _p in "$@"; do
    if [ -r "/proc/$_p/schedstat" ]; then
      awk '{ print $1 / 1e9 }' "/proc/$_p/schedstat"
    else
      sed 's/^.*) //' "/proc/$_p/stat" | awk -v h="$(getconf CLK_TCK)" '{ print ($12 + $13) / h }'
    fi 2> /dev/null
  done | awk '{ s += $1 } END { printf "%.3f\n", s }'
}
# rcvbuf_errors: datagrams the UDP sockets of both namespaces dropped for want of room so far
# (/proc/net/snmp: the tunnels' sockets, and iperf3's in a UDP test).
rcvbuf_errors() {
  for _n in $a $b; do
    ip netns exec "$_n" awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 }
      else print $c }' /proc/net/snmp
  done | awk '{ s += $1 } END { print s + 0 }'
}

# iperf WAY ARGS...: iperf3 from A to WAY's address in B for $secs seconds; prints the receiver's
# bytes and Mbit/s, the sender's retransmissions (TCP) and the receiver's loss in percent
# (UDP); nothing when the test failed.
iperf() {
  _w=$1
  shift
  timeout $((secs + 25)) ip netns exec "$a" iperf3 -c "$(dst "$_w")" --connect-timeout 3000 \
    -t "$secs" -f m "$@" > "$work/iperf.out" 2>&1
  awk '/sender$/ { for (i = 1; i < NF; i++) if ($i == "Mbits/sec" && $(i + 1) ~ /^[0-9]+$/) retr = $(i + 1) }
    /receiver$/ {
      for (i = 1; i <= NF; i++) {
        if ($i == "Bytes") by = $(i - 1)
        if ($i == "KBytes") by = $(i - 1) * 1024
        if ($i == "MBytes") by = $(i - 1) * 1048576
        if ($i == "GBytes") by = $(i - 1) * 1073741824
        if ($i == "TBytes") by = $(i - 1) * 1099511627776
        if ($i == "Mbits/sec") rate = $(i - 1)
        if ($i ~ /^\([0-9.e+-]*%\)$/) { loss = $i; gsub(/[()%]/, "", loss) }
      }
    }
    END { if (rate != "") printf "%.0f %s %s %s\n", by, rate, retr == "" ? "-" : retr, loss == "" ? "-" : loss }' \
    "$work/iperf.out"
}

# record ROUND WAY FIGURE VALUE
record() {
  echo "$1 $2 $3 $4" >> "$work/all"
}
# calc AWK-EXPRESSION: its value, with the step's variables (t0 t1 c0 c1 b0 b1).
calc() {
  awk -v t0="$_t0" -v t1="$_t1" -v c0="$_c0" -v c1="$_c1" -v b0="$_b0" -v b1="$_b1" "BEGIN { print $1 }"
}

# measure ROUND METRIC WAY
measure() {
  _r=$1
  _m=$2
  _w=$3
  # shellcheck disable=SC2046 # a list of pids
  set -- $(pids_of "$_w")
  _d0=$(rcvbuf_errors)
  times > "$work/times"
  _b0=$(machine_cpu)
  _c0=$(proc_cpu "$@")
  _t0=$(date +%s.%N)
  case $_m in
    tcp_up | tcp_down)
      if [ "$_m" = tcp_up ]; then _res=$(iperf "$_w"); else _res=$(iperf "$_w" -R); fi
      ;;
    udp)
      _res=$(iperf "$_w" -u -b "$udp_rate" -l "$udp_len")
      ;;
    ping)
      timeout $((pings / 50 + 15)) ip netns exec "$a" ping -n -c "$pings" -i "$ping_iv" -W 1 "$(dst "$_w")" \
        2> /dev/null | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' > "$work/rtt"
      _res=$(sort -n "$work/rtt" | awk -v n="$pings" '{ v[NR] = $1 * 1000; s += v[NR] } END {
          if (NR == 0) exit
          med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.0f %.0f %d\n", med, s / NR, n - NR }')
      ;;
  esac
  _t1=$(date +%s.%N)
  _c1=$(proc_cpu "$@")
  times > "$work/times"
  _b1=$(machine_cpu)
  _drops=$(($(rcvbuf_errors) - _d0))
  # shellcheck disable=SC2086 # fields
  set -- $_res
  if [ $# -eq 0 ]; then
    echo "round $_r $_m $_w: failed$( [ "$_m" != ping ] && sed -n 's/^iperf3: /: /p' "$work/iperf.out" | head -1)"
    [ "$_m" != ping ] && restart_server
    return
  fi
  _tcpu=$(calc 'c1 - c0')
  _secs=$(calc 't1 - t0')
  case $_m in
    tcp_up | tcp_down)
      _gbit=$(awk -v m="$2" 'BEGIN { printf "%.3f", m / 1000 }')
      _mcpu=$(calc 'b1 - b0')
      printf "round %s %s %s: %s Gbit/s (%s bytes in %.2f s; %s retransmitted, %s datagrams dropped by UDP sockets; CPU s: tunnels %.2f, machine %.2f)\n" \
        "$_r" "$_m" "$_w" "$_gbit" "$1" "$_secs" "$3" "$_drops" "$_tcpu" "$_mcpu"
      record "$_r" "$_w" "$_m" "$_gbit"
      record "$_r" "$_w" "${_m}_bytes" "$1"
      record "$_r" "$_w" "${_m}_retr" "$3"
      record "$_r" "$_w" "${_m}_drops" "$_drops"
      record "$_r" "$_w" "${_m}_tcpu" "$_tcpu"
      record "$_r" "$_w" "${_m}_mcpu" "$_mcpu"
      ;;
    udp)
      _pct=$(awk -v c="$_tcpu" -v s="$_secs" 'BEGIN { printf "%.1f", 100 * c / s }')
      _mpct=$(calc '100 * (b1 - b0) / (t1 - t0)' | awk '{ printf "%.1f", $1 }')
      printf "round %s udp %s: %s Mbit/s received, %s %% lost (in %.2f s; %s datagrams dropped by UDP sockets; CPU %% of a core: tunnels %s, machine %.1f)\n" \
        "$_r" "$_w" "$2" "$4" "$_secs" "$_drops" "$_pct" "$_mpct"
      record "$_r" "$_w" udp "$2"
      record "$_r" "$_w" udp_loss "$4"
      record "$_r" "$_w" udp_tcpu_pct "$_pct"
      record "$_r" "$_w" udp_mcpu_pct "$_mpct"
      ;;
    ping)
      echo "round $_r ping $_w: median $1 us, mean $2 us ($3 of $pings unanswered)"
      record "$_r" "$_w" rtt_median "$1"
      record "$_r" "$_w" rtt_mean "$2"
      record "$_r" "$_w" rtt_lost "$3"
      ;;
  esac
}

: > "$work/all"
echo "# $rounds rounds; iperf3 ${secs} s, TCP A->B and B->A (-R), UDP -b $udp_rate -l $udp_len; ping -c $pings -i $ping_iv"
r=1
while [ "$r" -le "$rounds" ]; do
  for m in tcp_up tcp_down udp ping; do
    for w in $available; do
      measure "$r" "$m" "$w"
    done
  done
  r=$((r + 1))
done

# Per round, over both TCP runs: the CPU seconds per GB received (the two tunnel processes', and
# the machine's), the retransmissions and the UDP sockets' drops.
awk '
  { v[$1 " " $2 " " $3] = $4; rw[$1 " " $2] = 1 }
  END {
    for (k in rw) {
      up = v[k " tcp_up_bytes"]; down = v[k " tcp_down_bytes"]
      if (up == "" || down == "" || up + down == 0) continue
      gb = (up + down) / 1e9
      split(k, f, " ")
      printf "%s %s tcp_tcpu_per_gb %.2f\n", f[1], f[2], (v[k " tcp_up_tcpu"] + v[k " tcp_down_tcpu"]) / gb
      printf "%s %s tcp_mcpu_per_gb %.2f\n", f[1], f[2], (v[k " tcp_up_mcpu"] + v[k " tcp_down_mcpu"]) / gb
      if (v[k " tcp_up_retr"] != "-" && v[k " tcp_down_retr"] != "-")
        printf "%s %s tcp_retr %d\n", f[1], f[2], v[k " tcp_up_retr"] + v[k " tcp_down_retr"]
      printf "%s %s tcp_drops %d\n", f[1], f[2], v[k " tcp_up_drops"] + v[k " tcp_down_drops"]
    }
  }' "$work/all" > "$work/per_round"
cat "$work/per_round" >> "$work/all"

# summary and cell: tests/bench/summary.sh.
# shellcheck source-path=SCRIPTDIR source=summary.sh
. "$(dirname "$0")/summary.sh"

echo
echo "# median [min-max] over $rounds rounds"
{
  printf "%-30s" "figure"
  for w in $available; do printf "  %-22s" "$w"; done
  echo
  while read -r fig fmt label; do
    printf "%-30s" "$label"
    for w in $available; do printf "  %-22s" "$(cell "$w" "$fig" "$fmt")"; done
    echo
  done << EOF
tcp_up %.2f TCP A->B Gbit/s
tcp_down %.2f TCP B->A Gbit/s
udp %.0f UDP@${udp_rate} received Mbit/s
udp_loss %.2f UDP@${udp_rate} loss %
rtt_median %.0f ping RTT median us
rtt_mean %.0f ping RTT mean us
rtt_lost %.0f ping unanswered
tcp_retr %.0f TCP retransmitted (both)
tcp_drops %.0f UDP socket drops (TCP, both)
tcp_tcpu_per_gb %.2f tunnels' CPU s/GB (TCP)
udp_tcpu_pct %.1f tunnels' CPU % (UDP@${udp_rate})
tcp_mcpu_per_gb %.2f machine CPU s/GB (TCP)
udp_mcpu_pct %.1f machine CPU % (UDP@${udp_rate})
EOF
}

# has WAY: WAY is being measured.
has() {
  case " $available " in *" $1 "*) return 0 ;; esac
  return 1
}
if has feth-tunnel && has tap-loop; then
  echo
  echo "# feth-tunnel / tap-loop, of the medians (above 1: feth-tunnel more)"
  for f in tcp_up tcp_down rtt_median rtt_mean tcp_tcpu_per_gb tcp_mcpu_per_gb udp_tcpu_pct udp_mcpu_pct; do
    x=$(summary feth-tunnel "$f" | awk '{ print $1 }')
    y=$(summary tap-loop "$f" | awk '{ print $1 }')
    awk -v f="$f" -v x="$x" -v y="$y" 'BEGIN {
      if (x == "" || y == "" || y + 0 == 0) printf "ratio %-18s n/a\n", f
      else printf "ratio %-18s %.2f  (%s / %s)\n", f, x / y, x, y }'
  done
fi

# The tunnels' sockets (skmem: r receive queue, rb its limit, d datagrams dropped for want of
# room), the UDP counters of each namespace, and the tunnels' counters at exit.
echo
echo "# tunnels' UDP sockets (ss -u -a -n -m; d = datagrams the socket dropped)"
for n in $a $b; do
  ip netns exec "$n" ss -u -a -n -m 2> /dev/null | awk -v ns="${n##*-}" '
    /:700[12] / { sock = $0; next }
    sock != "" && /skmem/ { gsub(/^[ \t]+/, "", $0); split(sock, f, " "); print "# " ns " " f[4] " " $0; sock = "" }'
  ip netns exec "$n" awk -v ns="${n##*-}" '/^Udp:/ { if (!h) { split($0, k); h = 1 } else { split($0, v)
      printf "# %s Udp:", ns; for (i = 2; i <= NF; i++) if (k[i] ~ /Errors|InDatagrams|OutDatagrams/) printf " %s %s", k[i], v[i]; print "" } }' /proc/net/snmp
done
echo
echo "# the tunnels' counters at exit"
for p in fa fb ta tb; do
  eval "pid=\$$p"
  [ -n "$pid" ] || continue
  stop_pids "$pid"
  rc=$?
  case $p in
    fa) what="feth-tunnel in A" ;;
    fb) what="feth-tunnel in B" ;;
    ta) what="tap-loop in A" ;;
    tb) what="tap-loop in B" ;;
  esac
  echo "# $what: exit status $rc"
  sed 's/^/#   /' "$work/$p.err"
done
tunnel_pids=""
