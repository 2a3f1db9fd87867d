#!/bin/sh
# feth-tunnel end to end (examples/feth-tunnel.c, docs/man/feth-tunnel.1): two network
# namespaces A and B joined by a plain veth underlay (ul0 in A: 192.168.77.1/24, fd77::1/64;
# ul1 in B: .2 and ::2, and a third address .3 for a stranger; MTU 1500, the kernel's default
# offloads, no ethtool), a feth-tunnel in each, and real clients from A's host stack to B's
# through the two taps and the UDP datagrams between them:
#
#  1. IPv4 underlay (--peer 192.168.77.2:4789): the ready line (MTU 1458), the host sides'
#     MTU and addresses; ping; ping -M do at the largest size the MTU allows (1430 bytes of
#     data: a 1458-byte packet, a 1472-byte frame, a 1500-byte datagram on the underlay) both
#     ways, one byte more refused ("message too long"), nothing fragmented on the underlay;
#     ping6 to fd88::2; arping 10.88.0.2 (the reply from B's host side's MAC); iperf3 TCP both
#     ways and UDP at 100 Mbit/s (loss under 5 %); a second feth-tunnel on the same port fails
#     (exit 1) and leaves no pair. Then datagrams that are not the peer's frames, each an
#     Ethernet frame for A's host side (tcpdump watches it there), sent from B with a raw
#     socket: from a third address and from the peer's address but another port (ignored,
#     counted "from others"); from the peer's address and port, 0, 1 and 13 bytes
#     (malformed), an untagged frame 1 byte over the MTU (MTU + 15), 1 byte longer than the
#     tap accepts (MTU + 19) and 9000 bytes (oversized): dropped and counted, the tunnel still
#     carries ping. A well-formed frame from the peer's address and port, sent the same way,
#     reaches the host side (the control). SIGTERM stops both: exit 0, no feth* left.
#  2. IPv6 underlay (--peer [fd77::2]:4790): MTU 1438, ping at the largest size and one more,
#     ping6, iperf3 TCP over IPv6; SIGHUP stops A, SIGPIPE stops B: exit 0, no pair left.
#  3. A pair made with ip and adopted (--adopt feth10, MTU 1400, --rx-mode batch) in A,
#     --underlay-mtu 1442 (so MTU 1400) and --rx-mode low_latency in B: ping at the largest
#     size both ways; SIGINT stops both: exit 0, the adopted pair left in place, B's pair
#     gone; then feth-tunnel started again on the adopted pair with the same --host-addr (a
#     VPN restarted) must come up and carry ping.
#  4. --mtu 1500 on both over the same underlay: a warning; a 1472-byte frame (the largest
#     datagram) crosses, a 1473-byte one is dropped and counted "too big for the underlay",
#     never fragmented; A's host side deleted under the tunnel: it exits 1, no pair left.
#  And bad usage exits 2, an adopted interface that does not exist exits 1.
# The tunnels' counters (printed on exit) are shown as "# " lines.
#
# Everything runs in a mount namespace of its own with a tmpfs on /run: the namespaces (ip
# netns) and libfeth's registry are this test's own and vanish with it.
# Exit status: 0 all passed, 1 a check failed, 77 skipped (not root, or a tool is missing).
# usage: tests/linux/tunnel.sh BUILD_DIR [PROGRAMS_DIR]   (FETH_TEST_KEEP=1 keeps the logs)
#   PROGRAMS_DIR holds feth-tunnel (default BUILD_DIR/examples).
set -u
build=$(cd "${1:?usage: tunnel.sh BUILD_DIR [PROGRAMS_DIR]}" && pwd)
programs=$(cd "${2:-$build/examples}" && pwd)
tunnel=$programs/feth-tunnel
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
need_root ip unshare mount timeout ping arping iperf3 tcpdump python3 ss awk
need_built "$tunnel"

