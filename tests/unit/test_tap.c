/* SPDX-License-Identifier: MIT */
/*
 * The tap handle (lib/tap.c, lib/darwin/tap.c) over the simulated Darwin kernel: round trips
 * through every send path on every simulated macOS version, waiting and waking, the
 * thread-safety contract, adopting a pair, two taps, name collisions, orphan cleanup, the
 * interface vanishing under an open tap, every seam call of open and close failing in turn,
 * and bad input.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "darwin/abi.h"
#include "testenv.h"
#include "../tap/tap_util.h"

#define T(state) ((struct testenv *)*(state))

/* ---- helpers ------------------------------------------------------------------------------ */

static struct feth_tap_opts opts(void)
{
	struct feth_tap_opts o;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	return o;
}

/* A frame of `len` bytes of a pattern of `seed`, to a multicast address: a host side's stack
 * takes frames to itself, broadcast and multicast, and drops the rest (darwin-notes.md F6.8). */
static void fill(uint8_t *f, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed * 31u + i * 7u);
	f[0] |= 0x01;
}

/* Lets a second of simulated time pass: destroyed units finish their teardown
 * (darwin-notes.md F5.4). */
static void settle(struct testenv *t)
{
	const struct feth__sys *s = sim_sys(t->sim);

	s->sleep_us(s->ctx, 1000000);
}

/* Nothing of any tap is left: no descriptor, interface, peering or registry record. */
static void assert_nothing_left(struct testenv *t)
{
	char reg[4096];

	assert_int_equal(sim_open_fds(t->sim), 0);
	assert_int_equal(sim_if_count(t->sim), 0);
	assert_int_equal(sim_peer_count(t->sim), 0);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "");
}

/* The host sends frames of `sizes` out of its side; the tap receives them, byte for byte. */
static void check_in(struct testenv *t, struct feth_tap *tap, const size_t *sizes, size_t n)
{
	static uint8_t f[16400];
	struct feth_frame fr[16];
	const char *host = info_of(tap).host_name;
	char hostname[FETH_IFNAMSIZ];

	snprintf(hostname, sizeof(hostname), "%s", host);
	for (size_t i = 0; i < n; i++) {
		fill(f, sizes[i], (unsigned)i + 7);
		assert_int_equal(sim_host_send(t->sim, hostname, f, sizes[i]), 0);
	}
	assert_int_equal(feth_tap_wait(tap, 0), 1);
	assert_int_equal(feth_tap_recv(tap, fr, 16), (int)n);
	for (size_t i = 0; i < n; i++) {
		fill(f, sizes[i], (unsigned)i + 7);
		assert_int_equal(fr[i].caplen, sizes[i]);
		assert_int_equal(fr[i].len, sizes[i]);
		assert_memory_equal(fr[i].data, f, sizes[i]);
	}
	assert_int_equal(feth_tap_recv(tap, fr, 16), 0);
	assert_int_equal(feth_tap_wait(tap, 0), 0);
}

/* The tap sends frames of `sizes`, one by one and then as one batch; the host side's stack
 * receives each, byte for byte, in order. */
static void check_out(struct testenv *t, struct feth_tap *tap, const size_t *sizes, size_t n)
{
	static uint8_t f[8][16400], got[16400];
	struct feth_tap_info in = info_of(tap);
	struct iovec iov[8];

	for (size_t i = 0; i < n; i++) {
		fill(f[i], sizes[i], (unsigned)i + 1);
		iov[i].iov_base = f[i];
		iov[i].iov_len = sizes[i];
		assert_int_equal(feth_tap_send(tap, f[i], sizes[i]), 0);
	}
	assert_int_equal(feth_tap_send_batch(tap, iov, n), (int)n);
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(sim_host_recv(t->sim, in.host_name, got, sizeof(got)),
			                 (ssize_t)sizes[i]);
			assert_memory_equal(got, f[i], sizes[i]);
		}
	assert_int_equal(sim_host_recv(t->sim, in.host_name, got, sizeof(got)), -EAGAIN);
}

/* ---- round trips ---------------------------------------------------------------------------- */

static void round_trip(struct testenv *t, int major, int minor, uint32_t path, uint32_t want_path,
                       uint32_t want_max)
{
	struct feth_tap_opts o = opts();
	struct feth_tap *tap;
	struct feth_tap_info in;
	struct feth_tap_stats st;
	size_t in_sizes[3] = {14, 60, 9014};
	size_t out_sizes[4] = {14, 60, 1514, want_max};
	static uint8_t big[16400];

	sim_set_macos(t->sim, major, minor);
	o.mtu = 9000;
	o.send_path = path;
	assert_int_equal(feth_tap_open(&o, &tap), 0);
	in = info_of(tap);
	assert_int_equal(in.send_path, want_path);
	assert_int_equal(in.max_frame, want_max);
	assert_int_equal(in.mtu, 9000);
	check_in(t, tap, in_sizes, 3);
	check_out(t, tap, out_sizes, 4);
	/* Refused before any system call: too short, too long. */
	assert_int_equal(feth_tap_send(tap, big, 13), -EINVAL);
	assert_int_equal(feth_tap_send(tap, big, want_max + 1), -EMSGSIZE);
	st = stats_of(tap);
	assert_int_equal(st.rx_frames, 3);
	assert_int_equal(st.rx_bytes, 14 + 60 + 9014);
	assert_int_equal(st.rx_reads, 1);
	assert_int_equal(st.tx_frames, 8);
	assert_int_equal(st.tx_bytes, 2 * (14 + 60 + 1514 + want_max));
	assert_int_equal(st.tx_refused, 2);
	assert_int_equal(st.rx_kernel_drops, 0);
	/* One call per frame, or one for the whole batch. */
	assert_int_equal(st.tx_syscalls, want_path == FETH_TAP_SEND_BPF_BATCH ? 5 : 8);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_nothing_left(t);
	assert_int_equal(sim_sigpipes(t->sim), 0);
}

