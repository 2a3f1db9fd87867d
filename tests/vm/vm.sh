#!/bin/sh
# SPDX-License-Identifier: MIT
# feth-vm end to end (examples/feth-vm.c): real guests, Linux under QEMU (TCG, no KVM needed),
# on libfeth taps. The guest is tests/vm/initrd.sh's (busybox, virtio-net, iperf3; its /init
# tests/vm/init runs the steps named on its kernel command line and prints markers on the
# console); tests/vm/launch.py starts feth-vm and QEMU and reports. Everything runs in one
# network namespace (feth-vm, QEMU, the iperf3 servers bound to the host sides' addresses),
# in a mount namespace of its own with a tmpfs on /run: libfeth's registry and ip netns.
#
#  1. One guest, feth-vm --fd (a socketpair): the JSON line (host side, its address, fd, pids),
#     the relay runs as nobody; the guest configures eth0, pings the host side, iperf3 TCP
#     guest to host and host to guest (-R), UDP at 100 Mbit/s, 50 pings 10 ms apart; after it
#     powers off feth-vm exits 0 by itself within 3 s and its pair is gone.
#  2. Two guests at once, each with its feth-vm (A --fd, B --socket), 10.77.1.0/24 and
#     10.77.2.0/24, iperf3 TCP in both at the same time: tcpdump on each host side records the
#     own guest's frames and none carrying the other guest's MAC; each guest's ping of the
#     other guest's address gets no reply; both feth-vm exit 0 by themselves, no pair left.
#  3. Two guests kept running (a sleep step): SIGTERM to one feth-vm ends it within 5 s with
#     exit 0 and its pair gone; SIGKILL to the other: its relay exits by itself, the pair
#     stays, and `fethctl cleanup` removes it.
#  At the end no pair, no process and no namespace of the test is left.
# Prints the figures (boot time, ping, iperf3's receiver lines) and feth-vm's counters as
# "# " lines. About a minute on 2 cores; every wait is bounded.
# Exit status: 0 all passed, 1 a check failed, 77 skipped (not root, a tool or a package of the
# guest missing: tests/install-deps.sh installs them).
# usage: tests/vm/vm.sh BUILD_DIR [PROGRAMS_DIR]   (FETH_TEST_KEEP=1 keeps the logs)
#   PROGRAMS_DIR holds feth-vm and fethctl (default BUILD_DIR/examples); the guest is built in
#   BUILD_DIR/vm-guest (FETH_VM_GUEST=DIR for another place).
set -u
build=$(cd "${1:?usage: vm.sh BUILD_DIR [PROGRAMS_DIR]}" && pwd)
programs=$(cd "${2:-$build/examples}" && pwd)
vmhelper=$programs/feth-vm
fethctl=$programs/fethctl
here=$(cd "$(dirname "$0")" && pwd)
guest=${FETH_VM_GUEST:-$build/vm-guest}

# shellcheck source-path=SCRIPTDIR source=../linux/lib.sh
. "$here/../linux/lib.sh"
need_root ip unshare mount timeout iperf3 tcpdump python3 awk qemu-system-x86_64
if ! id nobody > /dev/null 2>&1; then
  echo "SKIP: no user nobody for the relay"
  exit 77
fi
need_built "$vmhelper" "$fethctl"

# A mount namespace of our own, /run a tmpfs in it: ip netns, libfeth's registry.
if ! is_private_run; then
  # The guest first (once, outside): exit 77 when a package is missing.
  sh "$here/initrd.sh" "$guest"
  rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || echo "not ok - tests/vm/initrd.sh $guest: exit status $rc"
  [ "$rc" -eq 0 ] || exit "$rc"
fi
private_run vm "$build" "$programs"
test_begin vm
started=$(date +%s)
nobody=$(id -u nobody)
# The relay binds --socket paths as nobody: $work searchable, the sockets' directory its own.
chmod 711 "$work"
mkdir "$work/sock"
chown nobody "$work/sock"
chmod 700 "$work/sock"

ns=vm-$$
ip netns add "$ns" || exit 1
namespaces="$ns"
ip -n "$ns" link set lo up
# The iperf3 servers bind the host sides' addresses before feth-vm gives them.
ip netns exec "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1
# (In the background, ip netns exec itself, not this function: $! must be the program.)

