/* SPDX-License-Identifier: MIT */
/*
 * feth-bench: benchmark programs (not tests). Each prints one line per figure:
 *   metric <name> <value> <unit>
 *
 *   feth-bench records [ROUNDS [64|1514|mixed]]
 *           the BPF record walker over a full 512 KiB read buffer of 64-byte, 1514-byte and
 *           mixed-size frames (all three unless one is named)
 *
 * Instruction counts per record come from callgrind (see tests/bench/README.md): timings vary
 * with the machine, instructions do not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf_records.h"

#define BUF_SIZE (512u * 1024u)
#define BATCH    256

/* Fills buf with records of the sizes produced by next_size(); returns the used length. */
static size_t fill(uint8_t *buf, size_t cap, uint32_t (*next_size)(size_t), size_t *ret_records)
{
	size_t len = 0, n = 0;

	for (;;) {
		uint32_t caplen = next_size(n);
		size_t at = FETH_BPF_WORDALIGN(len);
		uint32_t sec = 1700000000u, usec = (uint32_t)n % 1000000u;
		uint16_t hdrlen = FETH_BPF_HDR_MIN;

		if (at + hdrlen + caplen > cap)
			break;
		memcpy(buf + at, &sec, 4);
		memcpy(buf + at + 4, &usec, 4);
		memcpy(buf + at + 8, &caplen, 4);
		memcpy(buf + at + 12, &caplen, 4);
		memcpy(buf + at + 16, &hdrlen, 2);
		memset(buf + at + hdrlen, (int)(n & 0xff), caplen);
		len = at + hdrlen + caplen;
		n++;
	}
	*ret_records = n;
	return len;
}

static uint32_t size_64(size_t i)
{
	(void)i;
	return 64;
}

static uint32_t size_1514(size_t i)
{
	(void)i;
	return 1514;
}

/* A spread of sizes with every alignment residue: 60..1514. */
static uint32_t size_mixed(size_t i)
{
	static const uint32_t sizes[] = {60, 61, 62, 63, 64, 98, 142, 576, 1022, 1500, 1514};

	return sizes[(i * 7) % (sizeof(sizes) / sizeof(sizes[0]))];
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Walks the buffer `rounds` times in batches of BATCH views; returns records walked. */
static uint64_t walk(const uint8_t *buf, size_t len, unsigned rounds, uint64_t *ret_sum)
{
	static struct feth_frame f[BATCH];
	struct feth__bpf_counts c = {0};
	uint64_t sum = 0;

	for (unsigned r = 0; r < rounds; r++) {
		struct feth__bpf_walk w;
		size_t n;

		feth__bpf_walk_init(&w, buf, len);
		while ((n = feth__bpf_parse(&w, f, BATCH, &c)) > 0)
			sum += f[n - 1].caplen; /* use the result so nothing is optimised away */
	}
	*ret_sum = sum;
	return c.frames;
}

static int bench_records(unsigned rounds, const char *only)
{
	static const struct {
		const char *name;
		uint32_t (*size)(size_t);
	} kinds[] = {{"64", size_64}, {"1514", size_1514}, {"mixed", size_mixed}};
	uint8_t *buf = malloc(BUF_SIZE);

	if (!buf)
		return 1;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t per_buf, len = fill(buf, BUF_SIZE, kinds[k].size, &per_buf);
		uint64_t sum, records;
		double t0, dt;

		if (only && strcmp(only, kinds[k].name) != 0)
			continue;
		t0 = now_s();
		records = walk(buf, len, rounds, &sum);
		dt = now_s() - t0;
		if (records != (uint64_t)per_buf * rounds) {
			fprintf(stderr, "feth-bench: walked %llu records, expected %llu\n",
			        (unsigned long long)records, (unsigned long long)per_buf * rounds);
			free(buf);
			return 1;
		}
		printf("metric records_%s_per_buffer %zu records\n", kinds[k].name, per_buf);
		printf("metric records_%s_rate %.0f records/s\n", kinds[k].name,
		       (double)records / dt);
		printf("metric records_%s_cost %.2f ns/record\n", kinds[k].name,
		       dt * 1e9 / (double)records);
		if (sum == 0)
			printf("# (checksum %llu)\n", (unsigned long long)sum);
	}
	free(buf);
	return 0;
}

static int usage(void)
{
	fputs("usage: feth-bench records [ROUNDS [64|1514|mixed]]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "records") == 0) {
		unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2000;

		return bench_records(rounds ? rounds : 1, argc > 3 ? argv[3] : NULL);
	}
	return usage();
}
