#!/bin/sh
# Installs the build into a temporary prefix, as the README says (`cmake --install --prefix`),
# and uses it from there as a new user would, with no LD_LIBRARY_PATH and no file edited:
#  - the installed file set; the pkg-config files name their prefix relative to themselves;
#  - every installed program (bin/*) runs: `--help` exits 0 with its usage on stdout (and
#    `--version`, where the usage offers it, names this version), finding libfeth through its
#    own run path ($ORIGIN/../lib), in the prefix and in a moved copy of it;
#  - consumers built through pkg-config (libfeth: the shared library; libfeth-static: libfeth.a)
#    and through find_package(feth) (feth::feth and feth::feth_static) run; the static ones
#    need no libfeth.so (no NEEDED entry, and they run with libfeth.so* taken away);
#  - find_package(feth <next major>) is refused (SameMajorVersion).
# Linux (ELF: readelf, ldd); the macOS install is checked in the cross-build instead
# (tests/install/check-darwin-install.sh).
# usage: check-install.sh BUILD_DIR CONSUMER_SOURCE_DIR VERSION
set -eu
build=$1 consumer=$2 version=$3
major=${version%%.*}
if [ "$(uname -s)" != Linux ]; then
  echo "SKIP: this check is for Linux; macOS: tests/install/check-darwin-install.sh"
  exit 77
fi
unset LD_LIBRARY_PATH LD_PRELOAD
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

fail() { echo "FAIL: $*"; exit 1; }
# The file the loader maps for library $1 when it starts program $2 ("not" if none).
resolved() { ldd "$2" 2> /dev/null | awk -v l="$1" '$1 == l { print $3 }'; }
same() { [ -n "$1" ] && [ "$(readlink -f "$1")" = "$(readlink -f "$2")" ]; }
runpath() {
  readelf -d "$1" | awk '/\((RUNPATH|RPATH)\)/ { sub(/.*\[/, ""); sub(/\]$/, ""); print }'
}
needs_libfeth() { readelf -d "$1" | grep -q 'NEEDED.*\[libfeth\.'; }

cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
cached() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
lib=$(cached CMAKE_INSTALL_LIBDIR) bin=$(cached CMAKE_INSTALL_BINDIR)
case $lib:$bin in /* | *:/*) fail "an absolute CMAKE_INSTALL_LIBDIR or BINDIR" ;; esac
libdir="$prefix/$lib" bindir="$prefix/$bin"
so="libfeth.so.$major"
echo "OK: installed into a temporary prefix (bin: $bin, lib: $lib), LD_LIBRARY_PATH unset"

# 1. The file set.
for f in "$prefix/include/feth/feth.h" "$libdir/libfeth.so.$version" "$libdir/$so" \
         "$libdir/libfeth.so" "$libdir/libfeth.a" "$libdir/pkgconfig/libfeth.pc" \
         "$libdir/pkgconfig/libfeth-static.pc" \
         "$libdir/cmake/feth/fethConfig.cmake" "$libdir/cmake/feth/fethConfigVersion.cmake" \
         "$libdir/cmake/feth/fethTargets.cmake"; do
  [ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
done
if grep -q '^FETH_BUILD_EXAMPLES:BOOL=ON$' "$build/CMakeCache.txt"; then
  for t in fethctl fethdump feth-responder feth-tunnel feth-vm; do
    [ -x "$bindir/$t" ] || fail "not installed: $bin/$t"
  done
fi

# 2. Every installed program runs from the prefix, through its relative run path.
check_tool() { # PROGRAM NAME: --help, and --version if the usage offers it
  if "$1" --help > "$tmp/out" 2> "$tmp/err"; then rc=0; else rc=$?; fi
  [ "$rc" = 0 ] || { cat "$tmp/err"; fail "$2 --help exited $rc"; }
  [ ! -s "$tmp/err" ] || { cat "$tmp/err"; fail "$2 --help wrote to stderr"; }
  usage=$(head -n 1 "$tmp/out")
  printf '%s\n' "$usage" | grep -Eq "^usage: $2( |\$)" || fail "$2 --help printed '$usage'"
  said="--help exits 0, '$usage'"
  if grep -q -- '--version' "$tmp/out"; then
    v=$("$1" --version) || fail "$2 --version failed"
    case $v in *"libfeth $version"*) ;; *) fail "$2 --version printed '$v'" ;; esac
    said="$said; --version: '$v'"
  fi
}
want_rpath="\$ORIGIN/$(realpath -m --relative-to="$bindir" "$libdir")"
ntools=0
for t in "$bindir"/*; do
  [ -f "$t" ] || continue
  name=${t##*/}
  rp=$(runpath "$t")
  [ "$rp" = "$want_rpath" ] || fail "$name: run path '$rp', want '$want_rpath'"
  same "$(resolved "$so" "$t")" "$libdir/$so" ||
    fail "$name: $so resolves to '$(resolved "$so" "$t")', not the prefix's"
  check_tool "$t" "$name"
  echo "OK: $bin/$name (run path $rp): $said"
  ntools=$((ntools + 1))
done

# ... and from a moved copy of the prefix: nothing in it names where it was installed.
cp -a "$prefix" "$tmp/moved"
for t in "$tmp/moved/$bin"/*; do
  [ -f "$t" ] || continue
  same "$(resolved "$so" "$t")" "$tmp/moved/$lib/$so" ||
    fail "moved ${t##*/}: $so resolves to '$(resolved "$so" "$t")'"
  check_tool "$t" "${t##*/}"
done
echo "OK: the $ntools programs also run from a moved copy of the prefix, with its own $so"

