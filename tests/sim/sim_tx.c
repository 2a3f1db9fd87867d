/* SPDX-License-Identifier: MIT */
/*
 * The simulated feth send path, from dlil_output to the peer's host stack:
 *
 *   dlil_output (one packet at a time, dlil_output.c@11417:380-481)
 *     -> ifnet_enqueue: down is ENETDOWN (dlil.c@11417:3381-3405), then the send queue, one
 *        FQ-CoDel flow with a drop limit of 2048 packets (classq_fq_codel.c@11417:477-545)
 *     -> feth_start on the starter thread (if_fake.c@11417:3829-3876; @10063:3508-3591, where
 *        every packet is first copied into one mbuf of at most 16 KiB)
 *     -> feth_output_common: trailer and FCS, the sender's BPF (out), the peer's BPF (in),
 *        ifnet_input on the peer (if_fake.c@11417:3772-3826; @10063:3474-3505)
 *     -> the peer's host stack: ether_demux and dlil_input (ether_if_module.c@11417:446-490,
 *        dlil_input.c@11417:1017-1030).
 *
 * The starter thread runs at once after each enqueue unless output is disabled (a stall), so
 * an unstalled interface delivers synchronously, in order. The legacy path (txstart 0) calls
 * feth_output directly; Skywalk native mode (bsd_mode 0) drops what the BSD stack sends.
 *
 * The host stack's own output (sim_host_send) applies the offloads a new feth was created
 * with: hwcsum leaves checksums to the "hardware", and without TSO a TCP segment larger than
 * the MTU is cut into MTU-sized ones, as the stack would have sent them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define ETHER_HDR_LEN 14
#define ETHERTYPE_IP  0x0800
#define ETHERTYPE_IP6 0x86dd
#define IPPROTO_TCP_  6
#define IPPROTO_UDP_  17
#define TH_FIN        0x01
#define TH_PSH        0x08
#define TH_CWR        0x80

static const char feth_trailer[SIM_FETH_TRAILER_MAX + 1] = "trailertrailertrailertrailer";

/* ---- the host stack's input ------------------------------------------------------------- */

static void inbox_put(struct sim_inbox *in, const uint8_t *frame, size_t len)
{
	uint8_t *copy;

	if (in->count == SIM_INBOX_CAP || !(copy = malloc(len ? len : 1))) {
		in->dropped++;
		return;
	}
	memcpy(copy, frame, len);
	in->frame[(in->head + in->count) % SIM_INBOX_CAP] = copy;
	in->len[(in->head + in->count) % SIM_INBOX_CAP] = (uint32_t)len;
	in->count++;
}

void sim__inbox_free(struct sim_inbox *in)
{
	if (!in)
		return;
	for (size_t k = 0; k < in->count; k++)
		free(in->frame[(in->head + k) % SIM_INBOX_CAP]);
	free(in);
}

/*
 * ifnet_input on ifp. ether_demux marks a unicast frame for another MAC address M_PROMISC,
 * whatever IFF_PROMISC says (ether_if_module.c@11417:462-479), and dlil_input frees every
 * M_PROMISC frame not for a VLAN or bond protocol (dlil_input.c@11417:1017-1030): the host
 * stack never sees it (BPF did, in feth_output_common). A frame too short for a header has
 * nothing to demux.
 */
static void ether_input(struct sim *sim, struct sim_ifnet *ifp, const uint8_t *frame, size_t len)
{
	if (sim->inbox_off)
		return;
	if (len < ETHER_HDR_LEN)
		return;
	if (!(frame[0] & 1) && memcmp(frame, ifp->mac, 6) != 0) {
		ifp->host_filtered++;
		return;
	}
	if (!ifp->inbox)
		ifp->inbox = calloc(1, sizeof(*ifp->inbox));
	if (ifp->inbox)
		inbox_put(ifp->inbox, frame, len);
}

/* ---- feth_output_common ------------------------------------------------------------------ */

/* The IEEE CRC-32 libkern's crc32() computes (bsd/libkern/crc32.c@11417:93-105). */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return crc ^ 0xffffffffu;
}