static void test_round_trip_macos15(void **state)
{
	round_trip(T(state), 15, 0, FETH_TAP_SEND_AUTO, FETH_TAP_SEND_BPF_BATCH, 9018);
	round_trip(T(state), 15, 0, FETH_TAP_SEND_NDRV, FETH_TAP_SEND_NDRV, 9018);
	round_trip(T(state), 15, 0, FETH_TAP_SEND_BPF, FETH_TAP_SEND_BPF_BATCH, 9018);
	round_trip(T(state), 15, 0, FETH_TAP_SEND_BPF_BATCH, FETH_TAP_SEND_BPF_BATCH, 9018);
}

static void test_round_trip_macos14_1(void **state)
{
	round_trip(T(state), 14, 1, FETH_TAP_SEND_AUTO, FETH_TAP_SEND_BPF_BATCH, 9018);
	round_trip(T(state), 14, 1, FETH_TAP_SEND_NDRV, FETH_TAP_SEND_NDRV, 9018);
}

/* Before batch write: AUTO is NDRV, BPF is one frame per write (2048 at most), and batch write
 * asked for by name is refused, leaving nothing behind. */
static void older(struct testenv *t, int major, int minor)
{
	struct feth_tap_opts o = opts();
	struct feth_tap *tap;

	round_trip(t, major, minor, FETH_TAP_SEND_AUTO, FETH_TAP_SEND_NDRV, 9018);
	round_trip(t, major, minor, FETH_TAP_SEND_NDRV, FETH_TAP_SEND_NDRV, 9018);
	round_trip(t, major, minor, FETH_TAP_SEND_BPF, FETH_TAP_SEND_BPF, 2048);
	o.send_path = FETH_TAP_SEND_BPF_BATCH;
	assert_int_equal(feth_tap_open(&o, &tap), -EOPNOTSUPP);
	assert_nothing_left(t);
}

static void test_round_trip_macos14_0(void **state)
{
	older(T(state), 14, 0);
}

static void test_round_trip_macos12(void **state)
{
	older(T(state), 12, 0);
}

static void test_round_trip_macos10_13(void **state)
{
	older(T(state), 10, 13);
}

/* NULL options: the lowest free units, MTU 1500, the kernel's MACs, the default buffer. */
static void test_defaults(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *tap;
	struct feth_tap_info in;
	struct sim_if_state h, io;

	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	in = info_of(tap);
	assert_string_equal(in.host_name, "feth0");
	assert_string_equal(in.io_name, "feth1");
	assert_int_equal(in.mtu, 1500);
	assert_int_equal(in.max_frame, 1518);
	assert_int_equal(in.rx_bufsize, 512u << 10);
	assert_int_equal(in.flags, 0);
	assert_int_equal(sim_if_state(t->sim, "feth0", &h), 0);
	assert_int_equal(sim_if_state(t->sim, "feth1", &io), 0);
	assert_memory_equal(in.host_mac, h.mac, 6);
	assert_memory_equal(in.io_mac, io.mac, 6);
	assert_string_equal(h.peer, "feth1");
	assert_true(h.flags & DARWIN_IFF_UP);
	assert_true(io.flags & DARWIN_IFF_UP);
	assert_true(feth_tap_fd(tap) >= 0);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_nothing_left(t);
}

/* Named units, a MAC (the I/O side's differs) and a receive buffer the kernel lowers. */
static void test_options(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap_opts o = opts();
	struct feth_tap *tap;
	struct feth_tap_info in;
	const uint8_t mac[6] = {0x02, 0x42, 0, 0, 0, 0x10}, io_mac[6] = {0x02, 0x42, 0, 0, 0, 0x11};

	sim_set_macos(t->sim, 12, 0);
	snprintf(o.host_name, sizeof(o.host_name), "feth20");
	snprintf(o.io_name, sizeof(o.io_name), "feth7");
	memcpy(o.mac, mac, 6);
	o.rx_bufsize = 4u << 20;
	o.mtu = 4000;
	assert_int_equal(feth_tap_open(&o, &tap), 0);
	in = info_of(tap);
	assert_string_equal(in.host_name, "feth20");
	assert_string_equal(in.io_name, "feth7");
	assert_memory_equal(in.host_mac, mac, 6);
	assert_memory_equal(in.io_mac, io_mac, 6);
	assert_int_equal(in.rx_bufsize, 512u << 10); /* the macOS 12 ceiling */
	assert_int_equal(in.mtu, 4000);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_nothing_left(t);
}

/* ---- waiting, waking, the descriptor ---------------------------------------------------- */

static void test_fd_and_drain(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *tap;
	struct feth_frame fr[1];
	struct pollfd p;
	uint8_t f[64];
	int n = 0, r;

	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	p.fd = feth_tap_fd(tap);
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 0), 0);
	fill(f, sizeof(f), 3);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sim_host_send(t->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(poll(&p, 1, 0), 1);
	/* One frame per call: the first empties the kernel buffer, and the descriptor stops being
	 * readable while four frames still wait in the library: drain until 0. */
	assert_int_equal(feth_tap_recv(tap, fr, 1), 1);
	n++;
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(feth_tap_wait(tap, 0), 1);
	while ((r = feth_tap_recv(tap, fr, 1)) > 0)
		n += r;
	assert_int_equal(r, 0);
	assert_int_equal(n, 5);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_nothing_left(t);
}

struct waiter {
	struct feth_tap *tap;
	int timeout_ms;
	int result;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->result = feth_tap_wait(w->tap, w->timeout_ms);
	return NULL;
}

