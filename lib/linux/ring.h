/* SPDX-License-Identifier: MIT */
/*
 * The reader of an AF_PACKET receive ring, TPACKET_V3 (blocks of frames) or TPACKET_V2 (a slot
 * per frame): pure code over the mapped memory, no system call, so that tests can drive it
 * through every state against a model of the kernel (tests/unit/test_linux_ring.c).
 *
 * The kernel's side, as read in net/packet/af_packet.c (Linux 6.x):
 * - V3: the kernel fills the block it has open (kactive_blk_num) and hands it over
 *   (TP_STATUS_USER, block_status) when it is full or its retire timer fires, then opens the
 *   next block in ring order, numbering each block it opens (seq_num, one more each time:
 *   prb_open_block()). If that next block still belongs to the program, the queue freezes
 *   and every frame is dropped until the program gives that very block back
 *   (prb_dispatch_next_block(), __packet_lookup_frame_in_block()). poll() reports POLLIN while
 *   the block before the open one is not the kernel's (packet_poll(), __prb_previous_block()).
 * - V2: the kernel writes the slot at its head if that slot is the kernel's
 *   (TP_STATUS_KERNEL), marks it TP_STATUS_USER and moves its head on; a slot the program still
 *   holds stops it there, dropping frames (tpacket_rcv(), packet_current_rx_frame()).
 * So the reader must take units (blocks, slots) exactly in the kernel's order and give back
 * each one it took: a unit skipped or never given back stalls the kernel for good, while
 * poll() keeps reporting it ready (a program polling spins). The reader here never walks
 * onto a unit it handed out in the same receive, gives back exactly what it took, checks each
 * V3 block's number, and can find its place again (feth__ring_resync()).
 */
#ifndef FETH_LINUX_RING_H
#define FETH_LINUX_RING_H

#include <stddef.h>
#include <stdint.h>

struct feth__ring {
	uint8_t *base;
	int v3;              /* TPACKET_V3 blocks, else TPACKET_V2 slots */
	uint32_t block_size; /* bytes */
	uint32_t frame_size; /* V2: bytes per slot */
	uint32_t per_block;  /* V2: slots per block */
	uint32_t nr;         /* units: blocks (V3) or slots (V2) */
	/* The unit to take next; units [rel, rel + held) (ring order) were handed out by the last
	 * receive and go back to the kernel at the next. */
	uint32_t next, rel, held;
	/* V3: the block being walked, and the number the next block must carry (0: any). */
	const uint8_t *pkt;
	uint32_t pkt_left, pkt_off;
	uint64_t seq;
	uint64_t taken;     /* V3: blocks taken up */
	uint64_t malformed; /* blocks or slots whose description did not fit them */
	uint64_t resyncs;   /* times the reader found its place again */
};

/* A slot's or block's status word, shared with the kernel: read with acquire (the frame it
 * covers is then complete), written with release (the unit is handed over whole). Also the
 * send ring's slots. */
static inline uint32_t feth__ring_load_status(const volatile uint32_t *s)
{
	return __atomic_load_n(s, __ATOMIC_ACQUIRE);
}

static inline void feth__ring_store_status(volatile uint32_t *s, uint32_t v)
{
	__atomic_store_n(s, v, __ATOMIC_RELEASE);
}

/* One frame as the kernel described it, whichever the ring's version. */
struct feth__ring_pkt {
	uint8_t *mac;     /* the frame's first byte */
	uint32_t room;    /* free bytes in the ring right before mac */
	uint32_t snaplen; /* bytes at mac */
	uint32_t len;     /* the frame's length on the wire */
	uint32_t status;  /* its TP_STATUS_* */
	uint32_t sec, nsec;
	uint16_t vlan_tci, vlan_tpid;
	uint8_t pkttype; /* sll_pkttype */
};

/* A ring of nr units at base; for V2, frame_size bytes per slot in blocks of block_size. */
void feth__ring_init(struct feth__ring *r, uint8_t *base, int v3, uint32_t block_size, uint32_t nr,
                     uint32_t frame_size);
/* Gives back what the last receive handed out. */
void feth__ring_release(struct feth__ring *r);
/* The next frame, 1; 0 when none is there or the units this receive may hold are all taken. */
int feth__ring_next(struct feth__ring *r, struct feth__ring_pkt *ret);
/* 1 when feth__ring_next() has a frame (after a release). */
int feth__ring_pending(const struct feth__ring *r);
/* V3: the kernel has frames in the block it has open (it hands them over within its retire
 * timeout); always 0 for V2, whose slots are handed over one by one. */
int feth__ring_gathering(const struct feth__ring *r);
/* V3, with nothing held: the kernel says frames wait but none is where the reader looks, so it
 * has lost its place: take up the handed-over block with the lowest number. 1 if there is
 * one, 0 if not (or for V2, which cannot lose its place). */
int feth__ring_resync(struct feth__ring *r);

#endif /* FETH_LINUX_RING_H */
