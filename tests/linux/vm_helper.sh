#!/bin/sh
# feth-vm end to end (examples/feth-vm.c): the helper that joins a VM's datagram socket to a
# tap, checked without a VM. A python3 program, tests/linux/vm_peer.py, plays the VM's end: it
# launches feth-vm with its end of a socketpair (--fd, as a VM launcher hands QEMU its end), or
# binds a path of its own and sends to feth-vm's --socket PATH (as QEMU's -netdev dgram with
# unix paths, vfkit and krunkit do). It answers ARP, neighbour solicitations and pings as a
# guest would, and counts what it gets.
#
#  1. Bad usage exits 2 with a message, and leaves no pair: no --fd nor --socket, both, --fd
#     of a non-socket, of a stream socket, of a closed descriptor, bad --host-addr and
#     --host-addr6, --mtu out of range, an unknown option, no SUDO_UID and no --user (the
#     relay never runs as root), --user root, --user nobody:root, SUDO_UID=0.
#  2. The relay is unprivileged (started with SUDO_UID=SUDO_GID=65534, as sudo would by user
#     nobody): all its uids and gids 65534 (a saved uid 0 would let it become root again), no
#     supplementary group but 65534, no capability, no_new_privs, a seccomp filter; the helper
#     stays root. User nobody cannot look at its descriptors (it is not dumpable), while it can
#     at another process of its own (the control). --check-confinement: exit 0, each attempt
#     refused. --user nobody without SUDO_UID: the relay runs as 65534 too.
#  3. The JSON line: one line, valid JSON, host_name and io_name exist with the MACs given,
#     the addresses of --host-addr and --host-addr6 are on the host side, mtu is the host
#     side's and max_frame = mtu + 18 (the default and --mtu 9000), fd/socket as given, pid
#     the helper, relay_pid its child.
#  4. Frames both ways: ARP and pings from the peer answered by the host's stack, pings (IPv4
#     and IPv6) from the host side answered by the peer, every one counted.
#  5. Hostile input: datagrams of 0, 1 and 13 bytes (malformed), max_frame + 1 and 65000 bytes
#     (oversized), random bytes of valid length, and the boundaries that must pass (14 bytes,
#     max_frame): feth-vm keeps running, pings still pass, and its counters at exit report
#     exactly those drops; every datagram the peer sent is a frame or a drop. With --socket: an
#     unbound sender's datagrams (it cannot be answered) are ignored and counted, a "VFKT"
#     hello introduces the peer (the host then reaches it) and enters nothing, and a second,
#     foreign sender reaches nothing (refused by the kernel or counted) and does not take the
#     peer's place.
#  6. Flood and stall: the peer stops reading while the host side floods it with UDP: the relay
#     uses little CPU (no busy loop), frames that waited over a second are dropped and counted,
#     and once the peer reads again frames flow; SIGTERM during a stall stops it. The peer
#     floods feth-vm faster than the host's stack takes frames: no crash, counters add up.
#  7. Stops: the VM closes its end (both modes) -> exit 0 within 3 s, pair gone; SIGTERM,
#     SIGINT, SIGHUP -> exit 0, pair gone; the relay killed -> the helper ends, pair gone; the
#     helper killed -> the relay ends within 3 s, the pair stays and `fethctl cleanup` destroys
#     it; stdout closed, or a pipe without reader -> no pair left after the stop; --socket: the
#     file is the user's, mode 0600, removed at exit, a stale one (a killed run's) is taken
#     over, a regular file at PATH (left untouched) or an unwritable directory: exit 1, no pair.
#  8. SIGKILL to the helper at 30 instants across its start-up (measured first): after each,
#     no process of it is left, and `fethctl cleanup` leaves no feth* interface.
#
# Everything runs in a mount namespace of its own with a tmpfs on /run (ip netns, libfeth's
# registry), a PID namespace of its own where the system allows, and in network namespaces
# made here; the scratch directory holds the sockets.
# Exit status: 0 all passed, 1 a check failed, 77 skipped (not root, or a tool is missing).
# usage: tests/linux/vm_helper.sh BUILD_DIR [PROGRAMS_DIR]   (FETH_TEST_KEEP=1 keeps the logs)
#   PROGRAMS_DIR holds feth-vm and fethctl (default BUILD_DIR/examples).
set -u
build=$(cd "${1:?usage: vm_helper.sh BUILD_DIR [PROGRAMS_DIR]}" && pwd)
programs=$(cd "${2:-$build/examples}" && pwd)
vm=$programs/feth-vm
fethctl=$programs/fethctl
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
need_root python3 ip unshare mount timeout setpriv ping mkfifo stat awk getent
if ! getent passwd 65534 > /dev/null || ! getent group 65534 > /dev/null; then
  echo "SKIP: no user and group 65534 (nobody)"
  exit 77
fi
need_built "$vm" "$fethctl"

# A mount namespace of our own, /run a tmpfs in it: ip netns, libfeth's registry. And, where
# the system allows it, a PID namespace whose first process is this script: the relays that
# lose their helper (killed) become its children, reaped here rather than left as zombies of
# an init that may not reap them, and whatever might still run at the end ends with it.
private_run_opts="--pid --fork --mount-proc"
# shellcheck disable=SC2086 # options, split
is_private_run || unshare -m --propagation private $private_run_opts true 2> /dev/null ||
  private_run_opts=""
private_run vm-helper "$build" "$programs"
test_begin vm-helper
started=$(date +%s)
# The interpreter itself, not a wrapper script in front of it (pyenv's shims): started often.
py=$(python3 -c 'import sys; print(sys.executable)')
peer_py=$here/vm_peer.py
# The relay's user, as sudo run by user nobody would tell it.
export SUDO_USER=nobody SUDO_UID=65534 SUDO_GID=65534
# The sockets' directory: the user's (feth-vm binds there as the user), reachable through
# $work (mode 0711).
chmod 0711 "$work"
sock=$work/sock
mkdir "$sock" && chown 65534:65534 "$sock" && chmod 0700 "$sock"
host_ip=10.77.1.1
peer_ip=10.77.1.2
peer_ip6=fd77:1::2
peer_mac=52:54:00:12:34:56
# A unicast MAC nobody has: frames to it are the host stack's to drop, cheaply.
nobody_mac=02:00:00:00:00:99

