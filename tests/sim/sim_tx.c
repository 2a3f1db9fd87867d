/* SPDX-License-Identifier: MIT */
/*
 * The simulated feth send path, from dlil_output to the peer's host stack:
 *
 *   dlil_output (one packet at a time, dlil_output.c@11417:380-481)
 *     -> ifnet_enqueue: down is ENETDOWN (dlil.c@11417:3364-3374), then the send queue, one
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
 * The host stack's own output (sim_host_send) is taken as the stack built it: the frames a
 * tap sees when a feth was created with hwcsum or tso_support (partial checksums, segments
 * over the MTU) are not modelled, as the library refuses such a feth (darwin-notes.md F8.2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define ETHER_HDR_LEN 14

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
			(void)pkt_copy(&ifp->parked, frame, len); /* no mbuf: nothing parked */
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
