/* SPDX-License-Identifier: MIT */
/* The receive ring's reader (ring.h says what the kernel does and why the reader is so). */
#include <linux/if_packet.h>
#include <string.h>

#include "ring.h"

/* Where the struct sockaddr_ll sits after a frame's header (tpacket_rcv()). */
#define V2_SLL TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
#define V3_SLL TPACKET_ALIGN(sizeof(struct tpacket3_hdr))

static struct tpacket_block_desc *block(const struct feth__ring *r, uint32_t i)
{
	return (struct tpacket_block_desc *)(void *)(r->base + (size_t)i * r->block_size);
}

static struct tpacket2_hdr *slot(const struct feth__ring *r, uint32_t i)
{
	return (struct tpacket2_hdr *)(void *)(r->base +
	                                       (size_t)(i / r->per_block) * r->block_size +
	                                       (size_t)(i % r->per_block) * r->frame_size);
}

/* The status word of unit i. */
static volatile uint32_t *status_of(const struct feth__ring *r, uint32_t i)
{
	return r->v3 ? &block(r, i)->hdr.bh1.block_status : &slot(r, i)->tp_status;
}

void feth__ring_init(struct feth__ring *r, uint8_t *base, int v3, uint32_t block_size, uint32_t nr,
                     uint32_t frame_size)
{
	memset(r, 0, sizeof(*r));
	r->base = base;
	r->v3 = v3;
	r->block_size = block_size;
	r->nr = nr;
	r->frame_size = frame_size;
	r->per_block = v3 || !frame_size ? 1 : block_size / frame_size;
}

void feth__ring_release(struct feth__ring *r)
{
	for (; r->held > 0; r->held--) {
		if (r->v3) /* rx_gathering() reads it: the kernel resets it only when it reopens */
			block(r, r->rel)->hdr.bh1.num_pkts = 0;
		feth__ring_store_status(status_of(r, r->rel), TP_STATUS_KERNEL);
		r->rel = (r->rel + 1) % r->nr;
	}
	/* Units are taken in ring order from here on: the next one held is the next one taken
	 * (the V3 block being walked, if any, included). */
	r->rel = r->next;
}

/* The unit being taken is done: it goes back at the next release. */
static void hold_next(struct feth__ring *r)
{
	r->next = (r->next + 1) % r->nr;
	r->held++;
}

static int next_v2(struct feth__ring *r, struct feth__ring_pkt *p)
{
	for (;;) {
		struct tpacket2_hdr *h;
		const struct sockaddr_ll *sll;

		if (r->held >= r->nr)
			return 0; /* every slot was handed out by this receive */
		h = slot(r, r->next);
		if (!(feth__ring_load_status(&h->tp_status) & TP_STATUS_USER))
			return 0;
		hold_next(r);
		if (h->tp_mac < V2_SLL + sizeof(*sll) ||
		    (size_t)h->tp_mac + h->tp_snaplen > r->frame_size) {
			r->malformed++;
			continue;
		}
		sll = (const struct sockaddr_ll *)(const void *)((const uint8_t *)h + V2_SLL);
		p->mac = (uint8_t *)h + h->tp_mac;
		p->room = h->tp_mac - (uint32_t)(V2_SLL + sizeof(*sll));
		p->snaplen = h->tp_snaplen;
		p->len = h->tp_len;
		p->status = h->tp_status;
		p->sec = h->tp_sec;
		p->nsec = h->tp_nsec;
		p->vlan_tci = h->tp_vlan_tci;
		p->vlan_tpid = h->tp_vlan_tpid;
		p->pkttype = sll->sll_pkttype;
		return 1;
	}
}

/* Opens block `next` for walking: 1, or 0 when it is not handed over (or not the one the
 * kernel handed over next: then the walk stops, and the next receive finds its place). */
