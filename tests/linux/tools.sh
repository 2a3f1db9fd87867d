#!/bin/sh
# The tools on real interfaces: how fethdump, feth-responder, fethctl and feth-tunnel stop,
# which descriptors they write to, and their command lines. Each case runs in a network
# namespace of its own (IPv6 off: the only frames are the ones a case sends).
#
#  1. The output's reader gone: `fethdump -w - | head -c 100` while frames arrive -> fethdump
#     ends by itself, not killed by SIGPIPE (exit 0, not 141), its pair destroyed; the same for
#     `feth-responder | head -n 2` and a ping.
#  2. SIGHUP to fethdump and to feth-responder -> exit 0, the pair destroyed.
#  3. Descriptors 0-2 closed: `fethdump -c 6 >&-` has /dev/null as its stdout, and tcpdump on
#     the host side sees the echo requests only, none of fethdump's text lines as a frame (the
#     library's packet socket once got descriptor 1); exit 0, no pair left. feth-responder and
#     feth-tunnel started with 0, 1 and 2 closed hold /dev/null there (feth-responder still
#     answers); fethctl (where strace can watch it) gets none of them for a socket or a registry
#     file.
#  4. feth-responder --addr: the address given is answered (ping), the default one is not;
#     --host-addr with another prefix; bad --addr and --host-addr values are usage errors
#     (exit 2) that make no interface.
#  5. The wildcard: `fethctl pair feth feth` makes the two lowest free units, twice, then
#     `feth feth7`; fethctl destroy removes them. `fethdump --host feth --io feth` too.
#  6. fethdump's command line: each option by its full name only, given once; unknown options,
#     prefixes, --opt=value, glued values, a missing value, a stray argument, --adopt with a new
#     pair's options: exit 2 and a message naming the problem, no interface made. Every option
#     of --help is in the man page.
#
# Everything runs in a mount namespace of its own with a tmpfs on /run (ip netns, libfeth's
# registry); every wait is bounded and the namespaces go at the end, also when interrupted.
# Exit status: 0 all passed, 1 a check failed, 77 skipped (not root, or a tool is missing).
# usage: tests/linux/tools.sh BUILD_DIR [PROGRAMS_DIR]   (FETH_TEST_KEEP=1 keeps the logs)
#   PROGRAMS_DIR holds fethdump, feth-responder, fethctl and feth-tunnel (BUILD_DIR/examples).
set -u
build=$(cd "${1:?usage: tools.sh BUILD_DIR [PROGRAMS_DIR]}" && pwd)
programs=$(cd "${2:-$build/examples}" && pwd)
fethdump=$programs/fethdump
responder=$programs/feth-responder
fethctl=$programs/fethctl
tunnel=$programs/feth-tunnel
here=$(cd "$(dirname "$0")" && pwd)
man=$here/../../docs/man

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
need_root ip ping tcpdump unshare mount timeout mkfifo head readlink
need_built "$fethdump" "$responder" "$fethctl" "$tunnel"
private_run tools "$build" "$programs"
test_begin tools
started=$(date +%s)

