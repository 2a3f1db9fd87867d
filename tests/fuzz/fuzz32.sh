#!/bin/sh
# The BPF record walker and its fuzz target built for i386, where size_t has 32 bits (a length
# sum that fits 64 bits can wrap there), run over the committed corpus, over deterministic
# mutations of it, and under libFuzzer for a bounded time. Part of .ci/run; runs alone too.
#   usage: tests/fuzz/fuzz32.sh [BUILD_DIR]      (default build-fuzz32)
#   FUZZ32_SECONDS    libFuzzer's time (default 30; 0: none)
#   FUZZ32_MUTATIONS  the deterministic driver's mutations (default 200000)
# Needs clang (tests/install-deps.sh) and Debian's i386 libc and GCC runtime, which it installs
# when they are missing (apt-get as root or through sudo, as tests/install-deps.sh does). Without
# i386 libFuzzer it runs the driver (tests/fuzz/run_inputs.c) alone; with no sanitizer either,
# the driver under a timeout. It prints "SKIP" and exits 0 only when no 32-bit toolchain can be
# had (not an x86 host, or the packages cannot be installed).
set -eu
cd "$(dirname "$0")/../.."
out=${1:-build-fuzz32}
secs=${FUZZ32_SECONDS:-30}
muts=${FUZZ32_MUTATIONS:-200000}
mkdir -p "$out"
out=$(cd "$out" && pwd)
start=$(date +%s)
srcs="tests/fuzz/fuzz_records.c lib/bpf_records.c"
cflags="-m32 -std=c11 -D_DEFAULT_SOURCE -g -O1 -Iinclude -Ilib -Wall -Wextra -Wpedantic -Wshadow
 -Wvla -Wstrict-prototypes -Wmissing-prototypes -Werror"
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

skip() {
  echo "SKIP: 32-bit build of the record walker: $*"
  exit 0
}

# probe CC FUZZER FLAGS...: does CC build a 32-bit program with FLAGS that runs?
probe() {
  pcc=$1 fuzzer=$2
  shift 2
  command -v "$pcc" > /dev/null 2>&1 || return 1
  {
    echo '#include <stddef.h>'
    echo '#include <stdint.h>'
    echo '#include <stdlib.h>'
    echo '_Static_assert(sizeof(size_t) == 4, "a 32-bit size_t");'
    echo 'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);'
    echo 'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; return (int)(n & 0); }'
    [ "$fuzzer" = 1 ] || echo 'int main(void) { return LLVMFuzzerTestOneInput(NULL, 0); }'
  } > "$out/probe.c"
  # shellcheck disable=SC2086
  "$pcc" $cflags "$@" "$out/probe.c" -o "$out/probe" > "$out/probe.log" 2>&1 \
    && "$out/probe" -runs=1 >> "$out/probe.log" 2>&1
}

# The i386 libc and the runtime of the GCC that clang (or gcc) uses, when missing: through
# tests/install-deps.sh (which installs what is missing, as root or with sudo). 1 when nothing
# was to be installed or it failed.
install_32() {
  command -v apt-get > /dev/null 2>&1 || return 1
  v=$(clang -v -x c /dev/null -fsyntax-only 2>&1 | sed -n 's|^Selected GCC installation: .*/||p')
  [ -n "$v" ] || v=$(gcc -dumpversion 2> /dev/null | cut -d. -f1)
  [ -n "$v" ] || return 1
  missing=""
  for p in libc6-dev-i386 "lib32gcc-$v-dev" "lib32stdc++-$v-dev"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" \
      || missing="$missing $p"
  done
  [ -n "$missing" ] || return 1
  # shellcheck disable=SC2086
  sh tests/install-deps.sh $missing > /dev/null # (the repository is the current directory)
}

case $(uname -m) in
  x86_64 | amd64 | i?86) ;;
  *) skip "an x86 host is needed for -m32 (this is $(uname -m))" ;;
esac

# The toolchain: clang with i386 libFuzzer, ASan and UBSan; else a compiler with the sanitizers
# (the driver stands in for libFuzzer); else one without them.
find_toolchain() {
  fuzz_cc="" drv_cc="" drv_san=""
  # shellcheck disable=SC2086
  if probe clang 1 $san -fsanitize=fuzzer; then
    fuzz_cc=clang
  else
    cp "$out/probe.log" "$out/probe-fuzzer.log"
  fi
  for c in clang gcc; do
    for s in "$san" "-fsanitize=undefined -fno-sanitize-recover=all" ""; do
      # shellcheck disable=SC2086
      if probe "$c" 0 $s; then
        drv_cc=$c drv_san=$s
        return 0
      fi
    done
  done
  return 1
}
if ! find_toolchain || [ -z "$fuzz_cc" ]; then
  if install_32; then
    find_toolchain || true
  fi
fi
[ -n "$drv_cc" ] || skip "no compiler builds and runs a -m32 program ($(tail -n 3 "$out/probe.log" | tr '\n' ' '))"

fail() {
  echo "fuzz32: FAILED: $*"
  exit 1
}
artifacts() {
  find "$out" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | tr '\n' ' '
}

# 1. The driver: every corpus file, then deterministic mutations.
echo "fuzz32: driver: $drv_cc -m32 ${drv_san:-(no sanitizer)}"
# shellcheck disable=SC2086
$drv_cc $cflags $drv_san tests/fuzz/run_inputs.c $srcs -o "$out/run_inputs32"
rm -f "$out"/crash-* "$out"/timeout-* "$out"/oom-*
if ! RUN_INPUTS_ARTIFACTS="$out/" timeout 300 "$out/run_inputs32" -n "$muts" tests/fuzz/corpus \
  > "$out/driver.log" 2>&1; then
  tail -n 40 "$out/driver.log"
  fail "the walker built 32-bit failed on the last input named above (artifact: $(artifacts))"
fi
tail -n 2 "$out/driver.log"

# 2. libFuzzer for FUZZ32_SECONDS, from the committed corpus.
if [ -z "$fuzz_cc" ]; then
  echo "fuzz32: no i386 libFuzzer ($(tail -n 1 "$out/probe-fuzzer.log")): the driver's run above stands in"
elif [ "$secs" -gt 0 ]; then
  echo "fuzz32: libFuzzer: clang -m32 $san -fsanitize=fuzzer, $secs s"
  # shellcheck disable=SC2086
  clang $cflags $san -fsanitize=fuzzer $srcs -o "$out/fuzz_records32"
  mkdir -p "$out/corpus"
  if ! timeout $((secs + 120)) "$out/fuzz_records32" -max_total_time="$secs" -max_len=65536 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" tests/fuzz/corpus \
    > "$out/fuzz.log" 2>&1; then
    tail -n 40 "$out/fuzz.log"
    fail "libFuzzer found an input that fails 32-bit (artifact: $(artifacts))"
  fi
  grep -E "^(Done [0-9]+ runs|stat::peak_rss_mb)" "$out/fuzz.log" || true
fi
echo "fuzz32: passed in $(($(date +%s) - start)) s"
