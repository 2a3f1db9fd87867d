#!/bin/sh
# End-to-end checks of the Linux backend with real clients, each in a network namespace that
# this script creates and deletes: ping through feth-responder (at the default and at a jumbo
# MTU, frames at the MTU maximum both ways), tcpdump on the host side capturing the frames the
# tap sent (read back with tshark), fethdump -w writing a pcap that tshark reads with the right
# frame count, and fethctl on real interfaces (pair, addresses, list, cleanup that removes only
# libfeth's orphans while a veth made with `ip link` survives).
# Exit status: 0 all passed, 1 a check failed, 77 skipped (not root, or a client is missing).
# usage: tests/linux/e2e.sh BUILD_DIR
set -u
build=$(cd "${1:?usage: e2e.sh BUILD_DIR}" && pwd)
responder=$build/examples/feth-responder
fethdump=$build/examples/fethdump
fethctl=$build/examples/fethctl

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root (network namespaces)"
  exit 77
fi
for tool in ip ping tcpdump tshark; do
  if ! command -v "$tool" > /dev/null; then
    echo "SKIP: $tool is not installed (tests/install-deps.sh installs it)"
    exit 77
  fi
done

work=$(mktemp -d /tmp/feth-e2e-XXXXXX)
namespaces=""
pids=""
pass=0
fail=0
cleanup() {
  for p in $pids; do kill -TERM "$p" 2> /dev/null; done
  for p in $pids; do wait "$p" 2> /dev/null; done
  for n in $namespaces; do ip netns del "$n" 2> /dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() {
  pass=$((pass + 1))
  echo "ok - $*"
}
not_ok() {
  fail=$((fail + 1))
  echo "not ok - $*"
}
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
  what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# equal DESCRIPTION GOT WANT
equal() {
  if [ "$2" = "$3" ]; then ok "$1 ($2)"; else not_ok "$1: got '$2', want '$3'"; fi
}

# new_ns NAME [ipv6]: a namespace with lo up and, unless asked, IPv6 off (no ND, no MLD).
new_ns() {
  ip netns add "$1" || exit 1
  namespaces="$namespaces $1"
  ip -n "$1" link set lo up
  if [ "${2:-}" != ipv6 ]; then
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  fi
}
in_ns() {
  ns=$1
  shift
  ip netns exec "$ns" "$@"
}
# wait_for FILE PATTERN: up to 5 s for PATTERN to appear in FILE.
wait_for() {
  i=0
  until grep -q "$2" "$1" 2> /dev/null; do
    i=$((i + 1))
    [ "$i" -gt 50 ] && return 1
    sleep 0.1
  done
}
# stop PID: SIGTERM (a background job of a script ignores SIGINT), then wait for it; its
# exit status.
stop() {
  kill -TERM "$1" 2> /dev/null
  wait "$1"
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
equal "fethctl cleanup" "$(in_ns "$ns" "$fethctl" cleanup 2>&1)" "destroyed 1 orphaned interface"
check "cleanup removed libfeth's orphan pair" sh -c "! ip -n $ns link show feth0 > /dev/null 2>&1"
check "the veth made with ip link survives" sh -c "ip -n $ns link show feth50 > /dev/null"
in_ns "$ns" "$fethctl" list > "$work/list2.log" 2>&1
equal "fethctl list after cleanup" "$(awk '{print $1}' "$work/list2.log" | paste -sd, -)" feth50,feth51

echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
