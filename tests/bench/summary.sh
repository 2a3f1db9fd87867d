# Shell helpers of the benchmarks that report medians over rounds (tunnel.sh, vm.sh), sourced by
# them. Their figures are lines "ROUND WHO FIGURE VALUE" in $work/all ("-" for none).

# summary WHO FIGURE: "median min max" over the rounds, or nothing.
summary() {
  awk -v w="$1" -v f="$2" '$2 == w && $3 == f && $4 != "-" { print $4 }' "$work/all" | sort -g |
    awk '{ v[NR] = $1 } END {
      if (NR == 0) exit
      med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      print med, v[1], v[NR] }'
}
# cell WHO FIGURE FORMAT: "median [min-max]" formatted, or "-".
cell() {
  # shellcheck disable=SC2046
  set -- "$1" "$2" "$3" $(summary "$1" "$2")
  if [ $# -lt 6 ]; then echo "-"; return; fi
  awk -v f="$3" -v m="$4" -v lo="$5" -v hi="$6" 'BEGIN { printf f " [" f "-" f "]\n", m, lo, hi }'
}