# A mount namespace of our own, /run a tmpfs in it: ip netns, libfeth's registry.
private_run tunnel "$build" "$programs"
test_begin tunnel
started=$(date +%s)
# received LOG: the count of replies in ping's summary.
received() {
  sed -n 's/.* \([0-9]*\) received.*/\1/p' "$1"
}
# frags NS: IP fragments the namespace made ("Ip: ... FragCreates").
frags() {
  # shellcheck disable=SC2016 # awk's
  in_ns "$1" awk '$1 == "Ip:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
                  $1 == "Ip:" { for (i = 2; i <= NF; i++) if (n[i] == "FragCreates") print $i }' \
    /proc/net/snmp
}
frags6() { # frags6 NS: the same for IPv6
  # shellcheck disable=SC2016 # awk's
  in_ns "$1" awk '$1 == "Ip6FragCreates" { print $2 }' /proc/net/snmp6
}

# start_tunnel NS NAME ARGS...: feth-tunnel ARGS in NS (ip netns exec execs it: $! is the
# tunnel itself), stdout in $work/NAME.out, stderr in $work/NAME.err; its pid in $last.
start_tunnel() {
  _st_ns=$1
  _st_name=$2
  shift 2
  ip netns exec "$_st_ns" "$tunnel" "$@" > "$work/$_st_name.out" 2> "$work/$_st_name.err" &
  last=$!
  pids="$pids $last"
}
# ready NAME PID: up to 10 s for the ready line, while the tunnel runs; the line in $line, its
# host side in $host. 1 when it did not come.
ready() {
  _r_i=0
  until grep -q '^ready ' "$work/$1.out" 2> /dev/null; do
    _r_i=$((_r_i + 1))
    if [ "$_r_i" -gt 100 ] || ! kill -0 "$2" 2> /dev/null; then
      not_ok "feth-tunnel $1 printed no ready line ($(kill -0 "$2" 2> /dev/null && echo 'in 10 s' || echo 'it ended')): $(tr '\n' ' ' < "$work/$1.err")"
      return 1
    fi
    sleep 0.1
  done
  line=$(grep '^ready ' "$work/$1.out" | head -n 1)
  host=$(echo "$line" | awk '{ print $2 }')
}
# stop_tunnel SIGNAL PID NAME NS [KEEP]: SIGNAL to the tunnel; it must end within 5 s with
# exit 0 and leave no feth* interface in NS but KEEP (names, space-separated: an adopted pair).
stop_tunnel() {
  if ! kill -0 "$2" 2> /dev/null; then
    wait "$2" 2> /dev/null
    not_ok "feth-tunnel $3 had ended before SIG$1, exit status $?"
  elif kill "-$1" "$2" && gone_within 5 "$2"; then
    equal "SIG$1 stops feth-tunnel $3: exit status" "$gone_rc" 0
  else
    not_ok "feth-tunnel $3 still runs 5 s after SIG$1"
    kill -KILL "$2" 2> /dev/null
    wait "$2" 2> /dev/null
  fi
  sed -n 's/^feth-tunnel: /# '"$3"': /p' "$work/$3.err" | grep -v '(host side'
  if [ -n "${5:-}" ]; then
    equal "... the adopted pair left in place: feth* interfaces in $3's namespace" \
      "$(feths "$4")" "$5"
  else
    equal "... and its pair is gone: feth* interfaces left in $3's namespace" "$(feths "$4")" ""
  fi
}
# counter NAME WHAT: a count from the tunnel's exit report: foreign, malformed, oversized,
# down_frames, up_frames.
counter() {
  case $2 in
    foreign) sed -n 's/.* \([0-9]*\) from others ignored.*/\1/p' "$work/$1.err" ;;
    malformed) sed -n 's/.*(\([0-9]*\) malformed.*/\1/p' "$work/$1.err" ;;
    oversized) sed -n 's/.* \([0-9]*\) oversized.*/\1/p' "$work/$1.err" ;;
    too_big) sed -n 's/.*(\([0-9]*\) too big for the underlay).*/\1/p' "$work/$1.err" ;;
  esac
}
# ping_ok LABEL NS COUNT PING_ARGS...: COUNT requests, 0.2 s apart, each answered within 3 s.
ping_ok() {
  _p_label=$1
  _p_ns=$2
  _p_n=$3
  shift 3
  timeout 15 ip netns exec "$_p_ns" ping -c "$_p_n" -i 0.2 -W 3 "$@" > "$work/ping.log" 2>&1
  _p_got=$(received "$work/ping.log")
  if [ "${_p_got:-0}" = "$_p_n" ]; then
    ok "$_p_label: $_p_n of $_p_n replies ($(sed -n 's/^rtt \(.*\)/\1/p' "$work/ping.log"))"
  else
    not_ok "$_p_label: ${_p_got:-no} replies of $_p_n: $(tail -n 3 "$work/ping.log" | tr '\n' ' ')"
  fi
}
# ping_too_long LABEL NS PING_ARGS...: one ping that must fail: "message too long", no reply.
ping_too_long() {
  _p_label=$1
  _p_ns=$2
  shift 2
  timeout 10 ip netns exec "$_p_ns" ping -c 1 -w 3 "$@" > "$work/ping.log" 2>&1
  _p_rc=$?
  if [ "$_p_rc" -ne 0 ] && grep -qi 'message too long' "$work/ping.log" &&
    [ "$(received "$work/ping.log")" != 1 ]; then
    ok "$_p_label: refused, no reply ($(grep -i 'too long' "$work/ping.log" | head -n 1))"
  else
    not_ok "$_p_label: exit $_p_rc: $(tr '\n' ' ' < "$work/ping.log")"
  fi
}
# no_reply LABEL NS COUNT PING_ARGS...: COUNT requests, none answered.
no_reply() {
  _p_label=$1
  _p_ns=$2
  _p_n=$3
  shift 3
  timeout 15 ip netns exec "$_p_ns" ping -c "$_p_n" -i 0.2 -W 1 "$@" > "$work/ping.log" 2>&1
  _p_got=$(received "$work/ping.log")
  if [ "${_p_got:-x}" = 0 ]; then
    ok "$_p_label: no reply to $_p_n requests"
  else
    not_ok "$_p_label: ${_p_got:-?} replies: $(tail -n 3 "$work/ping.log" | tr '\n' ' ')"
  fi
}
# iperf LABEL NAME DEST ARGS...: iperf3 -c DEST -t 3 ARGS from A, in at most 20 s; the
# receiver's summary. For UDP (-u) the loss must be under 5 %.
iperf() {
  _i_label=$1
  _i_log=$work/iperf3-$2.log
  _i_dest=$3
  shift 3
  timeout 20 ip netns exec "$na" iperf3 -c "$_i_dest" -t 3 --connect-timeout 3000 "$@" > "$_i_log" 2>&1
  _i_rc=$?
  _i_sum=$(grep -E 'receiver$' "$_i_log" | tail -n 1 | sed 's/^\[ *[0-9]*\] *//; s/ *receiver$//')
  # "0.00-3.00 sec 345 MBytes 964 Mbits/sec [jitter ms lost/total (x%)]": the amount, $3.
  _i_amount=$(echo "$_i_sum" | awk '{ print $3 + 0 }')
  if [ "$_i_rc" -ne 0 ] || [ -z "$_i_sum" ] || grep -qi 'error' "$_i_log" ||
    ! awk -v a="$_i_amount" 'BEGIN { exit !(a > 0) }'; then
    not_ok "$_i_label (exit $_i_rc): $(grep -v '^ *$' "$_i_log" | tail -n 3 | tr '\n' ' ')"
    return
  fi
  ok "$_i_label: $_i_sum"
  case " $* " in
    *" -u "*)
      # "lost/total (x%)"
      _i_loss=$(echo "$_i_sum" | sed -n 's,.* \([0-9]*\)/\([0-9]*\) (.*,\1 \2,p')
      # shellcheck disable=SC2086 # two numbers
      if [ -n "$_i_loss" ] && awk -v l="${_i_loss% *}" -v t="${_i_loss#* }" \
        'BEGIN { exit !(t > 0 && l * 100 < 5 * t) }'; then
        ok "... UDP loss under 5 % (${_i_loss% *} of ${_i_loss#* } datagrams)"
      else
        not_ok "... UDP loss under 5 %: got '${_i_loss:-none}' (lost total)"
      fi
      ;;
  esac
}
# A raw-socket UDP sender: any source address and port of its namespace, even a port that
# another socket holds (the tunnel's own), as a stranger or a forger would send.
cat > "$work/udp_send.py" << 'EOF'
# udp_send.py SRC SPORT DST DPORT LEN [DSTMAC MARKER]: one UDP datagram of LEN bytes from
# SRC:SPORT to DST:DPORT (IPv4, a raw socket): with DSTMAC, an Ethernet frame (IPv4 UDP
# 10.88.0.2 -> 10.88.0.1 port 9999, MARKER leading the payload) padded or cut to LEN bytes;
# without it, LEN zero bytes.
import socket, struct, sys
src, sport, dst, dport, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
if len(sys.argv) > 6:
    mac = bytes.fromhex(sys.argv[6].replace(":", ""))
    marker = sys.argv[7].encode()
    payload = marker + b"." * max(0, n - 42 - len(marker))
    udp = struct.pack("!HHHH", 9999, 9999, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton("10.88.0.2"), socket.inet_aton("10.88.0.1"))
    s = sum(struct.unpack("!10H", ip))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
    data = (mac + bytes.fromhex("020000007799") + b"\x08\x00" + ip + udp)[:n]
