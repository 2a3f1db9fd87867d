#!/bin/sh
# End-to-end checks of the Linux backend with real clients, each in a network namespace that
# this script creates and deletes: ping through feth-responder (at the default and at a jumbo
# MTU, frames at the MTU maximum both ways), tcpdump on the host side capturing the frames the
# tap sent (read back with tshark), fethdump -w writing a pcap that tshark reads with the right
# frame count, and fethctl on real interfaces (pair, addresses, list, cleanup that removes only
# libfeth's orphans while a veth made with `ip link` survives), and two taps joined by a
# virtual wire (tests/linux/tap_relay.c) carrying ping, iperf3 TCP and UDP and a UDP_SEGMENT
# send from an unprivileged user, with the kernel's default offloads and then with the host
# side's offloads turned back on behind the library's back: fethdump's capture of the wire must
# hold only whole frames (no longer than max_frame) with good TCP and UDP checksums.
# Exit status: 0 all passed, 1 a check failed, 77 skipped (not root, or a client is missing).
# usage: tests/linux/e2e.sh BUILD_DIR   (FETH_TEST_KEEP=1 keeps the captures and logs)
set -u
build=$(cd "${1:?usage: e2e.sh BUILD_DIR}" && pwd)
responder=$build/examples/feth-responder
fethdump=$build/examples/fethdump
fethctl=$build/examples/fethctl
relay=$build/tests/tap_relay
udp_gso=$build/tests/udp_gso

. "$(dirname "$0")/lib.sh"
need_root ip ping tcpdump tshark iperf3 ethtool ss timeout

test_begin e2e


# new_ns NAME [ipv6]: a namespace with lo up and, unless asked, IPv6 off (no ND, no MLD).
new_ns() {
  ip netns add "$1" || exit 1
  namespaces="$namespaces $1"
  ip -n "$1" link set lo up
  if [ "${2:-}" != ipv6 ]; then
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  fi
}
# stop PID: ends it (stop_pids, bounded); its exit status.
stop() {
  stop_pids "$1"
}
count() { # count PCAP FILTER: frames of PCAP that match the display filter
  tshark -r "$1" -Y "$2" 2> /dev/null | wc -l | tr -d ' '
}

# ---- 1. ping through feth-responder, jumbo MTU, captured on the host side ----------------
ns=feth-e2e-$$-ping
new_ns "$ns"
ip netns exec "$ns" "$responder" --mtu 9000 > "$work/responder.log" 2>&1 &
rpid=$!
pids="$pids $rpid"
if wait_for "$work/responder.log" '^ready$'; then
  ok "feth-responder opened a tap and answers ($(head -n 1 "$work/responder.log" | cut -c17-))"
  ip netns exec "$ns" tcpdump -i feth0 --immediate-mode -U -n -w "$work/host.pcap" icmp > "$work/tcpdump.log" 2>&1 &
  tpid=$!
  pids="$pids $tpid"
  wait_for "$work/tcpdump.log" 'listening on' || not_ok "tcpdump did not start"
  in_ns "$ns" ping -c 3 -i 0.2 -W 2 10.77.0.2 > "$work/ping.log" 2>&1
  equal "ping 10.77.0.2: replies through the tap" \
    "$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$work/ping.log")" 3
  # 8972 bytes of ICMP data: 9000-byte IP packets, 9014-byte frames, the MTU's maximum.
  in_ns "$ns" ping -M do -s 8972 -c 2 -i 0.2 -W 2 10.77.0.2 > "$work/ping-big.log" 2>&1
  equal "ping -M do -s 8972: frames at the MTU maximum both ways" \
    "$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$work/ping-big.log")" 2
  sleep 0.2
  stop "$tpid"
  equal "tcpdump on the host side saw the tap's echo replies" \
    "$(count "$work/host.pcap" 'icmp.type == 0 && ip.src == 10.77.0.2')" 5
  equal "... two of them 9014-byte frames" \
    "$(count "$work/host.pcap" 'icmp.type == 0 && frame.len == 9014')" 2
  equal "... and every request reached the tap" \
    "$(count "$work/host.pcap" 'icmp.type == 8 && ip.dst == 10.77.0.2')" 5
  stop "$rpid"
  check "feth-responder stopped cleanly on SIGTERM" [ $? -eq 0 ]
  equal "feth-responder's count of echo requests answered" \
    "$(sed -n 's/.* and \([0-9]*\) echo requests.*/\1/p' "$work/responder.log")" 5
  equal "its pair is gone with it" "$(in_ns "$ns" "$fethctl" list | wc -l | tr -d ' ')" 0
else
  not_ok "feth-responder did not start: $(cat "$work/responder.log")"