# launch NAME ARGS...: launch.py ARGS in the namespace, in the background: its report in
# $work/NAME.out, the console in NAME.console, feth-vm's stderr in NAME.err; its pid in $last.
launch() {
  _l_name=$1
  shift
  ip netns exec "$ns" python3 "$here/launch.py" --feth-vm "$vmhelper" --guest "$guest" \
    --console "$work/$_l_name.console" --helper-log "$work/$_l_name.err" "$@" \
    > "$work/$_l_name.out" 2> "$work/$_l_name.launch-err" &
  last=$!
  pids="$pids $last"
}
# report NAME WHAT: the rest of launch.py's first "launch: WHAT " line.
report() { sed -n "s/^launch: $2 //p" "$work/$1.out" | head -n 1; }
# json NAME KEY: a field of feth-vm's JSON line (a list space-separated, null as "null").
json() {
  report "$1" feth-vm-json | python3 -c '
import json, sys
try:
    v = json.loads(sys.stdin.read()).get(sys.argv[1], "")
except ValueError:
    v = ""
print("null" if v is None else " ".join(map(str, v)) if isinstance(v, list) else v)' "$2"
}
# started_vm NAME PID: up to 15 s for feth-vm's JSON line; its pids and host side in
# $hpid, $rpid and $hside. 1 when it did not come.
started_vm() {
  hside=""
  if ! within 150 grep -q -- '^launch: feth-vm-json' "$work/$1.out"; then
    not_ok "$1: no JSON line from feth-vm: $(tr '\n' ' ' < "$work/$1.out") $(tr '\n' ' ' < "$work/$1.err")"
    return 1
  fi
  hpid=$(json "$1" pid)
  rpid=$(json "$1" relay_pid)
  hside=$(json "$1" host_name)
  leftover="$leftover $hpid $rpid"
}
# finished NAME PID SECS: up to SECS for launch.py to end; its exit status in $gone_rc.
finished() {
  if gone_within "$3" "$2"; then
    leftover="$leftover $(report "$1" qemu-pid)"
    return 0
  fi
  not_ok "$1: launch.py still runs after $3 s: $(tail -n 3 "$work/$1.console" | tr '\n' ' ')"
  stop_pids "$2"
  return 1
}
# step_out NAME STEP: the console lines of STEP, between its markers.
step_out() {
  awk -v b="VM-BEGIN $2" -v e="VM-END $2 rc=" '
    function at_end(l, t,  i) { i = index(l, t); return i > 0 && i + length(t) - 1 == length(l) }
    index($0, e) { on = 0 }
    on { print }
    at_end($0, b) { on = 1 }' "$work/$1.console"
}
step_rc() { sed -n "s/.*VM-END $2 rc=\([0-9]*\).*/\1/p" "$work/$1.console" | head -n 1; }
# guest_ran NAME ADDR MAC STEPS...: eth0 up with ADDR (the boot time shown), the MAC, each
# step's marker with rc=0, VM-DONE.
guest_ran() {
  _g_name=$1
  _g_addr=$2
  _g_mac=$3
  shift 3
  _g_ready=$(grep 'VM-READY' "$work/$_g_name.console" | head -n 1)
  if [ -n "$_g_ready" ]; then
    ok "$_g_name: the guest configured eth0 ($(echo "$_g_ready" | sed 's/.*VM-READY //'), $(report "$_g_name" vm-ready) s after QEMU started)"
    contains "$_g_name: ... with its address" "$_g_ready" "eth0 $_g_addr "
  else
    not_ok "$_g_name: no VM-READY: $(tail -n 5 "$work/$_g_name.console" | tr '\n' ' ')"
    return
  fi
  equal "$_g_name: the guest's eth0 MAC" \
    "$(sed -n 's/.*VM-MAC \([0-9a-f:]*\).*/\1/p' "$work/$_g_name.console")" "$_g_mac"
  for _g_s in "$@"; do
    equal "$_g_name: step $_g_s: exit status" "$(step_rc "$_g_name" "$_g_s")" 0
  done
  check "$_g_name: VM-DONE" grep -q 'VM-DONE' "$work/$_g_name.console"
}
# pinged NAME: the ping step's 3 of 3 replies and their times.
pinged() {
  _p=$(step_out "$1" ping)
  contains "$1: the guest pinged the host side" "$(echo "$_p" | grep 'packets transmitted')" \
    '^3 packets transmitted, 3 packets received'
  echo "# $1: ping $(echo "$_p" | grep 'round-trip')"
}
# iperf_ok NAME STEP LABEL: STEP's receiver line, its bitrate above 0 Mbit/s.
iperf_ok() {
  _i_line=$(step_out "$1" "$2" | grep -E 'receiver *$' | tail -n 1)
  _i_rate=$(echo "$_i_line" | awk '{ for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") print $(i - 1) }')
  _i_sum=$(echo "$_i_line" | sed 's/^\[ *[0-9]*\] *//; s/ *receiver *$//')
  if [ -n "$_i_rate" ] && awk -v r="$_i_rate" 'BEGIN { exit !(r > 0) }'; then
    ok "$1: $3: $_i_sum"
  else
    not_ok "$1: $3: no receiver figure: $(step_out "$1" "$2" | grep -v '^ *$' | tail -n 3 | tr '\n' ' ')"
  fi
}
# helper_exited NAME: launch.py saw feth-vm exit 0 within 3 s of the VM's end, and it ended
# by itself ("the VM closed its end"); its pair is gone; its counters shown.
helper_exited() {
  _h=$(report "$1" feth-vm-exit)
  if echo "$_h" | grep -Eq '^0 after [0-9.]+ s$' &&
    awk -v t="$(echo "$_h" | awk '{ print $3 }')" 'BEGIN { exit !(t < 3) }'; then
    ok "$1: the VM powered off, feth-vm exited by itself: status $_h"
  else
    not_ok "$1: feth-vm after the VM's end: '$_h' (want '0 after <3 s')"
  fi
  sed -n 's/^feth-vm: \(stopped.*\)/# '"$1"': \1/p' "$work/$1.err"
  check "$1: ... its host side $2 is gone" sh -c "! ip -n $ns link show $2 > /dev/null 2>&1"
  equal "$1: launch.py's result" "$(report "$1" result)" ok
  sed -n 's/^feth-vm: \([vt][a-z]*->\)/# '"$1"': \1/p' "$work/$1.err"
}

