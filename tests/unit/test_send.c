/* SPDX-License-Identifier: MIT */
/*
 * The Darwin send paths (lib/darwin/send.c, ndrv.c, BPF write) over the simulated kernel:
 * round trips through every path on every simulated macOS version, the size rules, each
 * error with its documented code, batches and partial progress, and every seam call of the
 * setup failing in turn. Also the send rules both backends share (lib/tap.c): the size rule at
 * its edges and the counting of failures by kind.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "darwin/abi.h"
#include "darwin/send.h"
#include "testenv.h"

#define T(state) ((struct testenv *)*(state))

struct rig {
	struct feth_pair pair; /* host_name: the host side; io_name: ours */
	struct feth__bpf *rx;
	struct feth__tx *tx;
};

/* A pair with `mtu`, the receive ring and the send path on the I/O side. */
static void rig_open(struct testenv *t, struct rig *g, uint32_t mtu, uint32_t path)
{
	struct feth_pair_opts o;

	(void)t;
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.mtu = mtu;
	assert_int_equal(feth_pair_create(&o, &g->pair), 0);
	assert_int_equal(feth__bpf_open(t->env.sys, g->pair.io_name, 0, &g->rx), 0);
	assert_int_equal(
	    feth__tx_open(t->env.sys, g->pair.io_name, mtu ? mtu : 1500, path, g->rx, &g->tx), 0);
}

static void rig_close(struct rig *g)
{
	feth__tx_close(g->tx);
	feth__bpf_close(g->rx);
}

/* A frame of `len` bytes of a pattern of `seed`, to a multicast address: a host side's stack
 * takes frames to itself, broadcast and multicast, and drops the rest (darwin-notes.md F6.8). */
static void fill(uint8_t *f, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed * 31u + i * 7u);
	f[0] |= 0x01;
}

/* I/O side -> host: each frame arrives at the host side's stack, byte for byte, in order. */
static void check_out(struct testenv *t, struct rig *g, const size_t *sizes, size_t n)
{
	static uint8_t f[16][16400], got[16400];

	for (size_t i = 0; i < n; i++) {
		fill(f[i], sizes[i], (unsigned)i + 1);
		assert_int_equal(feth__tx_send(g->tx, f[i], sizes[i]), 0);
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sim_host_recv(t->sim, g->pair.host_name, got, sizeof(got)),
		                 (ssize_t)sizes[i]);
		assert_memory_equal(got, f[i], sizes[i]);
	}
	assert_int_equal(sim_host_recv(t->sim, g->pair.host_name, got, sizeof(got)), -EAGAIN);
}

/* Host -> I/O side through the receive ring; our own sends never show up there. */
static void check_in(struct testenv *t, struct rig *g)
{
	uint8_t f[60];
	struct feth_frame fr[8];

	fill(f, sizeof(f), 99);
	assert_int_equal(sim_host_send(t->sim, g->pair.host_name, f, sizeof(f)), 0);
	assert_int_equal(feth__bpf_recv(g->rx, fr, 8), 1);
	assert_int_equal(fr[0].len, sizeof(f));
	assert_memory_equal(fr[0].data, f, sizeof(f));
	assert_int_equal(feth__bpf_recv(g->rx, fr, 8), 0);
}

static void round_trip(struct testenv *t, int major, int minor, uint32_t path, uint32_t want,
                       uint32_t want_max)
{
	struct rig g;
	size_t sizes[4] = {14, 60, 1514, want_max};

	sim_set_macos(t->sim, major, minor);
	rig_open(t, &g, 9000, path);
	assert_int_equal(g.tx->path, want);
	assert_int_equal(g.tx->max_frame, want_max);
	check_out(t, &g, sizes, 4);
	check_in(t, &g);
	/* One over the limit: refused before any system call. */
	{
		static uint8_t big[16400];
		unsigned long calls = sim_calls(t->sim);

		assert_int_equal(feth__tx_send(g.tx, big, want_max + 1), -EMSGSIZE);
		assert_int_equal(feth__tx_send(g.tx, big, 13), -EINVAL);
		assert_int_equal(sim_calls(t->sim), calls);
		assert_int_equal(g.tx->errs.refused, 2);
	}
	assert_int_equal(g.tx->stats.frames, 4);
	rig_close(&g);
	assert_int_equal(feth_if_destroy(g.pair.io_name), 0);
	assert_int_equal(feth_if_destroy(g.pair.host_name), 0);
	assert_int_equal(sim_open_fds(t->sim), 0);
}

