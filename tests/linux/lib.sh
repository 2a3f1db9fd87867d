# Shell helpers of the Linux end-to-end tests (e2e.sh, ownership.sh, tunnel.sh, vm_helper.sh,
# tests/vm/vm.sh) and the benchmarks (tests/bench/wire.sh, tunnel.sh, vm.sh), sourced by them.

# need_root TOOL...: exits 77 (skipped) unless run as root with every TOOL installed.
need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root (network namespaces)"
    exit 77
  fi
  for _nr_tool in "$@"; do
    if ! command -v "$_nr_tool" > /dev/null; then
      echo "SKIP: $_nr_tool is not installed (tests/install-deps.sh installs it)"
      exit 77
    fi
  done
}
# need_built PROGRAM...: exits 1 (failed) unless every PROGRAM is built.
need_built() {
  for _nb_p in "$@"; do
    if [ ! -x "$_nb_p" ]; then
      echo "not ok - $_nb_p is not built"
      exit 1
    fi
  done
}
# private_run NAME ARG...: runs the script ($0) again with ARGs in a mount namespace of its own
# (and the unshare(1) options in $private_run_opts), with a tmpfs on /run there: ip netns and
# libfeth's registry, nothing of the host's. Returns only in that second run (is_private_run
# tells which run this is).
is_private_run() {
  [ -n "${FETH_PRIVATE_RUN:-}" ]
}
private_run() {
  if ! is_private_run; then
    _pr_name=$1
    shift
    # shellcheck disable=SC2086 # options, split
    FETH_PRIVATE_RUN=$_pr_name exec unshare -m --propagation private ${private_run_opts:-} \
      sh "$0" "$@"
  fi
  if ! mount -t tmpfs -o mode=0755 "feth-$FETH_PRIVATE_RUN" /run; then
    echo "SKIP: no tmpfs on /run in a mount namespace of our own"
    exit 77
  fi
}

# test_begin NAME: a test's scratch directory ($work, /tmp/feth-NAME-*), the network namespaces
# it lists in $namespaces and the processes in $pids, deleted and stopped when it exits, also
# when interrupted (FETH_TEST_KEEP=1 keeps $work), and its report's counters.
test_begin() {
  work=$(mktemp -d "/tmp/feth-$1-XXXXXX")
  namespaces=""
  pids=""
  pass=0
  fail=0
  trap test_end EXIT
  trap 'exit 130' INT TERM
}
test_end() {
  # shellcheck disable=SC2086 # a list of pids
  [ -n "$pids" ] && stop_pids $pids
  for _te_n in $namespaces; do ip netns del "$_te_n" 2> /dev/null; done
  if [ -n "${FETH_TEST_KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}

# The tests' report: "ok - ..." / "not ok - ...", counted in $pass and $fail.
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
# contains DESCRIPTION TEXT PATTERN (an extended regular expression)
contains() {
  if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1 ($2)"; else not_ok "$1: got '$2'"; fi
}

# within TENTHS CMD...: up to TENTHS tenths of a second for CMD to succeed (tried every 0.1 s);
# 1 when it does not.
within() {
  _wi_n=$1
  shift
  _wi_i=0
  until "$@"; do
    _wi_i=$((_wi_i + 1))
    [ "$_wi_i" -gt "$_wi_n" ] && return 1
    sleep 0.1
  done
}
# wait_until CMD...: up to 5 s for CMD to succeed; 1 when it does not.
wait_until() {
  within 50 "$@"
}

# wait_for FILE PATTERN: up to 5 s for PATTERN to appear in FILE; 1 when it does not.
wait_for() {
  wait_until grep -q "$2" "$1" 2> /dev/null
}

# gone_within SECONDS PID: whether PID (a child) ends within SECONDS (polled every 0.1 s); its
# exit status in $gone_rc (reaped).
gone_within() {
  _gw_i=0
  while kill -0 "$2" 2> /dev/null; do
    _gw_i=$((_gw_i + 1))
    [ "$_gw_i" -gt $(($1 * 10)) ] && return 1
    sleep 0.1
  done
  wait "$2" 2> /dev/null
  gone_rc=$?
  return 0
}

# stop_pids PID...: SIGTERM (a background job of a script ignores SIGINT), up to 5 s for them
# to end, then SIGKILL for any left; reaps them. The exit status of the last one.
stop_pids() {
  # (names of its own: sh has no local variables, and callers loop over theirs)
  _sp_i=0
  _sp_rc=0
  kill -TERM "$@" 2> /dev/null
  while [ "$_sp_i" -lt 50 ]; do
    _sp_alive=""
    for _sp_p in "$@"; do kill -0 "$_sp_p" 2> /dev/null && _sp_alive=1; done
    [ -z "$_sp_alive" ] && break
    _sp_i=$((_sp_i + 1))
    sleep 0.1
  done
  [ -n "$_sp_alive" ] && kill -KILL "$@" 2> /dev/null
  for _sp_p in "$@"; do
    wait "$_sp_p" 2> /dev/null
    _sp_rc=$?
  done
  return $_sp_rc
}

# ---- network namespaces, interfaces, processes ----------------------------------------------
# in_ns NS CMD...: CMD in network namespace NS.
in_ns() {
  _in_ns=$1
  shift
  ip netns exec "$_in_ns" "$@"
}
# feths NS: the feth* interfaces of NS, space-separated.
feths() {
  ip -n "$1" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep '^feth' |
    sort | paste -sd' ' -
}
mac_of() { # mac_of NS IFNAME
  ip -n "$1" -o link show "$2" | sed -n 's,.*link/ether \([0-9a-f:]*\) .*,\1,p'
}
mtu_of() { # mtu_of NS IFNAME
  ip -n "$1" -o link show "$2" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'
}
ifindex() { # ifindex NS NAME: its index, or "" when it does not exist
  ip -n "$1" -o link show "$2" 2> /dev/null | cut -d: -f1
}
link_exists() { # link_exists NS IFNAME
  ip -n "$1" link show "$2" > /dev/null 2>&1
}
# host_ready NS IFNAME: its IPv6 address no longer tentative (DAD done).
host_ready() {
  [ -n "$(ip -n "$1" -6 addr show dev "$2" scope global)" ] &&
    [ -z "$(ip -n "$1" -6 addr show dev "$2" tentative)" ]
}
# alive PID: PID exists and is not a zombie (an orphan waits for its reaper).
alive() {
  [ -r "/proc/$1/stat" ] && ! sed 's/^.*) //' "/proc/$1/stat" 2> /dev/null | grep -q '^Z'
}