# ---- helpers ------------------------------------------------------------------------------------
# new_ns NAME: a new namespace, lo up, IPv6 off (no ND, no MLD); its name in $ns.
new_ns() {
  ns=feth-tools-$$-$1
  ip netns add "$ns" || exit 1
  namespaces="$namespaces $ns"
  ip -n "$ns" link set lo up
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
# started_bg PID: PID joins $pids (stopped at the end); forget PID once it is reaped, so that the
# end never signals a reused number.
started_bg() { pids="$pids $1"; }
# shellcheck disable=SC2086 # a list of pids
forget() { pids=$(printf '%s\n' $pids | grep -vx "$1" | paste -sd' ' -); }
# ended DESCRIPTION PID WANT_RC: PID ends within 5 s with status WANT_RC (else it is stopped).
ended() {
  if gone_within 5 "$2"; then
    equal "$1: exit status" "$gone_rc" "$3"
  else
    not_ok "$1: still running after 5 s"
    stop_pids "$2"
  fi
  forget "$2"
}
# no_pair DESCRIPTION: no feth interface is left in $ns.
no_pair() {
  equal "$1" "$(feths "$ns")" ""
}
# route NS: 10.78.0.1/24 on feth0 and a fixed neighbour 10.78.0.2: pings to it leave feth0
# as frames at once, with no ARP before them.
route() {
  ip -n "$1" addr add 10.78.0.1/24 dev feth0 &&
    ip -n "$1" neigh replace 10.78.0.2 lladdr 02:00:00:00:00:02 dev feth0 nud permanent
}
# received LOG: the replies a ping counted.
received() {
  _rc_n=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$1")
  echo "${_rc_n:-0}"
}
# sh -c "$closed_std" PROGRAM ARG...: PROGRAM with descriptors 0, 1 and 2 closed (by the shell
# right before it becomes PROGRAM: the same pid); $closed_out closes only 1.
# shellcheck disable=SC2016 # expanded by that shell
closed_std='exec "$0" "$@" <&- >&- 2>&-' closed_out='exec "$0" "$@" >&-'
# fds PID: where its descriptors 0, 1 and 2 lead.
fds() {
  for _fd in 0 1 2; do readlink "/proc/$1/fd/$_fd" || echo closed; done | paste -sd' ' -
}
not_alive() { ! alive "$1"; }

# ---- 1. the output's reader gone (SIGPIPE) ------------------------------------------------------
new_ns pipe
mkfifo "$work/dump.fifo" "$work/responder.fifo"
head -c 100 < "$work/dump.fifo" > "$work/head.out" &
hpid=$!
started_bg "$hpid"
ip netns exec "$ns" "$fethdump" -w - --host feth0 --io feth1 > "$work/dump.fifo" \
  2> "$work/pipe.log" &
dpid=$!
started_bg "$dpid"
if wait_for "$work/pipe.log" 'capturing on feth1'; then
  route "$ns"
  # Frames until fethdump is gone (at most 5 s): head has its 100 bytes after the first.
  ip netns exec "$ns" ping -q -i 0.1 -w 5 10.78.0.2 > /dev/null 2>&1 &
  ppid=$!
  started_bg "$ppid"
  if gone_within 5 "$dpid"; then
    ok "fethdump -w - | head -c 100: fethdump ended once head was gone"
    check "... not killed by SIGPIPE (exit status $gone_rc, not 141)" [ "$gone_rc" -ne 141 ]
    equal "... a clean stop: exit status" "$gone_rc" 0
  else
    not_ok "fethdump -w - | head -c 100: fethdump still runs 5 s after its reader left"
    stop_pids "$dpid"
  fi
  forget "$dpid"
  stop_pids "$ppid"
  forget "$ppid"
  equal "... head read its 100 bytes" "$(wc -c < "$work/head.out" | tr -d ' ')" 100
  contains "... fethdump said why it stopped" "$(grep 'reader' "$work/pipe.log")" \
    'reader of standard output is gone'
  no_pair "... and its pair is gone"
else
  not_ok "fethdump -w - did not start: $(cat "$work/pipe.log")"
fi
stop_pids "$hpid"
forget "$hpid"

head -n 2 < "$work/responder.fifo" > "$work/rhead.out" &
hpid=$!
started_bg "$hpid"
ip netns exec "$ns" "$responder" > "$work/responder.fifo" 2> "$work/rpipe.log" &
rpid=$!
started_bg "$rpid"
if wait_for "$work/rhead.out" '^ready$'; then
  # head has gone with its two lines: the first answer's line meets a pipe without a reader.
  wait_until not_alive "$hpid"
  in_ns "$ns" ping -c 2 -i 0.2 -W 1 10.77.0.2 > /dev/null 2>&1
  ended "feth-responder | head -n 2, then a ping: it stopped" "$rpid" 0
  no_pair "... and its pair is gone"
else
  not_ok "feth-responder | head -n 2 did not start: $(cat "$work/rpipe.log")"
fi
stop_pids "$hpid"
forget "$hpid"

# ---- 2. SIGHUP ----------------------------------------------------------------------------------
new_ns hup
ip netns exec "$ns" "$fethdump" > "$work/hup-dump.log" 2>&1 &
dpid=$!
started_bg "$dpid"
if wait_for "$work/hup-dump.log" 'capturing on'; then
  kill -HUP "$dpid"
  ended "fethdump, SIGHUP" "$dpid" 0
  no_pair "... its pair is gone"
else
  not_ok "fethdump did not start: $(cat "$work/hup-dump.log")"
fi
ip netns exec "$ns" "$responder" > "$work/hup-responder.log" 2>&1 &
rpid=$!
started_bg "$rpid"
if wait_for "$work/hup-responder.log" '^ready$'; then
  kill -HUP "$rpid"
  ended "feth-responder, SIGHUP" "$rpid" 0
  no_pair "... its pair is gone"
  contains "... it printed its counts" "$(tail -n 1 "$work/hup-responder.log")" \
    '^feth-responder: answered 0 ARP and 0 echo requests'
else
  not_ok "feth-responder did not start: $(cat "$work/hup-responder.log")"
fi

# ---- 3. descriptors 0-2 closed ------------------------------------------------------------------
new_ns closed
ip netns exec "$ns" sh -c "$closed_out" "$fethdump" -c 6 --host feth0 --io feth1 \
  2> "$work/closed.log" &
dpid=$!
started_bg "$dpid"
if wait_for "$work/closed.log" 'capturing on feth1'; then
  equal "fethdump -c 6 >&-: its stdout" "$(readlink "/proc/$dpid/fd/1")" /dev/null
  ip netns exec "$ns" tcpdump -i feth0 -U -n -w "$work/closed.pcap" \
    > "$work/closed-tcpdump.log" 2>&1 &
  tpid=$!
  started_bg "$tpid"
  wait_for "$work/closed-tcpdump.log" 'listening on' || not_ok "tcpdump did not start"
  route "$ns"
  in_ns "$ns" ping -c 6 -i 0.2 -W 1 10.78.0.2 > /dev/null 2>&1
  ended "fethdump -c 6 >&-: 6 frames, then it stopped" "$dpid" 0
  sleep 0.2
  stop_pids "$tpid"
  forget "$tpid"
  # What the host side received from the tap was fethdump's text, if anything: ", IPv4 ..."
  # is in every line it printed, and in no echo request.
  equal "... no text line of fethdump's left as a frame" \
    "$(grep -a -c 'IPv4 10\.78' "$work/closed.pcap")" 0
  equal "... tcpdump on the host side: frames that are not the echo requests" \
    "$(tcpdump -r "$work/closed.pcap" -n 'not icmp' 2> /dev/null | wc -l | tr -d ' ')" 0
  n=$(tcpdump -r "$work/closed.pcap" -n icmp 2> /dev/null | wc -l | tr -d ' ')
  check "... and it saw the echo requests ($n)" [ "$n" -ge 1 ]
  no_pair "... no pair left"
else
  not_ok "fethdump -c 6 >&- did not start: $(cat "$work/closed.log")"
fi

ip netns exec "$ns" sh -c "$closed_std" "$responder" &
rpid=$!
started_bg "$rpid"
if wait_until sh -c "ip -n $ns -4 addr show dev feth0 2> /dev/null | grep -q 10.77.0.1/24"; then
  equal "feth-responder <&- >&- 2>&-: its descriptors 0, 1, 2" "$(fds "$rpid")" \
    "/dev/null /dev/null /dev/null"
  in_ns "$ns" ping -c 2 -i 0.2 -W 2 10.77.0.2 > "$work/closed-ping.log" 2>&1
  equal "... and it answers ping" "$(received "$work/closed-ping.log")" 2
  stop_pids "$rpid"
  equal "... stopped by SIGTERM: exit status" "$?" 0
  forget "$rpid"
  no_pair "... no pair left"
else
  not_ok "feth-responder with 0, 1, 2 closed did not set up its host side"
fi

ip netns exec "$ns" sh -c "$closed_std" "$tunnel" --listen 4789 \
  --peer 127.0.0.1:4790 --host-addr 10.88.0.1/24 &
upid=$!
started_bg "$upid"
if wait_until sh -c "ip -n $ns -4 addr show 2> /dev/null | grep -q 10.88.0.1/24"; then
  equal "feth-tunnel <&- >&- 2>&-: its descriptors 0, 1, 2" "$(fds "$upid")" \
    "/dev/null /dev/null /dev/null"
  stop_pids "$upid"
  equal "... stopped by SIGTERM: exit status" "$?" 0
  forget "$upid"
  no_pair "... no pair left"
else
  not_ok "feth-tunnel with 0, 1, 2 closed did not set up its host side"
fi

# fethctl lives too briefly to look at: strace tells which descriptors its sockets and the
# registry's files got (the loader's own opens before main() take 0-2 either way: not counted).
if command -v strace > /dev/null && strace -o /dev/null true 2> /dev/null; then
  in_ns "$ns" strace -f -qq -e trace=socket,openat -o "$work/fethctl.strace" \
    sh -c "$closed_std" "$fethctl" pair
  equal "fethctl pair <&- >&- 2>&- (strace): its sockets and registry files on 0, 1 or 2" \
    "$(grep -cE '(socket\(|openat\(AT_FDCWD, "/run/libfeth/).* += [012]$' "$work/fethctl.strace")" 0
  check "... it made sockets at all" grep -q 'socket(' "$work/fethctl.strace"
  equal "... and its pair" "$(feths "$ns")" "feth0 feth1"
  in_ns "$ns" "$fethctl" destroy feth0
  no_pair "... destroyed"