else:
    data = bytes(n)
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
sock.bind((src, 0))
sock.sendto(struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data, (dst, 0))
EOF
# udp_send NS ARGS...: udp_send.py ARGS in NS, bounded.
udp_send() {
  _u_ns=$1
  shift
  timeout 10 ip netns exec "$_u_ns" python3 "$work/udp_send.py" "$@"
}

echo "# feth-tunnel: $tunnel"
na=tun-$$-a
nb=tun-$$-b
for n in "$na" "$nb"; do
  ip netns add "$n" || exit 1
  namespaces="$namespaces $n"
  ip -n "$n" link set lo up
done
# The underlay: a veth from A to B, MTU 1500, offloads as the kernel sets them.
ip -n "$na" link add ul0 type veth peer name ul1 netns "$nb"
ip -n "$na" addr add 192.168.77.1/24 dev ul0
ip -n "$na" addr add fd77::1/64 dev ul0 nodad
ip -n "$nb" addr add 192.168.77.2/24 dev ul1
ip -n "$nb" addr add 192.168.77.3/24 dev ul1
ip -n "$nb" addr add fd77::2/64 dev ul1 nodad
ip -n "$na" link set ul0 up
ip -n "$nb" link set ul1 up
ping_ok "the underlay: ping 192.168.77.2 from A" "$na" 1 192.168.77.2
ping_ok "the underlay: ping fd77::2 from A" "$na" 1 fd77::2
equal "the underlay's MTU" "$(mtu_of "$na" ul0) $(mtu_of "$nb" ul1)" "1500 1500"
# iperf3's server in B, for all the runs (both families).
ip netns exec "$nb" iperf3 -s > "$work/iperf3-server.log" 2>&1 &
spid=$!
pids="$pids $spid"
wait_until sh -c "[ -n \"\$(ip netns exec $nb ss -Hltn 'sport = :5201')\" ]" ||
  not_ok "iperf3 -s did not listen in B"