static void test_round_trip_macos15(void **state)
{
	/* 14.1+: AUTO and BPF use batch write; NDRV when asked. Jumbo frames: MTU + 18. */
	round_trip(T(state), 15, 0, FETH_TAP_SEND_AUTO, FETH_TAP_SEND_BPF_BATCH, 9018);
	round_trip(T(state), 15, 0, FETH_TAP_SEND_BPF, FETH_TAP_SEND_BPF_BATCH, 9018);
	round_trip(T(state), 15, 0, FETH_TAP_SEND_NDRV, FETH_TAP_SEND_NDRV, 9018);
}

static void test_round_trip_macos14_1(void **state)
{
	round_trip(T(state), 14, 1, FETH_TAP_SEND_AUTO, FETH_TAP_SEND_BPF_BATCH, 9018);
	round_trip(T(state), 14, 1, FETH_TAP_SEND_NDRV, FETH_TAP_SEND_NDRV, 9018);
}

static void test_round_trip_macos12(void **state)
{
	/* No batch write: AUTO falls back to NDRV, BPF to a write per frame of at most
	 * min(MTU + 14, 2048) bytes. */
	round_trip(T(state), 12, 0, FETH_TAP_SEND_AUTO, FETH_TAP_SEND_NDRV, 9018);
	round_trip(T(state), 12, 0, FETH_TAP_SEND_BPF, FETH_TAP_SEND_BPF, 2048);
}

static void test_round_trip_macos10_13(void **state)
{
	round_trip(T(state), 10, 13, FETH_TAP_SEND_AUTO, FETH_TAP_SEND_NDRV, 9018);
	round_trip(T(state), 10, 13, FETH_TAP_SEND_BPF, FETH_TAP_SEND_BPF, 2048);
}

static void test_bpf_single_at_mtu_1500(void **state)
{
	struct testenv *t = T(state);
	struct rig g;
	size_t sizes[3] = {14, 1500, 1514};

	sim_set_macos(t->sim, 12, 0);
	rig_open(t, &g, 0, FETH_TAP_SEND_BPF);
	assert_int_equal(g.tx->max_frame, 1514);
	check_out(t, &g, sizes, 3);
	rig_close(&g);
}

static void test_errors_by_kind(void **state)
{
	static const uint32_t paths[] = {FETH_TAP_SEND_NDRV, FETH_TAP_SEND_AUTO};
	struct testenv *t = T(state);

	for (size_t p = 0; p < FETH_ARRAY_SIZE(paths); p++) {
		enum sim_call kind =
		    paths[p] == FETH_TAP_SEND_NDRV ? SIM_CALL_SENDTO : SIM_CALL_WRITEV;
		uint8_t f[60] = {0};
		struct rig g;

		rig_open(t, &g, 0, paths[p]);
		/* Queue full: the frame is dropped. */
		sim_fail_kind(t->sim, kind, ENOBUFS, 1);
		assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), -ENOBUFS);
		assert_int_equal(g.tx->errs.nobufs, 1);
		/* Down. */
		assert_int_equal(feth_if_set_up(g.pair.io_name, 0), 0);
		assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), -ENETDOWN);
		assert_int_equal(g.tx->errs.netdown, 1);
		assert_int_equal(feth_if_set_up(g.pair.io_name, 1), 0);
		assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), 0);
		/* Gone: NDRV's EPIPE (without a SIGPIPE) and BPF's ENXIO are both -ENXIO. */
		assert_int_equal(feth_if_destroy(g.pair.io_name), 0);
		assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), -ENXIO);
		assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), -ENXIO);
		assert_int_equal(g.tx->errs.gone, 2);
		assert_int_equal(sim_sigpipes(t->sim), 0);
		rig_close(&g);
		assert_int_equal(feth_if_destroy(g.pair.host_name), 0);
		t->env.sys->sleep_us(t->env.sys->ctx, 100000); /* let the units tear down */
	}
}

