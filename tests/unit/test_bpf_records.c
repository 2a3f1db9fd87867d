/* SPDX-License-Identifier: MIT */
/* The BPF record walker on hand-built Darwin read buffers: every rule of bpf_records.h. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bpf_records.h"

/* Appends one record as xnu's catchpacket() lays it out; returns the new length (unpadded end
 * of this record). `at` is where it starts: the previous end, word-aligned. */
static size_t put_record(uint8_t *buf, size_t at, uint16_t hdrlen, uint32_t caplen,
                         uint32_t datalen, uint32_t sec, uint32_t usec, uint8_t fill)
{
	uint8_t *r = buf + FETH_BPF_WORDALIGN(at);

	memcpy(r, &sec, 4);
	memcpy(r + 4, &usec, 4);
	memcpy(r + 8, &caplen, 4);
	memcpy(r + 12, &datalen, 4);
	memcpy(r + 16, &hdrlen, 2);
	memset(r + 18, 0xee, hdrlen > 18 ? hdrlen - 18u : 0u);
	memset(r + hdrlen, fill, caplen);
	return (size_t)(r - buf) + hdrlen + caplen;
}

static size_t walk_all(const uint8_t *buf, size_t len, size_t max, struct feth_frame *out,
                       size_t cap, struct feth__bpf_counts *c)
{
	struct feth__bpf_walk w;
	size_t total = 0, n;

	feth__bpf_walk_init(&w, buf, len);
	do {
		n = feth__bpf_parse(&w, out + total, total + max <= cap ? max : cap - total, c);
		total += n;
	} while (n > 0);
	assert_false(feth__bpf_walk_more(&w));
	return total;
}

static void test_empty_buffer(void **state)
{
	struct feth__bpf_counts c = {0};
	struct feth_frame f[2];
	uint8_t buf[4] = {0};
	struct feth__bpf_walk w;

	(void)state;
	feth__bpf_walk_init(&w, buf, 0);
	assert_int_equal(feth__bpf_parse(&w, f, 2, &c), 0);
	assert_int_equal(c.frames + c.malformed + c.truncated, 0);
}

static void test_one_record(void **state)
{
	static uint8_t buf[256];
	struct feth__bpf_counts c = {0};
	struct feth_frame f[4];
	size_t len = put_record(buf, 0, 18, 60, 60, 1700000000u, 123456, 0x5a);

	(void)state;
	assert_int_equal(len, 78);
	assert_int_equal(walk_all(buf, len, 4, f, 4, &c), 1);
	assert_ptr_equal(f[0].data, buf + 18);
	assert_int_equal(f[0].caplen, 60);
	assert_int_equal(f[0].len, 60);
	assert_int_equal(f[0].flags, 0);
	assert_int_equal(f[0].reserved, 0);
	assert_true(f[0].ts_nsec == (1700000000LL * 1000000 + 123456) * 1000);
	assert_int_equal(f[0].data[0], 0x5a);
	assert_int_equal(f[0].data[59], 0x5a);
	assert_int_equal(c.frames, 1);
	assert_int_equal(c.malformed, 0);
}

static void test_timestamp_past_2038(void **state)
{
	static uint8_t buf[128];
	struct feth__bpf_counts c = {0};
	struct feth_frame f[1];
	size_t len = put_record(buf, 0, 18, 14, 14, 0x90000000u, 7, 1);

	(void)state;
	assert_int_equal(walk_all(buf, len, 1, f, 1, &c), 1);
	assert_true(f[0].ts_nsec == ((int64_t)0x90000000u * 1000000 + 7) * 1000);
}

