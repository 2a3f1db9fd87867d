#!/bin/sh
# Installs the Debian packages that building and testing libfeth need, when any is missing.
# Uses apt-get as root, or through sudo. Safe to run again: it does nothing when all is there.
# usage: tests/install-deps.sh [EXTRA_PACKAGE...]
set -eu
pkgs="build-essential cmake pkg-config libmnl-dev libcmocka-dev libpcap-dev abigail-tools g++ clang binutils groff-base iproute2 iputils-ping tcpdump tshark iperf3 ethtool arping python3 strace qemu-system-x86 busybox-static linux-image-amd64 $*"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "missing Debian packages:$missing; run this as root (or install sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -qq
# shellcheck disable=SC2086
$as_root apt-get install -y -qq --no-install-recommends $missing