# 3. pkg-config, with the files as installed.
for pc in libfeth libfeth-static; do
  f="$libdir/pkgconfig/$pc.pc"
  # shellcheck disable=SC2016
  grep -q '^prefix=${pcfiledir}/' "$f" || fail "$pc.pc: prefix not relative to \${pcfiledir}"
  for d in "$libdir/pkgconfig" "$tmp/moved/$lib/pkgconfig"; do
    p=${d%/"$lib"/pkgconfig}
    export PKG_CONFIG_PATH="$d"
    [ "$(pkg-config --modversion "$pc")" = "$version" ] || fail "$pc: pkg-config --modversion"
    same "$(pkg-config --variable=includedir "$pc")" "$p/include" || fail "$pc: includedir"
    same "$(pkg-config --variable=libdir "$pc")" "$p/$lib" || fail "$pc: libdir"
  done
  echo "OK: $pc.pc: $(grep '^prefix=' "$f"): includedir, libdir right in prefix and moved copy"
done
export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags="-std=c11 -Wall -Wextra -Werror"
out=$(pkg-config --static --libs libfeth)
case " $out " in *" -pthread "*) ;; *) fail "pkg-config --static --libs libfeth: '$out'" ;; esac
if grep -q '^Requires.private: libmnl' "$libdir/pkgconfig/libfeth.pc"; then
  case " $out " in *" -lmnl "*) ;; *) fail "pkg-config --static --libs libfeth: '$out'" ;; esac
fi
echo "OK: pkg-config --static --libs libfeth: $out"

# shared: a prefix outside the loader's path needs the consumer's own run path.
# shellcheck disable=SC2046,SC2086
$cc $flags -o "$tmp/consumer-pc" "$consumer/consumer.c" $(pkg-config --cflags --libs libfeth) \
  -Wl,-rpath,"$(pkg-config --variable=libdir libfeth)"
same "$(resolved "$so" "$tmp/consumer-pc")" "$libdir/$so" || fail "pkg-config consumer: $so"
out=$("$tmp/consumer-pc")
[ "$out" = "libfeth $version" ] || fail "pkg-config consumer printed '$out'"
echo "OK: pkg-config consumer (libfeth, shared, -Wl,-rpath,\$libdir): $out"

# static: libfeth.a, by its path, with its dependencies.
libs=$(pkg-config --libs libfeth-static)
# shellcheck disable=SC2086
archive=$(printf '%s\n' $libs | grep '/libfeth\.a$' || :)
same "$archive" "$libdir/libfeth.a" || fail "pkg-config --libs libfeth-static: '$libs'"
# shellcheck disable=SC2046,SC2086
$cc $flags -o "$tmp/consumer-pc-static" "$consumer/consumer.c" \
  $(pkg-config --cflags --libs libfeth-static)
needs_libfeth "$tmp/consumer-pc-static" && fail "pkg-config static consumer needs a libfeth.so"
out=$("$tmp/consumer-pc-static")
[ "$out" = "libfeth $version" ] || fail "pkg-config static consumer printed '$out'"
echo "OK: pkg-config consumer (libfeth-static: $libs): $out, no libfeth.so NEEDED"

# 4. The CMake package: feth::feth and feth::feth_static.
for link in shared static; do
  cb="$tmp/cbuild-$link"
  cmake -S "$consumer" -B "$cb" -DCMAKE_PREFIX_PATH="$prefix" -DFETH_WANT_MAJOR="$major" \
    -DFETH_LINK=$link > "$tmp/cmake.log" 2>&1 ||
    { cat "$tmp/cmake.log"; fail "find_package(feth $major CONFIG) ($link)"; }
  same "$(sed -n 's/^feth_DIR:PATH=//p' "$cb/CMakeCache.txt")" "$libdir/cmake/feth" ||
    fail "find_package(feth) found $(sed -n 's/^feth_DIR:PATH=//p' "$cb/CMakeCache.txt")"
  cmake --build "$cb" > "$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log"; fail "consumer build ($link)"; }
  if [ $link = shared ]; then
    same "$(resolved "$so" "$cb/consumer")" "$libdir/$so" || fail "CMake consumer: $so"
  else
    needs_libfeth "$cb/consumer" && fail "CMake static consumer needs a libfeth.so"
  fi
  out=$("$cb/consumer")
  [ "$out" = "libfeth $version" ] || fail "CMake consumer ($link) printed '$out'"
  name=feth::feth
  [ $link = shared ] || name=feth::feth_static
  echo "OK: find_package consumer ($name): $out"
done

# 5. The static consumers run with the shared library taken out of the prefix.
mkdir "$tmp/away"
mv "$libdir"/libfeth.so* "$tmp/away/"
for c in "$tmp/consumer-pc-static" "$tmp/cbuild-static/consumer"; do
  out=$("$c") || fail "${c#"$tmp"/} does not run without libfeth.so"
  [ "$out" = "libfeth $version" ] || fail "${c#"$tmp"/} printed '$out'"
done
if "$tmp/consumer-pc" > /dev/null 2>&1; then
  echo "NOTE: the shared consumer still starts: another $so is on the loader's path"
else
  echo "OK: libfeth.so* moved out of the prefix: both static consumers run, the shared one cannot"
fi

# 6. SameMajorVersion: asking for the next major must fail.
if cmake -S "$consumer" -B "$tmp/cbuild2" -DCMAKE_PREFIX_PATH="$prefix" \
     -DFETH_WANT_MAJOR=$((major + 1)) > "$tmp/cmake2.log" 2>&1; then
  fail "find_package(feth $((major + 1))) accepted version $version"
fi
echo "OK: find_package(feth $((major + 1))) refused"