/*
 * A packet leaves ifp for its peer. The trailer (the first trailer_len bytes of
 * feth_trailer) and the FCS (a CRC-32 of frame and trailer, stored as the little-endian
 * machine wrote it) follow the frame (if_fake.c@11417:3727-3770, 3785-3790). Up to macOS 14
 * the sender's BPF tapped the frame before they were added (@10063:3488-3495); from macOS 15
 * (xnu-11215) both taps see them. ether_demux strips the FCS of an M_HASFCS packet before the
 * stack (ether_if_module.c@11417:481-489); the trailer stays.
 */
static void output_common(struct sim *sim, struct sim_ifnet *ifp, struct sim_ifnet *peer,
                          const uint8_t *frame, size_t len)
{
	size_t extra = ifp->trailer_len + (ifp->fcs ? 4u : 0u), olen = len;
	bool tap_late = sim__macos_at_least(sim, 15, 0);
	const uint8_t *out = frame;

	if (extra && sim__reserve((void **)&sim->obuf, &sim->cap_obuf, len + extra, 1)) {
		memcpy(sim->obuf, frame, len);
		memcpy(sim->obuf + len, feth_trailer, ifp->trailer_len);
		olen = len + ifp->trailer_len;
		if (ifp->fcs) {
			uint32_t crc = crc32_ieee(sim->obuf, olen);

			for (int k = 0; k < 4; k++)
				sim->obuf[olen + (size_t)k] = (uint8_t)(crc >> (8 * k));
			olen += 4;
		}
		out = sim->obuf;
	}
	sim__bpf_tap(sim, ifp, true, tap_late ? out : frame, tap_late ? olen : len);
	sim__bpf_tap(sim, peer, false, out, olen);
	ether_input(sim, peer, out, olen - (out != frame && ifp->fcs ? 4u : 0u));
}

/* ---- the send queue and feth_start -------------------------------------------------------- */

/* copy_mbuf up to macOS 14: a packet over one 16 KiB cluster cannot be copied
 * (if_fake.c@10063:3385-3399). macOS 15 moves the mbuf as it is. */
static bool copy_fits(const struct sim *sim, size_t len)
{
	return sim__macos_at_least(sim, 15, 0) || len <= SIM_FETH_COPY_MAX;
}

static bool txq_pop(struct sim_txq *q, struct sim_pkt *out)
{
	if (q->count == 0)
		return false;
	*out = q->ring[q->head];
	q->head = (q->head + 1) % SIM_TXQ_DROP_LIMIT;
	q->count--;
	q->bytes -= out->len;
	return true;
}

static bool pkt_copy(struct sim_pkt *p, const uint8_t *frame, size_t len)
{
	p->data = malloc(len ? len : 1);
	if (!p->data)
		return false;
	memcpy(p->data, frame, len);
	p->len = (uint32_t)len;
	return true;
}

void sim__txq_purge(struct sim_ifnet *ifp)
{
	struct sim_pkt p;

	while (txq_pop(&ifp->txq, &p))
		free(p.data);
	free(ifp->txq.ring);
	ifp->txq.ring = NULL;
	free(ifp->parked.data);
	ifp->parked.data = NULL;
}

/*
 * feth_start. Up to macOS 14 a packet the copy fails on is parked when the interface still
 * has a peer, and every later start retries it first and returns at once when it fails again
 * (if_fake.c@10063:3537-3549, 3563-3590): with a peer, that side never transmits again, its
 * queue only fills. Without a peer, start frees the parked packet and everything queued.
 */
static void feth_start(struct sim *sim, struct sim_ifnet *ifp)
{
	struct sim_ifnet *peer = ifp->peer;
	struct sim_pkt p;

	if (ifp->stalled)
		return;
	if (ifp->parked.data) {
		if (peer && !copy_fits(sim, ifp->parked.len))
			return;
		if (peer)
			output_common(sim, ifp, peer, ifp->parked.data, ifp->parked.len);
		free(ifp->parked.data);
		ifp->parked.data = NULL;
	}
	while (txq_pop(&ifp->txq, &p)) {
		if (peer && !copy_fits(sim, p.len)) {
			ifp->parked = p;
			return;
		}
		if (peer)
			output_common(sim, ifp, peer, p.data, p.len);
		free(p.data);
	}
}

