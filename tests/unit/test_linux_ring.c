/* SPDX-License-Identifier: MIT */
/*
 * The receive ring's reader (lib/linux/ring.c) against a model of the kernel's writer, in
 * every state the kernel can put the ring in: blocks or slots handed over one frame at a time
 * until the ring is full and the kernel freezes and drops, block counts that are not powers
 * of two, a reader that lost its place, and long random runs of arrivals, retire timer ticks
 * and receives of every size. Checked throughout: no frame is handed out twice or out of
 * order, none the kernel kept is lost, views hold their bytes until the next receive, and
 * after a receive that finds nothing the descriptor would not report ready (no spin).
 *
 * The model follows net/packet/af_packet.c (Linux 6.x): for TPACKET_V3, prb_open_block()
 * numbers each block it opens, __packet_lookup_frame_in_block() fills the open block, closes
 * it when a frame does not fit and opens the next unless the program still holds it (then the
 * queue freezes and frames are dropped until that block is given back), the retire timer
 * (prb_retire_rx_blk_timer_expired()) hands over a block with frames in it, and packet_poll()
 * reports ready while the block before the open one is not the kernel's. For TPACKET_V2,
 * tpacket_rcv() writes the slot at its head only if that slot is the kernel's, and
 * packet_poll() looks at the slot before the head.
 */
#include <linux/if_packet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "linux/ring.h"

#define BLOCK  4096u
#define SLOT   512u
#define MAXLEN 200u /* frames of 14..MAXLEN bytes: several in a block, one in a slot */
#define V3_SLL TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
#define V2_SLL TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
#define MAC    (V3_SLL + 32) /* where the model puts a frame in its space (as tpacket_rcv()) */

/* The kernel's side. */
struct kern {
	uint8_t *mem;
	int v3;
	uint32_t nr;      /* blocks (V3) or slots (V2) */
	uint32_t per_blk; /* V2: slots per block */
	uint32_t head;    /* V3: the open block; V2: the next slot */
	int frozen;       /* V3 */
	uint32_t off;     /* V3: where the next frame goes in the open block */
	uint64_t seq;     /* V3: the next block's number */
	uint32_t prev;    /* V3: offset of the last frame in the open block, 0: none */
	uint32_t next_id; /* frame numbers, from 1 */
	uint64_t dropped;
	uint8_t dropped_ids[1u << 16]; /* 1: frame id dropped (ids are kept below 65536) */
};

