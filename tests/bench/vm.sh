#!/bin/sh
# A benchmark, not a test: a virtual machine's network through examples/feth-vm beside QEMU's
# own TAP backend. In a fresh network namespace, the test guest of tests/vm (QEMU, TCG, started
# by tests/vm/launch.py) runs, per round and interleaved, on three backends:
#   feth-vm       -netdev dgram on a socketpair whose other end feth-vm holds
#                 (feth-vm --host-addr 10.77.1.1/24, MTU 1500); guest 10.77.1.2
#   tap-vnet-off  -netdev tap on a kernel TAP device (ip tuntap add mode tap), vnet_hdr=off:
#                 frames of MTU size, no offloads, like feth-vm (10.77.2.1 <-> .2)
#   tap-vnet-on   the same with vnet_hdr=on: checksum and segmentation offloads, 64 KiB
#                 frames between the guest and the host stack (10.77.3.1 <-> .2)
# Each boot runs the guest's steps tcp (iperf3 -c HOST -t SECS, guest to host), tcp-r (-R, host
# to guest) and rtt (PINGS pings 10 ms apart; busybox ping's round-trip avg), against an
# iperf3 -s in the namespace bound to the host address. While the guest runs, QEMU's CPU time
# (all its threads, and its vCPU thread alone), feth-vm's (helper and relay) and the machine's
# are sampled every 0.25 s, to give each TCP step's CPU in % of a core. Prints a line per
# measurement, then a markdown table of each figure's median [min-max] over the rounds and the
# ratios feth-vm / tap-vnet-off (the goal: throughput >= 0.9x, RTT <= 1.2x) and
# tap-vnet-on / tap-vnet-off. Never fails on a timing.
# usage: tests/bench/vm.sh BUILD_DIR [ROUNDS]   (root; ip, iperf3, python3, qemu-system-x86_64,
#   busybox-static, linux-image-amd64; exit 77 when something is missing)
# Environment: VM_SECS (iperf3 seconds, default 5), VM_PINGS (default 100), VM_MEMORY (the
# guest's MB, default 256), VM_BACKENDS (default "feth-vm tap-vnet-off tap-vnet-on"),
# VM_USER (feth-vm's relay user; default the sudo user, else nobody), VM_GUEST (a directory
# for tests/vm/initrd.sh's output; default a scratch one), FETH_TEST_KEEP=1 (keep the scratch
# directory: the last boot's console, launch.py's output and CPU samples, all the figures).
set -u
build=$(cd "${1:?usage: vm.sh BUILD_DIR [ROUNDS]}" && pwd) || exit 1
rounds=${2:-3}
secs=${VM_SECS:-5}
pings=${VM_PINGS:-100}
memory=${VM_MEMORY:-256}
backends=${VM_BACKENDS:-feth-vm tap-vnet-off tap-vnet-on}
here=$(cd "$(dirname "$0")" && pwd)
vmdir=$(cd "$here/../vm" 2> /dev/null && pwd) || vmdir=$here/../vm
fethvm=$build/examples/feth-vm
launch=$vmdir/launch.py

skip() {
  echo "vm.sh: SKIP: $*" >&2
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (a network namespace, TAP devices, feth-vm)"
for tool in ip iperf3 python3 qemu-system-x86_64 awk; do
  command -v "$tool" > /dev/null || skip "$tool is not installed"
done
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
{ [ -r "$launch" ] && [ -r "$vmdir/initrd.sh" ]; } || skip "no tests/vm/launch.py or tests/vm/initrd.sh"
case $rounds in '' | *[!0-9]* | 0) echo "vm.sh: ROUNDS is a number, 1 or more" >&2; exit 1 ;; esac
case $secs in '' | *[!0-9]* | 0) echo "vm.sh: VM_SECS is a number of seconds, 1 or more" >&2; exit 1 ;; esac
case $pings in '' | *[!0-9]* | 0) echo "vm.sh: VM_PINGS is a number, 1 or more" >&2; exit 1 ;; esac
if [ -n "${VM_USER:-}" ]; then
  user_args="--user $VM_USER"