/*
 * ifnet_enqueue into the FQ-CoDel queue, then ifnet_start. At the drop limit
 * (fq_if_at_drop_limit, pktsched_fq_codel.c@11417:1830-1834) the flow holding at least 15000
 * bytes is the large flow and pays with its head packet while the new one goes in, a success
 * (classq_fq_codel.c@11417:477-512, pktsched_fq_codel.c@11417:2014-2035); only when no flow is
 * that large is the new packet dropped, ENOBUFS (classq_fq_codel.c@11417:514-532,
 * pktsched_fq_codel.c@11417:591-593). The starter is kicked after a success, EQFULL or
 * EQSUSPENDED, not after a drop (dlil.c@11417:3262-3271).
 */
static int enqueue(struct sim *sim, struct sim_ifnet *ifp, const uint8_t *frame, size_t len)
{
	struct sim_txq *q = &ifp->txq;
	struct sim_pkt p;

	sim->enqueues++;
	if (sim->enq_fail_at && sim->enqueues == sim->enq_fail_at) {
		int err = sim->enq_fail_err;

		sim->enq_fail_at = 0;
		q->drops++;
		/* dlil_output turns EQFULL and EQSUSPENDED into success, the packet dropped or
		 * not (dlil_output.c@11417:453-461). */
		if (err == SIM_EQFULL || err == SIM_EQSUSPENDED) {
			feth_start(sim, ifp);
			return 0;
		}
		return -err;
	}
	/* An idle, running queue: the starter takes the packet at once. */
	if (!ifp->stalled && q->count == 0 && !ifp->parked.data) {
		if (!ifp->peer)
			return 0;
		if (!copy_fits(sim, len)) {
			if (!pkt_copy(&ifp->parked, frame, len))
				ifp->parked.data = NULL;
			return 0;
		}
		output_common(sim, ifp, ifp->peer, frame, len);
		return 0;
	}
	if (!q->ring) {
		q->ring = calloc(SIM_TXQ_DROP_LIMIT, sizeof(*q->ring));
		if (!q->ring)
			return -ENOBUFS;
	}
	if (q->count >= SIM_TXQ_DROP_LIMIT) {
		if (q->bytes < SIM_FQ_LARGE_FLOW) {
			q->drops++;
			return -ENOBUFS;
		}
		if (txq_pop(q, &p))
			free(p.data);
		q->head_drops++;
	}
	if (!pkt_copy(&p, frame, len))
		return -ENOBUFS; /* no mbuf */
	q->ring[(q->head + q->count) % SIM_TXQ_DROP_LIMIT] = p;
	q->count++;
	q->bytes += p.len;
	feth_start(sim, ifp);
	return 0;
}

/*
 * dlil_output of one raw packet. An interface that is detaching has no I/O reference to give
 * (ifnet_datamov_begin, dlil_output.c@11417:96-99): ENXIO. Other interfaces than feth send to
 * a wire nobody watches. A feth created with bsd_mode 0 is a Skywalk native netif: what the
 * BSD stack hands it goes nowhere until a netif channel exists, and its taps are in the nexus
 * code (if_fake.c@11417:1505-1515, 2276-2295); none exists here. A feth created with txstart 0
 * has feth_output as its output (IFNET_INIT_LEGACY, if_fake.c@11417:3576-3580;
 * kpi_interface.c@11417:446-459; dlil_ctl.c@11417:387-390): no IFF_UP check, no queue, the
 * copy up to macOS 14 failing into a silent drop (if_fake.c@10063:3594-3631).
 */
int sim__if_send(struct sim *sim, struct sim_ifnet *ifp, const uint8_t *frame, size_t len)
{
	if (ifp->detaching)
		return -ENXIO;
	if (ifp->feth && ifp->bsd_mode && !ifp->txstart) {
		if (!copy_fits(sim, len) || !ifp->peer)
			return 0;
		output_common(sim, ifp, ifp->peer, frame, len);
		return 0;
	}
	if (!(ifp->flags & DARWIN_IFF_UP))
		return -ENETDOWN;
	if (!ifp->feth || !ifp->bsd_mode)
		return 0;
	return enqueue(sim, ifp, frame, len);
}