static void test_batches_and_partial_progress(void **state)
{
	struct testenv *t = T(state);
	static uint8_t f[600][64];
	static struct iovec v[600];
	uint8_t got[64];
	struct rig g;
	unsigned long writes;

	rig_open(t, &g, 0, FETH_TAP_SEND_AUTO);
	assert_int_equal(g.tx->path, FETH_TAP_SEND_BPF_BATCH);
	for (int i = 0; i < 600; i++) {
		fill(f[i], sizeof(f[i]), (unsigned)i);
		v[i].iov_base = f[i];
		v[i].iov_len = sizeof(f[i]);
	}
	/* 600 frames: writev()s of 256, 256 and 88. */
	writes = sim_calls_of(t->sim, SIM_CALL_WRITEV);
	assert_int_equal(feth__tx_send_batch(g.tx, v, 600), 600);
	assert_int_equal(sim_calls_of(t->sim, SIM_CALL_WRITEV) - writes, 3);
	for (int i = 0; i < 600; i++) {
		assert_int_equal(sim_host_recv(t->sim, g.pair.host_name, got, sizeof(got)), 64);
		assert_memory_equal(got, f[i], 64);
	}
	/* A bad frame in the middle: the ones before it go, the count says where it stopped,
	 * and the bad one is then reported on its own. */
	v[2].iov_len = 13;
	assert_int_equal(feth__tx_send_batch(g.tx, v, 4), 2);
	assert_int_equal(feth__tx_send_batch(g.tx, v + 2, 2), -EINVAL);
	v[2].iov_len = 64;
	assert_int_equal(feth__tx_send_batch(g.tx, v, 0), 0);
	/* A writev that failed before the kernel took anything, after some chunks went: their
	 * count, not the error. */
	sim_fail_nth(t->sim, 2, EIO); /* the second writev */
	assert_int_equal(feth__tx_send_batch(g.tx, v, 600), 256);
	rig_close(&g);
}

/*
 * A batch write is sent packet by packet and reports the last packet's fate alone
 * (darwin-notes.md B9.4). A packet dropped in the middle is invisible: the whole batch counts as
 * taken. The last one dropped (ENOBUFS): the count stops before it, so a caller that resumes
 * from the count sends again only that frame, and never one that already left.
 */
static void test_batch_partial_failure(void **state)
{
	struct testenv *t = T(state);
	static uint8_t f[300][64], got[128];
	struct iovec v[300];
	struct rig g;
	int r, arrived = 0;

	rig_open(t, &g, 0, FETH_TAP_SEND_AUTO);
	assert_int_equal(g.tx->path, FETH_TAP_SEND_BPF_BATCH);
	for (int i = 0; i < 300; i++) {
		fill(f[i], 64, (unsigned)i + 1);
		f[i][20] = (uint8_t)i;
		v[i] = (struct iovec){f[i], 64};
	}
	/* The 10th of 20 dropped by the queue: all 20 count as taken; 19 arrive. */
	sim_fail_enqueue(t->sim, 10, ENOBUFS);
	assert_int_equal(feth__tx_send_batch(g.tx, v, 20), 20);
	while (sim_host_recv(t->sim, g.pair.host_name, got, sizeof(got)) == 64)
		arrived++;
	assert_int_equal(arrived, 19);
	assert_int_equal(g.tx->errs.nobufs, 0);
	/* The last of 20 dropped: 19 taken, the drop counted. */
	sim_fail_enqueue(t->sim, 20, ENOBUFS);
	r = feth__tx_send_batch(g.tx, v, 20);
	assert_int_equal(r, 19);
	assert_int_equal(g.tx->errs.nobufs, 1);
	/* Resuming from the count sends the dropped one again: each frame arrives once. */
	assert_int_equal(feth__tx_send_batch(g.tx, v + r, 20 - (size_t)r), 1);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(sim_host_recv(t->sim, g.pair.host_name, got, sizeof(got)), 64);
		assert_int_equal(got[20], i);
	}
	assert_int_equal(sim_host_recv(t->sim, g.pair.host_name, got, sizeof(got)), -EAGAIN);
	/* A batch of more than one write: the first write's last packet dropped. The count
	 * stops there; the second write is not made. */
	sim_fail_enqueue(t->sim, 256, ENOBUFS);
	assert_int_equal(feth__tx_send_batch(g.tx, v, 300), 255);
	/* A single frame dropped: its error, as any send's. */
	sim_fail_enqueue(t->sim, 1, ENOBUFS);
	assert_int_equal(feth__tx_send_batch(g.tx, v, 1), -ENOBUFS);
	assert_int_equal(feth__tx_send(g.tx, f[0], 64), 0);
	rig_close(&g);
}