elif [ -n "${SUDO_UID:-}" ] && [ "${SUDO_UID:-0}" != 0 ]; then
  user_args=""
else
  user_args="--user nobody"
fi

work=$(mktemp -d /tmp/feth-vm-bench-XXXXXX)
ns=feth-vmb-$$
ns_made=""
qpid="" hpid="" rpid=""
launcher=""
server=""
# end_launcher: launch.py, given up to 20 s to end (it stops QEMU and feth-vm on SIGTERM, some
# 10 s at most), then killed; reaped, its exit status in $launch_rc. Then its QEMU and feth-vm
# (not this shell's children: polled), were they left behind: 5 s to end by themselves, then
# SIGTERM (feth-vm's helper destroys the pair), then SIGKILL.
end_launcher() {
  _el=0
  while kill -0 "$launcher" 2> /dev/null && [ "$_el" -lt 200 ]; do
    sleep 0.1
    _el=$((_el + 1))
  done
  kill -KILL "$launcher" 2> /dev/null
  wait "$launcher"
  launch_rc=$?
  launcher=""
  for _sig in TERM KILL -; do
    _el=0
    while :; do
      _alive=""
      for _p in $qpid $hpid $rpid; do
        # Still the process it was (a pid is soon reused), by its name.
        case $(cat "/proc/$_p/comm" 2> /dev/null) in
          qemu-system-x86* | feth-vm) _alive="$_alive $_p" ;;
        esac
      done
      [ -z "$_alive" ] && return
      [ "$_el" -ge 50 ] && break
      sleep 0.1
      _el=$((_el + 1))
    done
    # shellcheck disable=SC2086 # a list of pids
    [ "$_sig" = - ] || kill -"$_sig" $_alive 2> /dev/null
  done
}
cleanup() {
  if [ -n "$launcher" ]; then
    kill -TERM "$launcher" 2> /dev/null
    end_launcher
  fi
  [ -n "$server" ] && stop_pids "$server"
  if [ -n "$ns_made" ]; then
    ip -n "$ns" link del tapoff 2> /dev/null
    ip -n "$ns" link del tapon 2> /dev/null
    ip netns del "$ns" 2> /dev/null
  fi
  if [ -n "${FETH_TEST_KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
# A signal ends the script through its EXIT trap (a closed pipe, e.g. `| head`, included).
trap 'exit 130' INT TERM HUP PIPE

# stop_pids PID...
. "$here/../linux/lib.sh"

# ---- the guest, the namespace, the TAP devices ------------------------------------------------

guest=${VM_GUEST:-$work/guest}
timeout 300 sh "$vmdir/initrd.sh" "$guest" > "$work/initrd.log" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
  skip "$(sed -n 's/^SKIP: //p' "$work/initrd.log")"
elif [ "$rc" -ne 0 ]; then
  echo "vm.sh: tests/vm/initrd.sh failed: $(cat "$work/initrd.log")" >&2
  exit 1
fi
kver=$(sed -n 's/.*kernel \([^ ,)]*\).*/\1/p' "$work/initrd.log")

ip netns add "$ns" || exit 1
ns_made=1
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
# The iperf3 servers bind the host address before feth-vm has made the interface that has it.
ip netns exec "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1

# net BACKEND: the /24 of its link (host .1, guest .2).
net() {
  case $1 in
    feth-vm) echo 10.77.1 ;;
    tap-vnet-off) echo 10.77.2 ;;
    tap-vnet-on) echo 10.77.3 ;;
  esac
}
available=""
for b in $backends; do
  case $b in
    feth-vm)
      [ -x "$fethvm" ] || { echo "# feth-vm: unavailable: $fethvm not built"; continue; }
      ;;
    tap-vnet-off | tap-vnet-on)
      t=tap${b#tap-vnet-}
      if ! ip -n "$ns" tuntap add mode tap name "$t" 2> "$work/tuntap.err"; then
        echo "# $b: unavailable: ip tuntap add: $(cat "$work/tuntap.err")"
        continue
      fi
      ip -n "$ns" addr add "$(net "$b").1/24" dev "$t"
      ip -n "$ns" link set "$t" up
      ;;
    *)
      echo "vm.sh: unknown backend $b (feth-vm, tap-vnet-off, tap-vnet-on)" >&2
      exit 1
      ;;
  esac
  available="$available $b"