# ---- helpers ------------------------------------------------------------------------------------
rx_packets() { # rx_packets NS IFNAME
  in_ns "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}
# procs NS: the processes in NS (feth-vm's helper and relay once the clients are done).
procs() {
  ip netns pids "$1" | paste -sd' ' -
}
no_procs() { [ -z "$(procs "$1")" ]; }
not_alive() { ! alive "$1"; }
# status_field PID FIELD: a line of /proc/PID/status without its name, tabs as spaces.
status_field() {
  sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr '\t' ' ' | sed 's/ *$//'
}
# cpu_ticks PID: its user + system time, in clock ticks.
cpu_ticks() {
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
now_ms() {
  echo $(($(date +%s%N) / 1000000))
}
# pings NS COUNT ARGS...: COUNT pings 0.2 s apart, each answered within 2 s; the replies.
pings() {
  _pg_ns=$1
  _pg_n=$2
  shift 2
  timeout 15 ip netns exec "$_pg_ns" ping -n -q -c "$_pg_n" -i 0.2 -W 2 "$@" > "$work/ping.log" 2>&1
  _pg_got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$work/ping.log")
  echo "${_pg_got:-0}"
}
asnobody() {
  setpriv --reuid 65534 --regid 65534 --clear-groups "$@"
}

# json NAME: reads feth-vm's JSON line ($work/NAME.out) into j_host_name, j_io_name, j_host_mac,
# j_io_mac, j_mtu, j_max_frame, j_host_addrs (space-separated), j_fd, j_socket, j_pid,
# j_relay_pid ("null" for null); j_lines the number of lines, j_error why it is not JSON.
json() {
  j_host_name="" j_io_name="" j_host_mac="" j_io_mac="" j_mtu=0 j_max_frame="" j_host_addrs=""
  j_fd="" j_socket="" j_pid="" j_relay_pid="" j_lines=0 j_error="no output"
  eval "$("$py" - "$work/$1.out" << 'EOF'
import json, shlex, sys
keys = "host_name io_name host_mac io_mac mtu max_frame host_addrs fd socket pid relay_pid".split()
lines = open(sys.argv[1]).read().splitlines()
out = {"lines": str(len(lines)), "error": ""}
try:
    d = json.loads(lines[0]) if lines else {}
    if not isinstance(d, dict):
        raise ValueError("not an object")
    for k in keys:
        v = d.get(k, "")
        out[k] = "null" if v is None else " ".join(map(str, v)) if isinstance(v, list) else str(v)
    missing = [k for k in keys if k not in d]
    if missing:
        out["error"] = "missing " + " ".join(missing)
except (ValueError, IndexError) as e:
    out["error"] = "not JSON: %s" % e
    for k in keys:
        out[k] = ""
for k, v in out.items():
    print("j_%s=%s" % (k, shlex.quote(v)))
EOF
  )"
}
# ready NAME PID: up to 10 s for feth-vm's JSON line in $work/NAME.out, while PID (feth-vm or
# the peer that launched it) runs; then json NAME. 1 when none came.
ready() {
  _r_i=0
  until grep -q '}' "$work/$1.out" 2> /dev/null; do
    _r_i=$((_r_i + 1))
    if [ "$_r_i" -gt 100 ] || ! kill -0 "$2" 2> /dev/null; then
      not_ok "feth-vm $1 printed no JSON line ($(kill -0 "$2" 2> /dev/null && echo 'in 10 s' || echo 'it ended')): $(tr '\n' ' ' < "$work/$1.err")"
      return 1
    fi
    sleep 0.05
  done
  json "$1"
}

# peer_run NAME FD ARGS...: vm_peer.py ARGS in the background (its pid in $last), its log in
# $work/NAME.log, its stdout and stderr (feth-vm's, when it launches it) in $work/NAME.out and
# .err; its commands go through the FIFO $work/NAME.ctl, held open on FD (7 or 8).
peer_run() {
  _pr_n=$1
  _pr_fd=$2
  shift 2
  rm -f "$work/$_pr_n.ctl" "$work/$_pr_n.log"
  mkfifo "$work/$_pr_n.ctl"
  : > "$work/$_pr_n.log"
  "$py" "$peer_py" --log "$work/$_pr_n.log" "$@" < "$work/$_pr_n.ctl" \
    > "$work/$_pr_n.out" 2> "$work/$_pr_n.err" 7>&- 8>&- &
  last=$!
  pids="$pids $last"
  echo "$last" > "$work/$_pr_n.pid"
  # Opening the writing end waits for the reader: the peer's stdin, opened as it starts.
  eval "exec $_pr_fd>\"\$work/\$_pr_n.ctl\""
  echo 0 > "$work/$_pr_n.seq"
}
# peer_do NAME FD COMMAND...: COMMAND to the peer; up to 15 s for its answer, while the peer
# runs, in $answer ("" and 1 when none came).
peer_do() {
  _pd_n=$1
  _pd_fd=$2
  shift 2
  _pd_seq=$(($(cat "$work/$_pd_n.seq") + 1))
  echo "$_pd_seq" > "$work/$_pd_n.seq"
  # In a subshell: a peer that is gone must not take the test down with SIGPIPE.
  (echo "$*" >&"$_pd_fd") 2> /dev/null
  answer=""
  _pd_i=0
  while [ "$_pd_i" -lt 750 ]; do
    answer=$(sed -n "s/^done $_pd_seq //p" "$work/$_pd_n.log")
    [ -n "$answer" ] && return 0
    kill -0 "$(cat "$work/$_pd_n.pid")" 2> /dev/null || return 1
    _pd_i=$((_pd_i + 1))
    sleep 0.02
  done
  return 1
}
# stat_of TEXT KEY: KEY's value in "KEY=VALUE ..." TEXT.
stat_of() {
  printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
# peer_final NAME KEY: KEY in the counters the peer wrote as it ended.
peer_final() {
  stat_of "$(sed -n 's/^stats //p' "$work/$1.log" | tail -n 1)" "$2"
}
# peer_child NAME: the pid of the program the peer launched.
peer_child() {
  sed -n 's/^child \([0-9]*\) .*/\1/p' "$work/$1.log"
}

# counter NAME WHAT: a count from feth-vm's report on stderr ($work/NAME.err):
#   "feth-vm: vm->tap F frames B bytes, D dropped (M malformed, O oversized, T tap full),
#    X from others ignored, H hellos, ..."
#   "feth-vm: tap->vm F frames B bytes, D dropped (G too big, U before the VM was known,
#    V vm full), ..."
counter() {
  case $2 in
    in_frames) sed -n 's/^feth-vm: vm->tap \([0-9]*\) frames.*/\1/p' ;;
    in_dropped) sed -n 's/^feth-vm: vm->tap .* bytes, \([0-9]*\) dropped.*/\1/p' ;;
    malformed) sed -n 's/^feth-vm: vm->tap .*(\([0-9]*\) malformed.*/\1/p' ;;
    oversized) sed -n 's/^feth-vm: vm->tap .* \([0-9]*\) oversized.*/\1/p' ;;
    tap_full) sed -n 's/^feth-vm: vm->tap .* \([0-9]*\) tap full.*/\1/p' ;;
    foreign) sed -n 's/^feth-vm: vm->tap .* \([0-9]*\) from others.*/\1/p' ;;
    hellos) sed -n 's/^feth-vm: vm->tap .* \([0-9]*\) hellos.*/\1/p' ;;
    out_frames) sed -n 's/^feth-vm: tap->vm \([0-9]*\) frames.*/\1/p' ;;
    out_dropped) sed -n 's/^feth-vm: tap->vm .* bytes, \([0-9]*\) dropped.*/\1/p' ;;
    too_big) sed -n 's/^feth-vm: tap->vm .*(\([0-9]*\) too big.*/\1/p' ;;
    no_peer) sed -n 's/^feth-vm: tap->vm .* \([0-9]*\) before the VM.*/\1/p' ;;
    vm_full) sed -n 's/^feth-vm: tap->vm .* \([0-9]*\) vm full.*/\1/p' ;;
  esac < "$work/$1.err" | head -n 1
}
# report NAME: feth-vm's counters, as "# " lines.
report() {
  sed -n 's/^feth-vm: \(vm->tap\|tap->vm\|tap \)/# '"$1"': \1/p' "$work/$1.err"
}