/* Another program lowers the I/O side's MTU after open: the kernel refuses a whole batch with
 * a frame over the new limit; the frames up to the first that no longer fits still go. */
static void test_batch_after_mtu_lowered(void **state)
{
	struct testenv *t = T(state);
	static uint8_t f[4][9018], got[9100];
	struct iovec v[4];
	struct rig g;

	rig_open(t, &g, 9000, FETH_TAP_SEND_AUTO);
	assert_int_equal(g.tx->max_frame, 9018);
	for (int i = 0; i < 4; i++) {
		fill(f[i], sizeof(f[i]), (unsigned)i + 1);
		v[i] = (struct iovec){f[i], i == 2 ? 4000 : 1000};
	}
	assert_int_equal(feth_if_set_mtu(g.pair.io_name, 2000), 0);
	assert_int_equal(feth__tx_send_batch(g.tx, v, 4), 2);
	assert_int_equal(g.tx->max_frame, 2018);
	assert_int_equal(feth__tx_send_batch(g.tx, v + 2, 2), -EMSGSIZE);
	assert_int_equal(feth__tx_send_batch(g.tx, v + 3, 1), 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sim_host_recv(t->sim, g.pair.host_name, got, sizeof(got)), 1000);
	rig_close(&g);
}

/*
 * Up to macOS 14 feth copies each outgoing packet into one 16 KiB buffer and a longer one
 * wedges the side for good while every send reports success (darwin-notes.md F6.6): at the
 * largest MTU the longest frame taken is 16384 there, MTU + 18 = 16388 from macOS 15 on.
 */
static void test_frames_over_16k(void **state)
{
	static const struct {
		int major, minor;
		uint32_t max;
	} cases[] = {{15, 0, 16388}, {14, 1, 16384}, {10, 13, 16384}};
	struct testenv *t = T(state);
	static uint8_t f[16388], got[16400];

	fill(f, sizeof(f), 3);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (uint32_t path = FETH_TAP_SEND_AUTO; path <= FETH_TAP_SEND_NDRV; path++) {
			struct rig g;

			sim_set_macos(t->sim, cases[c].major, cases[c].minor);
			rig_open(t, &g, 16370, path);
			assert_int_equal(g.tx->max_frame, cases[c].max);
			assert_int_equal(feth__tx_send(g.tx, f, cases[c].max), 0);
			assert_int_equal(feth__tx_send(g.tx, f, cases[c].max + 1), -EMSGSIZE);
			/* Still carrying frames: the side did not wedge. */
			assert_int_equal(feth__tx_send(g.tx, f, 60), 0);
			assert_false(sim_if_wedged(t->sim, g.pair.io_name));
			assert_int_equal(sim_host_recv(t->sim, g.pair.host_name, got, sizeof(got)),
			                 (ssize_t)cases[c].max);
			assert_int_equal(sim_host_recv(t->sim, g.pair.host_name, got, sizeof(got)),
			                 60);
			rig_close(&g);
			assert_int_equal(feth_if_destroy(g.pair.io_name), 0);
			assert_int_equal(feth_if_destroy(g.pair.host_name), 0);
			sim_run_detacher(t->sim);
		}
	}
}