/* ifnet_disable_output / ifnet_enable_output: ENXIO without the start model; enabling starts
 * the interface (dlil.c@11417:7203-7238). */
int sim__if_set_stall(struct sim *sim, struct sim_ifnet *ifp, bool stall)
{
	if (!ifp->feth || ifp->detaching || (ifp->bsd_mode && !ifp->txstart))
		return -ENXIO;
	ifp->stalled = stall;
	if (!stall)
		feth_start(sim, ifp);
	return 0;
}

/* ---- the host stack's output ------------------------------------------------------------ */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (; n > 1; p += 2, n -= 2)
		acc += rd16(p);
	if (n)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffffu) + (acc >> 16);
	return (uint16_t)acc;
}

/* What an IPv4 or IPv6 frame carries, for the offloads; false when it is neither. */
struct l3 {
	bool v6;
	size_t ip, l4; /* offsets of the IP header and of the transport header */
	size_t l4len;  /* transport header and payload */
	uint8_t proto; /* IPPROTO_*, 0 when the offloads leave it alone */
	bool fragment;
};

static bool parse_l3(const uint8_t *f, size_t len, struct l3 *o)
{
	uint16_t type;

	memset(o, 0, sizeof(*o));
	if (len < ETHER_HDR_LEN)
		return false;
	type = rd16(f + 12);
	o->ip = ETHER_HDR_LEN;
	if (type == ETHERTYPE_IP && len >= ETHER_HDR_LEN + 20 && (f[14] >> 4) == 4) {
		size_t ihl = (size_t)(f[14] & 0xf) * 4, tot = rd16(f + 16);

		if (ihl < 20 || tot < ihl || ETHER_HDR_LEN + tot > len)
			return false;
		o->l4 = o->ip + ihl;
		o->l4len = tot - ihl;
		o->proto = f[23];
		o->fragment = (rd16(f + 20) & 0x3fff) != 0;
		return true;
	}
	if (type == ETHERTYPE_IP6 && len >= ETHER_HDR_LEN + 40 && (f[14] >> 4) == 6) {
		size_t plen = rd16(f + 18);

		if (ETHER_HDR_LEN + 40 + plen > len)
			return false;
		o->v6 = true;
		o->l4 = o->ip + 40;
		o->l4len = plen;
		o->proto = f[20]; /* no extension header is looked through */
		return true;
	}
	return false;
}

/* The pseudo-header sum (in_pseudo / in6_pseudo), folded, not complemented. */
static uint32_t pseudo(const uint8_t *f, const struct l3 *o)
{
	uint32_t acc = o->proto + (uint32_t)(o->l4len >> 16) + (uint32_t)(o->l4len & 0xffff);

	if (o->v6)
		return sum16(f + o->ip + 8, 32, acc);
	return sum16(f + o->ip + 12, 8, acc);
}

static size_t csum_off(const struct l3 *o)
{
	return o->l4 + (o->proto == IPPROTO_TCP_ ? 16u : 6u);
}

/*
 * The checksums the stack leaves in f. With checksum offload (hwcsum 1: IFNET_CSUM_IP, TCP,
 * UDP and their IPv6 forms, if_fake.c@11417:3436-3439) the IPv4 header sum stays 0 and TCP and
 * UDP carry only their pseudo-header sum (ip_output; tcp_output and udp_output put in_pseudo
 * there for the hardware to finish). Without it, when `compute`, they are computed whole.
 */
static void stack_csums(uint8_t *f, const struct l3 *o, bool offload, bool compute)
{
	bool l4 = (o->proto == IPPROTO_TCP_ || o->proto == IPPROTO_UDP_) && !o->fragment &&
	          o->l4len >= (o->proto == IPPROTO_TCP_ ? 20u : 8u);

	if (!o->v6 && (offload || compute)) {
		size_t ihl = o->l4 - o->ip;

		wr16(f + o->ip + 10, 0);
		if (!offload)
			wr16(f + o->ip + 10, (uint16_t)~fold(sum16(f + o->ip, ihl, 0)));
	}
	if (!l4 || !(offload || compute))
		return;
	wr16(f + csum_off(o), 0);
	if (offload) {
		wr16(f + csum_off(o), fold(pseudo(f, o)));
	} else {
		uint16_t c = (uint16_t)~fold(sum16(f + o->l4, o->l4len, pseudo(f, o)));

		wr16(f + csum_off(o), o->proto == IPPROTO_UDP_ && c == 0 ? 0xffff : c);
	}
}

