#!/bin/sh
# fethctl's command line: usage text, exit codes (0 ok, 1 failed, 2 usage) and error messages.
# usage: fethctl_cli.sh PATH_TO_FETHCTL
set -u
ctl=$1
pass=0 fail=0

# expect EXIT_CODE PATTERN ARGS...: runs fethctl ARGS, checks the exit code and that the
# combined output matches PATTERN (grep -E).
expect() {
  want=$1 pattern=$2
  shift 2
  out=$("$ctl" "$@" 2>&1)
  rc=$?
  if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: fethctl $* -> exit $rc (want $want), output:"
    printf '%s\n' "$out" | sed 's/^/    /'
  fi
}

expect 0 '^usage: fethctl COMMAND' --help
expect 0 'cleanup +destroy libfeth' help
expect 0 '^fethctl \(libfeth [0-9]+\.[0-9]+\.[0-9]+\)$' --version
expect 2 'no command given' 
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 'destroy needs one name' destroy
expect 2 'peer needs two names' peer feth1
expect 2 'mtu needs a name' mtu feth1 abc
expect 2 'mtu needs a name' mtu feth1 -5
expect 2 'lladdr needs a name and, to set it, a unicast address' lladdr feth1 zz:zz
expect 2 'lladdr needs a name and, to set it, a unicast address' lladdr feth1 01:00:5e:00:00:01
expect 2 'lladdr needs a name and, to set it, a unicast address' lladdr feth1 00:00:00:00:00:00
expect 2 'lladdr needs a name and, to set it, a unicast address' lladdr feth1 ff:ff:ff:ff:ff:ff
expect 2 'lladdr needs a name' lladdr
expect 2 'bad MTU: 72 to 16370' mtu feth1 0
expect 2 'bad MTU: 72 to 16370' mtu feth1 71
expect 2 'bad MTU: 72 to 16370' mtu feth1 16371
expect 2 'bad MTU: 72 to 16370' pair --mtu 99999
expect 2 'mtu needs a name' mtu feth1 99999999999
expect 2 'bad prefix length: 1 to 32' addr add feth1 10.0.0.1/33
expect 2 'bad prefix length: 1 to 32' addr add feth1 10.0.0.1/0
expect 2 'bad prefix length: 1 to 128' addr add feth1 fd00::1/129
expect 2 'pair: unexpected argument' pair feth1 feth2 feth3
expect 2 'not an IPv4 or IPv6 address' addr add feth1 10.0.0.300
expect 2 'bad prefix length' addr add feth1 10.0.0.1/x
expect 2 'addr needs add or del' addr frob feth1 10.0.0.1
expect 2 'list takes no arguments' list extra
expect 2 'create takes at most one name' create feth1 feth2
expect 1 'File name too long \(names are feth0 to feth32767\)' create feth1234567890123
expect 1 'create: Invalid argument' create ''
case "$(uname -s)" in
  Linux)
    # A veth exists only with its peer; peers are fixed at creation.
    expect 1 "create feth1: Operation not supported \\(here interfaces come in pairs: use 'fethctl pair'\\)" create feth1
    expect 1 "peer feth1: Operation not supported \\(here interfaces come in pairs" peer feth1 feth2
    expect 1 "unpeer feth1: Operation not supported \\(here interfaces come in pairs" unpeer feth1
    ;;
esac

# The wildcard twice, "pair feth feth", is two free units, not one name twice (it was refused
# as -EINVAL). Unprivileged (as user nobody when this runs as root) it gets as far as the
# permission check, and makes nothing; tests/linux/tools.sh makes real pairs with it, in a
# network namespace of its own.
unpriv=""
if [ "$(id -u)" -eq 0 ]; then
  unpriv="setpriv --reuid 65534 --regid 65534 --clear-groups"
  command -v setpriv > /dev/null && $unpriv test -x "$ctl" 2> /dev/null || unpriv=skip
fi
if [ "$unpriv" = skip ]; then
  echo "skipped: pair feth feth unprivileged (no setpriv, or user nobody cannot run $ctl)"
else
  # shellcheck disable=SC2086 # a command and its options, or nothing
  out=$($unpriv "$ctl" pair feth feth 2>&1)
  rc=$?
  if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -Eq '^fethctl: pair: .*\(this needs root'; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: fethctl pair feth feth, unprivileged -> exit $rc (want 1, needs root): $out"
  fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