/*
 * An `en1` going away kills an NDRV socket bound to `feth1` (same family and unit,
 * darwin-notes.md N5.1): the send path takes a new socket and goes on while feth1 lives; once
 * feth1 itself is gone, sends are -ENXIO.
 */
static void test_ndrv_killed_by_another_interface(void **state)
{
	struct testenv *t = T(state);
	uint8_t f[60], got[128];
	struct rig g;

	fill(f, sizeof(f), 4);
	rig_open(t, &g, 0, FETH_TAP_SEND_NDRV);
	assert_string_equal(g.pair.io_name, "feth1");
	assert_int_equal(sim_if_add_other(t->sim, "en1", true), 0);
	assert_int_equal(sim_ndrv_bind_external(t->sim, "en1"), 0);
	assert_int_equal(sim_if_detach_other(t->sim, "en1"), 0);
	assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), 0);
	assert_int_equal(g.tx->stats.ndrv_renewed, 1);
	assert_int_equal(sim_host_recv(t->sim, g.pair.host_name, got, sizeof(got)), 60);
	assert_int_equal(feth_if_destroy("feth1"), 0);
	assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), -ENXIO);
	assert_int_equal(g.tx->errs.gone, 1);
	rig_close(&g);
	sim_run_detacher(t->sim);
}

/* The replacement socket killed as well while feth1 lives: a failure to retry (-EIO), not the
 * interface gone (-ENXIO); the next send takes yet another socket and goes. */
static void test_ndrv_killed_twice(void **state)
{
	struct testenv *t = T(state);
	uint8_t f[60], got[128];
	struct rig g;

	fill(f, sizeof(f), 4);
	rig_open(t, &g, 0, FETH_TAP_SEND_NDRV);
	sim_fail_kind(t->sim, SIM_CALL_SENDTO, EPIPE, 2);
	assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), -EIO);
	assert_int_equal(g.tx->stats.ndrv_renewed, 1);
	assert_int_equal(g.tx->errs.gone, 0);
	assert_int_equal(g.tx->errs.other, 1);
	assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), 0);
	assert_int_equal(sim_host_recv(t->sim, g.pair.host_name, got, sizeof(got)), 60);
	rig_close(&g);
}

/* A destroyed I/O side: until the kernel's detacher runs, a BPF write is ENETDOWN
 * (darwin-notes.md F5.4); the send path reports the interface gone (-ENXIO), not down. */
static void test_bpf_write_after_destroy(void **state)
{
	struct testenv *t = T(state);
	uint8_t f[60];
	struct rig g;

	fill(f, sizeof(f), 5);
	rig_open(t, &g, 0, FETH_TAP_SEND_BPF);
	assert_int_equal(feth_if_destroy(g.pair.io_name), 0);
	assert_true(sim_detaching(t->sim) > 0);
	assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), -ENXIO);
	assert_int_equal(g.tx->errs.gone, 1);
	assert_int_equal(g.tx->errs.netdown, 0);
	sim_run_detacher(t->sim);
	assert_int_equal(feth__tx_send(g.tx, f, sizeof(f)), -ENXIO);
	rig_close(&g);
}

static void test_ndrv_batches_send_one_by_one(void **state)
{
	struct testenv *t = T(state);
	uint8_t f[3][60] = {{0}};
	struct iovec v[3] = {{f[0], 60}, {f[1], 60}, {f[2], 60}};
	struct rig g;
	unsigned long sends;

	rig_open(t, &g, 0, FETH_TAP_SEND_NDRV);
	sends = sim_calls_of(t->sim, SIM_CALL_SENDTO);
	assert_int_equal(feth__tx_send_batch(g.tx, v, 3), 3);
	assert_int_equal(sim_calls_of(t->sim, SIM_CALL_SENDTO) - sends, 3);
	/* The second fails: one was accepted. */
	sim_fail_nth(t->sim, 2, ENOBUFS);
	assert_int_equal(feth__tx_send_batch(g.tx, v, 3), 1);
	rig_close(&g);
}