done
[ -n "$available" ] || { echo "vm.sh: no backend to measure" >&2; exit 1; }

# ---- one boot ----------------------------------------------------------------------------------

# sample FILE: one line, appended to FILE: the uptime, QEMU's CPU time (all threads, then the
# TCG vCPU threads), feth-vm's (helper and relay), the iperf3 server's (seconds, the scheduler's
# count, /proc/PID/schedstat), the machine's busy and total CPU time (/proc/stat, seconds of all
# cores) and how many VM-BEGIN/VM-END markers the console holds. The pids: $qpid, $hpid, $rpid
# and $server (a process that is gone counts nothing).
hz=$(getconf CLK_TCK)
sample() {
  # shellcheck disable=SC2086 # globs: what exists
  grep -asH '' /proc/uptime /proc/stat /proc/${qpid:-x}/task/*/comm /proc/${qpid:-x}/task/*/schedstat \
    /proc/${hpid:-x}/schedstat /proc/${rpid:-x}/schedstat /proc/${server:-x}/schedstat \
    "$work/console" | awk -v q="${qpid:-x}" -v h="${hpid:-x}" -v r="${rpid:-x}" -v s="${server:-x}" \
    -v hz="$hz" -v con="$work/console" '
    { i = index($0, ":"); f = substr($0, 1, i - 1); $0 = substr($0, i + 1); split(f, p, "/") }
    f == con { if (/VM-(BEGIN|END) /) n++; next }
    f == "/proc/uptime" { up = $1; next }
    f == "/proc/stat" { if ($1 == "cpu") { for (i = 2; i <= NF; i++) tot += $i; busy = tot - $5 - $6 } next }
    p[6] == "comm" { comm[p[5]] = $0; next }
    p[3] == q { qt += $1; st[p[5]] = $1; next }
    p[3] == h || p[3] == r { ft += $1; next }
    p[3] == s { it += $1; next }
    END {
      for (t in st) if (comm[t] ~ /TCG/) vt += st[t]
      printf "%s %.4f %.4f %.4f %.4f %.3f %.3f %d\n", up, qt / 1e9, vt / 1e9, ft / 1e9, it / 1e9,
        busy / hz, tot / hz, n
    }' >> "$1"
}

# step_cpu SAMPLES K: for the guest's step K (0: tcp, 1: tcp-r), from the first sample that saw
# its VM-BEGIN to the first that saw its VM-END: "qemu vcpu feth-vm iperf3 machine" in % of one
# core, or nothing.
step_cpu() {
  awk -v k="$2" '
    !hb && $8 >= 2 * k + 1 { split($0, b); hb = 1 }
    hb && !he && $8 >= 2 * k + 2 { split($0, e); he = 1 }
    END {
      if (!he || e[1] - b[1] <= 0) exit
      d = e[1] - b[1]
      printf "%.0f %.0f %.0f %.0f %.0f\n", 100 * (e[2] - b[2]) / d, 100 * (e[3] - b[3]) / d,
        100 * (e[4] - b[4]) / d, 100 * (e[5] - b[5]) / d, 100 * (e[6] - b[6]) / d
    }' "$1"
}