echo "# feth-vm: $vmhelper"
echo "# guest: $guest ($(sed -n '1p' "$guest/initrd.stamp" | awk '{ print "kernel", $1 }'))"
ip netns exec "$ns" iperf3 -s -B 10.77.1.1 > "$work/iperf3-s1.log" 2>&1 &
pids="$pids $!"
ip netns exec "$ns" iperf3 -s -B 10.77.2.1 > "$work/iperf3-s2.log" 2>&1 &
pids="$pids $!"
leftover=""

# ---- 1. one guest, --fd -------------------------------------------------------------------------
echo "# 1. one guest on feth-vm --fd: ping, iperf3 TCP both ways, UDP, 50 pings"
launch A --mac 52:54:00:77:01:02 --timeout 100 \
  --append "vm.addr=10.77.1.2/24 vm.host=10.77.1.1 vm.time=3 vm.pings=50 vm.steps=mac,ping,tcp,tcp-r,udp,rtt" \
  -- --host-addr 10.77.1.1/24 --user nobody
la=$last
if started_vm A "$la"; then
  contains "A: feth-vm's JSON line" "$(report A feth-vm-json)" '^\{.*"host_name": *"feth[0-9]+"'
  equal "A: ... host_addrs, fd a number, socket null" \
    "$(json A host_addrs) $(json A fd | sed 's/^[0-9][0-9]*$/N/') $(json A socket)" "10.77.1.1/24 N null"
  check "A: ... its host side $hside has 10.77.1.1/24" sh -c \
    "ip -n $ns addr show dev $hside | grep -q 'inet 10.77.1.1/24'"
  equal "A: the relay (pid $rpid) runs as nobody" \
    "$(awk '/^Uid:/ { print $2 }' "/proc/$rpid/status" 2> /dev/null)" "$nobody"
  ha=$hside