static void test_open_refusals(void **state)
{
	struct testenv *t = T(state);
	struct feth__tx *tx = NULL;
	struct rig g;

	rig_open(t, &g, 0, FETH_TAP_SEND_NDRV);
	assert_int_equal(
	    feth__tx_open(t->env.sys, g.pair.io_name, 1500, FETH_TAP_SEND_BPF, NULL, &tx), -EINVAL);
	assert_int_equal(
	    feth__tx_open(t->env.sys, g.pair.io_name, 1500, FETH_TAP_SEND_BPF_BATCH, NULL, &tx),
	    -EINVAL);
	/* Another platform's path. */
	assert_int_equal(feth__tx_open(t->env.sys, g.pair.io_name, 1500,
	                               FETH_TAP_SEND_TX_RING_BYPASS, g.rx, &tx),
	                 -EINVAL);
	assert_int_equal(feth__tx_open(t->env.sys, "feth9", 1500, FETH_TAP_SEND_NDRV, NULL, &tx),
	                 -EADDRNOTAVAIL);
	sim_set_root(t->sim, false);
	assert_int_equal(
	    feth__tx_open(t->env.sys, g.pair.io_name, 1500, FETH_TAP_SEND_NDRV, NULL, &tx), -EPERM);
	sim_set_root(t->sim, true);
	/* Batch write asked for by name where the kernel has none (before 14.1). */
	sim_set_macos(t->sim, 14, 0);
	assert_int_equal(
	    feth__tx_open(t->env.sys, g.pair.io_name, 1500, FETH_TAP_SEND_BPF_BATCH, g.rx, &tx),
	    -EOPNOTSUPP);
	assert_null(tx);
	rig_close(&g);
	assert_int_equal(sim_open_fds(t->sim), 0);
}

/* The size rule every backend applies (lib/tap.c), at its edges: a frame holds at least an
 * Ethernet header and at most max_frame bytes; each refusal is counted once. */
static void test_size_rule(void **state)
{
	struct feth__tx_errs e = {0};
	struct iovec v[4] = {{NULL, 14}, {NULL, 1518}, {NULL, 13}, {NULL, 60}};
	int err = 1;

	(void)state;
	assert_int_equal(feth__tx_check_len(&e, 14, 1518), 0);
	assert_int_equal(feth__tx_check_len(&e, 1518, 1518), 0);
	assert_int_equal(e.refused, 0);
	assert_int_equal(feth__tx_check_len(&e, 13, 1518), -EINVAL);
	assert_int_equal(feth__tx_check_len(&e, 0, 1518), -EINVAL);
	assert_int_equal(feth__tx_check_len(&e, 1519, 1518), -EMSGSIZE);
	assert_int_equal(feth__tx_check_len(&e, SIZE_MAX, UINT32_MAX), -EMSGSIZE);
	assert_int_equal(e.refused, 4);
	/* A batch passes up to its first refused frame, which alone is counted. */
	assert_int_equal(feth__tx_valid_run(&e, v, 4, 1518, &err), 2);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(e.refused, 5);
	assert_int_equal(feth__tx_valid_run(&e, v, 2, 1517, &err), 1);
	assert_int_equal(err, -EMSGSIZE);
	assert_int_equal(feth__tx_valid_run(&e, v, 2, 1518, &err), 2);
	assert_int_equal(err, 0);
	assert_int_equal(feth__tx_valid_run(&e, v, 0, 1518, &err), 0);
	assert_int_equal(err, 0);
	assert_int_equal(e.refused, 6);
	assert_int_equal(e.nobufs + e.netdown + e.gone + e.other, 0);
}