# step_result CONSOLE STEP: the guest's output of STEP. tcp, tcp-r: "Mbit/s retransmitted" (the
# receiver's rate; the sender's Retr, "-" when absent); rtt: "avg_us min_us max_us lost". The
# first field is "failed" when the step did not end with rc=0 or printed no figure.
step_result() {
  awk -v s="$2" '
    { sub(/\r$/, "") }
    { for (i = 1; i < NF; i++) {
        if ($i == "VM-BEGIN" && $(i + 1) == s) { on = 1; next }
        if ($i == "VM-END" && $(i + 1) == s) { on = 0; rc = $(i + 2); sub(/^rc=/, "", rc) }
      } }
    !on { next }
    / sender$/ { for (i = 2; i < NF; i++) if ($i ~ /bits\/sec$/ && $(i + 1) ~ /^[0-9]+$/) retr = $(i + 1) }
    / receiver$/ {
      for (i = 2; i <= NF; i++) {
        if ($i == "Kbits/sec") rate = $(i - 1) / 1000
        if ($i == "Mbits/sec") rate = $(i - 1)
        if ($i == "Gbits/sec") rate = $(i - 1) * 1000
      }
    }
    /packets transmitted/ { sent = $1; got = $4 }
    /round-trip min\/avg\/max/ { split($4, v, "/"); mn = v[1]; av = v[2]; mx = v[3] }
    END {
      if (rc != "0") { print "failed"; exit }
      if (s == "rtt") {
        if (av == "") { print "failed"; exit }
        printf "%.0f %.0f %.0f %d\n", av * 1000, mn * 1000, mx * 1000, sent - got
      } else {
        if (rate == "") { print "failed"; exit }
        printf "%.0f %s\n", rate, retr == "" ? "-" : retr
      }
    }' "$1"
}

# record ROUND BACKEND FIGURE VALUE
record() {
  echo "$1 $2 $3 $4" >> "$work/all"
}