else
  echo "# strace cannot run here: fethctl's descriptors not checked"
fi

# ---- 4. feth-responder --addr -------------------------------------------------------------------
new_ns addr
# responds NAME ARG...: feth-responder ARGs answers ping for the address after --addr.
responds() {
  _rs_name=$1
  shift
  ip netns exec "$ns" "$responder" -q "$@" > "$work/$_rs_name.log" 2>&1 &
  rpid=$!
  started_bg "$rpid"
  if wait_for "$work/$_rs_name.log" '^ready$'; then
    in_ns "$ns" ping -c 3 -i 0.2 -W 2 "$answered" > "$work/$_rs_name-ping.log" 2>&1
    equal "feth-responder $*: ping $answered" "$(received "$work/$_rs_name-ping.log")" 3
    in_ns "$ns" ping -c 1 -W 1 "$unanswered" > "$work/$_rs_name-ping2.log" 2>&1
    equal "... and $unanswered is not answered" "$(received "$work/$_rs_name-ping2.log")" 0
    stop_pids "$rpid"
    equal "... stopped by SIGTERM: exit status" "$?" 0
    forget "$rpid"
    contains "... its count of echo requests" "$(tail -n 1 "$work/$_rs_name.log")" \
      ' and 3 echo requests'
    no_pair "... no pair left"
  else
    not_ok "feth-responder $* did not start: $(cat "$work/$_rs_name.log")"
    stop_pids "$rpid"
    forget "$rpid"
  fi
}
answered=10.77.0.9 unanswered=10.77.0.2
responds addr --addr 10.77.0.9
answered=192.168.7.2 unanswered=192.168.7.3
responds addr30 --host-addr 192.168.7.1/30 --addr 192.168.7.2
# responder_usage PATTERN ARG...: feth-responder ARGs exits 2 at once, saying PATTERN.
responder_usage() {
  _ru_want=$1
  shift
  _ru_out=$(timeout 5 ip netns exec "$ns" "$responder" "$@" 2>&1 < /dev/null)
  _ru_rc=$?
  if [ "$_ru_rc" -eq 2 ] && printf '%s\n' "$_ru_out" | grep -Eq -- "$_ru_want"; then
    ok "feth-responder $*: exit 2 ($(printf '%s\n' "$_ru_out" | head -n 1 | cut -c17-))"
  else
    not_ok "feth-responder $*: exit $_ru_rc, $(printf '%s\n' "$_ru_out" | head -n 1)"
  fi
}
responder_usage '--addr needs A.B.C.D$' --addr 10.77.0.300
responder_usage '--addr needs A.B.C.D$' --addr 10.77.0
responder_usage '--addr needs A.B.C.D$' --addr 10.77.0.2/24
responder_usage '--addr needs A.B.C.D$' --addr ' 10.77.0.2'
responder_usage '--addr needs A.B.C.D$' --addr ''
responder_usage "another address in --host-addr's subnet" --addr 10.77.1.2
responder_usage "another address in --host-addr's subnet" --addr 10.77.0.1
responder_usage 'network or broadcast' --addr 10.77.0.255
responder_usage '--host-addr needs A.B.C.D/N' --host-addr 10.77.0.1
responder_usage '--host-addr needs A.B.C.D/N' --host-addr 10.77.0.1/31
responder_usage '--host-addr needs A.B.C.D/N' --host-addr 10.77.0.1/x
no_pair "feth-responder's usage errors made no interface"

