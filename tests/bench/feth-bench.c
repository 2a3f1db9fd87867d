/* SPDX-License-Identifier: MIT */
/*
 * feth-bench: benchmark programs (not tests). Each prints one line per figure:
 *   metric <name> <value> <unit>
 *
 *   feth-bench records [ROUNDS [64|1514|mixed]]
 *           the BPF record walker over a full 512 KiB read buffer of 64-byte, 1514-byte and
 *           mixed-size frames (all three unless one is named)
 *   feth-bench rx-sim [ROUNDS [FRAME_LEN [BUF_KIB...]]]
 *           the Darwin receive path (lib/darwin/bpf.c) over the simulated kernel: a host-side
 *           producer saturates the BPF buffers, the receive path drains them; seam calls and
 *           read()s per frame, for each buffer size (default: the library's default size)
 *   feth-bench tx-sim [--path ndrv|bpf|batch] [--batch N] [--frames N] [--len BYTES]
 *           the Darwin send paths over the simulated kernel: seam calls per frame sent and
 *           frames per second (bpf: one write per frame, as on macOS before 14.1)
 *   feth-bench linux-rx [--secs S] [--len BYTES] [--generators N] [--bufsize BYTES]
 *                       [--blocks N] [--mode batch|low_latency|all] [--only LIST] [--runs R]
 *           Linux, real kernel, root: a flood of frames into the host side; frames per second
 *           received through libfeth (each receive mode), a per-packet recv() loop, a TAP
 *           device read loop and libpcap (1 ms timeout, and immediate mode)
 *   feth-bench linux-rx --stall-ms N [--rate R] [--len BYTES] [...]
 *           the same receivers stalled for N ms while R frames/s (0: a flood) arrive: how
 *           many of them each one keeps
 *   feth-bench linux-latency [--count N] [--runs R] [--gap-min MS] [--gap-max MS] [--len BYTES]
 *           Linux, real kernel, root: round trips through a responder on the I/O side (libfeth
 *           in each receive mode, libpcap in immediate mode, a TAP device), interleaved
 *   feth-bench linux-tx [--secs S] [--len BYTES] [--batch N] [--path NAME] [--rounds R]
 *           Linux, real kernel, root: frames per second sent through each send path
 *
 * Instruction counts per record come from callgrind (see tests/bench/README.md): timings vary
 * with the machine, instructions do not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bpf_records.h"
#include "internal.h"
#include "darwin/abi.h"
#include "darwin/bpf.h"
#include "darwin/send.h"
#include "sim.h"

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

/* ---- rx-sim ------------------------------------------------------------------------------- */

/* feth0 (host side, up) peered with feth1 in a fresh simulated kernel. */
static struct sim *rx_world(void)
{
	struct sim *sim = sim_new();
	const struct feth__sys *s;
	struct darwin_ifreq ifr;
	int fd;

	if (!sim || sim_if_create_external(sim, "feth0") || sim_if_create_external(sim, "feth1") ||
	    sim_if_peer_external(sim, "feth0", "feth1"))
		return NULL;
	s = sim_sys(sim);
	fd = s->socket(s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "feth0");
	ifr.ifr_ifru.ifru_flags = (int16_t)(DARWIN_IFF_UP | DARWIN_IFF_BROADCAST);
	if (fd < 0 || s->ioctl(s->ctx, fd, DARWIN_SIOCSIFFLAGS, &ifr) < 0)
		return NULL;
	s->close(s->ctx, fd);
	return sim;
}