# boot ROUND BACKEND: one guest, its three steps, their figures printed and recorded.
boot() {
  _r=$1
  _b=$2
  _n=$(net "$_b")
  qpid="" hpid="" rpid=""
  : > "$work/console"
  : > "$work/launch.out"
  : > "$work/helper.err"
  : > "$work/samples"
  # A fresh server per boot, bound to the host address (`ip netns exec` execs: $! is iperf3).
  ip netns exec "$ns" iperf3 -s -B "$_n.1" > /dev/null 2>&1 &
  server=$!
  sleep 0.3
  case $_b in
    feth-vm)
      # shellcheck disable=SC2086 # options
      set -- --feth-vm "$fethvm" --helper-log "$work/helper.err" -- --host-addr "$_n.1/24" $user_args
      ;;
    tap-vnet-off) set -- --tap tapoff --vnet-hdr off ;;
    tap-vnet-on) set -- --tap tapon --vnet-hdr on ;;
  esac
  # debug-threads=on names QEMU's threads (the vCPU's "CPU 0/TCG"), nothing else.
  # The guest's own bounds: 5 s to connect, SECS + 20 for each iperf3, PINGS / 20 + 10 for ping;
  # a minute to boot. launch.py stops QEMU at its --timeout; this script stops launch.py 30 s
  # later if it is still there.
  _limit=$((60 + 2 * (secs + 25) + pings / 20 + 10))
  ip netns exec "$ns" python3 "$launch" --guest "$guest" --memory "$memory" \
    --console "$work/console" --timeout "$_limit" \
    --qemu-arg=-name --qemu-arg=guest=feth-vm-bench,debug-threads=on \
    --append "vm.addr=$_n.2/24 vm.host=$_n.1 vm.steps=tcp,tcp-r,rtt vm.time=$secs vm.pings=$pings" \
    "$@" > "$work/launch.out" 2> "$work/launch.err" &
  launcher=$!
  _t0=$(cut -d' ' -f1 /proc/uptime)
  while kill -0 "$launcher" 2> /dev/null; do
    if [ -z "$qpid" ]; then
      qpid=$(sed -n 's/^launch: qemu-pid \([0-9]*\)$/\1/p' "$work/launch.out")
      hpid=$(sed -n 's/^launch: feth-vm-json .*"pid":\([0-9]*\).*/\1/p' "$work/launch.out")
      rpid=$(sed -n 's/^launch: feth-vm-json .*"relay_pid":\([0-9]*\).*/\1/p' "$work/launch.out")
    fi
    sample "$work/samples"
    if awk -v t0="$_t0" -v l="$_limit" '{ exit !($1 - t0 > l + 30) }' /proc/uptime; then
      echo "# round $_r $_b: launch.py still runs after $((_limit + 30)) s: stopping it"
      kill -TERM "$launcher" 2> /dev/null
      break
    fi
    sleep 0.25
  done
  end_launcher
  stop_pids "$server"
  server=""

  _ready=$(sed -n 's/^launch: vm-ready //p' "$work/launch.out")
  if [ "$launch_rc" -ne 0 ]; then
    echo "# round $_r $_b: launch.py exit status $launch_rc: $(grep -E '^launch: (error|timeout|qemu-exit|feth-vm-exit|relay-exit|result)' "$work/launch.out" | paste -sd ';' -)"
  fi
  [ -n "$_ready" ] && record "$_r" "$_b" boot "$_ready"
  for _s in tcp tcp-r; do
    # shellcheck disable=SC2046 # fields
    set -- $(step_result "$work/console" "$_s") x
    _m=tcp_up
    [ "$_s" = tcp-r ] && _m=tcp_down
    if [ "$1" = failed ] || [ "$1" = x ]; then
      echo "round $_r $_m $_b: failed: $(grep -E "iperf3: |VM-END $_s " "$work/console" | head -2 | paste -sd ';' -)"
      continue
    fi
    _mbit=$1
    _retr=$2
    _k=0
    [ "$_s" = tcp-r ] && _k=1
    # shellcheck disable=SC2046
    set -- $(step_cpu "$work/samples" "$_k") - - - - -
    _fcpu=""
    [ "$_b" = feth-vm ] && _fcpu=", feth-vm $3"
    echo "round $_r $_m $_b: $_mbit Mbit/s ($_retr retransmitted; CPU % of a core: QEMU $1 (vCPU thread $2)$_fcpu, iperf3 -s $4, machine $5)"
    record "$_r" "$_b" "$_m" "$_mbit"
    record "$_r" "$_b" "${_m}_retr" "$_retr"
    record "$_r" "$_b" "${_m}_qemu" "$1"
    record "$_r" "$_b" "${_m}_vcpu" "$2"
    [ "$_b" = feth-vm ] && record "$_r" "$_b" "${_m}_feth" "$3"
    record "$_r" "$_b" "${_m}_machine" "$5"
  done
  # shellcheck disable=SC2046
  set -- $(step_result "$work/console" rtt) x
  if [ "$1" = failed ] || [ "$1" = x ]; then
    echo "round $_r rtt $_b: failed: $(grep -E "VM-END rtt " "$work/console" | head -1)"
  else
    echo "round $_r rtt $_b: avg $1 us (min $2, max $3; $4 of $pings unanswered)"
    record "$_r" "$_b" rtt "$1"
    record "$_r" "$_b" rtt_lost "$4"
  fi
  # A boot where a step failed: its console kept, and its end shown.
  if grep -q 'VM-END .* rc=[1-9]' "$work/console" || ! grep -q VM-DONE "$work/console"; then
    cp "$work/console" "$work/console.$_r.$_b"
    cp "$work/launch.out" "$work/launch.$_r.$_b"
    echo "#   the console's last lines ($work/console.$_r.$_b):"
    grep -v '^\[ *[0-9]' "$work/console" | tail -n 12 | sed 's/^/#     /'
  fi
  if [ "$_b" = feth-vm ]; then
    grep -E '^feth-vm: (vm->tap|tap->vm|tap rx_frames|stopped|the relay)' "$work/helper.err" | sed 's/^/#   /'
    sed -n 's/^launch: feth-vm-exit /#   feth-vm exit status /p' "$work/launch.out"
  fi
}

