/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the BPF record walker: any byte string is a possible read() result.
 * Checks, beyond what ASan/UBSan catch: every view lies inside the buffer, caplen <= len, the
 * truncation flag matches, the walk advances and ends, and counts add up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_records.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where every byte of every view is summed into: a read the optimiser cannot drop. */
volatile unsigned fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feth__bpf_counts c = {0};
	struct feth_frame f[7];
	struct feth__bpf_walk w;
	uint8_t *buf;
	size_t total = 0, calls = 0, n;

	/* A copy of exactly `size` bytes, so ASan sees any read past the end. */
	buf = malloc(size ? size : 1);
	CHECK(buf);
	memcpy(buf, data, size);
	feth__bpf_walk_init(&w, buf, size);
	do {
		size_t before = w.off;

		n = feth__bpf_parse(&w, f, 1 + calls % 7, &c);
		for (size_t i = 0; i < n; i++) {
			/* Compared as lengths: data + caplen could wrap (or be undefined) for a
			 * view that a 32-bit walker let out, and pass. */
			CHECK(f[i].data >= buf + FETH_BPF_HDR_MIN && f[i].data <= buf + size);
			CHECK(f[i].caplen <= (size_t)(buf + size - f[i].data));
			CHECK(f[i].caplen <= f[i].len);
			CHECK(!!(f[i].flags & FETH_FRAME_TRUNCATED) == (f[i].caplen < f[i].len));
			for (uint32_t k = 0; k < f[i].caplen; k++) /* ASan checks each byte */
				fuzz_sink += f[i].data[k];
		}
		CHECK(n == 0 || w.off > before);
		CHECK(w.off <= size);
		total += n;
		calls++;
		/* Every record takes at least 20 bytes: a bound on the number of calls. */
		CHECK(calls <= size / 20 + 2);
	} while (n > 0);
	CHECK(!feth__bpf_walk_more(&w));
	CHECK(c.frames == total);
	CHECK(c.malformed <= 1);
	free(buf);
	return 0;
}