fi

# ---- 2. fethdump -w: a pcap that tshark reads ----------------------------------------------
ns=feth-e2e-$$-dump
new_ns "$ns"
ip netns exec "$ns" "$fethdump" -c 5 -w "$work/dump.pcap" --host feth0 --io feth1 > "$work/dump.log" 2>&1 &
dpid=$!
pids="$pids $dpid"
if wait_for "$work/dump.log" 'capturing on feth1'; then
  in_ns "$ns" "$fethctl" addr add feth0 10.78.0.1/24
  # A fixed neighbour: the echo requests go straight out, no ARP first.
  in_ns "$ns" ip neigh replace 10.78.0.2 lladdr 02:00:00:00:00:02 dev feth0 nud permanent
  in_ns "$ns" ping -c 5 -i 0.2 -w 3 10.78.0.2 > /dev/null 2>&1
  wait "$dpid"
  check "fethdump -c 5 stopped by itself" [ $? -eq 0 ]
  equal "tshark -r reads fethdump's pcap: frames" "$(count "$work/dump.pcap" 'frame')" 5
  equal "... all of them the echo requests ping sent" \
    "$(count "$work/dump.pcap" 'icmp.type == 8 && ip.dst == 10.78.0.2 && eth.dst == 02:00:00:00:00:02')" 5
  equal "... and fethdump reported the same count" \
    "$(sed -n 's/^fethdump: \([0-9]*\) frames captured.*/\1/p' "$work/dump.log")" 5
else
  not_ok "fethdump did not start: $(cat "$work/dump.log")"
fi

# ---- 3. fethctl on real interfaces -------------------------------------------------------------
ns=feth-e2e-$$-ctl
new_ns "$ns" ipv6
equal "fethctl pair --mtu 4000 feth0 feth1" "$(in_ns "$ns" "$fethctl" pair --mtu 4000 feth0 feth1)" "feth0 feth1"
out=$(in_ns "$ns" "$fethctl" create feth9 2>&1)
equal "fethctl create feth9 fails: a veth comes only in pairs" "$?" 1
check "... and the message points to 'fethctl pair'" \
  sh -c 'printf "%s\n" "$1" | grep -q "use .fethctl pair."' sh "$out"
check "fethctl addr add feth0 10.79.0.1/24" in_ns "$ns" "$fethctl" addr add feth0 10.79.0.1/24
check "fethctl addr add feth0 fd79::1/64" in_ns "$ns" "$fethctl" addr add feth0 fd79::1/64
check "ip sees the IPv4 address" sh -c "ip -n $ns -4 addr show feth0 | grep -q 'inet 10.79.0.1/24'"
check "ip sees the IPv6 address" sh -c "ip -n $ns -6 addr show feth0 | grep -q 'inet6 fd79::1/64'"
equal "ip sees the MTU" "$(ip -n "$ns" -o link show feth1 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')" 4000
equal "fethctl mtu feth1" "$(in_ns "$ns" "$fethctl" mtu feth1 | awk '{print $1}')" 4000
ip -n "$ns" link add feth50 type veth peer name feth51
in_ns "$ns" "$fethctl" list > "$work/list.log" 2>&1
check "fethctl list: its pair, owned" grep -Eq '^feth0 .*owned' "$work/list.log"
check "fethctl list: the ip-made veth, not owned" sh -c "grep -E '^feth50 ' '$work/list.log' | grep -vq owned"
# fethctl has exited: the pair it made is an orphan; the ip-made veth was never libfeth's.
# (Its report may go on with the registry directories of namespaces gone before this one.)
equal "fethctl cleanup" "$(in_ns "$ns" "$fethctl" cleanup 2>&1 | cut -d';' -f1)" \
  "destroyed 1 orphaned interface"
check "cleanup removed libfeth's orphan pair" sh -c "! ip -n $ns link show feth0 > /dev/null 2>&1"
check "the veth made with ip link survives" sh -c "ip -n $ns link show feth50 > /dev/null"
in_ns "$ns" "$fethctl" list > "$work/list2.log" 2>&1
equal "fethctl list after cleanup" "$(awk '{print $1}' "$work/list2.log" | paste -sd, -)" feth50,feth51

# ---- 4. a wire between two taps: TCP and UDP clients, checksums and frame sizes ---------------
# Namespaces A and B, a tap_relay in each (host sides 10.81.0.1/24 and 10.81.0.2/24), the relays
# joined by unix datagram sockets: what A's host stack sends into its tap comes out of B's host
# side, and back. fethdump --adopt captures A's I/O side meanwhile (two packet sockets on one
# interface both get every frame). No ethtool runs before the last step: the pairs have the
# kernel's default offloads, and what reaches the wire must be whole frames with good checksums.

