/* SPDX-License-Identifier: MIT */
/* Ethernet sizes the library's rules are made of, for every platform and the pure code alike. */
#ifndef FETH_ETHER_H
#define FETH_ETHER_H

/* An Ethernet header: destination, source, EtherType. The shortest frame a tap sends. */
#define FETH__ETH_HLEN 14
/* An Ethernet header with one 802.1Q tag: how far a frame may exceed the MTU, so that a tagged
 * frame of a full-size packet still goes (max_frame = MTU + 18, feth.h; only macOS's single
 * BPF write takes less, its kernel's rule). */
#define FETH__VLAN_ETH_HLEN 18

#endif /* FETH_ETHER_H */
