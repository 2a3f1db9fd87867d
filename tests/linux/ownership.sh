#!/bin/sh
# The ownership registry against an adversary, on the real kernel (docs/ownership.md): what
# cleanup may destroy is only the very interface a record was made for, whose owner is gone.
#
#  1. namespace reuse: 20 namespaces, one after another, each with a `fethctl pair`, deleted
#     (their registry directories stay), and a directory of the layout before this one
#     (net-<inode>, "name pid time" lines) for the inode of one of them; then in a new
#     namespace a veth made with ip and adopted by fethdump is not libfeth's: listed as not
#     owned, left by cleanup (fethdump still running), and no registry directory of a
#     namespace that is gone survives the cleanup.
#  2. same name, another interface: a pair of fethctl's deleted with ip and made again with ip
#     under the same names is not owned, survives cleanup, and its stale records are dropped.
#  3. PID namespaces and PID reuse: cleanup from another PID namespace (with its own /proc, or
#     with the outer one) leaves a live responder's pair and says its owner is not visible;
#     once the responder is killed and its records name a live unrelated process in its stead
#     (a reused pid: the recorded start time kept), the pair is an orphan and is destroyed.
#  4. a damaged registry: 5 MiB (valid records, then junk): list, pair and cleanup work, the
#     damage is copied aside (owned.damaged.*), the valid records kept; a NUL byte in a line
#     hides that line alone; a FIFO in place of `owned`: nothing blocks (feth-responder's exit
#     on SIGTERM, list, cleanup: each within 5 s); a symlink in place of `owned`, to a file
#     holding a record that would make an ip-made veth an orphan: never read nor written
#     through (the next write sets the symlink itself aside); the namespace's directory a
#     symlink: nothing read or written through it.
#
# Everything runs in a mount namespace of its own with a tmpfs on /run: the registry it reads
# and damages, and the namespaces it makes (ip netns), are its own and vanish with it.
# Exit status: 0 all passed, 1 a check failed, 77 skipped (not root, or a tool is missing).
# usage: tests/linux/ownership.sh BUILD_DIR [PROGRAMS_DIR]
#   PROGRAMS_DIR holds fethctl, fethdump and feth-responder (default BUILD_DIR/examples): the
#   programs of another build (an older libfeth) can be checked with this build's helpers.
set -u
build=$(cd "${1:?usage: ownership.sh BUILD_DIR [PROGRAMS_DIR]}" && pwd)
programs=$(cd "${2:-$build/examples}" && pwd)
fethctl=$programs/fethctl
fethdump=$programs/fethdump
responder=$programs/feth-responder
netns_id=$build/tests/netns_id
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
need_root ip unshare mount timeout mkfifo stat awk dd sleep cmp
need_built "$fethctl" "$fethdump" "$responder" "$netns_id"

# A mount namespace of our own, /run a tmpfs in it: ip netns, libfeth's registry.
private_run ownership "$build" "$programs"
umask 077

test_begin ownership

