/* SPDX-License-Identifier: MIT */
/*
 * Checksum completion (csum.h) on hand-built frames: TCP and UDP over IPv4 and IPv6, with and
 * without 802.1Q/802.1ad tags, IPv4 options and IPv6 extension headers, their checksum field
 * seeded as CHECKSUM_PARTIAL leaves it (the folded pseudo-header sum, ~csum_tcpudp_magic()).
 * A completed checksum must verify the way a receiver checks it: the one's complement sum over
 * pseudo-header and segment, field included, is 0xffff. Frames it cannot complete, truncated
 * and garbage frames are left untouched; every frame lives in a heap block of exactly its
 * length, so that ASan and valgrind catch any access outside it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "csum.h"

#define FRAME_MAX 2048

/* What a frame is built of. */
struct spec {
	int ipv6;
	uint8_t proto;  /* 6 TCP, 17 UDP, or another (the frame is built the same) */
	int tags;       /* 802.1ad + 802.1Q tags, 0..3 */
	int ip_opts;    /* IPv4: option words (0..10) */
	int ext;        /* IPv6: 1 hop-by-hop, 2 routing (type 2), 4 destination options */
	size_t payload; /* bytes after the TCP or UDP header */
	size_t pad;     /* Ethernet padding after the IP packet */
};

/* A built frame and what verifying it needs. */
struct built {
	uint8_t f[FRAME_MAX];
	size_t len, l4, l4len, field;
	uint32_t pseudo; /* unfolded big-endian sum of the pseudo-header */
};