# start_sock NAME PATH ARGS...: feth-vm --socket PATH ARGS in $ns, from this shell (ip netns
# exec execs it: $! is feth-vm); its pid in $vpid; then its JSON line (1 when none).
start_sock() {
  _ss_n=$1
  _ss_p=$2
  shift 2
  ip netns exec "$ns" "$vm" --socket "$_ss_p" "$@" > "$work/$_ss_n.out" 2> "$work/$_ss_n.err" 7>&- 8>&- &
  vpid=$!
  pids="$pids $vpid"
  ready "$_ss_n" "$vpid"
}
# start_fd NAME FD ARGS...: feth-vm --fd ARGS in $ns, launched by a peer (vm_peer.py, commands
# on FD) with the other end of a socketpair; the peer's pid in $peer, feth-vm's in $vpid; then
# its JSON line (1 when none).
start_fd() {
  _sf_n=$1
  _sf_fd=$2
  shift 2
  peer_run "$_sf_n" "$_sf_fd" -- ip netns exec "$ns" "$vm" --fd '{fd}' "$@"
  peer=$last
  within 50 grep -q '^child ' "$work/$_sf_n.log"
  vpid=$(peer_child "$_sf_n")
  pids="$pids $vpid"
  ready "$_sf_n" "$peer"
}
# gone_pair LABEL NAME...: the interfaces NAME... no longer exist in $ns.
gone_pair() {
  _gp_l=$1
  shift
  _gp_left=""
  for _gp_i in "$@"; do
    [ -n "$_gp_i" ] && ip -n "$ns" link show "$_gp_i" > /dev/null 2>&1 && _gp_left="$_gp_left $_gp_i"
  done
  equal "$_gp_l: the pair is gone (left:${_gp_left:- none})" "$_gp_left" ""
}
# stopped LABEL PID SECONDS WANT: PID (a child of this shell: feth-vm, or the peer that
# launched it and ends with its status) must end within SECONDS with exit status WANT.
stopped() {
  if gone_within "$3" "$2"; then
    equal "$1: exit status" "$gone_rc" "$4"
  else
    not_ok "$1: still runs $3 s later"
    stop_pids "$2"
  fi
}

echo "# feth-vm: $vm"
ns=vmh-$$
ip netns add "$ns" || exit 1
namespaces="$namespaces $ns"
ip -n "$ns" link set lo up

