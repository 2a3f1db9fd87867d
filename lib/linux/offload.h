/* SPDX-License-Identifier: MIT */
/* The veth pair's offload features (offload.c). */
#ifndef FETH_LINUX_OFFLOAD_H
#define FETH_LINUX_OFFLOAD_H

#include "../sys.h"

/*
 * Makes the pair hand the tap whole frames with complete checksums: turns off, on the host side
 * `host`, every TX checksum and segmentation feature the kernel lets be changed (names
 * "tx-checksum-*", "*-segmentation", "*-fragmentation", "tx-gso-*"), and on the I/O side `io`
 * every receive-coalescing one (rx-gro, rx-lro, rx-gro-hw, rx-gro-list,
 * rx-udp-gro-forwarding). No other feature is touched; features already off cost no change (so
 * a second call changes nothing and needs no privilege). Works with SIOCETHTOOL through `s` on
 * `fd`, any socket of the pair's network namespace (the tap's AF_PACKET socket).
 *
 * Returns 0 when every one of those features is off afterwards; -EOPNOTSUPP when one stays on
 * (the kernel holds it fixed on, or the driver refused to turn it off), the others having been
 * turned off all the same; -ENXIO: no such interface; -EPERM: turning one off needs
 * CAP_NET_ADMIN; -EPROTO: the kernel's feature list and feature words disagree; -ENOMEM; other
 * errors of the ioctl. The host side is done first; an error stops there (nothing is undone).
 */
int feth__linux_wire_offloads(const struct feth__sys *s, int fd, const char *host, const char *io);

#endif /* FETH_LINUX_OFFLOAD_H */
