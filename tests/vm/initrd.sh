#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the test guest of tests/vm/vm.sh: OUTDIR/initrd.gz, an initramfs made only of files
# that Debian packages installed (busybox-static's busybox and its applets, linux-image-amd64's
# virtio-net modules, iperf3 and the libraries ldd lists for it) around tests/vm/init, and
# OUTDIR/vmlinuz, a copy of the kernel those modules belong to. The modules and their load
# order come from the kernel's modules.dep: the PCI transport (virtio_pci) and the network
# driver (virtio_net), each after what it depends on, as modprobe would load them.
# Does nothing when OUTDIR already holds what the same inputs would make.
# Exit status: 0 built (or up to date), 1 failed, 77 a package is missing (skip).
# usage: tests/vm/initrd.sh OUTDIR   (FETH_VM_KVER=VERSION picks the kernel; default: the newest
#   version that has both /boot/vmlinuz-VERSION and /lib/modules/VERSION/modules.dep)
set -eu
out=${1:?usage: initrd.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)

skip() {
  echo "SKIP: $* (tests/install-deps.sh installs qemu-system-x86 busybox-static linux-image-amd64 iperf3)"
  exit 77
}

command -v qemu-system-x86_64 > /dev/null || skip "qemu-system-x86_64 is not installed"
# busybox-static's; Debian's dynamic busybox would need its libraries in the guest.
busybox=""
for b in /bin/busybox /usr/bin/busybox; do
  if [ -x "$b" ] && ! ldd "$b" > /dev/null 2>&1; then
    busybox=$b
    break
  fi
done
[ -n "$busybox" ] || skip "no statically linked busybox (busybox-static)"
iperf3=$(command -v iperf3) || skip "iperf3 is not installed"

# The kernel: a version with both its image and its modules.
kver=${FETH_VM_KVER:-}
if [ -z "$kver" ]; then
  kver=$(for d in /lib/modules/*/; do
    v=$(basename "$d")
    [ -f "/boot/vmlinuz-$v" ] && [ -f "/lib/modules/$v/modules.dep" ] && echo "$v"
  done | sort -V | tail -n 1)
fi
[ -n "$kver" ] || skip "no kernel with its modules in /boot and /lib/modules (linux-image-amd64)"
mods=/lib/modules/$kver
[ -r "/boot/vmlinuz-$kver" ] || skip "/boot/vmlinuz-$kver is missing or unreadable"
[ -f "$mods/modules.dep" ] || skip "$mods/modules.dep is missing"

# The load order: for each wanted module, modules.dep's list of what it needs, reversed (depmod
# writes it so that the last one is loaded first), then the module; each module once. A module
# built into the kernel (modules.builtin) needs nothing.
# shellcheck disable=SC2016 # awk's
order=$(awk -v want="virtio_pci virtio_net" '
  function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); return p }
  FILENAME ~ /modules\.builtin$/ { builtin[base($1)] = 1; next }
  { m = $1; sub(/:$/, "", m); line[base(m)] = $0 }
  END {
    n = split(want, w, " ")
    for (i = 1; i <= n; i++) {
      if (!(w[i] in line)) {
        if (w[i] in builtin) continue
        print "MISSING " w[i]
        exit
      }
      k = split(line[w[i]], f, " ")
      sub(/:$/, "", f[1])
      for (j = k; j >= 2; j--) if (!(f[j] in seen)) { seen[f[j]] = 1; print f[j] }
      if (!(f[1] in seen)) { seen[f[1]] = 1; print f[1] }
    }
  }' "$mods/modules.builtin" "$mods/modules.dep" 2> /dev/null) ||
  skip "cannot read $mods/modules.dep"
case $order in *MISSING*) skip "$mods has no ${order##*MISSING }" ;; esac
for m in $order; do
  [ -f "$mods/$m" ] || skip "$mods/$m is missing"
  case $m in
    *.ko) ;;
    *.ko.xz) command -v xz > /dev/null || skip "$m is compressed and xz is not installed" ;;
    *.ko.zst) command -v zstd > /dev/null || skip "$m is compressed and zstd is not installed" ;;
    *.ko.gz) ;;
    *) skip "$m: unknown module format" ;;
  esac
done

# iperf3's libraries, where the loader looks for them (the interpreter at its own path).
# ldd prints "name => /path (addr)" and "/path (addr)"; the vDSO has no file.
libs=$(ldd "$iperf3" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
[ -n "$libs" ] || skip "ldd lists no library for $iperf3"

# Up to date? The inputs' names, sizes and times, the init and this script's contents.
mkdir -p "$out"
inputs="$busybox $iperf3 /boot/vmlinuz-$kver $mods/modules.dep $libs"
for m in $order; do inputs="$inputs $mods/$m"; done
# shellcheck disable=SC2086 # a list of files
stamp=$(
  echo "$kver $order"
  stat -L -c '%s %Y %n' $inputs
  cksum < "$here/init"
  cksum < "$0"
)
if [ -f "$out/initrd.gz" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.stamp" ] &&
  [ "$(cat "$out/initrd.stamp")" = "$stamp" ]; then
  echo "initrd: $out/initrd.gz is up to date (kernel $kver)"
  exit 0
fi

# Private names until the end (another build into OUTDIR may run meanwhile): then renames.
root=$(mktemp -d "$out/root.XXXXXX")
tmp=$root.out
trap 'rm -rf "$root" "$tmp.initrd.gz" "$tmp.vmlinuz"' EXIT
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/etc" \
  "$root/lib/modules"
chmod 1777 "$root/tmp"
cp "$here/init" "$root/init"
chmod 755 "$root/init"
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
  [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
cp "$iperf3" "$root/bin/iperf3"
for l in $libs; do
  mkdir -p "$root$(dirname "$l")"
  cp -L "$l" "$root$l"
done
# The modules, numbered in load order (the guest's init loads /lib/modules/*.ko as they sort).
i=10
for m in $order; do
  name=$(basename "$m")
  name=${name%%.ko*}.ko
  case $m in
    *.ko.xz) xz -dc "$mods/$m" > "$root/lib/modules/$i-$name" ;;
    *.ko.zst) zstd -qdc "$mods/$m" > "$root/lib/modules/$i-$name" ;;
    *.ko.gz) gzip -dc "$mods/$m" > "$root/lib/modules/$i-$name" ;;
    *) cp "$mods/$m" "$root/lib/modules/$i-$name" ;;
  esac
  i=$((i + 1))
done
echo "$kver" > "$root/etc/kernel-version"

# A newc archive; cpio's own, or busybox's.
if command -v cpio > /dev/null; then
  (cd "$root" && find . | sort | cpio -o -H newc --quiet) | gzip -6 > "$tmp.initrd.gz"
else
  (cd "$root" && find . | sort | "$busybox" cpio -o -H newc 2> /dev/null) | gzip -6 > "$tmp.initrd.gz"
fi
cp "/boot/vmlinuz-$kver" "$tmp.vmlinuz"
mv "$tmp.initrd.gz" "$out/initrd.gz"
mv "$tmp.vmlinuz" "$out/vmlinuz"
echo "$stamp" > "$out/initrd.stamp"
names=$(for m in $order; do basename "${m%%.ko*}"; done | paste -sd' ' -)
echo "initrd: $out/initrd.gz ($(wc -c < "$out/initrd.gz") bytes), kernel $kver, modules: $names"
