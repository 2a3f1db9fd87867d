#!/bin/sh
# Runs every unit test program (and fethctl's command-line test) under valgrind memcheck: any
# invalid access, use of uninitialised memory or leak (definite, indirect or possible) fails.
# valgrind 3.19 cannot read clang's DWARF 5, so this builds with gcc.
# usage: tests/run-valgrind.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-valgrind}
sh tests/install-deps.sh valgrind
CC=gcc cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFETH_WERROR=ON > /dev/null
cmake --build "$build" -j "$(nproc)" > /dev/null
# test_crash longjmps out of the library after each system call in turn (a simulated kill), which
# abandons what that call had allocated: test_crash.supp suppresses the leaks allocated beneath
# its crash_call() frame, and only those (deep stacks: --num-callers).
vg="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --track-fds=no --num-callers=40 --suppressions=$PWD/tests/unit/test_crash.supp"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
tests=$(find "$build/tests" -maxdepth 1 -type f -name 'test_*' -perm -u+x | sort)
# Two at a time: valgrind runs each program on one core.
echo "$tests" | xargs -P 2 -I{} sh -c \
  "CMOCKA_MESSAGE_OUTPUT=STDOUT $vg {} > $logs/\$(basename {}).log 2>&1; echo \$? > $logs/\$(basename {}).rc"
fail=0
for t in $tests; do
  n=$(basename "$t")
  rc=$(cat "$logs/$n.rc")
  cases=$(grep -c '^\[       OK \]' "$logs/$n.log" || true)
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: $n under valgrind (exit $rc):"
    sed 's/^/    /' "$logs/$n.log" | grep -v '^\s*\[ *\(RUN\|OK\) ' | tail -n 40
    fail=1
  else
    echo "ok: $n: $cases cases, no error, no leak"
  fi
done
# fethctl through the installed-library path: its command-line test, every run under valgrind.
cat > "$logs/fethctl-vg" <<SH
#!/bin/sh
exec $vg "$build/examples/fethctl" "\$@"
SH
chmod +x "$logs/fethctl-vg"
if sh tests/unit/fethctl_cli.sh "$logs/fethctl-vg" > "$logs/cli.log" 2>&1; then
  echo "ok: fethctl_cli: $(tail -n 1 "$logs/cli.log")"
else
  echo "FAIL: fethctl_cli under valgrind:"
  sed 's/^/    /' "$logs/cli.log"
  fail=1
fi
[ "$fail" -eq 0 ] && echo "valgrind: all clean"
exit "$fail"