# ---- 1. bad usage -------------------------------------------------------------------------------
echo "# 1. bad usage"
bad=0
# usage_case LABEL COMMAND...: must exit 2 with a message on stderr.
usage_case() {
  _uc_l=$1
  shift
  timeout 10 "$@" > "$work/usage.out" 2> "$work/usage.err" < /dev/null 7>&- 8>&-
  _uc_rc=$?
  if [ "$_uc_rc" -ne 2 ] || [ ! -s "$work/usage.err" ]; then
    not_ok "bad usage, $_uc_l: exit $_uc_rc, want 2 with a message: $(head -n 2 "$work/usage.err" | tr '\n' ' ')"
    bad=$((bad + 1))
  fi
}
u=$sock/usage.sock
for args in "" "--socket $u --host-addr 10.77.1.1" "--socket $u --host-addr 10.77.1.300/24" \
  "--socket $u --host-addr 10.77.1.1/33" "--socket $u --host-addr fd77::1/64" \
  "--socket $u --host-addr6 10.77.1.1/24" "--socket $u --host-addr6 fd77::1/129" \
  "--socket $u --mtu 71" "--socket $u --mtu 16371" "--socket $u --mtu abc" \
  "--socket $u --mtu" "--socket $u --bogus" "--socket $u --user root" "--socket $u --user 0" \
  "--socket $u --user nobody:root" "--socket $u --user no-such-user-here" "--fd 42" "--fd -1"; do
  # shellcheck disable=SC2086 # the arguments, split
  usage_case "feth-vm $args" ip netns exec "$ns" "$vm" $args
done
usage_case "--fd 5 of /dev/null (not a socket)" ip netns exec "$ns" "$vm" --fd 5 5< /dev/null
usage_case "no SUDO_UID and no --user" ip netns exec "$ns" env -u SUDO_UID -u SUDO_GID \
  -u SUDO_USER "$vm" --socket "$u"
usage_case "SUDO_UID=0 (sudo run by root)" ip netns exec "$ns" env SUDO_UID=0 SUDO_GID=0 \
  SUDO_USER=root "$vm" --socket "$u"
usage_case "SUDO_GID=0" ip netns exec "$ns" env SUDO_GID=0 "$vm" --socket "$u"
# A unix datagram socket for --fd, given with --socket too; a stream socket.
usage_case "--fd N --socket PATH" "$py" "$peer_py" --log "$work/usage.log" -- \
  ip netns exec "$ns" "$vm" --fd '{fd}' --socket "$u"
usage_case "--fd of a unix stream socket" "$py" "$peer_py" --log "$work/usage.log" --stream -- \
  ip netns exec "$ns" "$vm" --fd '{fd}'
equal "bad usage: 24 command lines exit 2 with a message; failures" "$bad" 0
equal "... they leave no feth* interface" "$(feths "$ns")" ""
check "... and no socket file" test ! -e "$u"