# ---- bad usage and failures ---------------------------------------------------------------------
for args in "" "--listen 4789" "--peer 192.168.77.2:4789" \
  "--listen 4789 --peer 192.168.77.2" "--listen 4789 --peer fd77::2:4789" \
  "--listen 0 --peer 192.168.77.2:4789" "--listen 4789 --peer 192.168.77.2:4789 --bogus" \
  "--listen 4789 --peer 192.168.77.2:4789 --rx-mode fast" \
  "--listen 4789 --peer 192.168.77.2:4789 --mtu 71" \
  "--listen 4789 --peer 192.168.77.2:4789 --host-addr 10.88.0.1" \
  "--listen 4789 --peer 192.168.77.2:4789 --adopt feth10 --mtu 1400"; do
  # shellcheck disable=SC2086 # the arguments, split
  timeout 10 ip netns exec "$na" "$tunnel" $args > /dev/null 2> "$work/usage.err"
  rc=$?
  [ "$rc" -eq 2 ] || not_ok "feth-tunnel $args: exit $rc, want 2 (bad usage): $(head -n 1 "$work/usage.err")"
done
ok "bad usage (11 command lines: a missing or malformed --listen, --peer, --rx-mode, --mtu, --host-addr, --adopt with --mtu) exits 2"
timeout 10 ip netns exec "$na" "$tunnel" --listen 4789 --peer 192.168.77.2:4789 --adopt feth77 \
  > /dev/null 2> "$work/adopt-none.err"