# ---- 5. the wildcard: fethctl pair feth feth ----------------------------------------------------
new_ns wildcard
equal "fethctl pair feth feth" "$(in_ns "$ns" "$fethctl" pair feth feth 2>&1)" "feth0 feth1"
equal "fethctl pair feth feth again: the next two free units" \
  "$(in_ns "$ns" "$fethctl" pair feth feth 2>&1)" "feth2 feth3"
equal "fethctl pair feth feth7: the wildcard beside a name" \
  "$(in_ns "$ns" "$fethctl" pair feth feth7 2>&1)" "feth4 feth7"
equal "... ip sees the six" "$(feths "$ns")" "feth0 feth1 feth2 feth3 feth4 feth7"
equal "... peered as printed" "$(in_ns "$ns" "$fethctl" peer-of feth2 2>&1)" feth3
for n in feth0 feth2 feth4; do
  check "fethctl destroy $n" in_ns "$ns" "$fethctl" destroy "$n"
done
no_pair "... none left"
ip netns exec "$ns" "$fethdump" --host feth --io feth > "$work/wild-dump.log" 2>&1 &
dpid=$!
started_bg "$dpid"
if wait_for "$work/wild-dump.log" 'capturing on'; then
  contains "fethdump --host feth --io feth" "$(head -n 1 "$work/wild-dump.log")" \
    'capturing on feth1 \(host side feth0,'
  stop_pids "$dpid"
  equal "... stopped by SIGTERM: exit status" "$?" 0
  forget "$dpid"
  no_pair "... its pair is gone"