# ---- 2, 3, 4, 5, 6: one feth-vm --fd ------------------------------------------------------------
echo "# 2-6. feth-vm --fd, launched by the peer with its socketpair's other end"
if start_fd main 7 --host-addr "$host_ip/24" --host-addr6 fd77:1::1/64; then
  hif=$j_host_name
  iif=$j_io_name
  hmac=$j_host_mac
  relay=$j_relay_pid
  # 3. the JSON line
  equal "3. the JSON line is an object with every key" "$j_error" ""
  equal "... one line on stdout" "$j_lines" 1
  check "... host_name $hif exists" link_exists "$ns" "$hif"
  check "... io_name $iif exists" link_exists "$ns" "$iif"
  equal "... host_mac is $hif's" "$j_host_mac" "$(mac_of "$ns" "$hif")"
  equal "... io_mac is $iif's" "$j_io_mac" "$(mac_of "$ns" "$iif")"
  equal "... mtu is $hif's (the default)" "$j_mtu $(mtu_of "$ns" "$hif")" "1500 1500"
  equal "... max_frame = mtu + 18" "$j_max_frame" $((j_mtu + 18))
  equal "... host_addrs as given" "$j_host_addrs" "$host_ip/24 fd77:1::1/64"
  check "... $host_ip/24 and fd77:1::1/64 are on $hif" sh -c \
    "ip -n $ns addr show dev $hif | grep -q 'inet $host_ip/24' && ip -n $ns addr show dev $hif | grep -q 'inet6 fd77:1::1/64'"
  equal "... fd is the one given, socket null" "$j_fd $j_socket" \
    "$(sed -n 's/^child .* fd \([0-9]*\)$/\1/p' "$work/main.log") null"
  equal "... pid is the helper's (the process launched)" "$j_pid" "$vpid"
  equal "... relay_pid is the helper's child" "$(status_field "$relay" PPid)" "$vpid"

  # 2. the relay's privileges
  equal "2. relay: uids (real, effective, saved, fs)" "$(status_field "$relay" Uid)" \
    "65534 65534 65534 65534"
  equal "... gids" "$(status_field "$relay" Gid)" "65534 65534 65534 65534"
  equal "... supplementary groups other than 65534" \
    "$(status_field "$relay" Groups | tr ' ' '\n' | grep -v '^65534$' | paste -sd' ' -)" ""
  equal "... capabilities (effective, permitted, ambient)" \
    "$(status_field "$relay" CapEff) $(status_field "$relay" CapPrm) $(status_field "$relay" CapAmb)" \
    "0000000000000000 0000000000000000 0000000000000000"
  equal "... NoNewPrivs" "$(status_field "$relay" NoNewPrivs)" 1
  equal "... Seccomp (2: a filter)" "$(status_field "$relay" Seccomp)" 2
  equal "... the helper stays root (real, effective uid)" \
    "$(status_field "$vpid" Uid | cut -d' ' -f1-2)" "0 0"
  # The control: user nobody sees the descriptors of a process of its own (setpriv, not
  # asnobody: a function in the background would be a subshell of root's).
  setpriv --reuid 65534 --regid 65534 --clear-groups sleep 10 &
  cpid=$!
  pids="$pids $cpid"
  within 20 grep -qx sleep "/proc/$cpid/comm"
  if asnobody ls "/proc/$cpid/fd" > /dev/null 2>&1 && asnobody readlink "/proc/$cpid/fd/0" > /dev/null 2>&1; then
    ok "... control: user nobody lists and reads the descriptors of its own sleep"
    afd=$(find "/proc/$relay/fd" -mindepth 1 -printf '%f\n' | sort -n | tail -n 1)
    if asnobody ls "/proc/$relay/fd" > "$work/nobody.log" 2>&1; then
      not_ok "... user nobody lists the relay's descriptors: $(tr '\n' ' ' < "$work/nobody.log")"
    else
      ok "... user nobody cannot list the relay's descriptors ($(head -n 1 "$work/nobody.log"))"
    fi
    if asnobody readlink "/proc/$relay/fd/$afd" > "$work/nobody.log" 2>&1 ||
      asnobody cat "/proc/$relay/environ" >> "$work/nobody.log" 2>&1; then
      not_ok "... user nobody reads the relay's fd/$afd or environ: $(tr '\n' ' ' < "$work/nobody.log")"
    else
      ok "... nor read its fd/$afd nor its environ (not dumpable)"
    fi
  else
    not_ok "... control: user nobody cannot see its own sleep's descriptors: the check means nothing"
  fi
  stop_pids "$cpid"

  # 4. frames both ways
  peer_do main 7 arp "$host_ip"
  peer_do main 7 wait arp_replies 1 3
  contains "4. the peer's ARP request for $host_ip: answered" "$answer" '^ok arp_replies=1$'
  peer_do main 7 ping "$host_ip" "$hmac" 5
  peer_do main 7 wait echo_replies 5 3
  contains "... the peer's 5 pings to $host_ip: answered" "$answer" '^ok echo_replies=5$'
  ip -n "$ns" neigh replace "$peer_ip" lladdr "$peer_mac" dev "$hif" nud permanent
  equal "... 5 pings from $hif to the peer ($peer_ip): replies" "$(pings "$ns" 5 "$peer_ip")" 5
  peer_do main 7 stats
  equal "... the peer answered those 5" "$(stat_of "$answer" echo_answered)" 5
  if wait_until host_ready "$ns" "$hif"; then
    equal "... 3 pings -6 from $hif to the peer ($peer_ip6): replies" \
      "$(pings "$ns" 3 -6 "$peer_ip6")" 3
    peer_do main 7 stats
    equal "... the peer answered those 3" "$(stat_of "$answer" echo6_answered)" 3
  else
    not_ok "... fd77:1::1 still tentative on $hif after 5 s"
  fi

  # 5. hostile input
  # The boundaries: 14 bytes passes; an untagged frame passes at mtu + 14 bytes and is refused
  # by the tap at mtu + 15 (the kernel allows the 4 bytes more only for a VLAN tag: oversized
  # too); a tagged frame passes at max_frame bytes, not at max_frame + 1.
  for d in "0 zero" "1 zero" "13 random" "14 frame $nobody_mac" \
    "$((j_mtu + 14)) frame $nobody_mac" "$((j_mtu + 15)) frame $nobody_mac" \
    "$j_max_frame vlan $nobody_mac" "$((j_max_frame + 1)) vlan $hmac" "65000 random" \
    "200 random" "60 random"; do
    # shellcheck disable=SC2086 # LEN KIND [MAC]
    peer_do main 7 send $d
    [ "$answer" = sent ] || not_ok "5. the peer could not send a datagram '$d': $answer"
  done
  check "5. feth-vm still runs after datagrams of 0, 1, 13 (malformed), mtu + 15 untagged, max_frame + 1, 65000 (oversized) bytes and random bytes" \
    alive "$vpid"
  check "... and its relay" alive "$relay"
  peer_do main 7 ping "$host_ip" "$hmac" 3
  peer_do main 7 wait echo_replies 8 3
  contains "... the peer's 3 pings after them: answered" "$answer" '^ok echo_replies=8$'

  # 6. stall and flood
  peer_do main 7 stall
  cat > "$work/flood.py" << 'EOF'
# flood.py DEST SECONDS: UDP datagrams to DEST port 9 as fast as they go.
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, n, data = time.monotonic() + float(sys.argv[2]), 0, b"x" * 64
while time.monotonic() < end:
    for _ in range(64):
        try:
            s.sendto(data, (sys.argv[1], 9))
            n += 1
        except OSError:
            pass