rc=$?
equal "--adopt feth77 (no such interface) fails: exit status ($(head -n 1 "$work/adopt-none.err"))" "$rc" 1
equal "... and leaves no feth* interface" "$(feths "$na")" ""

# ---- 1. IPv4 underlay ----------------------------------------------------------------------------
echo "# 1. IPv4 underlay: A --peer 192.168.77.2:4789, B --peer 192.168.77.1:4789"
start_tunnel "$nb" b4 --listen 4789 --peer 192.168.77.1:4789 --host-addr 10.88.0.2/24 \
  --host-addr6 fd88::2/64
pb=$last
start_tunnel "$na" a4 --listen 4789 --peer 192.168.77.2:4789 --host-addr 10.88.0.1/24 \
  --host-addr6 fd88::1/64
pa=$last
if ready b4 "$pb"; then
  hb=$host
  contains "B's ready line" "$line" '^ready feth[0-9]+ mtu 1458 peer 192\.168\.77\.1:4789$'
fi
if ready a4 "$pa"; then
  ha=$host
  contains "A's ready line" "$line" '^ready feth[0-9]+ mtu 1458 peer 192\.168\.77\.2:4789$'
fi
if [ -n "${ha:-}" ] && [ -n "${hb:-}" ]; then
  equal "the host sides' MTU (ip link)" "$(mtu_of "$na" "$ha") $(mtu_of "$nb" "$hb")" "1458 1458"
  check "A's host side $ha has 10.88.0.1/24 and fd88::1/64" sh -c \
    "ip -n $na addr show dev $ha | grep -q 'inet 10.88.0.1/24' && ip -n $na addr show dev $ha | grep -q 'inet6 fd88::1/64'"
  check "B's host side $hb has 10.88.0.2/24 and fd88::2/64" sh -c \
    "ip -n $nb addr show dev $hb | grep -q 'inet 10.88.0.2/24' && ip -n $nb addr show dev $hb | grep -q 'inet6 fd88::2/64'"
  ping_ok "ping 10.88.0.2 from A through the tunnel" "$na" 3 10.88.0.2
  ping_ok "ping -M do -s 1430 (a 1458-byte packet, the MTU) A to B" "$na" 2 -M "do" -s 1430 10.88.0.2
  ping_ok "ping -M do -s 1430 B to A" "$nb" 2 -M "do" -s 1430 10.88.0.1
  ping_too_long "ping -M do -s 1431 (one byte over the MTU)" "$na" -M "do" -s 1431 10.88.0.2
  if wait_until host_ready "$na" "$ha" && wait_until host_ready "$nb" "$hb"; then
    ping_ok "ping -6 fd88::2 from A" "$na" 3 -6 fd88::2
  else
    not_ok "fd88::1 and fd88::2 still tentative after 5 s: $(ip -n "$na" -6 -o addr show dev "$ha" | tr '\n' ' ')"
  fi
  # arping: Thomas Habets' (Debian's arping) takes -i for the interface, iputils' -I.
  if arping -h 2>&1 | grep -q Habets; then ifopt=-i; else ifopt=-I; fi
  timeout 15 ip netns exec "$na" arping -c 3 "$ifopt" "$ha" 10.88.0.2 > "$work/arping.log" 2>&1
  rc=$?
  macs=$(grep -iv '^arping ' "$work/arping.log" | grep -i 'from' |
    grep -Eio '([0-9a-f]{2}:){5}[0-9a-f]{2}' | tr 'A-F' 'a-f' | sort -u | paste -sd' ' -)
  equal "arping -c 3 $ifopt $ha 10.88.0.2 from A (exit $rc): replies from B's $hb" \
    "$macs" "$(mac_of "$nb" "$hb")"
  iperf "iperf3 TCP, A to B, 3 s" tcp 10.88.0.2
  iperf "iperf3 -R TCP, B to A, 3 s" tcp-r 10.88.0.2 -R
  iperf "iperf3 -u -b 100M UDP, A to B, 3 s" udp 10.88.0.2 -u -b 100M
  equal "no IP fragment made on the underlay (FragCreates in A and B)" \
    "$(frags "$na") $(frags "$nb")" "0 0"

  # The second tunnel on a port that is taken.
  timeout 10 ip netns exec "$na" "$tunnel" --listen 4789 --peer 192.168.77.2:4789 \
    > /dev/null 2> "$work/busy.err"
  rc=$?
  equal "a second feth-tunnel on port 4789 fails ($(head -n 1 "$work/busy.err")): exit status" \
    "$rc" 1
  equal "... and leaves no pair of its own" "$(feths "$na" | wc -w | tr -d ' ')" 2

  # Datagrams that are not the peer's frames, each an Ethernet frame for A's host side
  # (UDP to 10.88.0.1 port 9999, a marker in it), watched for there with tcpdump.
  amac=$(mac_of "$na" "$ha")
  ip netns exec "$na" tcpdump -i "$ha" -l -n -A --immediate-mode 'udp port 9999' \
    > "$work/host-a.txt" 2> "$work/tcpdump.log" &
  tpid=$!
  pids="$pids $tpid"
  wait_for "$work/tcpdump.log" 'listening on' || not_ok "tcpdump did not start on $ha"
  udp_send "$nb" 192.168.77.3 4789 192.168.77.1 4789 100 "$amac" fethtest-stranger
  udp_send "$nb" 192.168.77.2 40000 192.168.77.1 4789 100 "$amac" fethtest-otherport
  udp_send "$nb" 192.168.77.2 4789 192.168.77.1 4789 0
  udp_send "$nb" 192.168.77.2 4789 192.168.77.1 4789 1
  udp_send "$nb" 192.168.77.2 4789 192.168.77.1 4789 13
  udp_send "$nb" 192.168.77.2 4789 192.168.77.1 4789 $((1458 + 19)) "$amac" fethtest-over19
  udp_send "$nb" 192.168.77.2 4789 192.168.77.1 4789 9000 "$amac" fethtest-9000
  # One byte over an untagged frame's MTU + 14 (within the tap's MTU + 18, room for a VLAN
  # tag that this frame does not have).
  udp_send "$nb" 192.168.77.2 4789 192.168.77.1 4789 $((1458 + 15)) "$amac" fethtest-over15
  udp_send "$nb" 192.168.77.2 4789 192.168.77.1 4789 100 "$amac" fethtest-control
  wait_for "$work/host-a.txt" fethtest-control
  sleep 0.3
  stop_pids "$tpid"
  seen() { grep -c "$1" "$work/host-a.txt"; }
  equal "control: a frame from the peer's address and port (a raw socket) reaches A's $ha" \
    "$(seen fethtest-control)" 1
  equal "a frame from a third address (192.168.77.3:4789) does not reach $ha" \
    "$(seen fethtest-stranger)" 0
  equal "a frame from the peer's address, another port (40000), does not reach $ha" \
    "$(seen fethtest-otherport)" 0
  equal "a frame 1 byte longer than the tap accepts (MTU + 19) does not reach $ha" \
    "$(seen fethtest-over19)" 0
  equal "a datagram of 9000 bytes does not reach $ha" "$(seen fethtest-9000)" 0
  equal "an untagged frame 1 byte over the MTU (MTU + 15) does not reach $ha" \
    "$(seen fethtest-over15)" 0
  check "feth-tunnel A still runs" kill -0 "$pa"
  ping_ok "... and carries ping" "$na" 2 10.88.0.2

  # The peer goes away and comes back (a new pair, a new MAC: A's neighbour entry flushed, as
  # after a cable moved to another host): A, left running, carries ping again.
  stop_tunnel TERM "$pb" b4 "$nb"
  no_reply "B's tunnel stopped: ping 10.88.0.2 from A" "$na" 2 10.88.0.2
  start_tunnel "$nb" b4again --listen 4789 --peer 192.168.77.1:4789 --host-addr 10.88.0.2/24 \
    --host-addr6 fd88::2/64
  pb=$last
  if ready b4again "$pb"; then
    ip -n "$na" neigh flush dev "$ha"
    ping_ok "B's tunnel started again: ping 10.88.0.2 from A, its tunnel not restarted" "$na" 3 10.88.0.2
  fi