static int bench_rx_sim_one(unsigned rounds, uint32_t frame_len, uint32_t buf_kib)
{
	static struct feth_frame f[BATCH];
	uint8_t frame[16384];
	struct sim *sim = rx_world();
	struct feth__bpf *b;
	struct feth__bpf_stats st;
	uint64_t frames = 0, per_round;
	unsigned long calls = 0, reads = 0;
	double dt = 0;
	int r;

	if (!sim || frame_len < 14 || frame_len > sizeof(frame))
		return 1;
	r = feth__bpf_open(sim_sys(sim), "feth1", buf_kib * 1024u, &b);
	if (r < 0) {
		fprintf(stderr, "feth-bench: bpf open: %s\n", strerror(-r));
		return 1;
	}
	memset(frame, 0x5a, frame_len);
	/* Saturate: the hold and the store buffer full, and one frame more, which the kernel
	 * drops. */
	per_round = 2 * (b->bufsize / FETH_BPF_WORDALIGN(FETH_BPF_HDR_MIN + frame_len)) + 1;
	for (unsigned i = 0; i < rounds; i++) {
		unsigned long c0, r0;
		double t0;
		int n;

		for (uint64_t k = 0; k < per_round; k++)
			sim_host_send(sim, "feth0", frame, frame_len);
		c0 = sim_calls(sim);
		r0 = sim_calls_of(sim, SIM_CALL_READ);
		t0 = now_s();
		while ((n = feth__bpf_recv(b, f, BATCH)) > 0)
			frames += (uint64_t)n;
		dt += now_s() - t0;
		calls += sim_calls(sim) - c0;
		reads += sim_calls_of(sim, SIM_CALL_READ) - r0;
		if (n < 0) {
			fprintf(stderr, "feth-bench: recv: %s\n", strerror(-n));
			return 1;
		}
	}
	if (feth__bpf_stats(b, &st) < 0)
		return 1;
	printf("# rx-sim: %u rounds of %llu frames of %u bytes, buffer %u KiB (asked %u KiB)\n",
	       rounds, (unsigned long long)per_round, frame_len, b->bufsize / 1024u, buf_kib);
	printf("metric rx_sim_%uk_frames_per_read %.1f frames\n", b->bufsize / 1024u,
	       (double)frames / (double)st.reads);
	printf("metric rx_sim_%uk_reads_per_frame %.6f reads\n", b->bufsize / 1024u,
	       (double)reads / (double)frames);
	printf("metric rx_sim_%uk_seam_calls_per_frame %.6f calls\n", b->bufsize / 1024u,
	       (double)calls / (double)frames);
	printf("metric rx_sim_%uk_kernel_drops %u frames\n", b->bufsize / 1024u, st.kernel_drop);
	printf("metric rx_sim_%uk_rate %.0f frames/s\n", b->bufsize / 1024u, (double)frames / dt);
	feth__bpf_close(b);
	sim_free(sim);
	return 0;
}

static int bench_rx_sim(int argc, char **argv)
{
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 200;
	uint32_t frame_len = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 64;

	if (argc <= 4)
		return bench_rx_sim_one(rounds ? rounds : 1, frame_len,
		                        FETH_BPF_DEFAULT_BUFSIZE / 1024u);
	for (int i = 4; i < argc; i++)
		if (bench_rx_sim_one(rounds ? rounds : 1, frame_len,
		                     (uint32_t)strtoul(argv[i], NULL, 10)))
			return 1;
	return 0;
}

/* ---- tx-sim ------------------------------------------------------------------------------- */

