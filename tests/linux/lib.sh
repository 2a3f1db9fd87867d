# Shell helpers of the Linux end-to-end tests (e2e.sh, ownership.sh) and the wire benchmark
# (tests/bench/wire.sh), sourced by them.

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

# wait_until CMD...: up to 5 s for CMD to succeed; 1 when it does not.
wait_until() {
  _wu_i=0
  until "$@"; do
    _wu_i=$((_wu_i + 1))
    [ "$_wu_i" -gt 50 ] && return 1
    sleep 0.1
  done
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