fi
stop_tunnel TERM "$pa" a4 "$na"
stop_tunnel TERM "$pb" b4again "$nb"
if [ -n "${ha:-}" ]; then
  equal "A counted the 2 datagrams from others" "$(counter a4 foreign)" 2
  equal "A counted the 3 malformed ones (0, 1 and 13 bytes)" "$(counter a4 malformed)" 3
  equal "A counted the 3 oversized ones (MTU + 15 untagged, MTU + 19, 9000 bytes)" \
    "$(counter a4 oversized)" 3
  equal "B counted none from others (both runs)" \
    "$(counter b4 foreign) $(counter b4again foreign)" "0 0"
fi

# ---- 2. IPv6 underlay ----------------------------------------------------------------------------
echo "# 2. IPv6 underlay: A --peer [fd77::2]:4790, B --peer [fd77::1]:4790"
ha=""
hb=""
start_tunnel "$nb" b6 --listen 4790 --peer '[fd77::1]:4790' --host-addr 10.88.0.2/24 \
  --host-addr6 fd88::2/64
pb=$last
start_tunnel "$na" a6 --listen 4790 --peer '[fd77::2]:4790' --host-addr 10.88.0.1/24 \
  --host-addr6 fd88::1/64
pa=$last
if ready b6 "$pb"; then
  hb=$host
  contains "B's ready line" "$line" '^ready feth[0-9]+ mtu 1438 peer \[fd77::1\]:4790$'
