#!/bin/sh
# Installs the build into a temporary prefix and builds a consumer against it twice: through
# pkg-config and through find_package(feth 1 CONFIG). Also checks the installed file set.
# usage: check-install.sh BUILD_DIR CONSUMER_SOURCE_DIR VERSION
set -eu
build=$1 consumer=$2 version=$3
major=${version%%.*}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
libdir=$(ls -d "$prefix"/lib* | head -n 1)
fail() { echo "FAIL: $*"; exit 1; }

for f in "$prefix/include/feth/feth.h" "$libdir/libfeth.so.$version" "$libdir/libfeth.so.$major" \
         "$libdir/libfeth.so" "$libdir/libfeth.a" "$libdir/pkgconfig/libfeth.pc" \
         "$libdir/cmake/feth/fethConfig.cmake" "$libdir/cmake/feth/fethConfigVersion.cmake" \
         "$libdir/cmake/feth/fethTargets.cmake"; do
  [ -e "$f" ] || fail "not installed: ${f#$prefix/}"
done
# pkg-config paths are relative to ${prefix}, so the tree can be moved.
grep -q '^libdir=${prefix}/' "$libdir/pkgconfig/libfeth.pc" || fail "libfeth.pc libdir not relative"
grep -q '^includedir=${prefix}/' "$libdir/pkgconfig/libfeth.pc" || fail "libfeth.pc includedir not relative"

# 1. pkg-config, in a moved copy of the prefix (proves relocatability).
cp -a "$prefix" "$tmp/moved"
mlibdir="$tmp/moved/${libdir#$prefix/}"
sed -i "s,^prefix=.*,prefix=$tmp/moved," "$mlibdir/pkgconfig/libfeth.pc"
export PKG_CONFIG_PATH="$mlibdir/pkgconfig"
[ "$(pkg-config --modversion libfeth)" = "$version" ] || fail "pkg-config --modversion"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/consumer-pc" "$consumer/consumer.c" \
  $(pkg-config --cflags --libs libfeth)
out=$(LD_LIBRARY_PATH="$mlibdir" "$tmp/consumer-pc")
[ "$out" = "libfeth $version" ] || fail "pkg-config consumer printed '$out'"
echo "OK: pkg-config consumer: $out"

# 2. CMake package, feth::feth.
cmake -S "$consumer" -B "$tmp/cbuild" -DCMAKE_PREFIX_PATH="$prefix" -DFETH_WANT_MAJOR="$major" \
  > "$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "find_package(feth $major CONFIG)"; }
cmake --build "$tmp/cbuild" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "consumer build"; }
out=$("$tmp/cbuild/consumer")
[ "$out" = "libfeth $version" ] || fail "CMake consumer printed '$out'"
echo "OK: find_package consumer: $out"

# 3. SameMajorVersion: asking for the next major must fail.
if cmake -S "$consumer" -B "$tmp/cbuild2" -DCMAKE_PREFIX_PATH="$prefix" \
     -DFETH_WANT_MAJOR=$((major + 1)) > "$tmp/cmake2.log" 2>&1; then
  fail "find_package(feth $((major + 1))) accepted version $version"
fi
echo "OK: find_package(feth $((major + 1))) refused"