static void test_wait_wake(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *tap;
	struct feth_frame fr[4];
	struct waiter w;
	pthread_t th;
	uint8_t f[60];

	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	assert_int_equal(feth_tap_wait(tap, 0), 0);
	assert_int_equal(feth_tap_wait(tap, 10), 0); /* times out */
	/* A wake with nobody waiting is kept for the next wait; several coalesce. */
	assert_int_equal(feth_tap_wake(tap), 0);
	assert_int_equal(feth_tap_wake(tap), 0);
	assert_int_equal(feth_tap_wait(tap, -1), 0);
	assert_int_equal(feth_tap_wait(tap, 0), 0);
	/* Frames: 1. */
	fill(f, sizeof(f), 1);
	assert_int_equal(sim_host_send(t->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(feth_tap_wait(tap, -1), 1);
	assert_int_equal(feth_tap_recv(tap, fr, 4), 1);
	/* A reader blocked with no limit is woken from another thread. */
	w = (struct waiter){.tap = tap, .timeout_ms = -1, .result = 99};
	assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
	usleep(20000);
	assert_int_equal(feth_tap_wake(tap), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.result, 0);
	/* ... and by a frame. */
	w = (struct waiter){.tap = tap, .timeout_ms = -1, .result = 99};
	assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
	usleep(20000);
	assert_int_equal(sim_host_send(t->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.result, 1);
	assert_int_equal(feth_tap_recv(tap, fr, 4), 1);
	/* ... and by a shutdown, after which every call says so. */
	w = (struct waiter){.tap = tap, .timeout_ms = -1, .result = 99};
	assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
	usleep(20000);
	assert_int_equal(feth_tap_shutdown(tap), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.result, -ESHUTDOWN);
	assert_int_equal(feth_tap_shutdown(tap), 0); /* idempotent */
	assert_int_equal(feth_tap_wait(tap, 0), -ESHUTDOWN);
	assert_int_equal(feth_tap_recv(tap, fr, 4), -ESHUTDOWN);
	assert_int_equal(feth_tap_send(tap, f, sizeof(f)), -ESHUTDOWN);
	{
		struct iovec iov = {.iov_base = f, .iov_len = sizeof(f)};

		assert_int_equal(feth_tap_send_batch(tap, &iov, 1), -ESHUTDOWN);
	}
	/* What does not touch the data path still answers. */
	assert_int_equal(info_of(tap).mtu, 1500);
	assert_int_equal(stats_of(tap).rx_frames, 2);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_nothing_left(t);
}

/* ---- threads -------------------------------------------------------------------------------- */

#define SENDERS    4
#define PER_SENDER 1000

struct sender {
	struct feth_tap *tap;
	int id;
	int batch;         /* send in batches of 10 instead of one by one */
	int forever;       /* until an error (the shutdown) */
	int last_err;      /* the error that stopped it */
	atomic_ulong sent; /* read by the main thread meanwhile */
};

/* Frame: 12 bytes of addresses, 2 of type, then the sender id and its sequence number. */
static void tagged(uint8_t *f, size_t len, int id, unsigned seq)
{
	memset(f, 0, len);
	memset(f, 0xff, 6); /* broadcast: the host side's stack takes it */
	f[12] = 0x88;
	f[13] = 0xb5;
	f[14] = (uint8_t)id;
	memcpy(f + 16, &seq, sizeof(seq));
}

static void *send_thread(void *arg)
{
	struct sender *s = arg;
	uint8_t f[10][64];
	struct iovec iov[10];

	for (unsigned seq = 0; s->forever || seq < PER_SENDER;) {
		int r;

		if (s->batch) {
			for (int k = 0; k < 10; k++) {
				tagged(f[k], 64, s->id, seq + (unsigned)k);
				iov[k] = (struct iovec){.iov_base = f[k], .iov_len = 64};
			}
			r = feth_tap_send_batch(s->tap, iov, 10);
			if (r > 0)
				seq += (unsigned)r;
		} else {
			tagged(f[0], 64, s->id, seq);
			r = feth_tap_send(s->tap, f[0], 64);
			if (r == 0)
				seq++;
		}
		if (r < 0) {
			s->last_err = r;
			break;
		}
		atomic_store(&s->sent, seq);
	}
	return NULL;
}

struct receiver {
	struct feth_tap *tap;
	int stop;
	unsigned long frames;
	int err;
};

static void *recv_thread(void *arg)
{
	struct receiver *rv = arg;
	struct feth_frame fr[32];

	for (;;) {
		int r = feth_tap_wait(rv->tap, 100);

		if (r < 0) {
			rv->err = r == -ESHUTDOWN ? 0 : r;
			break;
		}
		while ((r = feth_tap_recv(rv->tap, fr, 32)) > 0)
			rv->frames += (unsigned long)r;
		if (r < 0) {
			rv->err = r == -ESHUTDOWN ? 0 : r;
			break;
		}
	}
	return NULL;
}

/* Sends from four threads at once (two one by one, two in batches) while a fifth receives:
 * every frame arrives whole, each sender's frames in order. */
static void test_threads_send_while_receiving(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *tap;
	struct sender s[SENDERS];
	struct receiver rv;
	pthread_t th[SENDERS], rth;
	unsigned next[SENDERS] = {0};
	uint8_t got[128], f[64];
	struct feth_tap_stats st;
	ssize_t n;

	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	rv = (struct receiver){.tap = tap};
	assert_int_equal(pthread_create(&rth, NULL, recv_thread, &rv), 0);
	for (int i = 0; i < SENDERS; i++) {
		s[i] = (struct sender){.tap = tap, .id = i, .batch = i & 1};
		assert_int_equal(pthread_create(&th[i], NULL, send_thread, &s[i]), 0);
	}
	/* The host talks to the receiver meanwhile. */
	fill(f, sizeof(f), 5);
	for (int i = 0; i < 500; i++)
		assert_int_equal(sim_host_send(t->sim, "feth0", f, sizeof(f)), 0);
	for (int i = 0; i < SENDERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(s[i].last_err, 0);
	}
	while ((n = sim_host_recv(t->sim, "feth0", got, sizeof(got))) > 0) {
		unsigned seq;

		assert_int_equal(n, 64);
		assert_true(got[14] < SENDERS);
		memcpy(&seq, got + 16, sizeof(seq));
		assert_int_equal(seq, next[got[14]]);
		next[got[14]]++;
	}
	for (int i = 0; i < SENDERS; i++)
		assert_int_equal(next[i], PER_SENDER);
	/* Give the receiver time to drain, then stop it. */
	for (int i = 0; i < 200 && stats_of(tap).rx_frames < 500; i++)
		usleep(5000);
	assert_int_equal(feth_tap_shutdown(tap), 0);
	assert_int_equal(pthread_join(rth, NULL), 0);
	assert_int_equal(rv.err, 0);
	assert_int_equal(rv.frames, 500);
	st = stats_of(tap);
	assert_int_equal(st.tx_frames, SENDERS * PER_SENDER);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_nothing_left(t);
}

/* Closing a tap another thread is sending on: shut down, the sender stops with -ESHUTDOWN,
 * join it, close. Nothing is left and no frame was cut. */
static void test_close_while_sending(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *tap;
	struct sender s[2];
	pthread_t th[2];
	uint8_t got[128];
	unsigned long arrived = 0;
	ssize_t n;

	sim_set_inbox(t->sim, false); /* the senders outrun any inbox */
	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	for (int i = 0; i < 2; i++) {
		s[i] = (struct sender){.tap = tap, .id = i, .batch = i, .forever = 1};
		assert_int_equal(pthread_create(&th[i], NULL, send_thread, &s[i]), 0);
	}
	while (atomic_load(&s[0].sent) < 100 || atomic_load(&s[1].sent) < 100)
		usleep(1000);
	assert_int_equal(feth_tap_shutdown(tap), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(s[i].last_err, -ESHUTDOWN);
	}
	assert_int_equal(stats_of(tap).tx_frames,
	                 atomic_load(&s[0].sent) + atomic_load(&s[1].sent));
	assert_int_equal(feth_tap_close(tap), 0);
	assert_nothing_left(t);
	while ((n = sim_host_recv(t->sim, "feth0", got, sizeof(got))) > 0)
		arrived++;
	assert_int_equal(arrived, 0);
}

/* ---- lifecycle --------------------------------------------------------------------------------
 */

static void test_close_with_frames_pending(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *tap;
	struct feth_frame fr[4];
	uint8_t f[1514];

	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	fill(f, sizeof(f), 2);
	for (int i = 0; i < 100; i++)
		assert_int_equal(sim_host_send(t->sim, "feth0", f, sizeof(f)), 0);
	/* Some handed out, most still in the library's buffer or the kernel's. */
	assert_int_equal(feth_tap_recv(tap, fr, 4), 4);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_int_equal(feth_tap_close(NULL), 0);
	assert_nothing_left(t);
}

/* The I/O side destroyed under the tap: frames already buffered are still delivered, then
 * -ENXIO; sends fail -ENXIO (never SIGPIPE); close cleans up the rest. */
static void test_interface_vanishes(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *tap;
	struct feth_frame fr[8];
	struct feth_tap_stats st;
	uint8_t f[60];
	int r;

	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	fill(f, sizeof(f), 4);
	assert_int_equal(sim_host_send(t->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(sim_host_send(t->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(feth_if_destroy("feth1"), 0);
	assert_int_equal(feth_tap_recv(tap, fr, 8), 2);
	assert_int_equal(feth_tap_recv(tap, fr, 8), -ENXIO);
	r = feth_tap_send(tap, f, sizeof(f));
	assert_int_equal(r, -ENXIO);
	/* A detached BPF descriptor still answers BIOCGSTATS: bpfioctl refuses only a closed or
	 * closing device (darwin-notes.md B7.1), and BIOCGSTATS just copies the counters
	 * (bpf.c@xnu-11417.101.15:2348-2356). */
	st = stats_of(tap);
	assert_int_equal(st.rx_frames, 2);
	assert_int_equal(st.tx_err_gone, 1);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_nothing_left(t);
	assert_int_equal(sim_sigpipes(t->sim), 0);
}

struct gone_waiter {
	struct feth_tap *tap;
	int result;
	atomic_int waiting, done;
};

/* Waits and receives, as a program's receiving thread, until an error. */
static void *gone_wait_thread(void *arg)
{
	struct gone_waiter *w = arg;
	struct feth_frame fr[8];
	int r = 0;

	atomic_store(&w->waiting, 1);
	while (r >= 0) {
		r = feth_tap_wait(w->tap, -1);
		while (r >= 0 && (r = feth_tap_recv(w->tap, fr, 8)) > 0)
			;
	}
	w->result = r;
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * The I/O side destroyed while a thread waits with no time limit, and the kernel's detacher
 * late (here: never on its own): the BPF descriptor says nothing and reads find nothing
 * (darwin-notes.md F5.4, B10.3), yet the waiter learns of it (-ENXIO) within the wait's slice,
 * and a send says gone (-ENXIO), not down.
 */
static void test_interface_vanishes_detach_late(void **state)
{
	struct testenv *t = T(state);
	struct gone_waiter w = {.result = 1};
	struct feth_tap *tap;
	pthread_t th;
	uint8_t f[60];

	sim_set_teardown_us(t->sim, UINT64_MAX);
	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	w.tap = tap;
	atomic_init(&w.waiting, 0);
	atomic_init(&w.done, 0);
	assert_int_equal(pthread_create(&th, NULL, gone_wait_thread, &w), 0);
	for (int i = 0; i < 10000 && !atomic_load(&w.waiting); i++)
		usleep(1000);
	usleep(20000);
	assert_int_equal(feth_if_destroy("feth1"), 0);
	/* 10 s at most: a waiter that never learns is released by a shutdown (-ESHUTDOWN), and the
	 * test fails instead of hanging. */
	for (int i = 0; i < 10000 && !atomic_load(&w.done); i++)
		usleep(1000);
	if (!atomic_load(&w.done))
		assert_int_equal(feth_tap_shutdown(tap), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.result, -ENXIO);
	assert_int_equal(sim_detaching(t->sim), 1);
	fill(f, sizeof(f), 9);
	assert_int_equal(feth_tap_send(tap, f, sizeof(f)), -ENXIO);
	assert_int_equal(stats_of(tap).tx_err_gone, 1);
	assert_int_equal(feth_tap_close(tap), 0);
	sim_run_detacher(t->sim);
	assert_nothing_left(t);
}

/* Up to macOS 14 a frame over 16384 bytes wedges a feth for good (darwin-notes.md F6.6): at
 * the largest MTU the tap takes and reports 16384, from macOS 15 on MTU + 18. */
static void test_max_frame_by_release(void **state)
{
	static const struct {
		int major, minor;
		uint32_t path, max;
	} cases[] = {
	    {15, 0, FETH_TAP_SEND_AUTO, 16388}, {15, 0, FETH_TAP_SEND_NDRV, 16388},
	    {14, 1, FETH_TAP_SEND_AUTO, 16384}, {14, 1, FETH_TAP_SEND_NDRV, 16384},
	    {12, 0, FETH_TAP_SEND_NDRV, 16384}, {10, 13, FETH_TAP_SEND_NDRV, 16384},
	};
	struct testenv *t = T(state);
	static uint8_t f[16389], got[16400];

	fill(f, sizeof(f), 6);
	sim_set_teardown_us(t->sim, 0);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct feth_tap_opts o = {
		    .sz = sizeof(o), .mtu = 16370, .send_path = cases[c].path};
		struct feth_tap *tap;

		sim_set_macos(t->sim, cases[c].major, cases[c].minor);
		assert_int_equal(feth_tap_open(&o, &tap), 0);
		assert_int_equal(info_of(tap).max_frame, cases[c].max);
		assert_int_equal(feth_tap_send(tap, f, cases[c].max + 1), -EMSGSIZE);
		assert_int_equal(feth_tap_send(tap, f, cases[c].max), 0);
		assert_int_equal(feth_tap_send(tap, f, 60), 0);
		assert_false(sim_if_wedged(t->sim, info_of(tap).io_name));
		assert_int_equal(sim_host_recv(t->sim, info_of(tap).host_name, got, sizeof(got)),
		                 (ssize_t)cases[c].max);
		assert_int_equal(feth_tap_close(tap), 0);
		assert_nothing_left(t);
	}
}

/* Someone destroys the tap's interface and makes another of the same name: close leaves the
 * newcomer alone, as its registry record (none) is not the tap's. */
static void test_close_spares_a_namesake(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *tap;
	char reg[4096];

	sim_set_teardown_us(t->sim, 0);
	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	assert_int_equal(feth_if_destroy("feth1"), 0);
	assert_int_equal(sim_if_create_external(t->sim, "feth1"), 0);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_int_equal(sim_if_count(t->sim), 1);
	assert_int_equal(sim_if_state(t->sim, "feth1", &(struct sim_if_state){0}), 0);
	assert_int_equal(sim_open_fds(t->sim), 0);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "");
}

static void test_adopt(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap_opts o = opts();
	struct feth_tap *tap;
	struct feth_tap_info in;
	struct sim_if_state st;
	size_t sizes[2] = {60, 1514};

	/* A pair someone else made, both sides down. */
	assert_int_equal(sim_if_create_external(t->sim, "feth5"), 0);
	assert_int_equal(sim_if_create_external(t->sim, "feth6"), 0);
	assert_int_equal(sim_if_peer_external(t->sim, "feth5", "feth6"), 0);
	assert_int_equal(feth_if_set_up("feth5", 1), 0);
	o.flags = FETH_TAP_ADOPT;
	snprintf(o.host_name, sizeof(o.host_name), "feth5");
	assert_int_equal(feth_tap_open(&o, &tap), 0);
	in = info_of(tap);
	assert_string_equal(in.io_name, "feth6");
	assert_int_equal(in.flags, FETH_TAP_ADOPT);
	assert_int_equal(sim_if_state(t->sim, "feth6", &st), 0);
	assert_true(st.flags & DARWIN_IFF_UP); /* brought up to send */
	check_in(t, tap, sizes, 2);
	check_out(t, tap, sizes, 2);
	assert_int_equal(feth_tap_close(tap), 0);
	/* Left as found: both exist, still peered, the I/O side down again, nothing recorded. */
	assert_int_equal(sim_if_count(t->sim), 2);
	assert_int_equal(sim_peer_count(t->sim), 1);
	assert_int_equal(sim_if_state(t->sim, "feth6", &st), 0);
	assert_false(st.flags & DARWIN_IFF_UP);
	assert_int_equal(sim_open_fds(t->sim), 0);

	/* The I/O side may be named, if it is the peer; an adopted pair is not reconfigured. */
	snprintf(o.io_name, sizeof(o.io_name), "feth6");
	assert_int_equal(feth_tap_open(&o, &tap), 0);
	assert_int_equal(feth_tap_close(tap), 0);
	snprintf(o.io_name, sizeof(o.io_name), "feth7");
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o.io_name[0] = '\0';
	o.mtu = 9000;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o.mtu = 0;
	o.mac[5] = 2;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o.mac[5] = 0;
	o.host_name[0] = '\0';
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	/* Not peered; not there. */
	assert_int_equal(sim_if_create_external(t->sim, "feth8"), 0);
	snprintf(o.host_name, sizeof(o.host_name), "feth8");
	assert_int_equal(feth_tap_open(&o, &tap), -ENOTCONN);
	snprintf(o.host_name, sizeof(o.host_name), "feth9");
	assert_int_equal(feth_tap_open(&o, &tap), -ENXIO);
	assert_int_equal(sim_if_count(t->sim), 3);
	assert_int_equal(sim_open_fds(t->sim), 0);
}

static void test_two_taps(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *a, *b;
	struct feth_frame fr[4];
	uint8_t f[60];

	assert_int_equal(feth_tap_open(NULL, &a), 0);
	assert_int_equal(feth_tap_open(NULL, &b), 0);
	assert_string_equal(info_of(b).host_name, "feth2");
	assert_string_equal(info_of(b).io_name, "feth3");
	assert_int_equal(sim_if_count(t->sim), 4);
	fill(f, sizeof(f), 8);
	assert_int_equal(sim_host_send(t->sim, "feth2", f, sizeof(f)), 0);
	assert_int_equal(feth_tap_recv(a, fr, 4), 0);
	assert_int_equal(feth_tap_recv(b, fr, 4), 1);
	assert_int_equal(feth_tap_send(a, f, sizeof(f)), 0);
	assert_int_equal(sim_host_recv(t->sim, "feth2", f, sizeof(f)), -EAGAIN);
	assert_int_equal(sim_host_recv(t->sim, "feth0", f, sizeof(f)), 60);
	assert_int_equal(feth_tap_close(a), 0);
	assert_int_equal(sim_if_count(t->sim), 2);
	assert_int_equal(feth_tap_close(b), 0);
	assert_nothing_left(t);
}

/* A unit asked for that exists: -EEXIST, nothing made, the other interface untouched. */
static void test_names_collide(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap_opts o = opts();
	struct feth_tap *tap;

	assert_int_equal(sim_if_create_external(t->sim, "feth3"), 0);
	snprintf(o.host_name, sizeof(o.host_name), "feth3");
	assert_int_equal(feth_tap_open(&o, &tap), -EEXIST);
	snprintf(o.host_name, sizeof(o.host_name), "feth4");
	snprintf(o.io_name, sizeof(o.io_name), "feth3");
	assert_int_equal(feth_tap_open(&o, &tap), -EEXIST);
	snprintf(o.io_name, sizeof(o.io_name), "feth4");
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL); /* both sides one interface */
	assert_int_equal(sim_if_count(t->sim), 1);
	assert_int_equal(sim_open_fds(t->sim), 0);
	/* Automatic names step over it. */
	settle(t);
	{
		struct feth_tap *a, *b;

		assert_int_equal(feth_tap_open(NULL, &a), 0);
		assert_int_equal(feth_tap_open(NULL, &b), 0);
		assert_string_equal(info_of(b).host_name, "feth2");
		assert_string_equal(info_of(b).io_name, "feth4");
		assert_int_equal(feth_tap_close(b), 0);
		assert_int_equal(feth_tap_close(a), 0);
	}
	assert_int_equal(sim_if_count(t->sim), 1);
	assert_int_equal(sim_if_state(t->sim, "feth3", &(struct sim_if_state){0}), 0);
}

/* A tap of a process that died without closing it: cleanup destroys its pair and only it (a
 * pair made outside libfeth survives); the handle then closes cleanly. */
static void test_orphan_cleanup(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap *tap;
	uint8_t f[60];

	assert_int_equal(sim_if_create_external(t->sim, "feth8"), 0);
	assert_int_equal(sim_if_create_external(t->sim, "feth9"), 0);
	assert_int_equal(sim_if_peer_external(t->sim, "feth8", "feth9"), 0);
	sim_set_pid(t->sim, 5000);
	assert_int_equal(feth_tap_open(NULL, &tap), 0);
	sim_set_pid(t->sim, 4242);
	sim_set_pid_alive(t->sim, 5000, false);
	assert_int_equal(feth_if_cleanup_orphans(), 2);
	assert_int_equal(sim_if_count(t->sim), 2);
	assert_int_equal(sim_if_state(t->sim, "feth8", &(struct sim_if_state){0}), 0);
	assert_int_equal(sim_if_state(t->sim, "feth9", &(struct sim_if_state){0}), 0);
	assert_int_equal(sim_peer_count(t->sim), 1);
	fill(f, sizeof(f), 1);
	assert_int_equal(feth_tap_send(tap, f, sizeof(f)), -ENXIO);
	sim_set_pid(t->sim, 5000);
	assert_int_equal(feth_tap_close(tap), 0);
	assert_int_equal(sim_if_count(t->sim), 2);
	assert_int_equal(sim_open_fds(t->sim), 0);
}

/* ---- fault injection ---------------------------------------------------------------------- */

struct fault_tally {
	unsigned runs, errors;
};

/* The world after a failed open or any close: nothing of the tap, the adopted pair (if any)
 * exactly as it was. */
static void assert_clean(struct testenv *t, const struct world *before, const char *what)
{
	struct world now;

	testenv_snapshot(t, &now);
	testenv_assert_same(before, &now, what);
}

static void faults_over(struct testenv *t, const struct feth_tap_opts *o, struct fault_tally *ft)
{
	static const int errs[2] = {EIO, EINTR};
	struct world before;
	struct feth_tap *tap;
	unsigned long open_calls, close_calls, c0;
	char what[96];

	testenv_snapshot(t, &before);
	/* How many seam calls a fault-free open and close make. */
	c0 = sim_calls(t->sim);
	assert_int_equal(feth_tap_open(o, &tap), 0);
	open_calls = sim_calls(t->sim) - c0;
	c0 = sim_calls(t->sim);
	assert_int_equal(feth_tap_close(tap), 0);
	close_calls = sim_calls(t->sim) - c0;
	assert_clean(t, &before, "fault-free open and close");

	for (int e = 0; e < 2; e++) {
		for (unsigned long k = 1; k <= open_calls; k++) {
			int r;

			sim_fail_nth(t->sim, k, errs[e]);
			r = feth_tap_open(o, &tap);
			sim_fail_clear(t->sim);
			ft->runs++;
			if (r == 0) {
				assert_int_equal(feth_tap_close(tap), 0);
			} else {
				assert_true(r < 0);
				ft->errors++;
			}
			snprintf(what, sizeof(what), "open, call %lu failing %s", k,
			         strerror(errs[e]));
			assert_clean(t, &before, what);
			/* Time passes between runs, as it does between a program's attempts: the
			 * units this run destroyed finish their teardown (F5.4). */
			settle(t);
		}
		for (unsigned long k = 1; k <= close_calls; k++) {
			int r;

			assert_int_equal(feth_tap_open(o, &tap), 0);
			sim_fail_nth(t->sim, k, errs[e]);
			r = feth_tap_close(tap);
			sim_fail_clear(t->sim);
			ft->runs++;
			if (r < 0)
				ft->errors++;
			snprintf(what, sizeof(what), "close, call %lu failing %s", k,
			         strerror(errs[e]));
			assert_clean(t, &before, what);
			settle(t);
		}
	}
	printf("    %s: open makes %lu seam calls, close %lu\n",
	       o && (o->flags & FETH_TAP_ADOPT) ? "adopt" : "create", open_calls, close_calls);
}

static void test_faults(void **state)
{
	struct testenv *t = T(state);
	struct feth_tap_opts o = opts();
	struct fault_tally ft = {0, 0};

	/* Create, with a larger MTU (the sysctl dance) and a MAC. */
	o.mtu = 9000;
	o.mac[0] = 0x02;
	o.mac[5] = 0x01;
	faults_over(t, &o, &ft);
	faults_over(t, NULL, &ft);
	/* Adopt, of a pair whose I/O side is down. */
	settle(t);
	assert_int_equal(sim_if_create_external(t->sim, "feth5"), 0);
	assert_int_equal(sim_if_create_external(t->sim, "feth6"), 0);
	assert_int_equal(sim_if_peer_external(t->sim, "feth5", "feth6"), 0);
	o = opts();
	o.flags = FETH_TAP_ADOPT;
	snprintf(o.host_name, sizeof(o.host_name), "feth5");
	faults_over(t, &o, &ft);
	printf("    tap fault injection: %u runs, %u returned an error, 0 left anything behind\n",
	       ft.runs, ft.errors);
}

/* ---- bad input ------------------------------------------------------------------------------ */

static void test_bad_input(void **state)
{
	struct testenv *t = T(state);
	struct {
		struct feth_tap_opts o;
		uint8_t tail[8];
	} big;
	struct feth_tap_opts o = opts();
	struct feth_tap *tap = NULL;
	struct feth_frame fr[2];
	struct feth_tap_info in;
	uint8_t f[16400];
	struct iovec iov[2];

	/* NULL handles: every call refuses (close accepts it). */
	assert_int_equal(feth_tap_open(NULL, NULL), -EINVAL);
	assert_int_equal(feth_tap_close(NULL), 0);
	assert_int_equal(feth_tap_shutdown(NULL), -EINVAL);
	assert_int_equal(feth_tap_fd(NULL), -EINVAL);
	assert_int_equal(feth_tap_wait(NULL, 0), -EINVAL);
	assert_int_equal(feth_tap_wake(NULL), -EINVAL);
	assert_int_equal(feth_tap_recv(NULL, fr, 2), -EINVAL);
	assert_int_equal(feth_tap_send(NULL, f, 60), -EINVAL);
	assert_int_equal(feth_tap_send_batch(NULL, iov, 1), -EINVAL);
	in.sz = sizeof(in);
	assert_int_equal(feth_tap_get_info(NULL, &in), -EINVAL);
	assert_int_equal(feth_tap_get_stats(NULL, &(struct feth_tap_stats){.sz = 8}), -EINVAL);

	/* Options: unknown flags, send path, reserved bytes, names, MTU, MAC. */
	o.flags = 0x80;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o = opts();
	o.send_path = FETH_TAP_SEND_TX_RING_BYPASS + 1;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	/* Linux's send paths do not exist on Darwin: refused, and nothing is left behind. */
	for (uint32_t p = FETH_TAP_SEND_SENDTO; p <= FETH_TAP_SEND_TX_RING_BYPASS; p++) {
		o.send_path = p;
		assert_int_equal(feth_tap_open(&o, &tap), -EOPNOTSUPP);
		assert_int_equal(feth_if_list(NULL, 0), 0);
	}
	o = opts();
	o.reserved[1] = 1;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o = opts();
	snprintf(o.host_name, sizeof(o.host_name), "en0");
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o = opts();
	memset(o.io_name, 'x', sizeof(o.io_name)); /* no NUL */
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o = opts();
	snprintf(o.host_name, sizeof(o.host_name), "feth99999");
	assert_int_equal(feth_tap_open(&o, &tap), -ERANGE);
	o = opts();
	o.mtu = 71;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o.mtu = FETH_MTU_MAX + 1;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o = opts();
	o.mac[0] = 0x01; /* multicast */
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);

	/* A newer caller: a larger sz is fine while the tail is zero, refused when not. */
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.tail[3] = 1;
	assert_int_equal(feth_tap_open(&big.o, &tap), -EINVAL);
	big.o.sz = 4; /* smaller than the sz field itself */
	assert_int_equal(feth_tap_open(&big.o, &tap), -EINVAL);
	assert_null(tap);
	assert_int_equal(sim_if_count(t->sim), 0);
	big.tail[3] = 0;
	big.o.sz = sizeof(big);
	assert_int_equal(feth_tap_open(&big.o, &tap), 0);
	{
		/* A caller whose sz lies: refused before anything past the struct is read (the
		 * struct alone on the heap: a read past it is an error under ASan and valgrind). */
		struct feth_tap_opts *lie = malloc(sizeof(*lie));
		struct feth_tap_info *ilie = malloc(sizeof(*ilie));
		struct feth_tap *t2 = NULL;
		const size_t sizes[] = {FETH_STRUCT_SZ_MAX + 1, (size_t)1 << 30, SIZE_MAX};

		assert_non_null(lie);
		assert_non_null(ilie);
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			*lie = opts();
			lie->sz = sizes[k];
			assert_int_equal(feth_tap_open(lie, &t2), -EINVAL);
			assert_null(t2);
			memset(ilie, 0, sizeof(*ilie));
			ilie->sz = sizes[k];
			assert_int_equal(feth_tap_get_info(tap, ilie), -EINVAL);
			assert_int_equal(feth_tap_get_stats(tap, (struct feth_tap_stats *)(void *)ilie),
			                 -EINVAL);
		}
		free(lie);
		free(ilie);
	}
	assert_int_equal(feth_tap_close(tap), 0);
	/* An older caller: fields past its sz read as defaults (here: no send path, no buffer
	 * size, stale bytes behind sz ignored). */
	o = opts();
	o.sz = offsetof(struct feth_tap_opts, rx_bufsize);
	o.rx_bufsize = 12345;
	o.send_path = 99;
	assert_int_equal(feth_tap_open(&o, &tap), 0);
	assert_int_equal(info_of(tap).rx_bufsize, 512u << 10);

	/* Frames: 0 and 13 bytes, one over the limit, NULL; max 0. */
	fill(f, sizeof(f), 1);
	assert_int_equal(feth_tap_send(tap, f, 0), -EINVAL);
	assert_int_equal(feth_tap_send(tap, f, 13), -EINVAL);
	assert_int_equal(feth_tap_send(tap, NULL, 60), -EINVAL);
	assert_int_equal(feth_tap_send(tap, f, 1500 + 19), -EMSGSIZE);
	assert_int_equal(feth_tap_send(tap, f, 1500 + 18), 0);
	iov[0] = (struct iovec){.iov_base = f, .iov_len = 60};
	iov[1] = (struct iovec){.iov_base = f, .iov_len = 13};
	assert_int_equal(feth_tap_send_batch(tap, iov, 2), 1); /* stops at the bad one */
	assert_int_equal(feth_tap_send_batch(tap, iov + 1, 1), -EINVAL);
	assert_int_equal(feth_tap_send_batch(tap, NULL, 1), -EINVAL);
	assert_int_equal(feth_tap_send_batch(tap, NULL, 0), 0);
	assert_int_equal(feth_tap_recv(tap, fr, 0), -EINVAL);
	assert_int_equal(feth_tap_recv(tap, NULL, 2), -EINVAL);
	assert_int_equal(stats_of(tap).tx_refused, 5); /* NULL is the caller's error, not a frame */

	/* Result structs: sz 0 refused; an older, smaller sz gets only what fits. */
	in.sz = 0;
	assert_int_equal(feth_tap_get_info(tap, &in), -EINVAL);
	assert_int_equal(feth_tap_get_info(tap, NULL), -EINVAL);
	assert_int_equal(feth_tap_get_stats(tap, NULL), -EINVAL);
	memset(&in, 0xee, sizeof(in));
	in.sz = offsetof(struct feth_tap_info, mtu);
	assert_int_equal(feth_tap_get_info(tap, &in), 0);
	assert_int_equal(in.sz, offsetof(struct feth_tap_info, mtu));
	assert_string_equal(in.io_name, info_of(tap).io_name);
	assert_int_equal(in.mtu, 0xeeeeeeeeu); /* untouched */
	{
		struct feth_tap_stats st;

		memset(&st, 0xee, sizeof(st));
		st.sz = offsetof(struct feth_tap_stats, rx_bytes);
		assert_int_equal(feth_tap_get_stats(tap, &st), 0);
		assert_int_equal(st.rx_frames, 0);
		assert_int_equal(st.rx_bytes, 0xeeeeeeeeeeeeeeeeull);
	}
	assert_int_equal(feth_tap_close(tap), 0);
	assert_nothing_left(t);
}

/* Where no backend has the tap, open says so and makes nothing. */
static void test_unsupported(void **state)
{
	struct testenv *t = T(state);
	struct feth__env env = t->env;
	struct feth_tap *tap = NULL;

	env.be = &feth__backend_unsupported;
	feth__env_set(&env);
	assert_int_equal(feth_tap_open(NULL, &tap), -EOPNOTSUPP);
	assert_null(tap);
	feth__env_set(&t->env);
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, testenv_setup, testenv_teardown)
	const struct CMUnitTest tests[] = {
	    TEST(test_round_trip_macos15),
	    TEST(test_round_trip_macos14_1),
	    TEST(test_round_trip_macos14_0),
	    TEST(test_round_trip_macos12),
	    TEST(test_round_trip_macos10_13),
	    TEST(test_defaults),
	    TEST(test_options),
	    TEST(test_fd_and_drain),
	    TEST(test_wait_wake),
	    TEST(test_threads_send_while_receiving),
	    TEST(test_close_while_sending),
	    TEST(test_close_with_frames_pending),
	    TEST(test_interface_vanishes),
	    TEST(test_interface_vanishes_detach_late),
	    TEST(test_max_frame_by_release),
	    TEST(test_close_spares_a_namesake),
	    TEST(test_adopt),
	    TEST(test_two_taps),
	    TEST(test_names_collide),
	    TEST(test_orphan_cleanup),
	    TEST(test_faults),
	    TEST(test_bad_input),
	    TEST(test_unsupported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