static uint32_t ld(const volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void st(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static struct tpacket_block_desc *kblock(struct kern *k, uint32_t i)
{
	return (struct tpacket_block_desc *)(void *)(k->mem + (size_t)i * BLOCK);
}

static struct tpacket2_hdr *kslot(struct kern *k, uint32_t i)
{
	return (struct tpacket2_hdr *)(void *)(k->mem + (size_t)(i / k->per_blk) * BLOCK +
	                                       (size_t)(i % k->per_blk) * SLOT);
}

/* A frame length from 14 to MAXLEN bytes. */
static uint32_t rand_len(void)
{
	return 14 + (uint32_t)rand() % (MAXLEN - 13);
}

/* The bytes of frame `id` of `len` bytes. */
static void pattern(uint8_t *f, uint32_t id, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		f[i] = (uint8_t)(id * 131u + i * 7u);
	memcpy(f, &id, sizeof(id)); /* the first bytes say which frame it is */
}

static void k_open(struct kern *k)
{
	struct tpacket_block_desc *b = kblock(k, k->head);

	b->hdr.bh1.seq_num = k->seq++;
	b->hdr.bh1.num_pkts = 0;
	b->hdr.bh1.offset_to_first_pkt = (uint32_t)((sizeof(*b) + 7) & ~7u);
	k->off = b->hdr.bh1.offset_to_first_pkt;
	k->prev = 0;
	k->frozen = 0;
}

/* Hands the open block over and opens the next, or freezes. */
static void k_close(struct kern *k)
{
	st(&kblock(k, k->head)->hdr.bh1.block_status, TP_STATUS_USER);
	k->head = (k->head + 1) % k->nr;
	if (ld(&kblock(k, k->head)->hdr.bh1.block_status) & TP_STATUS_USER)
		k->frozen = 1;
	else
		k_open(k);
}

static void kern_init(struct kern *k, int v3, uint32_t nr)
{
	memset(k, 0, sizeof(*k));
	k->v3 = v3;
	k->nr = nr;
	k->per_blk = BLOCK / SLOT;
	k->mem = calloc(v3 ? nr : (nr + k->per_blk - 1) / k->per_blk, BLOCK);
	assert_non_null(k->mem);
	k->seq = 1;
	k->next_id = 1;
	if (v3)
		k_open(k);
}

static void v3_write(struct kern *k, uint32_t id, uint32_t len)
{
	struct tpacket_block_desc *b = kblock(k, k->head);
	struct tpacket3_hdr *h = (struct tpacket3_hdr *)(void *)((uint8_t *)b + k->off);
	struct sockaddr_ll *sll = (struct sockaddr_ll *)(void *)((uint8_t *)h + V3_SLL);

	memset(h, 0, MAC);
	h->tp_mac = MAC;
	h->tp_snaplen = h->tp_len = len;
	h->tp_sec = id;
	sll->sll_pkttype = PACKET_HOST;
	pattern((uint8_t *)h + MAC, id, len);
	if (k->prev)
		((struct tpacket3_hdr *)(void *)((uint8_t *)b + k->prev))->tp_next_offset =
		    k->off - k->prev;
	k->prev = k->off;
	k->off += (MAC + len + 7) & ~7u;
	b->hdr.bh1.num_pkts++;
}

/* A frame arrives: 1 kept, 0 dropped. */
static int k_frame(struct kern *k, uint32_t len)
{
	uint32_t id = k->next_id++;

	assert_true(id < sizeof(k->dropped_ids));
	if (k->v3) {
		uint32_t need = (MAC + len + 7) & ~7u;

		if (k->frozen) {
			if (ld(&kblock(k, k->head)->hdr.bh1.block_status) & TP_STATUS_USER)
				goto drop;
			k_open(k);
		}
		if (k->off + need >= BLOCK) {
			k_close(k);
			if (k->frozen)
				goto drop;
		}
		v3_write(k, id, len);
		return 1;
	} else {
		struct tpacket2_hdr *h = kslot(k, k->head);
		struct sockaddr_ll *sll = (struct sockaddr_ll *)(void *)((uint8_t *)h + V2_SLL);

		if (ld(&h->tp_status) != TP_STATUS_KERNEL)
			goto drop;
		h->tp_mac = V2_SLL + 32;
		h->tp_snaplen = h->tp_len = len;
		h->tp_sec = id;
		sll->sll_pkttype = PACKET_HOST;
		pattern((uint8_t *)h + h->tp_mac, id, len);
		st(&h->tp_status, TP_STATUS_USER);
		k->head = (k->head + 1) % k->nr;
		return 1;
	}
drop:
	k->dropped++;
	k->dropped_ids[id] = 1;
	return 0;
}

/* The retire timer: a block with frames in it is handed over. */
static void k_timer(struct kern *k)
{
	if (!k->v3)
		return;
	if (k->frozen) {
		if (!(ld(&kblock(k, k->head)->hdr.bh1.block_status) & TP_STATUS_USER))
			k_open(k);
		return;
	}
	if (kblock(k, k->head)->hdr.bh1.num_pkts > 0)
		k_close(k);
}

/* packet_poll(): ready while the unit before the kernel's is not the kernel's. */
static int k_poll(struct kern *k)
{
	uint32_t prev = (k->head + k->nr - 1) % k->nr;

	if (k->v3)
		return ld(&kblock(k, prev)->hdr.bh1.block_status) != TP_STATUS_KERNEL;
	return ld(&kslot(k, prev)->tp_status) != TP_STATUS_KERNEL;
}

/* The reader's side: a receive as lib/linux/tap.c makes it. */
struct reader {
	struct feth__ring r;
	uint32_t last_id; /* the last frame handed out */
	uint64_t got;
	struct feth__ring_pkt views[512];
};

/* One receive of up to max frames (as linux_tap_recv(): release, walk, and on nothing, the
 * descriptor's word on whether the reader lost its place). Checks order and bytes. */
static int receive(struct kern *k, struct reader *rd, size_t max)
{
	size_t n = 0;
	static uint8_t want[MAXLEN];

	assert_true(max <= 512);
	feth__ring_release(&rd->r);
	while (n < max && feth__ring_next(&rd->r, &rd->views[n]))
		n++;
	if (n == 0 && k_poll(k) && feth__ring_resync(&rd->r))
		while (n < max && feth__ring_next(&rd->r, &rd->views[n]))
			n++;
	for (size_t i = 0; i < n; i++) {
		uint32_t id;

		memcpy(&id, rd->views[i].mac, sizeof(id));
		assert_int_equal(rd->views[i].sec, id);
		/* Never twice, never out of order, none the kernel kept skipped. */
		assert_true(id > rd->last_id);
		for (uint32_t j = rd->last_id + 1; j < id; j++)
			if (!k->dropped_ids[j])
				fail_msg("frame %u was kept by the kernel but never handed out", j);
		rd->last_id = id;
	}
	/* Every view of this receive still holds its bytes (nothing was given back early). */
	for (size_t i = 0; i < n; i++) {
		uint32_t id;

		memcpy(&id, rd->views[i].mac, sizeof(id));
		pattern(want, id, rd->views[i].snaplen);
		assert_memory_equal(rd->views[i].mac, want, rd->views[i].snaplen);
	}
	rd->got += n;
	/* Nothing found: the descriptor must not say otherwise (a program would spin). */
	if (n == 0)
		assert_false(k_poll(k));
	return (int)n;
}

static void reader_init(struct reader *rd, struct kern *k)
{
	memset(rd, 0, sizeof(*rd));
	if (k->v3)
		feth__ring_init(&rd->r, k->mem, 1, BLOCK, k->nr, 0);
	else
		feth__ring_init(&rd->r, k->mem, 0, BLOCK, k->nr, SLOT);
}

/* Receives until nothing is left (the timer hands over the last block). */
static void drain(struct kern *k, struct reader *rd)
{
	k_timer(k);
	for (int i = 0; i < 100000 && receive(k, rd, 64) > 0; i++)
		k_timer(k);
	k_timer(k);
	while (receive(k, rd, 64) > 0)
		;
	assert_int_equal(rd->got + k->dropped, k->next_id - 1);
}

/* A light stream: every unit handed over with one frame, until the ring is full and the kernel
 * drops; one receive of 256 takes each frame once, in order; nothing is readable after. */
static void light_stream(int v3, uint32_t nr)
{
	static struct kern k;
	static struct reader rd;

	kern_init(&k, v3, nr);
	reader_init(&rd, &k);
	for (int round = 0; round < 5; round++) {
		uint32_t kept = 0;

		for (uint32_t i = 0; i < nr + 7; i++) {
			kept += (uint32_t)k_frame(&k, 60);
			k_timer(&k);
		}
		assert_int_equal(kept, nr);
		assert_int_equal(receive(&k, &rd, 256), (int)kept);
		assert_int_equal(receive(&k, &rd, 256), 0);
		assert_false(k_poll(&k));
	}
	drain(&k, &rd);
	free(k.mem);
}

static void test_v3_light_stream_every_block(void **state)
{
	(void)state;
	light_stream(1, 16);
	light_stream(1, 10); /* not a power of two */
	light_stream(1, 3);
	light_stream(1, 128);
}

static void test_v2_light_stream_every_slot(void **state)
{
	(void)state;
	light_stream(0, 16);
	light_stream(0, 10);
	light_stream(0, 97);
}

/* The reader put anywhere in the ring, in any state: it finds its place again, hands out
 * nothing twice and loses nothing the kernel kept. */
static void test_v3_lost_place_found_again(void **state)
{
	static struct kern k;
	static struct reader rd;
	uint64_t resyncs = 0;

	(void)state;
	srand(7);
	for (uint32_t nr = 2; nr <= 12; nr++) {
		for (uint32_t wrong = 1; wrong < nr; wrong++) {
			kern_init(&k, 1, nr);
			reader_init(&rd, &k);
			for (int i = 0; i < 40; i++) {
				k_frame(&k, rand_len());
				if (i % 3 == 0)
					k_timer(&k);
				if (i % 5 == 0)
					receive(&k, &rd, 1 + (size_t)rand() % 40);
			}
			/* Out of step: between two receives, with no block half walked, the reader
			 * looks elsewhere. */
			receive(&k, &rd, 512);
			feth__ring_release(&rd.r);
			assert_int_equal(rd.r.pkt_left, 0);
			rd.r.next = rd.r.rel = (rd.r.next + wrong) % nr;
			for (int i = 0; i < 200; i++) {
				k_frame(&k, rand_len());
				if (i % 2 == 0)
					k_timer(&k);
				if (i % 3 == 0)
					receive(&k, &rd, 1 + (size_t)rand() % 40);
			}
			drain(&k, &rd);
			resyncs += rd.r.resyncs;
			free(k.mem);
		}
	}
	assert_true(resyncs > 0);
	printf("    %llu times the reader found its place again\n", (unsigned long long)resyncs);
}

/* Long random runs: arrivals of every size, timer ticks and receives of every size, with
 * stalls long enough to fill the ring; the invariants are checked at every receive. */
static void random_runs(int v3)
{
	static struct kern k;
	static struct reader rd;
	uint64_t dropped = 0, got = 0;

	srand(v3 ? 11 : 13);
	for (int run = 0; run < 60; run++) {
		uint32_t nr = 2 + (uint32_t)rand() % (v3 ? 20 : 60);

		kern_init(&k, v3, nr);
		reader_init(&rd, &k);
		for (int i = 0; i < 1500 && k.next_id < 60000; i++) {
			int op = rand() % 10, burst = rand() % 3 == 0 ? rand() % 200 : 1;

			if (op < 6)
				for (int j = 0; j < burst; j++)
					k_frame(&k, rand_len());
			else if (op < 8)
				k_timer(&k);
			else
				receive(&k, &rd, 1 + (size_t)rand() % (rand() % 2 ? 8 : 512));
		}
		drain(&k, &rd);
		dropped += k.dropped;
		got += rd.got;
		assert_int_equal(rd.r.malformed, 0);
		free(k.mem);
	}
	assert_true(dropped > 0); /* the runs did fill the ring */
	printf("    %s: %llu frames handed out, %llu dropped by the kernel model\n",
	       v3 ? "V3" : "V2", (unsigned long long)got, (unsigned long long)dropped);
}

static void test_v3_random_runs(void **state)
{
	(void)state;
	random_runs(1);
}

static void test_v2_random_runs(void **state)
{
	(void)state;
	random_runs(0);
}

/* Descriptions that do not fit their block or slot are skipped and counted, never read past. */
static void test_malformed_descriptions(void **state)
{
	static struct kern k;
	static struct reader rd;
	struct feth__ring_pkt p;
	struct tpacket_block_desc *b;
	struct tpacket2_hdr *h;

	(void)state;
	kern_init(&k, 1, 4);
	reader_init(&rd, &k);
	k_frame(&k, 100);
	k_frame(&k, 100);
	b = kblock(&k, 0);
	((struct tpacket3_hdr *)(void *)((uint8_t *)b + b->hdr.bh1.offset_to_first_pkt))
	    ->tp_snaplen = BLOCK;
	k_timer(&k);
	assert_int_equal(feth__ring_next(&rd.r, &p), 0);
	assert_int_equal(rd.r.malformed, 1);
	k_frame(&k, 100);
	kblock(&k, 1)->hdr.bh1.offset_to_first_pkt = BLOCK + 8;
	k_timer(&k);
	feth__ring_release(&rd.r);
	assert_int_equal(feth__ring_next(&rd.r, &p), 0);
	assert_int_equal(rd.r.malformed, 2);
	free(k.mem);

	kern_init(&k, 0, 4);
	reader_init(&rd, &k);
	k_frame(&k, 100);
	k_frame(&k, 100);
	h = kslot(&k, 0);
	h->tp_mac = SLOT - 10;                           /* past the slot with 100 bytes */
	assert_int_equal(feth__ring_next(&rd.r, &p), 1); /* the second one */
	assert_int_equal(p.sec, 2);
	assert_int_equal(rd.r.malformed, 1);
	free(k.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v3_light_stream_every_block),
	    cmocka_unit_test(test_v2_light_stream_every_slot),
	    cmocka_unit_test(test_v3_lost_place_found_again),
	    cmocka_unit_test(test_v3_random_runs),
	    cmocka_unit_test(test_v2_random_runs),
	    cmocka_unit_test(test_malformed_descriptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