new_ns() {
  ip netns add "$1" || exit 1
  namespaces="$namespaces $1"
  ip -n "$1" link set lo up
}
del_ns() {
  ip netns del "$1"
  namespaces=$(echo "$namespaces" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
# ctl NS ARGS...: fethctl in NS, bounded (an old libfeth may block on a FIFO).
ctl() {
  ns=$1
  shift
  timeout 10 ip netns exec "$ns" "$fethctl" "$@"
}
# owned_line NS NAME: the line of `fethctl list` for NAME when it says owned, else nothing.
owned_line() {
  ctl "$1" list 2> /dev/null | awk -v n="$2" '$1 == n && /owned/'
}
ns_id() { # ns_id NS: "<cookie hex>-<inode>", as libfeth names its registry directory
  in_ns "$1" "$netns_id"
}
ns_ino() {
  stat -L -c %i "/run/netns/$1"
}
# reg_dir NS: NS's registry directory: net-<cookie>-<inode>, or net-<inode> (the layout before
# this one) when only that exists.
reg_dir() {
  _rd_new=/run/libfeth/net-$(ns_id "$1")
  _rd_old=/run/libfeth/net-$(ns_ino "$1")
  if [ ! -d "$_rd_new" ] && [ -d "$_rd_old" ]; then echo "$_rd_old"; else echo "$_rd_new"; fi
}
# records FILE NAME: the records of NAME in FILE, either layout ("v2 NAME ..." or "NAME ...").
records() {
  awk -v n="$2" '($1 == "v2" && $2 == n) || ($1 == n)' "$1" 2> /dev/null
}
# record_pids FILE NAME: their owners' pids.
record_pids() {
  records "$1" "$2" | awk '{ print $1 == "v2" ? $6 : $2 }' | sort -u | paste -sd, -
}
# live_ids: "<cookie>-<inode>" of every network namespace alive: those of processes (their
# threads too) and those bind-mounted under /run/netns, as far as we may look.
live_ids() {
  # shellcheck disable=SC2046 # a list of paths, one per namespace
  stat -L -c '%i %n' /proc/[0-9]*/task/[0-9]*/ns/net /run/netns/* 2> /dev/null |
    sort -u -k1,1 | cut -d' ' -f2- | xargs "$netns_id" 2> /dev/null | cut -d' ' -f1 |
    grep -v '^-$' | sort -u
}
# dead_dirs: the registry directories whose namespace is gone: net-<cookie>-<inode> that no
# live namespace is; net-<inode> (or net-i<inode>) whose inode no live namespace has.
dead_dirs() {
  _dd_live=$(live_ids)
  _dd_inodes=$(echo "$_dd_live" | sed 's/.*-//; s/^i//')
  for _dd in /run/libfeth/net-*; do
    [ -d "$_dd" ] || continue
    _dd_n=${_dd#/run/libfeth/net-}
    case $_dd_n in
      *-*) echo "$_dd_live" | grep -qx -- "$_dd_n" || echo "$_dd" ;;
      *) echo "$_dd_inodes" | grep -qx -- "${_dd_n#i}" || echo "$_dd" ;;
    esac
  done
}
# junk FILE BYTES: appends lines that are no record, BYTES of them.
junk() {
  yes 'this line is no record of libfeth, only damage' | head -c "$2" >> "$1"
}
size() {
  stat -c %s "$1" 2> /dev/null || echo 0
}
# asides DIR: the damaged registries set aside in DIR (owned.damaged.*), one a line.
asides() {
  for _as in "$1"/owned.damaged.*; do
    if [ -e "$_as" ] || [ -L "$_as" ]; then echo "$_as"; fi
  done
}
# responder NS: a feth-responder -q in NS, its pid in $rpid (which is also its tap's owner:
# ip netns exec execs it).
start_responder() {
  ip netns exec "$1" "$responder" -q > "$work/responder-$1.log" 2>&1 &
  rpid=$!
  pids="$pids $rpid"
  if ! wait_for "$work/responder-$1.log" '^ready$'; then
    not_ok "feth-responder did not start in $1: $(cat "$work/responder-$1.log")"
    return 1
  fi
}

echo "# fethctl: $fethctl ($("$fethctl" --version 2> /dev/null))"

# ---- 1. namespace reuse ------------------------------------------------------------------------
made=0
dead=""
dead_inodes=""
for i in $(seq 1 20); do
  ns=own-$$-r$i
  new_ns "$ns"
  id=$(ns_id "$ns")
  ino=$(ns_ino "$ns")
  [ "$(ctl "$ns" pair 2>&1)" = "feth0 feth1" ] && made=$((made + 1))
  del_ns "$ns"
  dead="$dead $id"
  dead_inodes="$dead_inodes $ino"
done
equal "20 namespaces, one after another, each with a fethctl pair, then deleted" "$made" 20
stayed=0
for id in $dead; do
  ino=${id##*-}
  [ -d "/run/libfeth/net-$id" ] || [ -d "/run/libfeth/net-$ino" ] && stayed=$((stayed + 1))
done
equal "... their registry directories stay until a cleanup" "$stayed" 20
# A new namespace, on the inode of a dead one when the kernel gives one back soon (it reuses
# them, lowest first, once a namespace is freed, which it does in the background).
nsr=own-$$-reuse
reused=""
for try in $(seq 1 30); do
  new_ns "$nsr"
  rino=$(ns_ino "$nsr")
  for ino in $dead_inodes; do [ "$ino" = "$rino" ] && reused=1; done
  [ -n "$reused" ] && break
  del_ns "$nsr"
  sleep 0.1
done
[ -n "$reused" ] || new_ns "$nsr"
rid=$(ns_id "$nsr")
rino=$(ns_ino "$nsr")
# Directories of the layout before this one: net-<inode>, "name pid time": the new namespace's
# inode (a dead one's), and another dead one's that no namespace has now.
legacy=""
if [ -n "$reused" ]; then
  echo "# the new namespace ($rid) has the inode of a dead one (try $try)"
  legacy=$rino
else
  echo "# the kernel gave the new namespace ($rid) no dead one's inode in 30 tries"
fi
live=$(live_ids | sed 's/.*-//; s/^i//')
for ino in $dead_inodes; do
  if [ "$ino" != "$rino" ] && ! echo "$live" | grep -qx "$ino"; then
    legacy="$legacy $ino"
    break
  fi
done
for ino in $legacy; do
  mkdir -p "/run/libfeth/net-$ino"
  echo "feth0 12345 1700000000" > "/run/libfeth/net-$ino/owned"
  echo "# a directory of the layout before: net-$ino, 'feth0 12345 1700000000'"
done
ip -n "$nsr" link add feth0 type veth peer name feth1
i0=$(ifindex "$nsr" feth0)
i1=$(ifindex "$nsr" feth1)
ip netns exec "$nsr" "$fethdump" --adopt feth0 -w "$work/adopt.pcap" > "$work/adopt.log" 2>&1 &
dpid=$!
pids="$pids $dpid"
if wait_for "$work/adopt.log" 'capturing on'; then
  ok "fethdump --adopt feth0 runs on a veth made with ip in a new namespace"
else
  not_ok "fethdump --adopt feth0 did not start: $(cat "$work/adopt.log")"
fi
equal "fethctl list: feth0 (ip's) is not owned" "$(owned_line "$nsr" feth0)" ""
equal "fethctl list: feth1 (ip's) is not owned" "$(owned_line "$nsr" feth1)" ""
out=$(ctl "$nsr" cleanup 2>&1)
rc=$?
check "fethctl cleanup ($out)" [ "$rc" -eq 0 ]
equal "... left feth0 and feth1 as they were (their indexes)" \
  "$(ifindex "$nsr" feth0) $(ifindex "$nsr" feth1)" "$i0 $i1"
check "... and fethdump still running" kill -0 "$dpid"
left=0
live=$(live_ids | sed 's/.*-//; s/^i//')
for id in $dead; do
  ino=${id##*-}
  if [ -d "/run/libfeth/net-$id" ]; then
    left=$((left + 1))
  elif [ -d "/run/libfeth/net-$ino" ] && ! echo "$live" | grep -qx "$ino"; then
    left=$((left + 1)) # the layout before, on an inode no namespace has now
  fi
done
equal "... removed the registry directories of the 20 dead namespaces" "$left" 0
dd=$(dead_dirs | paste -sd' ' -)
equal "no /run/libfeth/net-* directory of a namespace that no longer exists" "$dd" ""
echo "# registry directories now: $(ls /run/libfeth | paste -sd' ' -) (this namespace: net-$rid)"
stop_pids "$dpid"
check "fethdump --adopt stopped cleanly on SIGTERM" [ $? -eq 0 ]
equal "... and the pair it adopted is still there" \
  "$(ifindex "$nsr" feth0) $(ifindex "$nsr" feth1)" "$i0 $i1"

# ---- 2. same name, another interface -------------------------------------------------------------
ns2=own-$$-name
new_ns "$ns2"
equal "fethctl pair" "$(ctl "$ns2" pair 2>&1)" "feth0 feth1"
ip -n "$ns2" link del feth0
ip -n "$ns2" link add feth0 type veth peer name feth1
i0=$(ifindex "$ns2" feth0)
i1=$(ifindex "$ns2" feth1)
echo "# deleted with ip, made again with ip: feth0 (index $i0), feth1 ($i1)"
equal "fethctl list: the new feth0 is not owned" "$(owned_line "$ns2" feth0)" ""
equal "fethctl list: the new feth1 is not owned" "$(owned_line "$ns2" feth1)" ""
out=$(ctl "$ns2" cleanup 2>&1)
rc=$?
check "fethctl cleanup ($out)" [ "$rc" -eq 0 ]
equal "... the new pair survives (its indexes)" \
  "$(ifindex "$ns2" feth0) $(ifindex "$ns2" feth1)" "$i0 $i1"
contains "... and the report says the stale records were dropped" "$out" \
  '^destroyed 0 orphaned interfaces; dropped 2 stale records'
reg=$(reg_dir "$ns2")/owned
equal "... none left in the registry" "$(records "$reg" feth0)$(records "$reg" feth1)" ""
del_ns "$ns2"

# ---- 3. PID namespaces and PID reuse -------------------------------------------------------------
ns3=own-$$-pid
new_ns "$ns3"
if start_responder "$ns3"; then
  i0=$(ifindex "$ns3" feth0)
  i1=$(ifindex "$ns3" feth1)
  contains "feth-responder -q owns a pair" "$(owned_line "$ns3" feth0)" " owned pid $rpid\$"
  out=$(timeout 10 ip netns exec "$ns3" unshare -pf --mount-proc "$fethctl" cleanup 2>&1)
  rc=$?
  check "unshare -pf --mount-proc fethctl cleanup ($out)" [ "$rc" -eq 0 ]
  equal "... left the pair" "$(ifindex "$ns3" feth0) $(ifindex "$ns3" feth1)" "$i0 $i1"
  contains "... and said its owner is not visible" "$out" 'left 2 whose owner is not visible here'
  out=$(timeout 10 ip netns exec "$ns3" unshare -pf "$fethctl" cleanup 2>&1)
  rc=$?
  check "unshare -pf fethctl cleanup, the outer /proc ($out)" [ "$rc" -eq 0 ]
  equal "... left the pair" "$(ifindex "$ns3" feth0) $(ifindex "$ns3" feth1)" "$i0 $i1"
  contains "... and said its owner is not visible" "$out" 'left 2 whose owner is not visible here'
  out=$(ctl "$ns3" cleanup 2>&1)
  equal "fethctl cleanup while the owner runs" "$out" "destroyed 0 orphaned interfaces"
  equal "... left the pair" "$(ifindex "$ns3" feth0) $(ifindex "$ns3" feth1)" "$i0 $i1"

  # The responder dies; its pid is reused: its records name a live process that is not it.
  sleep 60 &
  spid=$!
  pids="$pids $spid"
  kill -KILL "$rpid"
  wait "$rpid" 2> /dev/null
  reg=$(reg_dir "$ns3")/owned
  awk -v old="$rpid" -v new="$spid" '
    $1 == "v2" && $6 == old { $6 = new }
    $1 != "v2" && $2 == old { $2 = new }
    { print }' "$reg" > "$reg.new" && mv "$reg.new" "$reg"
  echo "# feth-responder ($rpid) killed; its records now name pid $spid (a live sleep), start time kept"
  equal "the records name the live process" "$(record_pids "$reg" feth0),$(record_pids "$reg" feth1)" \
    "$spid,$spid"
  contains "fethctl list: an orphan all the same" "$(owned_line "$ns3" feth0)" \
    " owned pid $spid \\(orphan\\)\$"
  out=$(ctl "$ns3" cleanup 2>&1)
  rc=$?
  check "fethctl cleanup ($out)" [ "$rc" -eq 0 ]
  equal "... destroyed the orphan pair" "$(ifindex "$ns3" feth0)$(ifindex "$ns3" feth1)" ""
  equal "... and forgot it" "$(records "$reg" feth0)$(records "$reg" feth1)" ""
  stop_pids "$spid"
fi
del_ns "$ns3"

# ---- 4. a damaged registry ---------------------------------------------------------------------
ns4=own-$$-damage
new_ns "$ns4"
if start_responder "$ns4"; then
  reg=$(reg_dir "$ns4")/owned
  dir=${reg%/owned}
  equal "feth-responder's records" "$(record_pids "$reg" feth0),$(record_pids "$reg" feth1)" \
    "$rpid,$rpid"

  cp "$reg" "$work/clean"

  # 4a. 5 MiB: the records, then junk.
  junk "$reg" 5242880
  cp "$reg" "$work/damaged"
  echo "# owned: $(size "$reg") bytes, $(wc -l < "$reg") lines, the first 2 records"
  out=$(ctl "$ns4" list 2>&1)
  rc=$?
  check "5 MiB owned: fethctl list works (exit $rc)" [ "$rc" -eq 0 ]
  contains "... the records before the junk are read: feth0 owned" \
    "$(echo "$out" | awk '$1 == "feth0"')" " owned pid $rpid\$"
  out=$(ctl "$ns4" pair 2>&1)
  rc=$?
  equal "5 MiB owned: fethctl pair works" "$out" "feth2 feth3"
  damaged=$(asides "$dir" | wc -l | tr -d ' ')
  equal "... the damaged file is set aside (owned.damaged.*)" "$damaged" 1
  # What was read of it (at most 4 MiB, docs/ownership.md), byte for byte.
  aside=$(asides "$dir" | head -n 1)
  # shellcheck disable=SC2016 # expanded by that shell
  check "... with the bytes that were read ($(size "$aside") of $(size "$work/damaged"))" \
    sh -c 'n=$(stat -c %s "$1") && [ "$n" -ge 4194304 ] && cmp -s -n "$n" "$1" "$2"' sh "$aside" "$work/damaged"
  check "... and owned is small again ($(size "$reg") bytes)" [ "$(size "$reg")" -lt 4096 ]
  equal "... the valid records kept, the new ones added" \
    "$(record_pids "$reg" feth0),$(record_pids "$reg" feth1),$(records "$reg" feth2 | wc -l),$(records "$reg" feth3 | wc -l)" \
    "$rpid,$rpid,1,1"
  junk "$reg" 5242880
  out=$(ctl "$ns4" cleanup 2>&1)
  rc=$?
  check "5 MiB owned: fethctl cleanup works ($(echo "$out" | head -n 1 | cut -c1-160))" [ "$rc" -eq 0 ]
  contains "... destroyed fethctl's orphan pair, set the damage aside" "$out" \
    '^destroyed 1 orphaned interface;.* damaged registry lines? set aside'
  equal "... feth2 and feth3 are gone" "$(ifindex "$ns4" feth2)$(ifindex "$ns4" feth3)" ""
  equal "... the responder's records kept" \
    "$(record_pids "$reg" feth0),$(record_pids "$reg" feth1),$(asides "$dir" | wc -l | tr -d ' ')" \
    "$rpid,$rpid,2"
  rm -f "$dir"/owned.damaged.*

  # 4b. One NUL byte in the middle of the file: that line alone is lost. (The responder's
  # records as they were, whatever 4a left.)
  cp "$work/clean" "$reg"
  ctl "$ns4" pair > /dev/null 2>&1
  ctl "$ns4" pair > /dev/null 2>&1
  n=$(wc -l < "$reg")
  k=$((n / 2 + 1))
  hidden=$(sed -n "${k}p" "$reg" | awk '{ print $1 == "v2" ? $2 : $1 }')
  later=$(sed -n "$((k + 1)),\$p" "$reg" | awk '{ print $1 == "v2" ? $2 : $1 }' | paste -sd' ' -)
  all=$(awk '{ print $1 == "v2" ? $2 : $1 }' "$reg" | grep -vx "$hidden" | paste -sd' ' -)
  # In the line's name ("v2 f\0th3 ...", or "fet\0h3 ..." in the layout before).
  at=$(($(head -n $((k - 1)) "$reg" | wc -c) + 4))
  printf '\000' | dd of="$reg" bs=1 seek="$at" conv=notrunc 2> /dev/null
  echo "# owned: $n records; a NUL byte at offset $at, in line $k (that of $hidden)"
  list=$(ctl "$ns4" list 2>&1)
  equal "fethctl list: $hidden (the NUL's line) is not owned" \
    "$(echo "$list" | awk -v n="$hidden" '$1 == n && /owned/')" ""
  notowned=""
  for name in $all; do
    echo "$list" | awk -v n="$name" '$1 == n && /owned/' | grep -q . || notowned="$notowned $name"
  done
  equal "fethctl list: every other record still owned, the later ones ($later) too" "$notowned" ""
  out=$(ctl "$ns4" pair 2>&1)
  check "the next write (fethctl pair: $out)" [ -n "$out" ]
  list=$(ctl "$ns4" list 2>&1)
  notowned=""
  for name in $all; do
    echo "$list" | awk -v n="$name" '$1 == n && /owned/' | grep -q . || notowned="$notowned $name"
  done
  equal "... after it, the same records still owned" "$notowned" ""
  kept=""
  for name in $all; do [ -n "$(records "$reg" "$name")" ] || kept="$kept $name"; done
  equal "... and in the registry file" "$kept" ""
  check "... the damaged file set aside ($(asides "$dir" | sed 's,.*/,,' | paste -sd' ' -))" \
    [ -n "$(asides "$dir")" ]
  rm -f "$dir"/owned.damaged.*

  # 4c. A FIFO: nobody waits for a writer that never comes; the next write moves it aside.
  rm -f "$reg"
  mkfifo -m 600 "$reg"
  kill -TERM "$rpid"
  if gone_within 5 "$rpid"; then
    ok "owned a FIFO: feth-responder exits on SIGTERM within 5 s ($(tail -n 1 "$work/responder-$ns4.log"))"
  else
    not_ok "owned a FIFO: feth-responder still runs 5 s after SIGTERM"
  fi
  out=$(timeout 5 ip netns exec "$ns4" "$fethctl" list 2>&1)
  rc=$?
  check "owned a FIFO: fethctl list returns within 5 s (exit $rc)" [ "$rc" -ne 124 ]
  out=$(timeout 5 ip netns exec "$ns4" "$fethctl" cleanup 2>&1)
  rc=$?
  check "owned a FIFO: fethctl cleanup returns within 5 s (exit $rc: $(echo "$out" | tail -n 1))" \
    [ "$rc" -ne 124 ]
  # Its records went with the FIFO: the pairs are nobody's now.
  for name in $(ip -n "$ns4" -o link show | awk -F'[:@]' '$2 ~ /^ feth/ { print $2 }'); do
    ip -n "$ns4" link del "$name" 2> /dev/null
  done
  rm -f "$reg"
  # What was set aside stays, whatever a cleanup finds (this namespace's directory, empty of
  # records, is a live namespace's: a cleanup neither removes it nor counts it as gone).
  n_aside=$(asides "$dir" | wc -l)
  out=$(ctl "$ns4" cleanup 2>&1)
  equal "a cleanup with no record left keeps what was set aside" "$(asides "$dir" | wc -l)" \
    "$n_aside"
  check "... and does not call this namespace gone ($out)" \
    sh -c '! printf "%s\n" "$1" | grep -q "gone namespaces"' sh "$out"

  # 4d. A symlink to a file of ours, holding a record (both layouts) that would make ip's
  # feth20 an orphan of libfeth's: never followed, neither read nor written.
  ip -n "$ns4" link add feth20 type veth peer name feth21
  i20=$(ifindex "$ns4" feth20)
  i21=$(ifindex "$ns4" feth21)
  ctl "$ns4" pair > /dev/null 2>&1 # the directory, made anew (the cleanup above removed it)
  dir=$(reg_dir "$ns4")
  reg=$dir/owned
  gone=$((0x3ffffe))
  pidns=$(stat -L -c %i /proc/self/ns/pid)
  printf 'v2 feth20 o %s 0000000000000000 %s 1 %s 1700000000\nfeth20 %s 1700000000\n' \
    "$i20" "$gone" "$pidns" "$gone" > "$work/target"
  cp "$work/target" "$work/target.orig"
  rm -f "$reg"
  ln -s "$work/target" "$reg"
  equal "owned a symlink: fethctl list does not read through it (feth20 not owned)" \
    "$(owned_line "$ns4" feth20)" ""
  out=$(ctl "$ns4" pair 2>&1)
  rc=$?
  check "owned a symlink: fethctl pair works all the same (exit $rc: $out)" [ "$rc" -eq 0 ]
  # (Earlier damage in this directory was set aside too: the symlink is the one that is one.)
  aside=""
  for a in $(asides "$dir"); do [ -L "$a" ] && aside=$a; done
  check "... the symlink itself set aside (${aside##*/})" [ -n "$aside" ]
  check "... owned a regular file again" sh -c "[ -f '$reg' ] && [ ! -L '$reg' ]"
  out=$(ctl "$ns4" cleanup 2>&1)
  rc=$?
  check "fethctl cleanup ($out)" [ "$rc" -eq 0 ]
  equal "... ip's feth20 and feth21 survive (their indexes)" \
    "$(ifindex "$ns4" feth20) $(ifindex "$ns4" feth21)" "$i20 $i21"
  check "the symlink's target is unchanged" cmp -s "$work/target" "$work/target.orig"

  # 4e. The namespace's directory a symlink to a directory of ours: nothing read or written.
  ctl "$ns4" pair > /dev/null 2>&1
  dir=$(reg_dir "$ns4")
  mkdir "$work/dir"
  cp "$work/target.orig" "$work/dir/owned"
  mv "$dir" "$dir.saved"
  ln -s "$work/dir" "$dir"
  equal "the registry directory a symlink: fethctl list does not read through it (feth20 not owned)" \
    "$(owned_line "$ns4" feth20)" ""
  out=$(ctl "$ns4" pair 2>&1)
  rc=$?
  check "... fethctl pair refused (exit $rc: $out)" [ "$rc" -ne 0 ]
  out=$(ctl "$ns4" cleanup 2>&1)
  echo "# fethctl cleanup: $(echo "$out" | paste -sd' ' -)"
  equal "... ip's feth20 and feth21 survive (their indexes)" \
    "$(ifindex "$ns4" feth20) $(ifindex "$ns4" feth21)" "$i20 $i21"
  equal "... nothing written into the directory it points to" "$(ls -A "$work/dir" | paste -sd' ' -)" owned
  check "... its owned unchanged" cmp -s "$work/dir/owned" "$work/target.orig"
  rm -f "$dir"
  mv "$dir.saved" "$dir"
fi
del_ns "$ns4"

echo "ownership: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