fi
if finished A "$la" 120; then
  equal "A: launch.py's exit status" "$gone_rc" 0
  guest_ran A 10.77.1.2/24 52:54:00:77:01:02 mac ping tcp tcp-r udp rtt
  pinged A
  iperf_ok A tcp "iperf3 TCP, guest to host (receiver)"
  iperf_ok A tcp-r "iperf3 -R TCP, host to guest (receiver)"
  iperf_ok A udp "iperf3 -u -b 100M UDP, guest to host (receiver)"
  echo "# A: rtt, 50 pings 10 ms apart: $(step_out A rtt | grep -E 'received|round-trip' | tr '\n' ' ')"
  [ -n "${ha:-}" ] && helper_exited A "$ha"
fi
equal "no feth* interface left" "$(feths "$ns")" ""

# ---- 2. two guests at once ----------------------------------------------------------------------
echo "# 2. two guests at once: A on feth-vm --fd (10.77.1.0/24), B on feth-vm --socket (10.77.2.0/24)"
mac_a=52:54:00:77:01:02
mac_b=52:54:00:77:02:02
launch A2 --mac "$mac_a" --timeout 100 \
  --append "vm.addr=10.77.1.2/24 vm.host=10.77.1.1 vm.time=2 vm.steps=mac,ping,noping=10.77.2.2,tcp" \
  -- --host-addr 10.77.1.1/24 --user nobody
la=$last
launch B2 --mac "$mac_b" --timeout 100 --socket "$work/sock/b.sock" \
  --append "vm.addr=10.77.2.2/24 vm.host=10.77.2.1 vm.time=2 vm.steps=mac,ping,noping=10.77.1.2,tcp" \
  -- --host-addr 10.77.2.1/24 --user nobody
lb=$last
ha=""
hb=""
# tcpdump on each host side, from before the guests boot to the pair's end.
for v in A2 B2; do
  if [ "$v" = A2 ]; then started_vm A2 "$la" && ha=$hside; else started_vm B2 "$lb" && hb=$hside; fi
  [ -n "$hside" ] || continue
  ip netns exec "$ns" tcpdump -i "$hside" -n -U -w - > "$work/$v.pcap" 2> "$work/$v.tcpdump.log" &
  pids="$pids $!"
  wait_for "$work/$v.tcpdump.log" 'listening on' || not_ok "tcpdump did not start on $hside"
done
if [ -n "$hb" ]; then
  equal "B2: feth-vm's JSON line: socket, fd" "$(json B2 socket) $(json B2 fd)" "$work/sock/b.sock null"
fi
finished A2 "$la" 120 && a_rc=$gone_rc
finished B2 "$lb" 120 && b_rc=$gone_rc
equal "A2, B2: launch.py's exit statuses" "${a_rc:-} ${b_rc:-}" "0 0"
guest_ran A2 10.77.1.2/24 "$mac_a" mac ping noping=10.77.2.2 tcp
guest_ran B2 10.77.2.2/24 "$mac_b" mac ping noping=10.77.1.2 tcp
pinged A2
pinged B2
iperf_ok A2 tcp "iperf3 TCP, guest to host, beside B2's (receiver)"
iperf_ok B2 tcp "iperf3 TCP, guest to host, beside A2's (receiver)"
contains "A2: the ping of B2's address got no reply" "$(grep 'VM-NOPING' "$work/A2.console")" 'no reply$'
contains "B2: the ping of A2's address got no reply" "$(grep 'VM-NOPING' "$work/B2.console")" 'no reply$'
# frames NAME MAC: frames in NAME's capture to or from MAC.
frames() { tcpdump -r "$work/$1.pcap" -n "ether host $2" 2> /dev/null | wc -l | tr -d ' '; }
if [ -n "$ha" ] && [ -n "$hb" ]; then
  check "A2's host side $ha saw A2's guest ($(frames A2 "$mac_a") frames)" \
    [ "$(frames A2 "$mac_a")" -gt 0 ]
  check "B2's host side $hb saw B2's guest ($(frames B2 "$mac_b") frames)" \
    [ "$(frames B2 "$mac_b")" -gt 0 ]
  equal "no frame of B2's guest on A2's host side" "$(frames A2 "$mac_b")" 0
  equal "no frame of A2's guest on B2's host side" "$(frames B2 "$mac_a")" 0
  helper_exited A2 "$ha"
  helper_exited B2 "$hb"
