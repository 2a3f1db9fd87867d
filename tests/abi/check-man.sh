#!/bin/sh
# Every exported function has a man page (a page of its own, or an alias in docs/man/aliases
# that names an existing page), every page formats without a warning, and an install puts
# them all where man(1) finds them.
# usage: check-man.sh MAP MAN_DIR BUILD_DIR
set -eu
map=$1 mandir=$2 build=$3
fail=0
for sym in $(sed -n 's/^[[:space:]]*\(feth_[a-z0-9_]*\);$/\1/p' "$map"); do
  if [ -f "$mandir/$sym.3" ]; then
    continue
  fi
  page=$(awk -v s="$sym" '$1 == s { print $2 }' "$mandir/aliases")
  if [ -z "$page" ] || [ ! -f "$mandir/$page.3" ]; then
    echo "FAIL: $sym has no man page"
    fail=1
  fi
done
if command -v groff > /dev/null 2>&1; then
  for f in "$mandir"/*.[13]; do
    out=$(groff -man -ww -z "$f" 2>&1)
    if [ -n "$out" ]; then
      echo "FAIL: $f: $out"
      fail=1
    fi
  done
else
  echo "note: groff not installed, pages not formatted"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp" > /dev/null
for sym in $(sed -n 's/^[[:space:]]*\(feth_[a-z0-9_]*\);$/\1/p' "$map"); do
  [ -f "$tmp/share/man/man3/$sym.3" ] || { echo "FAIL: not installed: man3/$sym.3"; fail=1; }
done
# Every installed program has its page.
for tool in $(ls "$tmp/bin"); do
  [ -f "$tmp/share/man/man1/$tool.1" ] || { echo "FAIL: not installed: man1/$tool.1"; fail=1; }
done
[ -f "$tmp/share/man/man3/libfeth.3" ] || { echo "FAIL: not installed: man3/libfeth.3"; fail=1; }
[ "$fail" -eq 0 ] || exit 1
echo "OK: $(ls "$tmp/share/man/man3" | wc -l) section 3 pages, $(ls "$tmp/share/man/man1" | wc -l) section 1"