# wire_stats PCAP MAX: "frames tcp_good tcp_bad udp_good udp_bad longer_than_MAX longest
# tcp_ffff", in one tshark pass. A checksum status is 0 bad, 1 good, 2 unverified (a header
# quoted in an ICMP error adds a second, comma-separated one). A TCP checksum that computes to 0
# is written 0xffff by the kernel's own skb_checksum_help() (net/core/dev.c, CSUM_MANGLED_0);
# tshark calls it bad (RFC 1624 wants 0x0000), but both forms of zero verify: counted good, and
# apart.
wire_stats() {
  tshark -r "$1" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields \
    -e frame.len -e tcp.checksum.status -e udp.checksum.status -e tcp.checksum.ffff 2> /dev/null |
    awk -F '\t' -v max="$2" '
      { if ($1 + 0 > max) big++
        if ($1 + 0 > longest) longest = $1 + 0
        ffff = $4 != ""
        n = split($2, t, ",")
        for (i = 1; i <= n; i++) {
          if (t[i] == "1") tg++
          if (t[i] == "0" && ffff) { tg++; tf++; ffff = 0 } else if (t[i] == "0") tb++
        }
        n = split($3, u, ",")
        for (i = 1; i <= n; i++) { if (u[i] == "1") ug++; if (u[i] == "0") ub++ } }
      END { printf "%d %d %d %d %d %d %d %d\n", NR, tg, tb, ug, ub, big, longest, tf }'
}
# check_wire PCAP LABEL MAX
check_wire() {
  # shellcheck disable=SC2046 # the eight numbers become $4 to $11
  set -- "$1" "$2" "$3" $(wire_stats "$1" "$3")
  equal "$2: bad TCP checksums" "$6" 0
  check "$2: good TCP checksums (${5:-0}, ${11:-0} of them 0xffff for 0)" [ "${5:-0}" -gt 0 ]
  equal "$2: bad UDP checksums" "$8" 0
  check "$2: good UDP checksums (${7:-0})" [ "${7:-0}" -gt 0 ]
  equal "$2: frames longer than $3 bytes (of ${4:-0}, the longest ${10:-0})" "$9" 0
}
# start_relay NS NAME PEER ADDR RX_MODE: a tap_relay on feth0/feth1 of NS; its pid in $last.
start_relay() {
  ip netns exec "$1" "$relay" --host feth0 --io feth1 --mtu 1500 --addr "$4" --rx-mode "$5" \
    --socket "$work/$2.sock" --peer "$work/$3.sock" > "$work/relay-$2.out" 2> "$work/relay-$2.err" &
  last=$!
  pids="$pids $last"
}
# wait_listen NS PORT: up to 5 s for a TCP listener on PORT in NS.
wait_listen() {
  wait_until listening "$1" "$2"
}
listening() { # listening NS PORT
  [ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ]
}
# start_capture FILE: fethdump --adopt feth0 -w FILE in A; its pid in $last.
start_capture() {
  ip netns exec "$wa" "$fethdump" --adopt feth0 -w "$1" > "$1.log" 2>&1 &
  last=$!
  pids="$pids $last"
  wait_for "$1.log" 'capturing on' || not_ok "fethdump --adopt feth0 did not start: $(cat "$1.log")"
}
# iperf LABEL NAME ARGS...: iperf3 -c 10.81.0.2 -t 3 ARGS from A, in at most 20 s.
iperf() {
  label=$1
  log=$work/iperf3-$2.log
  shift 2
  timeout 20 ip netns exec "$wa" iperf3 -c 10.81.0.2 -t 3 --connect-timeout 3000 "$@" > "$log" 2>&1
  rc=$?
  summary=$(grep -E 'receiver$' "$log" | tail -n 1 | sed 's/^\[ *[0-9]*\] *//; s/ *receiver$//')
  if [ "$rc" -eq 0 ] && [ -n "$summary" ]; then
    ok "$label: $summary"
  else
    not_ok "$label (exit $rc): $(grep -v '^ *$' "$log" | tail -n 2 | tr '\n' ' ')"
  fi
}
# gso NAME LABEL: 65000 bytes in one UDP_SEGMENT send (1400-byte segments) by nobody from A to
# a receiver in B that checks every segment.
gso() {
  ip netns exec "$wb" "$udp_gso" recv --port 5301 --bytes 65000 --gso 1400 --timeout-ms 4000 > "$work/gso-$1.log" 2>&1 &
  gpid=$!
  pids="$pids $gpid"
  if ! wait_for "$work/gso-$1.log" '^ready$'; then
    not_ok "$2: the receiver did not start: $(cat "$work/gso-$1.log")"
    return
  fi
  in_ns "$wa" timeout 30 "$udp_gso" send --dst 10.81.0.2 --port 5301 --bytes 65000 --gso 1400 --user nobody > "$work/gso-send-$1.log" 2>&1
  rc=$?
  check "$2: $(cut -c10- "$work/gso-send-$1.log" | head -n 1)" [ "$rc" -eq 0 ]
  wait "$gpid"
  rc=$?
  check "$2: B $(sed -n 's/^udp_gso: //p' "$work/gso-$1.log")" [ "$rc" -eq 0 ]
}