fi
equal "no feth* interface left" "$(feths "$ns")" ""

# ---- 3. SIGTERM and SIGKILL while the guests run ------------------------------------------------
echo "# 3. SIGTERM to one feth-vm, SIGKILL to another, their guests running"
launch C --mac 52:54:00:77:03:02 --timeout 60 \
  --append "vm.addr=10.77.3.2/24 vm.host=10.77.3.1 vm.steps=ping,sleep=40" \
  -- --host-addr 10.77.3.1/24 --user nobody
lc=$last
# D's QEMU is left running when its feth-vm dies: its relay must end by itself.
launch D --mac 52:54:00:77:04:02 --timeout 60 --keep-vm \
  --append "vm.addr=10.77.4.2/24 vm.host=10.77.4.1 vm.steps=ping,sleep=40" \
  -- --host-addr 10.77.4.1/24 --user nobody
ld=$last
hc=""
hd=""
started_vm C "$lc" && hc=$hside && pc=$hpid
started_vm D "$ld" && hd=$hside && pd=$hpid && rd=$rpid
for v in C D; do
  within 400 grep -q -- 'VM-BEGIN sleep' "$work/$v.console" ||
    not_ok "$v: the guest did not reach its sleep step: $(tail -n 3 "$work/$v.console" | tr '\n' ' ')"
done
equal "C, D: their guests pinged the host side (ping's exit status)" \
  "$(step_rc C ping) $(step_rc D ping)" "0 0"
if [ -n "$hc" ]; then
  kill -TERM "$pc"
  if within 50 grep -q -- '^launch: feth-vm-exit' "$work/C.out"; then
    contains "C: SIGTERM to feth-vm (pid $pc): its exit status" "$(report C feth-vm-exit)" '^0 during-vm'
  else
    not_ok "C: feth-vm still runs 5 s after SIGTERM"
  fi
  check "C: ... its host side $hc is gone" sh -c "! ip -n $ns link show $hc > /dev/null 2>&1"
  sed -n 's/^feth-vm: \([vt][a-z]*->\)/# C: \1/p' "$work/C.err"
fi
finished C "$lc" 20
if [ -n "$hd" ]; then
  kill -KILL "$pd"
  relay_gone() { ! alive "$rd"; }
  if ! wait_until relay_gone; then
    not_ok "D: SIGKILL to feth-vm (pid $pd): its relay (pid $rd) still runs 5 s later"
  else
    within 20 grep -q -- '^launch: relay-exit' "$work/D.out"
    ok "D: SIGKILL to feth-vm (pid $pd): its relay (pid $rd) exited by itself (status $(report D relay-exit))"
    sed -n 's/^feth-vm: \(stopped.*\)/# D: \1/p' "$work/D.err"
  fi
  check "D: ... the pair stays ($hd)" link_exists "$ns" "$hd"
  in_ns "$ns" "$fethctl" cleanup > "$work/cleanup.out" 2>&1
  equal "D: fethctl cleanup ($(tr '\n' ' ' < "$work/cleanup.out")): exit status" "$?" 0
  check "D: ... and the pair is gone" sh -c "! ip -n $ns link show $hd > /dev/null 2>&1"
fi
# D's launcher stops its VM.
stop_pids "$ld"
leftover="$leftover $(report D qemu-pid)"
equal "no feth* interface left" "$(feths "$ns")" ""

# ---- the end: no process, no namespace left ---------------------------------------------------
# shellcheck disable=SC2086 # a list of pids
stop_pids $pids
pids=""
left=""
for p in $leftover; do alive "$p" && left="$left $p"; done
equal "no feth-vm, relay or QEMU process left" "$left" ""
equal "no process left in the namespace" "$(ip netns pids "$ns" | paste -sd' ' -)" ""
ip netns del "$ns"
namespaces=""
equal "the namespace is gone" "$(ip netns list | grep -Ec "^$ns( |$)")" 0
echo "# run time: $(($(date +%s) - started)) s"
echo "vm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