fi
if ready a6 "$pa"; then
  ha=$host
  contains "A's ready line" "$line" '^ready feth[0-9]+ mtu 1438 peer \[fd77::2\]:4790$'
fi
if [ -n "$ha" ] && [ -n "$hb" ]; then
  equal "the host sides' MTU (ip link)" "$(mtu_of "$na" "$ha") $(mtu_of "$nb" "$hb")" "1438 1438"
  ping_ok "ping 10.88.0.2 from A through the tunnel" "$na" 3 10.88.0.2
  ping_ok "ping -M do -s 1410 (a 1438-byte packet, the MTU) A to B" "$na" 2 -M "do" -s 1410 10.88.0.2
  ping_too_long "ping -M do -s 1411 (one byte over the MTU)" "$na" -M "do" -s 1411 10.88.0.2
  if wait_until host_ready "$na" "$ha" && wait_until host_ready "$nb" "$hb"; then
    ping_ok "ping -6 fd88::2 from A" "$na" 3 -6 fd88::2
    # 1438 - 40 (IPv6) - 8 (ICMPv6): 1390 bytes of data.
    ping_ok "ping -6 -M do -s 1390 (a 1438-byte packet)" "$na" 2 -6 -M "do" -s 1390 fd88::2
  else
    not_ok "fd88::1 and fd88::2 still tentative after 5 s"
  fi
  iperf "iperf3 TCP over IPv6 over IPv6, A to B, 3 s" tcp6 fd88::2
  equal "no IP fragment made on the underlay (Ip6 FragCreates in A and B)" \
    "$(frags6 "$na") $(frags6 "$nb")" "0 0"
  # The stop under load: SIGHUP to A 1 s into a UDP flood from A's host side.
  timeout 15 ip netns exec "$na" iperf3 -c 10.88.0.2 -u -b 2G -t 8 --connect-timeout 3000 \
    > "$work/iperf3-flood.log" 2>&1 &
  fpid=$!
  pids="$pids $fpid"
  sleep 1.5
  echo "# a UDP flood (iperf3 -u -b 2G) from A's host side, 1.5 s in"
fi
stop_tunnel HUP "$pa" a6 "$na"
[ -n "${fpid:-}" ] && stop_pids "$fpid"
stop_tunnel PIPE "$pb" b6 "$nb"

# ---- 3. an adopted pair, --underlay-mtu, the receive modes, SIGINT -------------------------------
echo "# 3. A adopts feth10 (ip's, MTU 1400, --rx-mode batch); B --underlay-mtu 1442 --rx-mode low_latency"
ip -n "$na" link add feth10 mtu 1400 type veth peer name feth11 mtu 1400
ip -n "$na" link set feth10 up
i10=$(ifindex "$na" feth10)
i11=$(ifindex "$na" feth11)
start_tunnel "$nb" b3 --listen 4791 --peer 192.168.77.1:4791 --host-addr 10.88.0.2/24 \
  --underlay-mtu 1442 --rx-mode low_latency
pb=$last
start_tunnel "$na" a3 --listen 4791 --peer 192.168.77.2:4791 --host-addr 10.88.0.1/24 \
  --adopt feth10 --rx-mode batch