/* A failed send is counted by its documented error, and reported in the tap's stats. */
static void test_failures_counted_by_kind(void **state)
{
	static const int errs[] = {-ENOBUFS, -ENETDOWN, -ENETDOWN, -ENXIO,  -ENXIO,
	                           -ENXIO,   -EIO,      -EPIPE,    -EAGAIN, -ENODEV};
	struct feth__tx_errs e = {.refused = 7};
	struct feth_tap_stats st;

	(void)state;
	for (size_t i = 0; i < FETH_ARRAY_SIZE(errs); i++)
		assert_int_equal(feth__tx_failed(&e, errs[i]), errs[i]);
	assert_int_equal(e.nobufs, 1);
	assert_int_equal(e.netdown, 2);
	assert_int_equal(e.gone, 3);
	assert_int_equal(e.other, 4); /* the backends map EAGAIN and ENODEV before they count */
	memset(&st, 0xff, sizeof(st));
	feth__tx_errs_report(&e, &st);
	assert_int_equal(st.tx_refused, 7);
	assert_int_equal(st.tx_err_nobufs, 1);
	assert_int_equal(st.tx_err_netdown, 2);
	assert_int_equal(st.tx_err_gone, 3);
	assert_int_equal(st.tx_err_other, 4);
}

static void test_every_seam_call_of_setup_fails(void **state)
{
	static const uint32_t paths[] = {FETH_TAP_SEND_NDRV, FETH_TAP_SEND_AUTO, FETH_TAP_SEND_BPF};
	static const int errs[] = {EIO, EINTR};
	struct testenv *t = T(state);
	struct rig g;
	int runs = 0, failed = 0;

	rig_open(t, &g, 9000, FETH_TAP_SEND_NDRV);
	feth__tx_close(g.tx);
	for (size_t p = 0; p < FETH_ARRAY_SIZE(paths); p++) {
		for (int macos = 12; macos <= 15; macos += 3) {
			unsigned long calls;
			int fds = sim_open_fds(t->sim);
			struct feth__tx *tx;

			sim_set_macos(t->sim, macos, 0);
			calls = sim_calls(t->sim);
			assert_int_equal(
			    feth__tx_open(t->env.sys, g.pair.io_name, 9000, paths[p], g.rx, &tx),
			    0);
			calls = sim_calls(t->sim) - calls;
			feth__tx_close(tx);
			/* Batch write stays on once set: turn it off for the next round. */
			{
				uint32_t off = 0;

				(void)t->env.sys->ioctl(t->env.sys->ctx, g.rx->fd,
				                        DARWIN_BIOCSBATCHWRITE, &off);
			}
			for (size_t k = 0; k < FETH_ARRAY_SIZE(errs); k++) {
				for (unsigned long i = 1; i <= calls; i++) {
					int r;

					tx = NULL;
					sim_fail_nth(t->sim, i, errs[k]);
					r = feth__tx_open(t->env.sys, g.pair.io_name, 9000,
					                  paths[p], g.rx, &tx);
					sim_fail_clear(t->sim);
					runs++;
					if (r < 0) {
						failed++;
						assert_null(tx);
						assert_int_equal(r, -errs[k]);
					} else {
						feth__tx_close(tx);
					}
					assert_int_equal(sim_open_fds(t->sim), fds);
					{
						uint32_t off = 0;

						(void)t->env.sys->ioctl(t->env.sys->ctx, g.rx->fd,
						                        DARWIN_BIOCSBATCHWRITE,
						                        &off);
					}
				}
			}
		}
	}
	assert_true(failed > 0);
	print_message("send setup fault injection: %d runs, %d returned an error, 0 fds left\n",
	              runs, failed);
	feth__bpf_close(g.rx);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, testenv_setup, testenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_round_trip_macos15),
	    TEST(test_round_trip_macos14_1),
	    TEST(test_round_trip_macos12),
	    TEST(test_round_trip_macos10_13),
	    TEST(test_bpf_single_at_mtu_1500),
	    TEST(test_errors_by_kind),
	    TEST(test_batches_and_partial_progress),
	    TEST(test_ndrv_batches_send_one_by_one),
	    TEST(test_batch_partial_failure),
	    TEST(test_batch_after_mtu_lowered),
	    TEST(test_frames_over_16k),
	    TEST(test_ndrv_killed_by_another_interface),
	    TEST(test_ndrv_killed_twice),
	    TEST(test_bpf_write_after_destroy),
	    TEST(test_open_refusals),
	    TEST(test_every_seam_call_of_setup_fails),
	    cmocka_unit_test(test_size_rule),
	    cmocka_unit_test(test_failures_counted_by_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