static void test_thousands_of_records(void **state)
{
	enum { BUF = 512 * 1024 };
	uint8_t *buf = malloc(BUF);
	struct feth_frame *f = malloc(8000 * sizeof(*f));
	struct feth__bpf_counts c = {0};
	size_t len = 0, n = 0, got;

	(void)state;
	/* As full as a 512 KiB buffer of 64-byte frames gets: 84 bytes a record. */
	while (FETH_BPF_WORDALIGN(len) + 18 + 64 <= BUF) {
		len = put_record(buf, len, 18, 64, 64, 1, (uint32_t)n, (uint8_t)n);
		n++;
	}
	assert_int_equal(n, BUF / 84);
	got = walk_all(buf, len, 100, f, 8000, &c);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(f[i].data, buf + i * 84 + 18);
		assert_int_equal(f[i].data[0], (uint8_t)i);
		assert_true(f[i].ts_nsec == (1000000 + (int64_t)i) * 1000);
	}
	assert_int_equal(c.frames, n);
	assert_int_equal(c.malformed, 0);
	free(buf);
	free(f);
}

static void test_every_alignment_residue(void **state)
{
	static uint8_t buf[1024];
	struct feth__bpf_counts c = {0};
	struct feth_frame f[16];
	size_t len = 0;

	(void)state;
	/* caplen 60..67 puts every residue mod 4 at the end of a record; the last record is
	 * unpadded, so the buffer length is not a multiple of 4. */
	for (uint32_t cl = 60; cl < 68; cl++)
		len = put_record(buf, len, 18, cl, cl, 0, 0, (uint8_t)cl);
	assert_int_equal(len % 4, (18 + 67) % 4);
	assert_int_equal(walk_all(buf, len, 3, f, 16, &c), 8);
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(f[i].caplen, 60 + i);
		assert_int_equal(f[i].data[0], 60 + i);
		assert_int_equal(f[i].data[f[i].caplen - 1], 60 + i);
		assert_int_equal(((uintptr_t)(f[i].data - 18 - buf)) % 4, 0);
	}
	assert_int_equal(c.malformed, 0);
}

static void test_unaligned_base_and_longer_header(void **state)
{
	static uint8_t raw[512];
	uint8_t *buf = raw + 1; /* a buffer whose base is not 4-aligned */
	struct feth__bpf_counts c = {0};
	struct feth_frame f[4];
	size_t len = put_record(buf, 0, 20, 30, 30, 0, 0, 0x11);

	(void)state;
	len = put_record(buf, len, 18, 31, 31, 0, 0, 0x22);
	assert_int_equal(walk_all(buf, len, 4, f, 4, &c), 2);
	assert_ptr_equal(f[0].data, buf + 20); /* the header length comes from the record */
	assert_ptr_equal(f[1].data, buf + 52 + 18);
	assert_int_equal(f[1].data[30], 0x22);
}

static void test_truncated_frames_flagged(void **state)
{
	static uint8_t buf[512];
	struct feth__bpf_counts c = {0};
	struct feth_frame f[4];
	size_t len = put_record(buf, 0, 18, 100, 1514, 0, 0, 1);

	(void)state;
	len = put_record(buf, len, 18, 64, 64, 0, 0, 2);
	assert_int_equal(walk_all(buf, len, 4, f, 4, &c), 2);
	assert_int_equal(f[0].flags, FETH_FRAME_TRUNCATED);
	assert_int_equal(f[0].caplen, 100);
	assert_int_equal(f[0].len, 1514);
	assert_int_equal(f[1].flags, 0);
	assert_int_equal(c.truncated, 1);
	assert_int_equal(c.malformed, 0);
}

/* Two good records then a bad one: both delivered, one malformed count, walk over. Says what
 * went wrong and returns 0 otherwise. */
static int malformed_after_two(const uint8_t *buf, size_t len, const char *what)
{
	struct feth__bpf_counts c = {0};
	struct feth_frame f[8];
	struct feth__bpf_walk w;
	size_t n;

	feth__bpf_walk_init(&w, buf, len);
	n = feth__bpf_parse(&w, f, 8, &c);
	if (n != 2 || c.malformed != 1 || feth__bpf_walk_more(&w)) {
		print_error("%s: frames %zu malformed %llu, walk %s", what, n,
		            (unsigned long long)c.malformed,
		            feth__bpf_walk_more(&w) ? "not over" : "over");
		if (n > 2)
			print_error("; view 3 at offset %td, caplen %lu, in a buffer of %zu",
			            f[2].data - buf, (unsigned long)f[2].caplen, len);
		print_error("\n");
		return 0;
	}
	for (int i = 0; i < 2; i++)
		if (f[i].data < buf || f[i].caplen > (size_t)(buf + len - f[i].data)) {
			print_error("%s: view %d outside the buffer\n", what, i + 1);
			return 0;
		}
	/* Nothing more from this buffer. */
	if (feth__bpf_parse(&w, f, 8, &c) != 0 || c.malformed != 1) {
		print_error("%s: more from a buffer whose walk was over\n", what);
		return 0;
	}
	return 1;
}