static uint32_t rng = 0x2545f491u;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The reference sum: 16-bit big-endian words, an odd byte as the high half of the last. */
static uint32_t be_sum(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* What a receiver checks: pseudo-header + segment with its checksum sum to 0xffff. */
static int verifies(const struct built *b)
{
	return fold(be_sum(b->f + b->l4, b->l4len, b->pseudo)) == 0xffff;
}

static void build(const struct spec *sp, struct built *b)
{
	static const uint8_t src4[4] = {10, 81, 0, 1}, dst4[4] = {10, 81, 0, 2};
	static const uint8_t src6[16] = {0xfd, 0x81, [15] = 1}, dst6[16] = {0xfd, 0x81, [15] = 2};
	static const uint8_t home6[16] = {0xfd, 0x82, [14] = 0x12, [15] = 0x34};
	size_t off = 12, hdr = sp->proto == 6 ? 20 : 8, ip;
	uint8_t *f = b->f, pseudo[40];
	const uint8_t *final_dst = dst6;
	uint16_t seed;

	memset(b, 0, sizeof(*b));
	for (int i = 0; i < 12; i++)
		f[i] = (uint8_t)(0x02 + i);
	for (int t = 0; t < sp->tags; t++, off += 4) {
		put16(f + off, t == 0 && sp->tags > 1 ? 0x88a8 : 0x8100);
		put16(f + off + 2, 100u + (unsigned)t);
	}
	put16(f + off, sp->ipv6 ? 0x86dd : 0x0800);
	ip = off + 2;
	if (!sp->ipv6) {
		size_t ihl = 20 + 4 * (size_t)sp->ip_opts;

		b->l4 = ip + ihl;
		b->l4len = hdr + sp->payload;
		f[ip] = (uint8_t)(0x40 | ihl / 4);
		put16(f + ip + 2, (uint32_t)(ihl + b->l4len));
		put16(f + ip + 4, 0x1234);
		put16(f + ip + 6, 0x4000); /* DF */
		f[ip + 8] = 64;
		f[ip + 9] = sp->proto;
		memcpy(f + ip + 12, src4, 4);
		memcpy(f + ip + 16, dst4, 4);
		memset(f + ip + 20, 1, ihl - 20); /* NOPs */
		memcpy(pseudo, src4, 4);
		memcpy(pseudo + 4, dst4, 4);
		pseudo[8] = 0;
		pseudo[9] = sp->proto;
		put16(pseudo + 10, (uint32_t)b->l4len);
		b->pseudo = be_sum(pseudo, 12, 0);
	} else {
		size_t cur = ip + 40;
		uint8_t *next = f + ip + 6;

		f[ip] = 0x60;
		f[ip + 7] = 64;
		memcpy(f + ip + 8, src6, 16);
		memcpy(f + ip + 24, dst6, 16);
		if (sp->ext & 1) { /* hop-by-hop: PadN */
			*next = 0;
			next = f + cur;
			f[cur + 1] = 0;
			f[cur + 2] = 1;
			f[cur + 3] = 4;
			cur += 8;
		}
		if (sp->ext & 2) { /* routing type 2: the final destination is the home address */
			*next = 43;
			next = f + cur;
			f[cur + 1] = 2;
			f[cur + 2] = 2;
			f[cur + 3] = 1;
			memcpy(f + cur + 8, home6, 16);
			final_dst = home6;
			cur += 24;
		}
		if (sp->ext & 4) { /* destination options: PadN */
			*next = 60;
			next = f + cur;
			f[cur + 1] = 1;
			f[cur + 2] = 1;
			f[cur + 3] = 12;
			cur += 16;
		}
		*next = sp->proto;
		b->l4 = cur;
		b->l4len = hdr + sp->payload;
		put16(f + ip + 4, (uint32_t)(cur - ip - 40 + b->l4len));
		memset(pseudo, 0, sizeof(pseudo));
		memcpy(pseudo, src6, 16);
		memcpy(pseudo + 16, final_dst, 16);
		put16(pseudo + 34, (uint32_t)b->l4len);
		pseudo[39] = sp->proto;
		b->pseudo = be_sum(pseudo, 40, 0);
	}
	/* The segment: ports, then TCP's sequence numbers, offset and flags, or UDP's length. */
	put16(f + b->l4, 40000);
	put16(f + b->l4 + 2, 5201);
	if (sp->proto == 6) {
		for (int i = 4; i < 12; i++)
			f[b->l4 + i] = (uint8_t)rnd();
		f[b->l4 + 12] = 0x50;
		f[b->l4 + 13] = 0x18;
		put16(f + b->l4 + 14, 502);
		b->field = b->l4 + 16;
	} else {
		put16(f + b->l4 + 4, (uint32_t)b->l4len);
		b->field = b->l4 + 6;
	}
	for (size_t i = 0; i < sp->payload; i++)
		f[b->l4 + hdr + i] = (uint8_t)rnd();
	b->len = b->l4 + b->l4len + sp->pad;
	for (size_t i = b->l4 + b->l4len; i < b->len; i++)
		f[i] = 0xa5;
	/* CHECKSUM_PARTIAL's seed: ~csum_tcpudp_magic() = the folded pseudo-header sum. */
	seed = fold(b->pseudo);
	put16(f + b->field, seed);
	assert_true(b->len <= FRAME_MAX);
}

/* Runs the completion on a heap copy of exactly n bytes of b; *ret_changed gets how many
 * bytes it changed (the copy is written back to b->f). */
static int complete(struct built *b, size_t n, int *ret_changed)
{
	uint8_t *heap = malloc(n ? n : 1);
	int r, changed = 0;

	assert_non_null(heap);
	memcpy(heap, b->f, n);
	r = feth__csum_complete(heap, n);
	for (size_t i = 0; i < n; i++)
		changed += heap[i] != b->f[i];
	memcpy(b->f, heap, n);
	free(heap);
	*ret_changed = changed;
	return r;
}

/* Builds, completes and verifies; only the checksum's two bytes may change. */
static void complete_and_verify(const struct spec *sp)
{
	struct built b;
	uint8_t before[FRAME_MAX];
	int changed;

	build(sp, &b);
	memcpy(before, b.f, b.len);
	if (complete(&b, b.len, &changed) != 1)
		fail_msg("not completed: ipv6 %d proto %u tags %d opts %d ext %d payload %zu",
		         sp->ipv6, sp->proto, sp->tags, sp->ip_opts, sp->ext, sp->payload);
	assert_true(changed <= 2);
	assert_memory_equal(before, b.f, b.field);
	assert_memory_equal(before + b.field + 2, b.f + b.field + 2, b.len - b.field - 2);
	if (!verifies(&b))
		fail_msg("does not verify: ipv6 %d proto %u tags %d opts %d ext %d payload %zu",
		         sp->ipv6, sp->proto, sp->tags, sp->ip_opts, sp->ext, sp->payload);
}

/* The frame is left as it was. */
static void refused(struct built *b, size_t n)
{
	int changed;

	assert_int_equal(complete(b, n, &changed), 0);
	assert_int_equal(changed, 0);
}

/* ---- tests ------------------------------------------------------------------------------------
 */

static const size_t payloads[] = {0, 1, 2, 3, 5, 17, 64, 511, 1000, 1399, 1400, 1460, 1472};

static void test_ipv4(void **state)
{
	(void)state;
	for (size_t p = 0; p < sizeof(payloads) / sizeof(payloads[0]); p++)
		for (int proto = 0; proto < 2; proto++)
			for (int tags = 0; tags <= 2; tags++)
				for (int opts = 0; opts <= 10; opts += 5) {
					struct spec sp = {.proto = proto ? 17 : 6,
					                  .tags = tags,
					                  .ip_opts = opts,
					                  .payload = payloads[p]};

					complete_and_verify(&sp);
				}
}

static void test_ipv6(void **state)
{
	(void)state;
	for (size_t p = 0; p < sizeof(payloads) / sizeof(payloads[0]); p++)
		for (int proto = 0; proto < 2; proto++)
			for (int tags = 0; tags <= 2; tags++)
				for (int ext = 0; ext < 8; ext++) {
					struct spec sp = {.ipv6 = 1,
					                  .proto = proto ? 17 : 6,
					                  .tags = tags,
					                  .ext = ext,
					                  .payload = payloads[p]};

					complete_and_verify(&sp);
				}
}

/* Ethernet padding after the IP packet is not summed, and not touched. */
static void test_padding(void **state)
{
	struct spec sp = {.proto = 17, .payload = 4, .pad = 14};
	struct spec sp6 = {.ipv6 = 1, .proto = 6, .payload = 1, .pad = 3};

	(void)state;
	complete_and_verify(&sp);
	complete_and_verify(&sp6);
}

/* A sum that completes to 0 is written 0xffff (CSUM_MANGLED_0), and still verifies. */
static void test_zero_is_ffff(void **state)
{
	(void)state;
	for (int v6 = 0; v6 < 2; v6++)
		for (int proto = 0; proto < 2; proto++) {
			struct spec sp = {.ipv6 = v6, .proto = proto ? 17 : 6, .payload = 100};
			struct built b;
			size_t last = 0;
			uint16_t s, w;
			int changed;

			build(&sp, &b);
			/* The last payload word makes the seeded segment's sum 0xffff. */
			last = b.l4 + b.l4len - 2;
			b.f[last] = b.f[last + 1] = 0;
			s = fold(be_sum(b.f + b.l4, b.l4len, 0));
			w = (uint16_t)(0xffff - s);
			put16(b.f + last, w);
			assert_int_equal(fold(be_sum(b.f + b.l4, b.l4len, 0)), 0xffff);
			assert_int_equal(complete(&b, b.len, &changed), 1);
			assert_int_equal(b.f[b.field], 0xff);
			assert_int_equal(b.f[b.field + 1], 0xff);
			assert_true(verifies(&b));
		}
}

static void test_not_completed(void **state)
{
	struct spec v4 = {.proto = 17, .payload = 40}, v6 = {.ipv6 = 1, .proto = 6, .payload = 40};
	struct built b;
	size_t ip;

	(void)state;
	assert_int_equal(feth__csum_complete(NULL, 100), 0);
	/* Not IP: ARP; three tags. */
	build(&v4, &b);
	put16(b.f + 12, 0x0806);
	refused(&b, b.len);
	v4.tags = 3;
	build(&v4, &b);
	refused(&b, b.len);
	v4.tags = 0;
	ip = 14;
	/* IPv4: a first fragment, a later one, another version, IHL 4, lengths out of line. */
	build(&v4, &b);
	put16(b.f + ip + 6, 0x2000); /* MF */
	refused(&b, b.len);
	build(&v4, &b);
	put16(b.f + ip + 6, 0x0010); /* offset 128 */
	refused(&b, b.len);
	build(&v4, &b);
	b.f[ip] = 0x55;
	refused(&b, b.len);
	build(&v4, &b);
	b.f[ip] = 0x44;
	refused(&b, b.len);
	build(&v4, &b);
	put16(b.f + ip + 2, 19); /* shorter than its header */
	refused(&b, b.len);
	build(&v4, &b);
	put16(b.f + ip + 2, (uint32_t)(b.len - ip + 1)); /* past the frame */
	refused(&b, b.len);
	/* Other protocols: ICMP, UDP-Lite, SCTP. */
	for (int i = 0; i < 3; i++) {
		static const uint8_t protos[] = {1, 136, 132};

		build(&v4, &b);
		b.f[ip + 9] = protos[i];
		refused(&b, b.len);
	}
	/* UDP: a length that is not the IP payload's; a checksum field of 0 (no seed). */
	build(&v4, &b);
	put16(b.f + b.l4 + 4, (uint32_t)b.l4len - 1);
	refused(&b, b.len);
	build(&v4, &b);
	put16(b.f + b.field, 0);
	refused(&b, b.len);
	/* TCP shorter than its header; UDP shorter than its own. */
	v4.proto = 6;
	v4.payload = 0;
	build(&v4, &b);
	put16(b.f + ip + 2, 20 + 19);
	refused(&b, b.len - 1);
	v4.proto = 17;
	build(&v4, &b);
	put16(b.f + ip + 2, 20 + 7);
	refused(&b, b.len - 1);
	/* IPv6: a jumbogram's 0 length; a fragment header, AH, no next header; an extension
	 * header longer than the packet. */
	build(&v6, &b);
	put16(b.f + ip + 4, 0);
	refused(&b, b.len);
	for (int i = 0; i < 3; i++) {
		static const uint8_t nexts[] = {44, 51, 59};

		v6.ext = 1;
		build(&v6, &b);
		b.f[ip + 40] = nexts[i]; /* the hop-by-hop header's next header */
		refused(&b, b.len);
	}
	build(&v6, &b);
	b.f[ip + 41] = 200; /* a hop-by-hop header of 1608 bytes */
	refused(&b, b.len);
	v6.ext = 0;
	build(&v6, &b);
	b.f[ip] = 0x40;
	refused(&b, b.len);
}

/* Every truncation of valid frames of each kind is refused, without a read past its end. */
static void test_truncations(void **state)
{
	(void)state;
	for (int kind = 0; kind < 12; kind++) {
		struct spec sp = {.ipv6 = kind & 1,
		                  .proto = kind & 2 ? 17 : 6,
		                  .tags = kind / 4,
		                  .ip_opts = 3,
		                  .ext = 7,
		                  .payload = 33};
		struct built b;

		build(&sp, &b);
		for (size_t n = 0; n < b.len; n++) {
			struct built c = b;

			refused(&c, n);
		}
	}
}

/* Frames cut short with their length fields made to agree, so that parsing goes on to the
 * very end: every header that ends (or is cut) at the last byte. The IP length, the UDP
 * length and the truncation are all consistent, so only the size of each header refuses. */
static void test_consistent_truncations(void **state)
{
	(void)state;
	for (int kind = 0; kind < 24; kind++) {
		struct spec sp = {.ipv6 = kind & 1,
		                  .proto = kind & 2 ? 17 : 6,
		                  .tags = (kind / 4) % 3,
		                  .ip_opts = 2,
		                  .ext = kind >= 12 ? 7 : 1,
		                  .payload = 9};
		size_t ip = 14 + 4 * (size_t)sp.tags;
		struct built b;

		build(&sp, &b);
		for (size_t n = ip; n <= b.len; n++) {
			struct built c = b;
			size_t hdr = sp.proto == 6 ? 20 : 8;
			int changed, r;

			if (sp.ipv6)
				put16(c.f + ip + 4, (uint32_t)(n > ip + 40 ? n - ip - 40 : 0));
			else
				put16(c.f + ip + 2, (uint32_t)(n - ip));
			if (sp.proto == 17 && n >= c.l4 + 6)
				put16(c.f + c.l4 + 4, (uint32_t)(n - c.l4));
			r = complete(&c, n, &changed);
			/* Completed only when the whole L4 header is there. */
			assert_int_equal(r, n >= c.l4 + hdr);
			assert_true(changed <= 2);
			if (r == 0)
				assert_int_equal(changed, 0);
		}
	}
}

/* Random damage to valid frames, and random bytes behind a plausible header: completed or
 * not, nothing but the two bytes of one field changes, and nothing outside is touched. */
static void test_fuzz(void **state)
{
	unsigned completed = 0, total = 0;

	(void)state;
	for (int i = 0; i < 60000; i++) {
		struct spec sp = {.ipv6 = (int)(rnd() & 1),
		                  .proto = rnd() & 1 ? 17 : 6,
		                  .tags = (int)(rnd() % 4),
		                  .ip_opts = (int)(rnd() % 11),
		                  .ext = (int)(rnd() % 8),
		                  .payload = rnd() % 300,
		                  .pad = rnd() % 4 ? 0 : rnd() % 20};
		struct built b;
		uint8_t before[FRAME_MAX];
		size_t n;
		int changed, r, first = -1, last = -1;

		build(&sp, &b);
		if (i % 3 == 0) {
			/* Pure garbage after the MAC addresses, under a random or likely type. */
			static const uint16_t types[] = {0x0800, 0x86dd, 0x8100, 0x88a8};

			for (size_t k = 12; k < b.len; k++)
				b.f[k] = (uint8_t)rnd();
			if (rnd() & 1)
				put16(b.f + 12, types[rnd() % 4]);
		} else {
			for (int k = (int)(rnd() % 6); k >= 0; k--)
				b.f[rnd() % b.len] = (uint8_t)rnd();
		}
		n = rnd() % 4 ? b.len : rnd() % (b.len + 1);
		memcpy(before, b.f, n);
		r = complete(&b, n, &changed);
		for (size_t k = 0; k < n; k++)
			if (before[k] != b.f[k]) {
				first = first < 0 ? (int)k : first;
				last = (int)k;
			}
		assert_true(r == 0 || r == 1);
		if (r == 0)
			assert_int_equal(changed, 0);
		else
			assert_true(changed == 0 || last - first <= 1);
		completed += (unsigned)r;
		total++;
	}
	print_message("fuzz: %u of %u damaged frames completed\n", completed, total);
	assert_true(completed > 0 && completed < total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_padding),
	    cmocka_unit_test(test_zero_is_ffff),
	    cmocka_unit_test(test_not_completed),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_consistent_truncations),
	    cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
