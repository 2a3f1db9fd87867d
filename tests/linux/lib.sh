# Shell helpers of the Linux end-to-end test (e2e.sh) and the wire benchmark
# (tests/bench/wire.sh), sourced by both.

# wait_for FILE PATTERN: up to 5 s for PATTERN to appear in FILE; 1 when it does not.
wait_for() {
  i=0
  until grep -q "$2" "$1" 2> /dev/null; do
    i=$((i + 1))
    [ "$i" -gt 50 ] && return 1
    sleep 0.1
  done
}