# ---- the rounds --------------------------------------------------------------------------------

: > "$work/all"
qver=$(qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version //p')
echo "# $rounds rounds; guest: kernel $kver, -accel tcg, 1 vCPU, -m $memory, virtio-net; QEMU $qver"
echo "# steps per boot: iperf3 -c -t $secs (guest->host), the same with -R (host->guest), ping -c $pings -i 0.01"
echo "# backends:$available; host $(nproc) CPUs, Linux $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ "$r" -le "$rounds" ]; do
  for b in $available; do
    boot "$r" "$b"
  done
  r=$((r + 1))
done

echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows in the machine CPU rows)"

# ---- the summary -------------------------------------------------------------------------------

# summary and cell: tests/bench/summary.sh.
# shellcheck source-path=SCRIPTDIR source=summary.sh
. "$here/summary.sh"
# ratio X Y FIGURE: X's median over Y's, or "n/a".
ratio() {
  _x=$(summary "$1" "$3" | awk '{ print $1 }')
  _y=$(summary "$2" "$3" | awk '{ print $1 }')
  awk -v x="$_x" -v y="$_y" 'BEGIN { if (x == "" || y == "" || y + 0 == 0) print "n/a"; else printf "%.2f\n", x / y }'
}
has() {
  case " $available " in *" $1 "*) return 0 ;; esac
  return 1
}

echo
echo "# median [min-max] over $rounds rounds"
echo
printf "| figure |"
for b in $available; do printf " %s |" "$b"; done
echo
printf "| --- |"
for b in $available; do printf " --- |"; done
echo
while read -r fig fmt label; do
  line="| $label |"
  any=""
  for b in $available; do
    c=$(cell "$b" "$fig" "$fmt")
    [ "$c" != "-" ] && any=1
    line="$line $c |"
  done
  [ -n "$any" ] && echo "$line"
done << EOF
tcp_up %.0f TCP guest->host Mbit/s
tcp_down %.0f TCP host->guest Mbit/s
rtt %.0f ping RTT avg us
rtt_lost %.0f ping unanswered
tcp_up_retr %.0f TCP guest->host retransmitted
tcp_down_retr %.0f TCP host->guest retransmitted
tcp_up_qemu %.0f QEMU CPU % (guest->host)
tcp_up_vcpu %.0f QEMU vCPU thread CPU % (guest->host)
tcp_down_qemu %.0f QEMU CPU % (host->guest)
tcp_down_vcpu %.0f QEMU vCPU thread CPU % (host->guest)
tcp_up_feth %.0f feth-vm CPU % (guest->host)
tcp_down_feth %.0f feth-vm CPU % (host->guest)
tcp_up_machine %.0f machine CPU % (guest->host)
tcp_down_machine %.0f machine CPU % (host->guest)
boot %.2f boot to VM-READY s
EOF

if has tap-vnet-off && { has feth-vm || has tap-vnet-on; }; then
  echo
  echo "# ratios of the medians over tap-vnet-off's (goal for feth-vm: throughput >= 0.90, RTT <= 1.20)"
  echo
  printf "| figure |"
  for b in feth-vm tap-vnet-on; do has "$b" && printf " %s / tap-vnet-off |" "$b"; done
  echo
  printf "| --- |"
  for b in feth-vm tap-vnet-on; do has "$b" && printf " --- |"; done
  echo
  for f in "tcp_up TCP guest->host" "tcp_down TCP host->guest" "rtt ping RTT avg" \
    "tcp_up_qemu QEMU CPU % (guest->host)" "tcp_down_qemu QEMU CPU % (host->guest)"; do
    line="| ${f#* } |"
    for b in feth-vm tap-vnet-on; do has "$b" && line="$line $(ratio "$b" tap-vnet-off "${f%% *}") |"; done
    echo "$line"
  done
fi