static void check_malformed(const uint8_t *buf, size_t len, const char *what)
{
	if (!malformed_after_two(buf, len, what))
		fail_msg("%s", what);
}

static void test_malformed_records(void **state)
{
	static uint8_t buf[1024];
	size_t good, bad_at, len;

	(void)state;
	good = put_record(buf, 0, 18, 40, 40, 0, 0, 1);
	good = put_record(buf, good, 18, 41, 41, 0, 0, 2);
	bad_at = FETH_BPF_WORDALIGN(good);

	/* A header that does not fit: 17 bytes left. */
	memset(buf + bad_at, 0, 17);
	check_malformed(buf, bad_at + 17, "short header");
	/* bh_hdrlen below 18 (0, then 17). */
	len = put_record(buf, good, 18, 10, 10, 0, 0, 3);
	memset(buf + bad_at + 16, 0, 2);
	check_malformed(buf, len, "hdrlen 0");
	buf[bad_at + 16] = 17;
	check_malformed(buf, len, "hdrlen 17");
	/* bh_hdrlen past the end. */
	buf[bad_at + 16] = 200;
	check_malformed(buf, len, "hdrlen past the end");
	/* caplen running past the end of the buffer. */
	len = put_record(buf, good, 18, 10, 10, 0, 0, 3);
	check_malformed(buf, len - 1, "caplen past the end");
	/* caplen larger than datalen. */
	len = put_record(buf, good, 18, 10, 9, 0, 0, 3);
	check_malformed(buf, len, "caplen > datalen");
	/* A huge caplen that would wrap a signed or careless length computation. */
	len = put_record(buf, good, 18, 10, 10, 0, 0, 3);
	memset(buf + bad_at + 8, 0xff, 8);
	check_malformed(buf, len, "caplen 0xffffffff");
}

/*
 * Records whose hdrlen + caplen wraps 32 bits, with caplen <= datalen so that only the length
 * check can refuse them. Where size_t has 32 bits the walker once summed them in a size_t: the
 * first (tests/fuzz/corpus/caplen_max) was handed out as a 4 GiB view past the buffer, those
 * whose sum wrapped to 0 repeated the same record for ever, and a small sum stepped into the
 * middle of the header. Each must be malformed, after the two good records, on every size_t.
 */
static void test_lengths_that_wrap_32_bits(void **state)
{
	static const struct {
		uint16_t hdrlen;
		uint32_t caplen, datalen;
		const char *what;
	} bad[] = {
	    {18, 0xffffffffu, 0xffffffffu, "caplen_max: 18 + 0xffffffff = 17"},
	    {18, 0xffffffeeu, 0xffffffeeu, "18 + 0xffffffee = 0: no step"},
	    {18, 0xffffffeeu, 0xffffffffu, "18 + 0xffffffee = 0, truncated"},
	    {20, 0xfffffff0u, 0xfffffff0u, "20 + 0xfffffff0 = 4: a step into the header"},
	    {18, 0xfffffff2u, 0xfffffff2u, "18 + 0xfffffff2 = 4"},
	    {100, 0xffffffffu, 0xffffffffu, "100 + 0xffffffff = 99: inside the buffer"},
	    {0xffff, 0xffff0001u, 0xffff0001u, "0xffff + 0xffff0001 = 0"},
	    {0xffff, 0xffffffffu, 0xffffffffu, "0xffff + 0xffffffff = 0xfffe"},
	    {18, 0x80000000u, 0x80000000u, "caplen 2^31"},
	};
	static uint8_t buf[256];
	size_t good, bad_at, failed = 0;

	(void)state;
	good = put_record(buf, 0, 18, 40, 40, 0, 0, 1);
	good = put_record(buf, good, 18, 41, 41, 0, 0, 2);
	bad_at = FETH_BPF_WORDALIGN(good);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The header, then 100 bytes: every small wrapped sum fits. */
		memset(buf + bad_at, 0x33, sizeof(buf) - bad_at);
		memcpy(buf + bad_at + FETH_BPF_OFF_CAPLEN, &bad[i].caplen, 4);
		memcpy(buf + bad_at + FETH_BPF_OFF_DATALEN, &bad[i].datalen, 4);
		memcpy(buf + bad_at + FETH_BPF_OFF_HDRLEN, &bad[i].hdrlen, 2);
		/* Every case is tried before the test fails, to report them all. */
		failed += !malformed_after_two(buf, bad_at + FETH_BPF_HDR_MIN + 100, bad[i].what);
	}
	assert_int_equal(failed, 0);
}

