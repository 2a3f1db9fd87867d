#!/bin/sh
# SPDX-License-Identifier: MIT
# libfeth with capabilities instead of root (Linux), the way a VPN daemon runs: uid 1000 with
# only CAP_NET_ADMIN and CAP_NET_RAW (setpriv), and the registry kept safe from users who have
# neither.
#
#  1. uid 1000, CAP_NET_ADMIN + CAP_NET_RAW, XDG_RUNTIME_DIR its own 0700 directory:
#     feth-responder opens a tap, answers a ping, and at SIGTERM closes it: the pair is gone;
#     its records were in $XDG_RUNTIME_DIR/libfeth/net-*/owned, none in root's registry. The
#     same without XDG_RUNTIME_DIR but with /run/user/1000.
#  2. Only CAP_NET_ADMIN: `fethctl pair` works, a tap is refused (-EPERM, the packet socket),
#     and nothing is left. No capability: -EPERM, nothing made. Capabilities but no directory
#     of the user's own: -EACCES, said in the message, nothing made.
#  3. A process of uid 1000 killed with SIGKILL leaves its pair: `fethctl cleanup` as root
#     leaves it alone (root never reads another user's records), the same cleanup as uid 1000
#     with CAP_NET_ADMIN removes it.
#  4. Not weakened: records that uid 1000 forges in its own registry (naming root's pair, with
#     a dead owner) are not read by root's cleanup: root's pair survives. A registry directory
#     of another owner is refused: uid 1000 pointed at uid 1001's directory, root at a /run/libfeth
#     that is not root's: -EPERM, nothing destroyed.
# Exit status: 0 all passed, 1 a check failed, 77 skipped (not root, or a tool is missing).
# usage: tests/linux/capabilities.sh BUILD_DIR [PROGRAMS_DIR]   (FETH_TEST_KEEP=1 keeps logs)
set -u
build=$(cd "${1:?usage: capabilities.sh BUILD_DIR [PROGRAMS_DIR]}" && pwd)
programs=$(cd "${2:-$build/examples}" && pwd)
fethctl=$programs/fethctl
responder=$programs/feth-responder
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
need_root ip unshare mount timeout setpriv ping awk
need_built "$fethctl" "$responder"
if ! setpriv --reuid 1000 --regid 1000 --clear-groups --inh-caps +net_admin \
  --ambient-caps +net_admin true 2> /dev/null; then
  echo "SKIP: setpriv cannot give ambient capabilities here"
  exit 77
fi
private_run capabilities "$build" "$programs"
test_begin capabilities
# The programs must be reachable by uid 1000.
chmod 755 "$work"
mkdir -p /run/user
ns=caps-$$
ip netns add "$ns" || exit 1
namespaces=$ns
ip -n "$ns" link set lo up

# as USER CAPS CMD...: CMD as uid USER (gid the same) with the capabilities CAPS ("" none), in
# the namespace, XDG_RUNTIME_DIR as in $xdg ("" unset).
as() {
  _as_uid=$1
  _as_caps=$2
  shift 2
  set -- setpriv --reuid "$_as_uid" --regid "$_as_uid" --clear-groups \
    ${_as_caps:+--inh-caps "$_as_caps" --ambient-caps "$_as_caps"} "$@"
  if [ -n "${xdg:-}" ]; then
    ${as_exec:-timeout 20} ip netns exec "$ns" env XDG_RUNTIME_DIR="$xdg" "$@"
  else
    ${as_exec:-timeout 20} ip netns exec "$ns" env -u XDG_RUNTIME_DIR "$@"
  fi
}
# as_bg ...: as, in the background, the program itself (exec'd all the way): its pid in $rp.
as_bg() {
  as_exec=exec as "$@" &
  rp=$!
  pids="$pids $rp"
}
both=+net_admin,+net_raw
userdir() { # userdir UID: a fresh 0700 directory of UID's
  _ud=$(mktemp -d "$work/run-XXXXXX")
  chown "$1:$1" "$_ud"
  chmod 700 "$_ud"
  echo "$_ud"
}
root_records() { cat /run/libfeth/net-*/owned 2> /dev/null | wc -l | tr -d ' '; }

# ---- 1. a tap with capabilities only ------------------------------------------------------------
for where in xdg run-user; do
  if [ "$where" = xdg ]; then
    xdg=$(userdir 1000)
    recdir=$xdg/libfeth
  else
    xdg=""
    rm -rf /run/user/1000
    mkdir -m 700 /run/user/1000
    chown 1000:1000 /run/user/1000
    recdir=/run/user/1000/libfeth
  fi
  as_bg 1000 "$both" "$responder" > "$work/resp-$where.log" 2>&1
  if wait_until link_exists "$ns" feth0; then
    sleep 0.5
    check "1. ($where) uid 1000 with CAP_NET_ADMIN and CAP_NET_RAW: the tap answers a ping" \
      sh -c "ip netns exec $ns ping -c 2 -W 2 10.77.0.2 > /dev/null"
    check "... its records are in $recdir" sh -c "grep -qs feth0 $recdir/net-*/owned"
    equal "... and none in root's registry" "$(root_records)" 0
  else
    not_ok "1. ($where) uid 1000 with capabilities: no tap: $(tr '\n' ' ' < "$work/resp-$where.log")"
  fi
  kill -TERM "$rp" 2> /dev/null
  gone_within 5 "$rp"
  equal "... SIGTERM: exit status" "${gone_rc:-none}" 0
  equal "... the pair is gone" "$(feths "$ns")" ""
done