print(n)
EOF
  ip netns exec "$ns" timeout 10 "$py" "$work/flood.py" "$peer_ip" 3.2 > "$work/flood.log" 2>&1 &
  fpid=$!
  pids="$pids $fpid"
  sleep 0.5
  c0=$(cpu_ticks "$relay")
  h0=$(cpu_ticks "$vpid")
  t0=$(now_ms)
  sleep 2.5
  c1=$(cpu_ticks "$relay")
  h1=$(cpu_ticks "$vpid")
  t1=$(now_ms)
  hz=$(getconf CLK_TCK)
  pct=$(((c1 - c0) * 100000 / hz / (t1 - t0)))
  hpct=$(((h1 - h0) * 100000 / hz / (t1 - t0)))
  gone_within 5 "$fpid" || stop_pids "$fpid"
  echo "# the host side flooded the stalled peer with $(cat "$work/flood.log") UDP datagrams in 3.2 s; relay CPU $((c1 - c0)) ticks, helper $((h1 - h0)) (of $hz a second)"
  if [ "$pct" -lt 30 ]; then
    ok "6. the peer stalled, the host side flooding it: the relay used $pct % of a CPU over $((t1 - t0)) ms (no busy loop)"
  else
    not_ok "6. the peer stalled, the host side flooding it: the relay used $pct % of a CPU over $((t1 - t0)) ms (a busy loop?)"
  fi
  if [ "$hpct" -lt 5 ]; then
    ok "... the privileged helper $hpct %"
  else
    not_ok "... the privileged helper used $hpct % of a CPU: it should only wait"
  fi
  check "... feth-vm still runs" alive "$vpid"
  peer_do main 7 resume
  equal "... the peer reads again: 3 pings from $hif to it, replies" "$(pings "$ns" 3 "$peer_ip")" 3
  peer_do main 7 stats
  before=$(stat_of "$answer" echo_replies)
  peer_do main 7 ping "$host_ip" "$hmac" 3
  peer_do main 7 wait echo_replies $((before + 3)) 3
  contains "... and its 3 pings to $host_ip: answered" "$answer" "^ok echo_replies=$((before + 3))\$"
  # The peer floods feth-vm (frames the host's stack drops), far faster than it takes them.
  peer_do main 7 burst 2 "$nobody_mac"
  echo "# the peer flooded feth-vm: $answer 60-byte frames in 2 s"
  check "... the peer flooded feth-vm for 2 s: it still runs" alive "$vpid"
  equal "... and 3 pings from $hif to the peer: replies" "$(pings "$ns" 3 "$peer_ip")" 3
  # SIGTERM while the peer is stalled and the host side floods it.
  peer_do main 7 stall
  ip netns exec "$ns" timeout 10 "$py" "$work/flood.py" "$peer_ip" 3 > "$work/flood.log" 2>&1 &
  fpid=$!
  pids="$pids $fpid"
  sleep 1.5
  kill -TERM "$vpid"
  stopped "7. SIGTERM to the helper while the peer is stalled and flooded" "$peer" 3 0
  stop_pids "$fpid"
  gone_pair "... SIGTERM" "$hif" "$iif"
  check "... the relay is gone" not_alive "$relay"
  json main
  equal "3. ... still one line on stdout at the end" "$j_lines" 1
  report main
  equal "5. counted malformed: the 0, 1 and 13-byte datagrams" "$(counter main malformed)" 3
  equal "... counted oversized: mtu + 15 untagged, max_frame + 1 tagged, 65000 bytes" \
    "$(counter main oversized)" 3
  sent=$(peer_final main sent)
  in_f=$(counter main in_frames)
  in_d=$(counter main in_dropped)
  equal "6. every datagram the peer sent ($sent) is a frame into the tap or a drop ($in_f + $in_d)" \
    "$((${in_f:-0} + ${in_d:-0}))" "$sent"
  out_f=$(counter main out_frames)
  rx=$(peer_final main rx)
  check "... the peer got no more frames ($rx) than feth-vm sent it ($out_f)" test "${rx:-0}" -le "${out_f:-0}"
  out_d=$(counter main out_dropped)
  late=$(counter main vm_full)
  check "... frames that waited over 1 s for the stalled peer were dropped and counted as vm full ($late of $out_d dropped)" \
    test "${late:-0}" -gt 0
  equal "... every drop towards the VM has its reason" \
    "$(($(counter main too_big) + $(counter main no_peer) + ${late:-0}))" "${out_d:-x}"
fi
stop_pids "$peer"

# ---- --check-confinement ------------------------------------------------------------------------
timeout 15 ip netns exec "$ns" "$vm" --socket "$sock/cc.sock" --check-confinement \
  > "$work/cc.out" 2> "$work/cc.err" 7>&- 8>&-
rc=$?
lines=$(cat "$work/cc.out" "$work/cc.err" | grep '^confinement: ')
n=$(printf '%s\n' "$lines" | grep -c '^confinement: ')
equal "2. --check-confinement: exit status" "$rc" 0
check "... tried something ($n attempts)" test "$n" -gt 5
equal "... attempts not refused" "$(printf '%s\n' "$lines" | grep -v ': refused (' | paste -sd'|' -)" ""
printf '%s\n' "$lines" | sed 's/^/# /'
equal "... no feth* interface left" "$(feths "$ns")" ""
check "... no socket file left" test ! -e "$sock/cc.sock"

# ---- 7. stops ---------------------------------------------------------------------------------
echo "# 7. stops"
# --user nobody, no SUDO_UID; the VM closes its end, sends nothing.
peer_run close 7 -- ip netns exec "$ns" env -u SUDO_UID -u SUDO_GID -u SUDO_USER "$vm" --fd '{fd}' --user nobody
peer=$last
within 50 grep -q '^child ' "$work/close.log"
if ready close "$peer"; then
  equal "2. --user nobody without SUDO_UID: the relay's uids" "$(status_field "$j_relay_pid" Uid)" \
    "65534 65534 65534 65534"
  peer_do close 7 close
  stopped "7. the VM closed its end (--fd), sent nothing" "$peer" 3 0
  gone_pair "... closed" "$j_host_name" "$j_io_name"
  check "... the relay is gone" not_alive "$j_relay_pid"
fi
stop_pids "$peer"

# SIGHUP (--fd), SIGINT (--socket, started from this shell: SIGINT ignored as it begins, as in
# any background job of a script).
if start_fd hup 7 --mtu 9000; then
  equal "3. --mtu 9000: the JSON's mtu and max_frame, the host side's MTU" \
    "$j_mtu $j_max_frame $(mtu_of "$ns" "$j_host_name")" "9000 9018 9000"
  kill -HUP "$vpid"
  stopped "7. SIGHUP to the helper" "$peer" 5 0
  gone_pair "... SIGHUP" "$j_host_name" "$j_io_name"
  check "... the relay is gone" not_alive "$j_relay_pid"
fi
stop_pids "$peer"
if start_sock int "$sock/int.sock"; then
  kill -INT "$vpid"
  stopped "7. SIGINT to the helper (a background job's: SIGINT ignored at its start)" "$vpid" 5 0
  gone_pair "... SIGINT" "$j_host_name" "$j_io_name"
  check "... the relay is gone" not_alive "$j_relay_pid"
  check "... its socket file is removed" test ! -e "$sock/int.sock"
fi
stop_pids "$vpid"

# The relay killed.
if start_fd krelay 7; then
  kill -KILL "$j_relay_pid"
  if gone_within 5 "$peer"; then
    ok "7. SIGKILL to the relay: the helper ends (exit status $gone_rc)"
  else
    not_ok "7. SIGKILL to the relay: the helper still runs 5 s later"
  fi
  gone_pair "... relay killed" "$j_host_name" "$j_io_name"
