/* SPDX-License-Identifier: MIT */
/*
 * Checksum completion for frames whose TCP or UDP checksum the kernel left to hardware
 * (CHECKSUM_PARTIAL, reported to packet sockets as TP_STATUS_CSUMNOTREADY). The field already
 * holds the pseudo-header sum, so completing it needs no addresses: the one's complement sum
 * of the segment with that field in it, folded and complemented, as skb_checksum_help()
 * (net/core/dev.c) does. The frame comes from the wire side of a tap and is parsed as hostile:
 * every offset is checked against len before it is read.
 */
#include <string.h>

#include "csum.h"
#include "ether.h"

#define TYPE_VLAN    0x8100
#define TYPE_QINQ    0x88a8
#define TYPE_IPV4    0x0800
#define TYPE_IPV6    0x86dd
#define VLAN_TAGS    2
#define PROTO_TCP    6
#define PROTO_UDP    17
#define IPV6_HOP     0
#define IPV6_ROUTING 43
#define IPV6_DSTOPTS 60

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The folded 16-bit one's complement sum of [p, p + n), in the byte order of this machine:
 * the sum does not depend on byte order (RFC 1071, 2(B)), so words are loaded as they lie and
 * the result is stored back the same way. 32-bit words fold to the same sum as their 16-bit
 * halves, as 2^16 = 1 modulo 0xffff; 64 bits hold the carries of any IP packet.
 */
static uint16_t sum16(const uint8_t *p, size_t n)
{
	uint64_t acc = 0;
	uint32_t w;
	uint16_t h;

	for (; n >= 4; p += 4, n -= 4) {
		memcpy(&w, p, 4);
		acc += w;
	}
	if (n >= 2) {
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		n -= 2;
	}
	if (n) {
		const uint8_t last[2] = {p[0], 0}; /* an odd byte is padded with a zero after it */

		memcpy(&h, last, 2);
		acc += h;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* The IPv4 packet at frame[off]: its payload's offset and length, and protocol. 0 or -1. */
static int parse_ipv4(const uint8_t *frame, size_t len, size_t off, size_t *ret_l4,
                      size_t *ret_l4len, uint8_t *ret_proto)
{
	const uint8_t *ip = frame + off;
	size_t ihl, total;

	if (len - off < 20 || ip[0] >> 4 != 4)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total = be16(ip + 2);
	/* A fragment, first or later, carries part of a segment whose checksum covers all of it;
	 * the kernel completes the checksum before it fragments (net/ipv4/ip_output.c
	 * ip_do_fragment(), net/ipv6/ip6_output.c ip6_fragment()). */
	if (ihl < 20 || total < ihl || total > len - off || (be16(ip + 6) & 0x3fff) != 0)
		return -1;
	*ret_l4 = off + ihl;
	*ret_l4len = total - ihl;
	*ret_proto = ip[9];
	return 0;
}

/* The IPv6 packet at frame[off], through its hop-by-hop, routing and destination-options
 * headers. 0 or -1. */
static int parse_ipv6(const uint8_t *frame, size_t len, size_t off, size_t *ret_l4,
                      size_t *ret_l4len, uint8_t *ret_proto)
{
	const uint8_t *ip = frame + off;
	size_t payload, end, cur;
	uint8_t next;

	if (len - off < 40 || ip[0] >> 4 != 6)
		return -1;
	payload = be16(ip + 4);
	/* 0: a jumbogram (RFC 2675) or a BIG TCP packet, longer than any frame here. */
	if (payload == 0 || payload > len - off - 40)
		return -1;
	next = ip[6];
	cur = off + 40;
	end = cur + payload;
	while (next == IPV6_HOP || next == IPV6_ROUTING || next == IPV6_DSTOPTS) {
		size_t hlen;

		if (end - cur < 8)
			return -1;
		hlen = ((size_t)frame[cur + 1] + 1) * 8;
		if (hlen > end - cur)
			return -1;
		next = frame[cur];
		cur += hlen;
	}
	*ret_l4 = cur;
	*ret_l4len = end - cur;
	*ret_proto = next;
	return 0;
}

int feth__csum_complete(uint8_t *frame, size_t len)
{
	size_t off = FETH__ETH_HLEN, l4, l4len, field;
	uint16_t type, sum;
	uint8_t proto;
	int r;

	if (!frame || len < FETH__ETH_HLEN)
		return 0;
	type = be16(frame + 12);
	for (int tags = 0; type == TYPE_VLAN || type == TYPE_QINQ; tags++) {
		if (tags == VLAN_TAGS || len - off < 4)
			return 0;
		type = be16(frame + off + 2);
		off += 4;
	}
	if (type == TYPE_IPV4)
		r = parse_ipv4(frame, len, off, &l4, &l4len, &proto);
	else if (type == TYPE_IPV6)
		r = parse_ipv6(frame, len, off, &l4, &l4len, &proto);
	else
		return 0;
	if (r < 0)
		return 0;
	if (proto == PROTO_TCP) {
		if (l4len < 20)
			return 0;
		field = l4 + 16;
	} else if (proto == PROTO_UDP) {
		/* The UDP length must be the IP payload's (a receiver trims to it); a field of 0
		 * holds no seed. */
		if (l4len < 8 || be16(frame + l4 + 4) != l4len || be16(frame + l4 + 6) == 0)
			return 0;
		field = l4 + 6;
	} else {
		return 0;
	}
	sum = (uint16_t)~sum16(frame + l4, l4len);
	if (sum == 0)
		sum = 0xffff; /* CSUM_MANGLED_0: for UDP, 0 would mean "no checksum" */
	memcpy(frame + field, &sum, 2);
	return 1;
}
