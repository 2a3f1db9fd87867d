/* SPDX-License-Identifier: MIT */
/* Completing a TCP or UDP checksum the kernel left to hardware (csum.c). */
#ifndef FETH_CSUM_H
#define FETH_CSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Completes the TCP or UDP checksum of an Ethernet frame the kernel handed over with
 * TP_STATUS_CSUMNOTREADY: its checksum field holds only the folded pseudo-header sum, as
 * CHECKSUM_PARTIAL leaves it (the stack seeds it with ~csum_tcpudp_magic() or
 * ~csum_ipv6_magic()), and the rest is what a device would add. The frame is Ethernet with up
 * to two 802.1Q/802.1ad tags, then IPv4 (not a fragment) or IPv6 (through hop-by-hop, routing
 * and destination-options headers), then TCP or UDP. The checksum becomes the complement of the
 * folded one's complement sum over the segment (header with the seeded field, and payload, as
 * far as the IP length says); a result of 0 is written 0xffff, as skb_checksum_help()
 * (net/core/dev.c) writes it.
 *
 * Returns 1 when the checksum was completed (only its two bytes changed), 0 when the frame is
 * not one it can complete (left untouched): too short for what its headers announce, another
 * protocol, an IP fragment, an IPv6 jumbogram, an IPv6 header it does not walk (fragment, AH,
 * ESP, ...), a UDP length that is not the IP payload's, a UDP checksum field of 0 (no seed: an
 * IPv4 sender's "no checksum"), or UDP-Lite (which the kernel always checksums itself, and
 * whose coverage may be partial). Reads and writes nothing outside [frame, frame + len).
 * Pure: no state, any thread.
 */
int feth__csum_complete(uint8_t *frame, size_t len);

#endif /* FETH_CSUM_H */