fi
stop_pids "$peer"

# The helper killed (--socket): the relay goes, the pair and the socket file stay.
st=$sock/vm.sock
if start_sock khelper "$st"; then
  equal "7. --socket: the socket file: type, owner, mode" "$(stat -c '%F %u %a' "$st")" "socket 65534 600"
  equal "3. --socket: the JSON's fd and socket" "$j_fd $j_socket" "null $st"
  kill -KILL "$vpid"
  wait "$vpid" 2> /dev/null
  if within 30 not_alive "$j_relay_pid"; then
    ok "7. SIGKILL to the helper: the relay ends within 3 s"
  else
    not_ok "7. SIGKILL to the helper: the relay still runs 3 s later"
    kill -KILL "$j_relay_pid"
  fi
  equal "... its pair stays" "$(feths "$ns")" "$(printf '%s\n' "$j_host_name" "$j_io_name" | sort | paste -sd' ' -)"
  out=$(ip netns exec "$ns" "$fethctl" cleanup 2>&1)
  contains "... fethctl cleanup destroys it" "$out" '^destroyed 1 orphaned interface'
  equal "... no feth* interface left" "$(feths "$ns")" ""
  echo "# the relay, its helper killed, $(test -e "$st" && echo 'left' || echo 'removed') the socket file"
fi
stop_pids "$vpid"
# Both killed at once: the socket file stays, stale (nobody bound to it).
if start_sock kboth "$st"; then
  kill -KILL "$vpid" "$j_relay_pid"
  wait "$vpid" 2> /dev/null
  within 30 not_alive "$j_relay_pid"
  out=$(ip netns exec "$ns" "$fethctl" cleanup 2>&1)
  contains "7. helper and relay killed at once: fethctl cleanup destroys their pair" "$out" \
    '^destroyed 1 orphaned interface'
  check "... the socket file stays, stale" test -S "$st"
fi
stop_pids "$vpid"

# --socket on the stale file; the peers: an unbound sender first (it cannot be answered), the
# peer (a hello), then a foreign sender.
if start_sock sock "$st" --host-addr "$host_ip/24"; then
  hif=$j_host_name
  hmac=$j_host_mac
  ok "7. --socket PATH, a killed run's socket file at PATH: taken over"
  equal "... the socket file: type, owner, mode" "$(stat -c '%F %u %a' "$st")" "socket 65534 600"
  # A live one is not: a second feth-vm on the same PATH fails and leaves the first alone.
  timeout 10 ip netns exec "$ns" "$vm" --socket "$st" > /dev/null 2> "$work/second.err" 7>&- 8>&-
  rc=$?
  equal "7. a second feth-vm on the same --socket PATH ($(head -n 1 "$work/second.err")): exit status" "$rc" 1
  equal "... leaves no pair of its own" "$(feths "$ns" | wc -w | tr -d ' ')" 2
  check "... the first still runs" alive "$vpid"
  check "... its socket file is still there" test -S "$st"
  peer_run unbound 8 --to "$st" --mac 52:54:00:00:00:01 --ip 10.77.1.11
  within 50 grep -q '^ready' "$work/unbound.log"
  rx0=$(rx_packets "$ns" "$hif")
  peer_do unbound 8 arp "$host_ip"
  peer_do unbound 8 ping "$host_ip" "$hmac" 1
  peer_do unbound 8 quit
  peer_run speer 7 --bind "$sock/peer.sock" --to "$st" --chown 65534:65534
  within 50 grep -q '^ready' "$work/speer.log"
  peer_do speer 7 hello
  sleep 0.3
  equal "5. an unbound sender's 2 frames and the peer's hello: nothing reached $hif (rx_packets)" \
    "$(rx_packets "$ns" "$hif")" "$rx0"
  ip -n "$ns" neigh replace "$peer_ip" lladdr "$peer_mac" dev "$hif" nud permanent
  equal "... the hello introduced the peer: 2 pings from $hif, replies" "$(pings "$ns" 2 "$peer_ip")" 2
  peer_run foreign 8 --bind "$sock/foreign.sock" --to "$st" --chown 65534:65534 \
    --mac 52:54:00:00:00:02 --ip 10.77.1.12
  within 50 grep -q '^ready' "$work/foreign.log"
  rx0=$(rx_packets "$ns" "$hif")
  peer_do foreign 8 hello
  peer_do foreign 8 arp "$host_ip"
  peer_do foreign 8 ping "$host_ip" "$hmac" 2
  sleep 0.3
  equal "... a foreign sender's hello, ARP and 2 pings: nothing reached $hif (rx_packets)" \
    "$(rx_packets "$ns" "$hif")" "$rx0"
  equal "... 2 pings from $hif: replies" "$(pings "$ns" 2 "$peer_ip")" 2
  peer_do speer 7 stats
  equal "... from the peer, not the foreign sender (the peer answered 4)" "$(stat_of "$answer" echo_answered)" 4
  peer_do foreign 8 stats
  fstats=$answer
  equal "... the foreign sender got nothing" "$(stat_of "$fstats" rx)" 0
  peer_do foreign 8 quit
  peer_do speer 7 arp "$host_ip"
  peer_do speer 7 wait arp_replies 1 3
  contains "... the peer's ARP request: answered" "$answer" '^ok arp_replies=1$'
  peer_do speer 7 close
  stopped "7. the VM closed its end (--socket), sent nothing more" "$vpid" 3 0
  gone_pair "... closed" "$j_host_name" "$j_io_name"
  check "... the socket file is removed" test ! -e "$st"
  report sock
  # The foreign sender's datagrams come once feth-vm's socket is connected to the peer: the
  # kernel may refuse them (the sender's errors) rather than feth-vm count them.
  refused=$(stat_of "$fstats" send_errors)
  equal "5. counted from others: the unbound sender's 2, and those of the foreign sender's 4 not refused by the kernel ($refused refused)" \
    "$(counter sock foreign)" $((2 + 4 - ${refused:-0}))
  equal "... the hello counted as a hello, not malformed" "$(counter sock hellos) $(counter sock malformed)" "1 0"