/* The largest lengths that are not malformed: a frame that ends exactly at the buffer's end. */
static void test_record_ending_at_the_end(void **state)
{
	enum { LEN = 70000 };
	uint8_t *buf = malloc(LEN);
	struct feth__bpf_counts c = {0};
	struct feth_frame f[2];
	size_t len;

	(void)state;
	assert_non_null(buf);
	/* The largest header (0xffff) and the frame that fills what is left, caplen < datalen. */
	len = put_record(buf, 0, 0xffff, LEN - 0xffff, 0xffffffffu, 0, 0, 7);
	assert_int_equal(len, LEN);
	assert_int_equal(walk_all(buf, len, 2, f, 2, &c), 1);
	assert_ptr_equal(f[0].data, buf + 0xffff);
	assert_int_equal(f[0].caplen, LEN - 0xffff);
	assert_int_equal(f[0].len, 0xffffffffu);
	assert_int_equal(f[0].flags, FETH_FRAME_TRUNCATED);
	assert_int_equal(c.malformed, 0);
	/* One byte less and the same record runs past the end. */
	c = (struct feth__bpf_counts){0};
	assert_int_equal(walk_all(buf, len - 1, 2, f, 2, &c), 0);
	assert_int_equal(c.malformed, 1);
	free(buf);
}

static void test_leftovers_across_calls(void **state)
{
	static uint8_t buf[2048];
	struct feth__bpf_counts c = {0};
	struct feth_frame f[1];
	struct feth__bpf_walk w;
	size_t len = 0;

	(void)state;
	for (int i = 0; i < 10; i++)
		len =
		    put_record(buf, len, 18, 20 + (uint32_t)i, 20 + (uint32_t)i, 0, 0, (uint8_t)i);
	feth__bpf_walk_init(&w, buf, len);
	assert_int_equal(feth__bpf_parse(&w, f, 0, &c), 0); /* max 0: nothing moves */
	assert_int_equal(w.off, 0);
	for (int i = 0; i < 10; i++) {
		assert_true(feth__bpf_walk_more(&w));
		assert_int_equal(feth__bpf_parse(&w, f, 1, &c), 1);
		assert_int_equal(f[0].data[0], i);
		assert_int_equal(f[0].caplen, 20 + i);
	}
	assert_false(feth__bpf_walk_more(&w));
	assert_int_equal(feth__bpf_parse(&w, f, 1, &c), 0);
	assert_int_equal(c.frames, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_buffer),
	    cmocka_unit_test(test_one_record),
	    cmocka_unit_test(test_timestamp_past_2038),
	    cmocka_unit_test(test_thousands_of_records),
	    cmocka_unit_test(test_every_alignment_residue),
	    cmocka_unit_test(test_unaligned_base_and_longer_header),
	    cmocka_unit_test(test_truncated_frames_flagged),
	    cmocka_unit_test(test_malformed_records),
	    cmocka_unit_test(test_lengths_that_wrap_32_bits),
	    cmocka_unit_test(test_record_ending_at_the_end),
	    cmocka_unit_test(test_leftovers_across_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