# offloads_on: what someone may do behind the library's back, on A's host side.
offloads_on() {
  in_ns "$wa" ethtool -K feth0 tx on tso on gso on > /dev/null 2>&1
  check "ethtool -K feth0 tx on tso on gso on in A, the taps open" [ $? -eq 0 ]
}
offload_state() {
  in_ns "$wa" ethtool -k feth0 |
    grep -E '^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload):' |
    paste -sd' ' -
}

wire() {
  wa=feth-e2e-$$-wa
  wb=feth-e2e-$$-wb
  new_ns "$wa"
  new_ns "$wb"
  start_relay "$wb" b a 10.81.0.2/24 batch
  rb=$last
  start_relay "$wa" a b 10.81.0.1/24 auto
  ra=$last
  if ! wait_for "$work/relay-a.out" '^ready$' || ! wait_for "$work/relay-b.out" '^ready$'; then
    not_ok "tap_relay did not start: $(cat "$work/relay-a.err" "$work/relay-b.err")"
    return
  fi
  ok "tap_relay in A and B, joined: $(head -n 1 "$work/relay-a.err" | cut -c12-)"
  max=$(sed -n 's/.*max_frame \([0-9]*\).*/\1/p' "$work/relay-a.err")
  ip netns exec "$wb" iperf3 -s > "$work/iperf3-server.log" 2>&1 &
  spid=$!
  pids="$pids $spid"
  wait_listen "$wb" 5201 || not_ok "iperf3 -s did not listen in B"

  # With the offloads the kernel gives a new veth.
  start_capture "$work/wire.pcap"
  dpid=$last
  in_ns "$wa" ping -c 3 -i 0.2 -W 2 10.81.0.2 > "$work/wire-ping.log" 2>&1
  equal "ping 10.81.0.2 from A across the wire" \
    "$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$work/wire-ping.log")" 3
  # A to B at most 400 Mbit/s: the capture (some 150 MB) and tshark's pass over it stay short.
  # B to A, of which the capture holds only A's ACKs, as fast as it goes.
  iperf "iperf3 -b 400M TCP, A to B" tcp -b 400M
  iperf "iperf3 -R TCP, B to A" tcp-r -R
  iperf "iperf3 -u -b 50M UDP, A to B" udp -u -b 50M
  gso default "UDP_SEGMENT by nobody"
  sleep 0.2
  stop "$dpid"
  check_wire "$work/wire.pcap" "A's wire" "${max:-1518}"

  # The adversary: the host side's offloads turned back on while the taps are open, before
  # each client (the library may have turned them off again after the last).
  start_capture "$work/wire-on.pcap"
  dpid=$last
  offloads_on
  echo "# A's feth0 then: $(offload_state)"
  iperf "iperf3 -b 400M TCP, A to B, offloads back on" tcp-on -b 400M
  offloads_on
  iperf "iperf3 -u -b 50M UDP, A to B, offloads back on" udp-on -u -b 50M
  offloads_on
  gso on "UDP_SEGMENT by nobody, offloads back on"
  echo "# A's feth0 after: $(offload_state)"
  sleep 0.2
  stop "$dpid"
  check_wire "$work/wire-on.pcap" "A's wire, offloads back on" "${max:-1518}"

  stop_pids "$spid"
  stop "$ra"
  check "tap_relay A stopped cleanly on SIGTERM" [ $? -eq 0 ]
  stop "$rb"
  check "tap_relay B stopped cleanly on SIGTERM" [ $? -eq 0 ]
  sed -n 's/^tap_relay: /# relay A: /p' "$work/relay-a.err" | tail -n 3
  sed -n 's/^tap_relay: /# relay B: /p' "$work/relay-b.err" | tail -n 3
  equal "A's pair is gone with its relay" "$(in_ns "$wa" "$fethctl" list | wc -l | tr -d ' ')" 0
}
if [ -x "$relay" ] && [ -x "$udp_gso" ]; then
  wire
else
  not_ok "$relay and $udp_gso are not built"
fi

echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