fi
stop_pids "$vpid"

# stdout closed before the start.
ip netns exec "$ns" "$vm" --socket "$sock/closed.sock" > /dev/null 2> "$work/closed.err" 7>&- 8>&- >&- &
vpid=$!
pids="$pids $vpid"
within 50 sh -c "test -S $sock/closed.sock || ! kill -0 $vpid 2> /dev/null"
sleep 0.3
if alive "$vpid"; then
  kill -TERM "$vpid"
  stopped "7. stdout closed at the start: SIGTERM" "$vpid" 5 0
else
  wait "$vpid"
  echo "# stdout closed at the start: feth-vm ended by itself, exit status $?: $(tr '\n' ' ' < "$work/closed.err")"
fi
equal "... no feth* interface left" "$(feths "$ns")" ""
check "... no process left in the namespace" within 30 no_procs "$ns"
check "... no socket file left" test ! -e "$sock/closed.sock"

# stdout a pipe whose reader is gone.
peer_run broken 7 --stdout broken -- ip netns exec "$ns" "$vm" --fd '{fd}'
peer=$last
within 50 sh -c "grep -q '^child ' $work/broken.log"
vpid=$(peer_child broken)
pids="$pids $vpid"
within 50 sh -c "[ -n \"\$(ip netns pids $ns | grep -vx $vpid)\" ] || ! kill -0 $peer 2> /dev/null"
sleep 0.3
if alive "$vpid"; then
  kill -TERM "$vpid"
  stopped "7. stdout a pipe without a reader: SIGTERM" "$peer" 5 0
else
  wait "$peer"
  rc=$?
  if [ "$rc" -gt 128 ]; then
    not_ok "7. stdout a pipe without a reader: feth-vm killed by signal $((rc - 128))"
  else
    echo "# stdout a pipe without a reader: feth-vm ended by itself, exit status $rc"
  fi
fi
equal "... no feth* interface left" "$(feths "$ns")" ""
check "... no process left in the namespace" within 30 no_procs "$ns"

# --socket PATH: a regular file there, a directory the user cannot write.
echo "the user's file" > "$sock/file.sock"
chown 65534:65534 "$sock/file.sock"
mkdir "$work/ro"
for path in "$sock/file.sock" "$work/ro/vm.sock"; do
  timeout 5 ip netns exec "$ns" "$vm" --socket "$path" > /dev/null 2> "$work/path.err" 7>&- 8>&-
  rc=$?
  equal "7. --socket $path ($(head -n 1 "$work/path.err")): exit status" "$rc" 1
  # (not the line that tells what runs: an error)
  contains "... the error names the path" "$(grep -F -- "$path" "$work/path.err" | grep -v ' <-> ' | head -n 1)" "$path"
  equal "... no feth* interface left" "$(feths "$ns")" ""
done
equal "... the regular file is left as it was" "$(cat "$sock/file.sock")" "the user's file"
check "... nothing made in the unwritable directory" test ! -e "$work/ro/vm.sock"

# ---- 8. SIGKILL across the start-up -----------------------------------------------------------
echo "# 8. SIGKILL to the helper across its start-up"
ns2=vmh-$$-sweep
ip netns add "$ns2" || exit 1
namespaces="$namespaces $ns2"
ip -n "$ns2" link set lo up
sw=$sock/sweep.sock
# The start-up's duration: from the start of the command to the JSON line, the median of 3.
dur=$(timeout 30 "$py" - "$ns2" "$vm" "$sw" << 'EOF'
import subprocess, sys, time
ns, vm, path = sys.argv[1:]
took = []
for _ in range(3):
    t = time.monotonic()
    p = subprocess.Popen(["ip", "netns", "exec", ns, vm, "--socket", path],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline()
    took.append(time.monotonic() - t)
    p.terminate()
    p.wait(10)
    if not line:
        sys.exit(1)
print("%.4f" % sorted(took)[1])
EOF
)
if [ -z "$dur" ]; then
  not_ok "8. the start-up could not be timed"
  dur=0.1
fi
equal "8. after the timing runs: feth* interfaces left" "$(feths "$ns2")" ""
i=0
had=0
errs=""
while [ "$i" -lt 30 ]; do
  off=$(awk -v d="$dur" -v i="$i" 'BEGIN { printf "%.4f", d * 1.2 * i / 29 }')
  ip netns exec "$ns2" "$vm" --socket "$sw" > /dev/null 2>&1 7>&- 8>&- &
  k=$!
  sleep "$off"
  kill -KILL "$k" 2> /dev/null
  wait "$k" 2> /dev/null
  if ! within 30 no_procs "$ns2"; then
    errs="$errs; run $i (${off} s): processes left 3 s later: $(procs "$ns2")"
    # shellcheck disable=SC2046 # pids
    kill -KILL $(ip netns pids "$ns2") 2> /dev/null
  fi
  [ -n "$(feths "$ns2")" ] && had=$((had + 1))
  out=$(ip netns exec "$ns2" "$fethctl" cleanup 2>&1) || errs="$errs; run $i: cleanup failed: $out"
  left=$(feths "$ns2")
  [ -n "$left" ] && errs="$errs; run $i (${off} s): left $left"
  i=$((i + 1))
done
echo "# start-up $dur s; 30 kills from 0 to $(awk -v d="$dur" 'BEGIN { printf "%.4f", d * 1.2 }') s; $had left a pair for cleanup"
equal "8. 30 kills across the start-up: no process left, cleanup leaves no feth*" "${errs#; }" ""

echo "# run time: $(($(date +%s) - started)) s"
echo "vm_helper: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
