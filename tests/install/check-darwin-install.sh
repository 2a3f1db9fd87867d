#!/bin/sh
# The macOS install, checked on Linux in a Darwin cross-build (docs/cross-build.md): nothing
# built there runs here, so what a Mac's loader would do is read from the Mach-O load commands
# with llvm-objdump. Installs BUILD_DIR into a temporary prefix and checks:
#  - the dylib's install name (LC_ID_DYLIB) is its absolute path in that prefix;
#  - every installed program (bin/*) loads libfeth by that path and carries the run path
#    @loader_path/../lib (LC_RPATH), nothing of the build tree;
#  - consumers built against the prefix with the cross compiler, through pkg-config (libfeth,
#    libfeth-static) and through find_package(feth) (feth::feth, feth::feth_static): the
#    shared ones load libfeth by its absolute install name and need no LC_RPATH of their own,
#    the static ones load no libfeth at all.
# Needs the Darwin sysroot and toolchain of the build; not run in CI (no macOS SDK there).
# usage: check-darwin-install.sh DARWIN_BUILD_DIR [CONSUMER_SOURCE_DIR]
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DARWIN_BUILD_DIR [CONSUMER_SOURCE_DIR]" >&2; exit 2; }
build=$(cd "$1" && pwd)
consumer=${2:-$(cd "$(dirname "$0")" && pwd)/consumer}
fail() { echo "FAIL: $*"; exit 1; }
cached() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

[ -f "$build/CMakeCache.txt" ] || fail "$build is not a CMake build directory"
target=$(cached DARWIN_TARGET) toolchain=$(cached CMAKE_TOOLCHAIN_FILE)
sysroot=$(cached DARWIN_SYSROOT)
if [ -z "$target" ] || [ -z "$toolchain" ]; then
  fail "$build is not a Darwin cross-build (no DARWIN_TARGET)"
fi
cc=$(sed -n 's/^set(CMAKE_C_COMPILER "\(.*\)")$/\1/p' "$build"/CMakeFiles/*/CMakeCCompiler.cmake |
     head -n 1)
[ -x "$cc" ] || fail "no C compiler recorded in $build"
# llvm-objdump: the one the toolchain found, else a versioned or plain one, else the compiler's.
objdump=$(cached CMAKE_OBJDUMP)
case ${objdump##*/} in llvm-objdump*) ;; *) objdump= ;; esac
if [ -z "$objdump" ]; then
  for o in llvm-objdump-14 llvm-objdump "$(dirname "$cc")/llvm-objdump"; do
    if command -v "$o" > /dev/null 2>&1; then objdump=$(command -v "$o"); break; fi
  done
fi
[ -n "$objdump" ] || fail "no llvm-objdump (Debian: llvm-14)"
lib=$(cached CMAKE_INSTALL_LIBDIR) bin=$(cached CMAKE_INSTALL_BINDIR)
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
major=${version%%.*}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
libdir="$prefix/$lib" bindir="$prefix/$bin"
dylib="$libdir/libfeth.$major.dylib"
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
echo "OK: $target installed into a temporary prefix; reading it with $objdump"

# The lines llvm-objdump prints after the file's name.
load_cmds() { "$objdump" --macho "$1" "$2" | sed '1d; s/^[[:space:]]*//; s/ (compatibility.*//'; }
links_libfeth() { load_cmds --dylibs-used "$1" | grep 'libfeth'; }

for f in "$prefix/include/feth/feth.h" "$libdir/libfeth.$version.dylib" "$dylib" \
         "$libdir/libfeth.dylib" "$libdir/libfeth.a" "$libdir/pkgconfig/libfeth.pc" \
         "$libdir/pkgconfig/libfeth-static.pc" "$libdir/cmake/feth/fethConfig.cmake"; do
  [ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
done

# 1. The dylib's install name.
id=$(load_cmds --dylib-id "$dylib")
[ "$id" = "$dylib" ] || fail "install name '$id', want '$dylib'"
echo "OK: ${dylib#"$prefix"/}: install name (LC_ID_DYLIB) <prefix>/${id#"$prefix"/}"

# 2. The installed programs.
want_rpath="@loader_path/$(realpath -m --relative-to="$bindir" "$libdir")"
n=0
for t in "$bindir"/*; do
  [ -f "$t" ] || continue
  rp=$(load_cmds --rpaths "$t")
  [ "$rp" = "$want_rpath" ] || fail "${t##*/}: LC_RPATH '$rp', want '$want_rpath'"
  used=$(links_libfeth "$t" || :)
  [ "$used" = "$dylib" ] || fail "${t##*/}: loads libfeth as '$used', want '$dylib'"
  echo "OK: $bin/${t##*/}: LC_RPATH $rp, loads <prefix>/${used#"$prefix"/}"
  n=$((n + 1))
done
if grep -q '^FETH_BUILD_EXAMPLES:BOOL=ON$' "$build/CMakeCache.txt"; then
  [ "$n" -ge 5 ] || fail "$n programs installed, want at least the five tools"
fi

# 3. Consumers, built with the cross compiler against the prefix.
check_consumer() { # BINARY LINK WHAT
  used=$(links_libfeth "$1" || :)
  if [ "$2" = static ]; then
    [ -z "$used" ] || fail "$3 loads '$used'"
    echo "OK: $3: loads no libfeth dylib (static)"
  else
    [ "$used" = "$dylib" ] || fail "$3 loads libfeth as '$used', want '$dylib'"
    rp=$(load_cmds --rpaths "$1" | tr '\n' ' ')
    if [ -n "$rp" ]; then rp="(its LC_RPATH ${rp% } not needed for it)"; else rp="(no LC_RPATH)"; fi
    echo "OK: $3: loads <prefix>/${used#"$prefix"/} $rp"
  fi
}
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig" PKG_CONFIG_PATH=
for pc in libfeth libfeth-static; do
  # shellcheck disable=SC2016
  grep -q '^prefix=${pcfiledir}/' "$libdir/pkgconfig/$pc.pc" || fail "$pc.pc: prefix not relative"
  # shellcheck disable=SC2046
  env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH \
    "$cc" --target="$target" -isysroot "$sysroot" -fuse-ld=lld -std=c11 -Wall -Wextra -Werror \
    -o "$tmp/consumer-$pc" "$consumer/consumer.c" $(pkg-config --cflags --libs "$pc")
  if [ $pc = libfeth ]; then link=shared; else link=static; fi
  check_consumer "$tmp/consumer-$pc" $link "pkg-config consumer ($pc)"
done
for link in shared static; do
  cb="$tmp/cbuild-$link"
  # feth_DIR: the toolchain confines find_package() to the SDK and DARWIN_PREFIX.
  cmake -S "$consumer" -B "$cb" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DDARWIN_TARGET="$target" \
    -DDARWIN_SYSROOT="$sysroot" -Dfeth_DIR="$libdir/cmake/feth" -DFETH_WANT_MAJOR="$major" \
    -DFETH_LINK=$link > "$tmp/cmake.log" 2>&1 ||
    { cat "$tmp/cmake.log"; fail "find_package ($link)"; }
  cmake --build "$cb" > "$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log"; fail "consumer build ($link)"; }
  name=feth::feth
  [ $link = shared ] || name=feth::feth_static
  check_consumer "$cb/consumer" $link "find_package consumer ($name)"
done
echo "OK: the $target install loads from its prefix"