else
  not_ok "fethdump --host feth --io feth did not start: $(cat "$work/wild-dump.log")"
fi

# ---- 6. fethdump's command line -----------------------------------------------------------------
new_ns options
# dump_usage PATTERN ARG...: fethdump ARGs exits 2 at once, saying PATTERN.
dump_usage() {
  _du_want=$1
  shift
  _du_out=$(timeout 5 ip netns exec "$ns" "$fethdump" "$@" 2>&1 < /dev/null)
  _du_rc=$?
  if [ "$_du_rc" -eq 2 ] && printf '%s\n' "$_du_out" | grep -Eq -- "$_du_want"; then
    ok "fethdump $*: exit 2 ($(printf '%s\n' "$_du_out" | head -n 1 | cut -c11-))"
  else
    not_ok "fethdump $*: exit $_du_rc, $(printf '%s\n' "$_du_out" | head -n 1)"
  fi
}
dump_usage "unknown option '--frob'" --frob
dump_usage "unknown option '--frob'" --frob 1
dump_usage "unknown option '--mt'" --mt 1500
dump_usage "unknown option '--mtu=1500'" --mtu=1500
dump_usage "unknown option '--hos'" --hos feth0
dump_usage "unknown option '--adop'" --adop feth0
dump_usage "unknown option '--w'" --w "$work/x.pcap"
dump_usage "unknown option '-wx.pcap'" -wx.pcap
dump_usage "unknown option '-c5'" -c5
dump_usage "unknown option '--count'" --count 5
dump_usage "unknown option '--HELP'" --HELP
dump_usage "unknown option '-'" -
dump_usage "unexpected argument 'foo'" foo
dump_usage "unexpected argument 'feth0'" -c 5 feth0
dump_usage "option '-w' needs a value" -w
dump_usage "option '--adopt' needs a value" -c 1 --adopt
dump_usage "option '-c' given twice" -c 1 -c 2
dump_usage "option '--mtu' given twice" --mtu 1500 --mtu 9000
dump_usage '-w needs a file name' -w -c 5
dump_usage '-c needs a number of frames' -c 0
dump_usage '-c needs a number of frames' -c -1
dump_usage '--mtu needs a number from 72 to 16370' --mtu 71
dump_usage 'need an interface name' --host ''
dump_usage 'need an interface name' --io --mtu
dump_usage 'need an interface name' --host feth1234567890123
dump_usage '--adopt uses the pair as it is' --adopt feth0 --host feth1
dump_usage '--adopt uses the pair as it is' --host feth1 --adopt feth0
dump_usage '--adopt uses the pair as it is' --adopt feth0 --io feth1
dump_usage '--adopt uses the pair as it is' --adopt feth0 --mtu 9000
no_pair "fethdump's usage errors made no interface"
for h in --help -h; do
  out=$("$fethdump" "$h" 2> /dev/null)
  rc=$?
  # shellcheck disable=SC2016 # expanded by that shell
  check "fethdump $h: exit 0 ($rc), the usage on stdout" \
    sh -c '[ "$1" -eq 0 ] && printf "%s\n" "$2" | grep -q "^usage: fethdump"' sh "$rc" "$out"
done
# Every option --help lists ("  -w FILE", "  -h, --help") is in the man page (roff's \-),
# each as a whole name (\-h is not the start of \-\-host).
if [ -r "$man/fethdump.1" ]; then
  missing=""
  for o in $("$fethdump" --help | grep -E '^  -' | grep -oE -- '(^| )--?[a-z]+' | tr -d ' '); do
    grep -qE -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')([^a-z]|\$)" "$man/fethdump.1" ||
      missing="$missing $o"
  done
  equal "fethdump --help's options missing from fethdump(1)" "$missing" ""
fi

echo "# $(($(date +%s) - started)) s"
echo "tools: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