/*
 * A TCP segment larger than the MTU, on an interface without TSO: the stack would have sent
 * MTU-sized segments (tcp_output cuts at the MSS; TSO lets it hand down up to IP_MAXPACKET,
 * if_fake.c@11417:3440-3441, 3582-3584). Each gets the headers, its share of the payload, the
 * sequence number advanced, FIN and PSH on the last only, CWR on the first only, a new IPv4
 * id, and its checksums. Returns the first error.
 */
static int segment(struct sim *sim, struct sim_ifnet *ifp, const uint8_t *f, const struct l3 *o)
{
	size_t thl = (size_t)(f[o->l4 + 12] >> 4) * 4, hdrs = o->l4 + thl, ipl = o->l4 - o->ip;
	size_t payload = o->l4len - thl, mss = (size_t)ifp->mtu - ipl - thl;
	uint32_t seq = (uint32_t)rd16(f + o->l4 + 4) << 16 | rd16(f + o->l4 + 6);
	int first_err = 0;

	if (!sim__reserve((void **)&sim->sbuf, &sim->cap_sbuf, hdrs + mss, 1))
		return -ENOBUFS;
	for (size_t off = 0, i = 0; off < payload; off += mss, i++) {
		size_t n = payload - off < mss ? payload - off : mss;
		uint8_t *s = sim->sbuf, fl;
		struct l3 so = *o;
		int r;

		memcpy(s, f, hdrs);
		memcpy(s + hdrs, f + hdrs + off, n);
		so.l4len = thl + n;
		if (o->v6) {
			wr16(s + o->ip + 4, (uint16_t)so.l4len);
		} else {
			wr16(s + o->ip + 2, (uint16_t)(ipl + so.l4len));
			wr16(s + o->ip + 4, (uint16_t)(rd16(f + o->ip + 4) + i));
		}
		wr16(s + o->l4 + 4, (uint16_t)((seq + off) >> 16));
		wr16(s + o->l4 + 6, (uint16_t)(seq + off));
		fl = f[o->l4 + 13];
		if (off + n < payload)
			fl &= (uint8_t) ~(TH_FIN | TH_PSH);
		if (off > 0)
			fl &= (uint8_t)~TH_CWR;
		s[o->l4 + 13] = fl;
		stack_csums(s, &so, ifp->hwcsum, true);
		r = sim__if_send(sim, ifp, s, hdrs + n);
		if (r < 0 && !first_err)
			first_err = r;
	}
	return first_err;
}

/* Whether the stack would have cut this frame: a whole TCP segment (header length sane) longer
 * than MTU + 14, leaving room for payload in each piece, out of an interface without TSO. */
static bool must_segment(const struct sim_ifnet *ifp, const uint8_t *f, size_t len,
                         const struct l3 *o)
{
	size_t thl;

	if (ifp->tso || o->proto != IPPROTO_TCP_ || o->fragment || o->l4len < 20 ||
	    len <= (size_t)ifp->mtu + ETHER_HDR_LEN)
		return false;
	thl = (size_t)(f[o->l4 + 12] >> 4) * 4;
	return thl >= 20 && thl <= o->l4len && (size_t)ifp->mtu > (o->l4 - o->ip) + thl;
}

int sim__host_output(struct sim *sim, struct sim_ifnet *ifp, const uint8_t *frame, size_t len)
{
	struct l3 o;
	bool ip = parse_l3(frame, len, &o);

	if (ip && must_segment(ifp, frame, len, &o))
		return segment(sim, ifp, frame, &o);
	if (ip && ifp->hwcsum) {
		if (!sim__reserve((void **)&sim->sbuf, &sim->cap_sbuf, len, 1))
			return -ENOBUFS;
		memcpy(sim->sbuf, frame, len);
		stack_csums(sim->sbuf, &o, true, false);
		return sim__if_send(sim, ifp, sim->sbuf, len);
	}
	return sim__if_send(sim, ifp, frame, len);
}