static int open_block(struct feth__ring *r)
{
	struct tpacket_block_desc *b;
	uint32_t first;

	if (r->held >= r->nr)
		return 0; /* every block was handed out by this receive */
	b = block(r, r->next);
	if (!(feth__ring_load_status(&b->hdr.bh1.block_status) & TP_STATUS_USER))
		return 0;
	if (r->seq && b->hdr.bh1.seq_num != r->seq) {
		if (r->held > 0 || !feth__ring_resync(r))
			return 0;
		b = block(r, r->next);
	}
	r->seq = b->hdr.bh1.seq_num + 1;
	r->taken++;
	first = b->hdr.bh1.offset_to_first_pkt;
	r->pkt_left = b->hdr.bh1.num_pkts;
	r->pkt_off = first;
	if (r->pkt_left && (first < sizeof(*b) || first >= r->block_size)) {
		r->malformed++;
		r->pkt_left = 0;
	}
	r->pkt = (const uint8_t *)b + first;
	if (r->pkt_left == 0)
		hold_next(r); /* nothing in it (or nothing usable): it goes back with the rest */
	return 1;
}

static int next_v3(struct feth__ring *r, struct feth__ring_pkt *p)
{
	for (;;) {
		const struct tpacket3_hdr *h;
		const struct sockaddr_ll *sll;
		uint32_t space;

		if (r->pkt_left == 0 && !open_block(r))
			return 0;
		if (r->pkt_left == 0)
			continue;
		h = (const struct tpacket3_hdr *)(const void *)r->pkt;
		space = r->block_size - r->pkt_off;
		if (space < V3_SLL + sizeof(*sll) || h->tp_mac < V3_SLL + sizeof(*sll) ||
		    h->tp_mac > space || h->tp_snaplen > space - h->tp_mac ||
		    (r->pkt_left > 1 &&
		     (h->tp_next_offset < V3_SLL + sizeof(*sll) || h->tp_next_offset >= space))) {
			/* A description that does not fit the block: the rest of it is lost. */
			r->malformed++;
			r->pkt_left = 0;
			hold_next(r);
			continue;
		}
		sll = (const struct sockaddr_ll *)(const void *)(r->pkt + V3_SLL);
		p->mac = (uint8_t *)(uintptr_t)(r->pkt + h->tp_mac);
		p->room = h->tp_mac - (uint32_t)(V3_SLL + sizeof(*sll));
		p->snaplen = h->tp_snaplen;
		p->len = h->tp_len;
		p->status = h->tp_status;
		p->sec = h->tp_sec;
		p->nsec = h->tp_nsec;
		p->vlan_tci = (uint16_t)h->hv1.tp_vlan_tci;
		p->vlan_tpid = (uint16_t)h->hv1.tp_vlan_tpid;
		p->pkttype = sll->sll_pkttype;
		if (--r->pkt_left > 0) {
			r->pkt_off += h->tp_next_offset;
			r->pkt += h->tp_next_offset;
		} else {
			hold_next(r); /* its views stay valid until the next release */
		}
		return 1;
	}
}

int feth__ring_next(struct feth__ring *r, struct feth__ring_pkt *ret)
{
	return r->v3 ? next_v3(r, ret) : next_v2(r, ret);
}

int feth__ring_pending(const struct feth__ring *r)
{
	if (r->v3 && r->pkt_left > 0)
		return 1;
	return r->held < r->nr && (feth__ring_load_status(status_of(r, r->next)) & TP_STATUS_USER);
}

int feth__ring_gathering(const struct feth__ring *r)
{
	const struct tpacket_block_desc *b;

	if (!r->v3)
		return 0;
	b = block(r, r->next);
	return !(feth__ring_load_status(&b->hdr.bh1.block_status) & TP_STATUS_USER) &&
	       __atomic_load_n(&b->hdr.bh1.num_pkts, __ATOMIC_RELAXED) > 0;
}

int feth__ring_resync(struct feth__ring *r)
{
	uint32_t best = r->nr;
	uint64_t best_seq = 0;

	if (!r->v3 || r->held > 0 || r->pkt_left > 0)
		return 0;
	for (uint32_t i = 0; i < r->nr; i++) {
		const struct tpacket_block_desc *b = block(r, i);
		uint64_t s;

		if (!(feth__ring_load_status(&b->hdr.bh1.block_status) & TP_STATUS_USER))
			continue;
		s = b->hdr.bh1.seq_num;
		if (best == r->nr || s < best_seq) {
			best = i;
			best_seq = s;
		}
	}
	if (best == r->nr)
		return 0;
	if (best != r->next || r->seq != best_seq)
		r->resyncs++;
	r->next = r->rel = best;
	r->seq = best_seq;
	return 1;
}