# ---- 2. what each missing privilege says --------------------------------------------------------
xdg=$(userdir 1000)
out=$(as 1000 +net_admin "$fethctl" pair 2>&1)
equal "2. only CAP_NET_ADMIN: fethctl pair" "$out" "feth0 feth1"
out=$(as 1000 +net_admin "$fethctl" destroy feth0 2>&1)
equal "... and destroy" "$(feths "$ns")" ""
out=$(as 1000 +net_admin "$responder" 2>&1)
contains "... a tap without CAP_NET_RAW is refused" "$out" "Operation not permitted"
equal "... nothing left" "$(feths "$ns")" ""
out=$(as 1000 "" "$fethctl" pair 2>&1)
contains "... no capability: refused" "$out" "Operation not permitted.*CAP_NET_ADMIN"
equal "... nothing left" "$(feths "$ns")" ""
rm -rf /run/user/1000
xdg=""
out=$(as 1000 "$both" "$responder" 2>&1)
contains "... capabilities but no directory of the user's own: refused, and said so" "$out" \
  "Permission denied.*XDG_RUNTIME_DIR"
equal "... nothing left" "$(feths "$ns")" ""

# ---- 3. a killed process's pair: the user's cleanup, not root's --------------------------------
xdg=$(userdir 1000)
as_bg 1000 "$both" "$responder" > "$work/killed.log" 2>&1
wait_until link_exists "$ns" feth0 || not_ok "3. no tap: $(tr '\n' ' ' < "$work/killed.log")"
kill -KILL "$rp"
gone_within 5 "$rp"
# (ip netns exec runs setpriv runs feth-responder: all one process, exec'd)
equal "3. SIGKILL: the pair stays" "$(feths "$ns")" "feth0 feth1"
ip netns exec "$ns" "$fethctl" cleanup > "$work/root-cleanup.log" 2>&1
equal "... root's cleanup leaves it (not its records)" "$(feths "$ns")" "feth0 feth1"
as 1000 +net_admin "$fethctl" cleanup > "$work/user-cleanup.log" 2>&1
equal "... uid 1000's cleanup removes it" "$(feths "$ns")" ""
contains "... and says so" "$(cat "$work/user-cleanup.log")" "destroyed 1"

# ---- 4. the registry is not weakened ------------------------------------------------------------
# Root's pair, its owner alive.
ip netns exec "$ns" "$responder" > "$work/root-resp.log" 2>&1 &
rootresp=$!
pids="$pids $rootresp"
wait_until link_exists "$ns" feth1 || not_ok "4. root's responder did not start"
idx=$(ifindex "$ns" feth0)
idx1=$(ifindex "$ns" feth1)
rd=$(ls -d "$xdg"/libfeth/net-* | head -n 1)
# Records as libfeth writes them (docs/ownership.md), claiming root's pair for a dead owner.
printf 'v2 feth0 o %s 0 999999 1 0 1\nv2 feth1 o %s 0 999999 1 0 1\n' "$idx" "$idx1" > "$rd/owned"
chown 1000:1000 "$rd/owned"
chmod 600 "$rd/owned"
ip netns exec "$ns" "$fethctl" cleanup > "$work/forged.log" 2>&1
equal "4. records forged by uid 1000: root's cleanup keeps root's pair" "$(feths "$ns")" \
  "feth0 feth1"
other=$(userdir 1001)
chmod 755 "$other"
mkdir -m 755 "$other/libfeth"
chown 1001:1001 "$other/libfeth"
xdg=$other
out=$(as 1000 +net_admin "$fethctl" pair 2>&1)
contains "... uid 1000 refuses a registry directory of uid 1001's" "$out" "Operation not permitted"
xdg=""
chown 1000 /run/libfeth
out=$(ip netns exec "$ns" "$fethctl" cleanup 2>&1)
contains "... root refuses a /run/libfeth that is not root's" "$out" "Operation not permitted"
equal "... and destroys nothing" "$(feths "$ns")" "feth0 feth1"
chown 0 /run/libfeth
kill -TERM "$rootresp"
gone_within 5 "$rootresp"
equal "... (root's pair gone with its tap)" "$(feths "$ns")" ""

# ---- 5. a tap opened as root, closed after the process took another uid ---------------------------
# Its records are root's, out of reach now: the close says so (-EPERM) rather than report a
# success and leave the pair; root's cleanup removes the pair once the process is gone.
lib=$(ls "$build"/libfeth.so.1 2> /dev/null | head -n 1)
# (python3 loads the library itself: not one built with a sanitizer, whose runtime must come
# first in a program.)
if [ -n "$lib" ] && nm -D "$lib" 2> /dev/null | grep -q '__asan_init\|__tsan_init'; then
  echo "# 5. skipped: $lib is built with a sanitizer, which python3 cannot load"
  lib=""
fi
if [ -n "$lib" ]; then
  out=$(ip netns exec "$ns" python3 -c '
import ctypes, os, sys
feth = ctypes.CDLL(sys.argv[1])
tap = ctypes.c_void_p()
r = feth.feth_tap_open(None, ctypes.byref(tap))
if r != 0:
    print("open", r); sys.exit(1)
os.setresuid(1000, 1000, 0)
print("close", feth.feth_tap_close(tap))
' "$lib" 2>&1)
  equal "5. a tap closed after a uid change: -EPERM (-1), not a false success" "$out" "close -1"
  equal "... the pair is left" "$(feths "$ns")" "feth0 feth1"
  ip netns exec "$ns" "$fethctl" cleanup > /dev/null 2>&1
  equal "... and root's cleanup removes it" "$(feths "$ns")" ""
fi

echo "capabilities: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