static int bench_tx_sim(int argc, char **argv)
{
	const char *path_name = "batch";
	unsigned long batch = 64, total = 1000000, len = 64;
	static uint8_t frame[16384];
	static struct iovec v[FETH__TX_BATCH_MAX * 4];
	uint32_t path;
	struct feth__bpf *rx;
	struct feth__tx *tx;
	struct sim *sim;
	unsigned long sent = 0, c0, w0;
	double t0, dt;
	int r;

	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--path") == 0)
			path_name = argv[i + 1];
		else if (strcmp(argv[i], "--batch") == 0)
			batch = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--frames") == 0)
			total = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--len") == 0)
			len = strtoul(argv[i + 1], NULL, 10);
		else
			return 2;
	}
	if (batch < 1 || batch > FETH_ARRAY_SIZE(v) || len < 14 || len > 1514 || total < 1)
		return 2;
	if (strcmp(path_name, "ndrv") == 0) {
		path = FETH_TAP_SEND_NDRV;
	} else if (strcmp(path_name, "batch") == 0) {
		path = FETH_TAP_SEND_AUTO;
	} else if (strcmp(path_name, "bpf") == 0) {
		path = FETH_TAP_SEND_BPF;
	} else {
		return 2;
	}
	sim = rx_world();
	if (!sim)
		return 1;
	/* The single-write path is what kernels without batch write use. */
	sim_set_macos(sim, path == FETH_TAP_SEND_BPF ? 13 : 15, 0);
	sim_set_inbox(sim, false);
	if ((r = feth__bpf_open(sim_sys(sim), "feth1", 0, &rx)) < 0 ||
	    (r = feth__tx_open(sim_sys(sim), "feth1", 1500, path, rx, &tx)) < 0) {
		fprintf(stderr, "feth-bench: open: %s\n", strerror(-r));
		return 1;
	}
	{
		/* feth1 sends: it must be up. */
		const struct feth__sys *s = sim_sys(sim);
		struct darwin_ifreq ifr;
		int fd = s->socket(s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0);

		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "feth1");
		ifr.ifr_ifru.ifru_flags = (int16_t)(DARWIN_IFF_UP | DARWIN_IFF_BROADCAST);
		if (fd < 0 || s->ioctl(s->ctx, fd, DARWIN_SIOCSIFFLAGS, &ifr) < 0)
			return 1;
		s->close(s->ctx, fd);
	}
	memset(frame, 0x42, sizeof(frame));
	for (size_t i = 0; i < batch; i++) {
		v[i].iov_base = frame;
		v[i].iov_len = len;
	}
	c0 = sim_calls(sim);
	w0 = (unsigned long)tx->stats.syscalls;
	t0 = now_s();
	while (sent < total) {
		size_t n = total - sent < batch ? total - sent : batch;

		r = batch == 1 ? (feth__tx_send(tx, frame, len) == 0 ? 1 : -1)
		               : feth__tx_send_batch(tx, v, n);
		if (r <= 0) {
			fprintf(stderr, "feth-bench: send failed: %d\n", r);
			return 1;
		}
		sent += (unsigned long)r;
	}
	dt = now_s() - t0;
	printf("# tx-sim: %lu frames of %lu bytes, path %s (mode %d), batch %lu\n", sent, len,
	       path_name, (int)tx->path, batch);
	printf("metric tx_sim_%s_b%lu_seam_calls_per_frame %.6f calls\n", path_name, batch,
	       (double)(sim_calls(sim) - c0) / (double)sent);
	printf("metric tx_sim_%s_b%lu_syscalls_per_frame %.6f calls\n", path_name, batch,
	       (double)((unsigned long)tx->stats.syscalls - w0) / (double)sent);
	printf("metric tx_sim_%s_b%lu_rate %.0f frames/s\n", path_name, batch, (double)sent / dt);
	feth__tx_close(tx);
	feth__bpf_close(rx);
	sim_free(sim);
	return 0;
}

static int usage(void)
{
	fputs("usage: feth-bench records [ROUNDS [64|1514|mixed]]\n"
	      "       feth-bench rx-sim [ROUNDS [FRAME_LEN [BUF_KIB...]]]\n"
	      "       feth-bench tx-sim [--path ndrv|bpf|batch] [--batch N] [--frames N] "
	      "[--len BYTES]\n"
	      "       feth-bench linux-rx [--secs S] [--len BYTES] [--generators N] "
	      "[--bufsize BYTES] [--blocks N]\n"
	      "                           [--mode batch|low_latency|all] [--only LIST] [--runs R]\n"
	      "                           [--stall-ms MS [--rate FRAMES_PER_S]]\n"
	      "           LIST: comma-separated of libfeth, libfeth_batch, libfeth_lowlat, "
	      "recv_loop,\n"
	      "           tap_device, libpcap, libpcap_timeout, libpcap_immediate\n"
	      "       feth-bench linux-latency [--count N] [--runs R] [--gap-min MS] "
	      "[--gap-max MS] [--len BYTES]\n"
	      "       feth-bench linux-tx [--secs S] [--len BYTES] [--batch N] "
	      "[--path sendto|sendmmsg|tx_ring|tx_ring_bypass] [--rounds R]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "records") == 0) {
		unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2000;

		return bench_records(rounds ? rounds : 1, argc > 3 ? argv[3] : NULL);
	}
	if (argc >= 2 && strcmp(argv[1], "rx-sim") == 0)
		return bench_rx_sim(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "tx-sim") == 0) {
		int r = bench_tx_sim(argc, argv);

		return r == 2 ? usage() : r;
	}
#ifdef FETH_BENCH_LINUX
	if (argc >= 2 && strcmp(argv[1], "linux-rx") == 0) {
		int r = feth_bench_linux_rx(argc, argv);

		return r == 2 ? usage() : r;
	}
	if (argc >= 2 && strcmp(argv[1], "linux-tx") == 0) {
		int r = feth_bench_linux_tx(argc, argv);

		return r == 2 ? usage() : r;
	}
	if (argc >= 2 && strcmp(argv[1], "linux-latency") == 0) {
		int r = feth_bench_linux_latency(argc, argv);

		return r == 2 ? usage() : r;
	}
#endif
	return usage();
}