pa=$last
ok3=1
if ready b3 "$pb"; then
  contains "B's ready line" "$line" '^ready feth[0-9]+ mtu 1400 peer 192\.168\.77\.1:4791$'
else
  ok3=""
fi
if ready a3 "$pa"; then
  contains "A's ready line" "$line" '^ready feth10 mtu 1400 peer 192\.168\.77\.2:4791$'
else
  ok3=""
fi
if [ -n "$ok3" ]; then
  ping_ok "ping -M do -s 1372 (a 1400-byte packet) A to B" "$na" 3 -M "do" -s 1372 10.88.0.2
  ping_ok "ping -M do -s 1372 B to A" "$nb" 3 -M "do" -s 1372 10.88.0.1
fi
stop_tunnel INT "$pa" a3 "$na" "feth10 feth11"
equal "... the adopted pair is the same one (its indexes)" \
  "$(ifindex "$na" feth10) $(ifindex "$na" feth11)" "$i10 $i11"
echo "# feth10's addresses after: $(ip -n "$na" -o addr show dev feth10 | awk '{ print $4 }' | paste -sd' ' -)"
# A VPN restarted on its adopted interface, with the same addresses.
start_tunnel "$na" a3again --listen 4791 --peer 192.168.77.2:4791 --host-addr 10.88.0.1/24 \
  --adopt feth10 --rx-mode batch
pa=$last
if ready a3again "$pa"; then
  ok "feth-tunnel started again on the adopted feth10, the same --host-addr ($line)"
  ping_ok "... and carries ping" "$na" 2 10.88.0.2
fi
stop_tunnel INT "$pa" a3again "$na" "feth10 feth11"
stop_tunnel INT "$pb" b3 "$nb"
ip -n "$na" link del feth10

# ---- 4. an MTU larger than the underlay carries; the host side deleted under the tunnel --------
echo "# 4. --mtu 1500 on both, over the IPv4 underlay (1472-byte frames at most); then A's host side deleted"
start_tunnel "$nb" b5 --listen 4792 --peer 192.168.77.1:4792 --host-addr 10.88.0.2/24 --mtu 1500
pb=$last
start_tunnel "$na" a5 --listen 4792 --peer 192.168.77.2:4792 --host-addr 10.88.0.1/24 --mtu 1500
pa=$last
ha=""
ready b5 "$pb" && contains "B's ready line" "$line" '^ready feth[0-9]+ mtu 1500 peer 192\.168\.77\.1:4792$'
if ready a5 "$pa"; then
  ha=$host
  contains "A's ready line" "$line" '^ready feth[0-9]+ mtu 1500 peer 192\.168\.77\.2:4792$'
fi
if [ -n "$ha" ]; then
  contains "A warned that the MTU is more than the underlay carries" \
    "$(grep -i 'more than the underlay' "$work/a5.err")" '.'
  fa=$(frags "$na")
  fb=$(frags "$nb")
  ping_ok "ping -M do -s 1430 (a 1472-byte frame, the largest datagram)" "$na" 2 -M "do" -s 1430 10.88.0.2
  no_reply "ping -M do -s 1431 (a 1473-byte frame)" "$na" 2 -M "do" -s 1431 10.88.0.2
  equal "... not fragmented on the underlay (FragCreates in A and B unchanged)" \
    "$(frags "$na") $(frags "$nb")" "$fa $fb"
  ip -n "$na" link del "$ha"
  if gone_within 5 "$pa"; then
    equal "A's host side deleted under feth-tunnel: it exits, status" "$gone_rc" 1
  else
    not_ok "A's host side deleted: feth-tunnel still runs 5 s later"
    kill -KILL "$pa" 2> /dev/null
    wait "$pa" 2> /dev/null
  fi
  sed -n 's/^feth-tunnel: /# a5: /p' "$work/a5.err" | grep -v '(host side'
  equal "... it counted the 2 frames too big for the underlay" "$(counter a5 too_big)" 2
  equal "... no feth* interface left in A" "$(feths "$na")" ""
fi
stop_tunnel TERM "$pb" b5 "$nb"

stop_pids "$spid"
echo "# run time: $(($(date +%s) - started)) s"
echo "tunnel: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
