/* SPDX-License-Identifier: MIT */
/*
 * The tap handle's behaviour that every platform shares, written once against the public API
 * and a peer (peer.h) that plays the host side: built as test_tap_sim (the Darwin backend over
 * the simulated Darwin kernel) and as test_tap_linux (the Linux backend over the real kernel),
 * and run once in each receive mode the platform has. Round trips through every send path,
 * frames at the MTU limit and over it, a volume of frames with their views checked after each
 * whole batch, waiting, waking and shutdown, the interface vanishing under the tap (also while
 * another thread receives), the I/O side down and up again, an adopted pair, two taps side by
 * side, one thread sending while another receives, a reader stalled while a light stream
 * fills its whole ring, senders behind a very slow queue stopped by a shutdown, every system
 * call of open and close failing in turn, and bad input.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"
#include "tap_util.h"

#define P(state)      ((struct peer *)*(state))
#define ETHERTYPE     0x88b5 /* IEEE local experimental: no stack answers it */
#define MAX_BYTES     16400
#define VOLUME        1000
#define CHUNK         100
#define THREAD_FRAMES 1000

/* The receive mode the tests run in (main() runs them once per mode). */
static uint32_t rx_mode;

/* ---- helpers ---------------------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A frame of `len` bytes (at least 14) for sequence number `seq`: to `dst` from `src`, of our
 * ethertype, VLAN-tagged when `tagged` (then at least 18 bytes), the rest a pattern of seq.
 */
static void frame(uint8_t *f, size_t len, unsigned seq, const uint8_t *dst, const uint8_t *src,
                  int tagged)
{
	size_t at = 12;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (tagged) {
		f[at++] = 0x81;
		f[at++] = 0x00;
		f[at++] = 0x00;
		f[at++] = 0x05; /* VLAN 5 */
	}
	f[at++] = ETHERTYPE >> 8;
	f[at++] = ETHERTYPE & 0xff;
	for (size_t i = at; i < len; i++)
		f[i] = (uint8_t)(seq * 31u + i * 7u);
}

static struct feth_tap *open_tap(struct peer *p, uint32_t mtu, uint32_t path)
{
	struct feth_tap_opts o;
	struct feth_tap *tap = NULL;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.mtu = mtu;
	o.send_path = path;
	o.rx_mode = rx_mode;
	assert_int_equal(feth_tap_open(&o, &tap), 0);
	peer_attach(p, info_of(tap).host_name);
	return tap;
}

/* Receives exactly n frames (waiting for them to cross) into fr. */
static void recv_n(struct feth_tap *tap, struct feth_frame *fr, size_t n)
{
	size_t got = 0;

	while (got < n) {
		int r;

		assert_int_equal(feth_tap_wait(tap, peer_cross_ms()), 1);
		r = feth_tap_recv(tap, fr + got, n - got);
		assert_true(r >= 0);
		got += (size_t)r;
	}
}

/* The host side sends frames of `sizes`; the tap receives them, byte for byte, in order. */
static void check_in(struct peer *p, struct feth_tap *tap, const size_t *sizes, size_t n,
                     const int *tagged)
{
	static uint8_t f[MAX_BYTES];
	struct feth_tap_info in = info_of(tap);
	struct feth_frame fr[8];

	for (size_t i = 0; i < n; i++) {
		frame(f, sizes[i], (unsigned)i, in.io_mac, in.host_mac, tagged[i]);
		assert_int_equal(peer_host_send(p, in.host_name, f, sizes[i]), 0);
	}
	/* Some platforms hand frames over in several blocks: take them as they come (a wait after
	 * a receive that did not drain to 0 may report ready once for nothing: see feth.h). */
	for (size_t got = 0, k = 0, tries = 0; got < n; got += k, tries++) {
		assert_true(tries < 2 * n + 2);
		assert_int_equal(feth_tap_wait(tap, peer_cross_ms()), 1);
		k = (size_t)feth_tap_recv(tap, fr, 8);
		assert_true(got + k <= n);
		for (size_t i = 0; i < k; i++) {
			frame(f, sizes[got + i], (unsigned)(got + i), in.io_mac, in.host_mac,
			      tagged[got + i]);
			assert_int_equal(fr[i].caplen, sizes[got + i]);
			assert_int_equal(fr[i].len, sizes[got + i]);
			assert_int_equal(fr[i].flags, 0);
			assert_memory_equal(fr[i].data, f, sizes[got + i]);
		}
	}
	assert_int_equal(feth_tap_recv(tap, fr, 8), 0);
}

/* The tap sends frames of `sizes`, one by one and then as a batch; the host side receives
 * each, byte for byte, in order, and nothing else. */
static void check_out(struct peer *p, struct feth_tap *tap, const size_t *sizes, size_t n,
                      const int *tagged)
{
	static uint8_t f[8][MAX_BYTES], got[MAX_BYTES];
	struct feth_tap_info in = info_of(tap);
	struct iovec iov[8];

	for (size_t i = 0; i < n; i++) {
		frame(f[i], sizes[i], (unsigned)i, in.host_mac, in.io_mac, tagged[i]);
		iov[i].iov_base = f[i];
		iov[i].iov_len = sizes[i];
		assert_int_equal(feth_tap_send(tap, f[i], sizes[i]), 0);
	}
	assert_int_equal(feth_tap_send_batch(tap, iov, n), (int)n);
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(peer_host_recv(p, in.host_name, got, sizeof(got)),
			                 (ssize_t)sizes[i]);
			assert_memory_equal(got, f[i], sizes[i]);
		}
	assert_true(peer_host_quiet(p, in.host_name));
}

/* ---- tests ------------------------------------------------------------------------------ */

/* Every send path: jumbo MTU, frames from the smallest to the largest both ways, refusals. */
static void test_round_trip_every_path(void **state)
{
	static uint8_t big[MAX_BYTES];
	const size_t in_sizes[4] = {14, 60, 9014, 9018};
	const size_t out_sizes[5] = {14, 60, 1514, 9014, 9018};
	const int in_tagged[4] = {0, 0, 0, 1}, out_tagged[5] = {0, 0, 0, 0, 1};
	const uint32_t *paths;
	size_t np = peer_send_paths(&paths);

	for (size_t k = 0; k < np; k++) {
		struct feth_tap *tap = open_tap(P(state), 9000, paths[k]);
		struct feth_tap_info in = info_of(tap);
		struct feth_tap_stats st;

		assert_int_equal(in.mtu, 9000);
		assert_int_equal(in.max_frame, 9018); /* MTU + header + an 802.1Q tag */
		assert_int_equal(in.send_path, peer_path_in_force(paths[k]));
		assert_int_equal(in.rx_mode, peer_rx_mode_in_force(rx_mode));
		/* The interfaces' indexes, as the kernel has them. */
		assert_true(in.host_ifindex != 0 && in.io_ifindex != 0);
		assert_int_equal(in.host_ifindex, peer_if_index(P(state), in.host_name));
		assert_int_equal(in.io_ifindex, peer_if_index(P(state), in.io_name));
		assert_int_equal(in.reserved, 0);
		check_in(P(state), tap, in_sizes, 4, in_tagged);
		check_out(P(state), tap, out_sizes, 5, out_tagged);
		/* Refused before any system call: too short, too long. */
		assert_int_equal(feth_tap_send(tap, big, 13), -EINVAL);
		assert_int_equal(feth_tap_send(tap, big, 9019), -EMSGSIZE);
		assert_int_equal(feth_tap_send_batch(tap, &(struct iovec){big, 9019}, 1),
		                 -EMSGSIZE);
		st = stats_of(tap);
		assert_int_equal(st.rx_frames, 4);
		assert_int_equal(st.rx_bytes, 14 + 60 + 9014 + 9018);
		assert_true(st.rx_reads >= 1 && st.rx_reads <= 4);
		assert_int_equal(st.rx_kernel_drops, 0);
		assert_int_equal(st.tx_frames, 10);
		assert_int_equal(st.tx_bytes, 2 * (14 + 60 + 1514 + 9014 + 9018));
		assert_int_equal(st.tx_refused, 3);
		/* One call per frame, or one for the whole batch. */
		assert_int_equal(st.tx_syscalls, peer_path_batches(in.send_path) ? 6 : 10);
		assert_int_equal(
		    st.tx_err_nobufs + st.tx_err_netdown + st.tx_err_gone + st.tx_err_other, 0);
		assert_int_equal(feth_tap_close(tap), 0);
		peer_assert_nothing_left(P(state));
		printf("    receive mode %u: send path %u (%u in force) round trip ok\n",
		       (unsigned)in.rx_mode, (unsigned)paths[k], (unsigned)in.send_path);
	}
}

/* The default MTU (1500): the largest frames pass both ways, one byte more is refused. */
static void test_default_mtu_limits(void **state)
{
	struct feth_tap *tap = NULL;
	const size_t sizes[2] = {1514, 1518};
	const int tagged[2] = {0, 1};
	uint8_t f[1519];
	struct feth_tap_info in;
	struct feth_tap_opts o = {.sz = sizeof(o), .rx_mode = rx_mode};

	/* All defaults (NULL), or all but the receive mode. */
	assert_int_equal(feth_tap_open(rx_mode == FETH_TAP_RX_AUTO ? NULL : &o, &tap), 0);
	peer_attach(P(state), info_of(tap).host_name);
	in = info_of(tap);
	assert_int_equal(in.mtu, 1500);
	assert_int_equal(in.max_frame, 1518);
	assert_int_equal(in.flags, 0);
	assert_true(in.rx_bufsize > 0);
	check_in(P(state), tap, sizes, 2, tagged);
	check_out(P(state), tap, sizes, 2, tagged);
	frame(f, sizeof(f), 1, in.host_mac, in.io_mac, 1);
	assert_int_equal(feth_tap_send(tap, f, sizeof(f)), -EMSGSIZE);
	assert_int_equal(stats_of(tap).tx_refused, 1);
	/* Where the kernel takes less than max_frame untagged (Linux), it refuses the rest with
	 * -EMSGSIZE too; in a batch the frames before go, and the refusal is the sender's alone:
	 * the receiving side still reads 0, not an error. */
	if (peer_untagged_max(in.mtu) < in.max_frame) {
		size_t big = peer_untagged_max(in.mtu) + 1;
		uint8_t small[60], got[1600];
		struct feth_frame fr[2];

		frame(small, sizeof(small), 2, in.host_mac, in.io_mac, 0);
		frame(f, big, 3, in.host_mac, in.io_mac, 0);
		assert_int_equal(
		    feth_tap_send_batch(tap, (struct iovec[]){{small, sizeof(small)}, {f, big}}, 2),
		    1);
		assert_int_equal(feth_tap_recv(tap, fr, 2), 0);
		assert_int_equal(feth_tap_send(tap, f, big), -EMSGSIZE);
		assert_int_equal(peer_host_recv(P(state), in.host_name, got, sizeof(got)), 60);
		assert_true(peer_host_quiet(P(state), in.host_name));
	}
	assert_int_equal(feth_tap_close(tap), 0);
	peer_assert_nothing_left(P(state));
}

/*
 * The size rule in batches, on every send path: the frames before the first refused one go
 * (the shortest, 14 bytes, and the longest, max_frame), the refused one alone is counted and
 * the rest is not tried; a batch refused at its first frame says why.
 */
static void test_batch_size_edges(void **state)
{
	static uint8_t f[4][MAX_BYTES], got[MAX_BYTES];
	const uint32_t *paths;
	size_t np = peer_send_paths(&paths);

	for (size_t k = 0; k < np; k++) {
		struct feth_tap *tap = open_tap(P(state), 0, paths[k]);
		struct feth_tap_info in = info_of(tap);
		const size_t sizes[4] = {14, in.max_frame, 13, 60};
		struct iovec v[4];
		struct feth_tap_stats st;

		for (size_t i = 0; i < 4; i++) {
			/* The longest tagged: the kernel may take no more untagged (Linux). */
			frame(f[i], sizes[i] < 14 ? 14 : sizes[i], (unsigned)i, in.host_mac,
			      in.io_mac, i == 1);
			v[i] = (struct iovec){f[i], sizes[i]};
		}
		assert_int_equal(feth_tap_send_batch(tap, v, 4), 2);
		assert_int_equal(feth_tap_send_batch(tap, v + 2, 2), -EINVAL);
		/* 60 bytes, then max_frame + 1: the first goes. */
		v[2] = v[3];
		v[3] = (struct iovec){f[1], in.max_frame + 1};
		assert_int_equal(feth_tap_send_batch(tap, v + 2, 2), 1);
		assert_int_equal(feth_tap_send_batch(tap, v + 3, 1), -EMSGSIZE);
		for (size_t i = 0; i < 3; i++) {
			size_t want = i < 2 ? sizes[i] : 60;

			assert_int_equal(peer_host_recv(P(state), in.host_name, got, sizeof(got)),
			                 (ssize_t)want);
			assert_memory_equal(got, f[i < 2 ? i : 3], want);
		}
		assert_true(peer_host_quiet(P(state), in.host_name));
		st = stats_of(tap);
		assert_int_equal(st.tx_frames, 3);
		assert_int_equal(st.tx_bytes, 14 + in.max_frame + 60);
		assert_int_equal(st.tx_refused, 4);
		assert_int_equal(
		    st.tx_err_nobufs + st.tx_err_netdown + st.tx_err_gone + st.tx_err_other, 0);
		assert_int_equal(feth_tap_close(tap), 0);
		peer_assert_nothing_left(P(state));
	}
}

/* A thousand frames each way. Views of a batch are checked once the whole batch is in hand
 * (they stay valid until the next receive); nothing is lost, reordered or dropped. */
static void test_volume(void **state)
{
	static uint8_t f[2048], got[2048];
	static struct feth_frame fr[CHUNK];
	static uint8_t out[64][2048];
	struct feth_tap *tap = open_tap(P(state), 0, FETH_TAP_SEND_AUTO);
	struct feth_tap_info in = info_of(tap);
	struct iovec iov[64];
	struct feth_tap_stats st;

	for (unsigned base = 0; base < VOLUME; base += CHUNK) {
		for (unsigned i = 0; i < CHUNK; i++) {
			frame(f, 60 + (base + i) % 1455, base + i, in.io_mac, in.host_mac, 0);
			assert_int_equal(
			    peer_host_send(P(state), in.host_name, f, 60 + (base + i) % 1455), 0);
		}
		recv_n(tap, fr, CHUNK);
		for (unsigned i = 0; i < CHUNK; i++) {
			size_t len = 60 + (base + i) % 1455;

			frame(f, len, base + i, in.io_mac, in.host_mac, 0);
			assert_int_equal(fr[i].caplen, len);
			assert_memory_equal(fr[i].data, f, len);
		}
	}
	for (unsigned base = 0; base < VOLUME; base += 50) {
		for (unsigned i = 0; i < 50; i++) {
			iov[i].iov_base = out[i];
			iov[i].iov_len = 60 + (base + i) % 1455;
			frame(out[i], iov[i].iov_len, base + i, in.host_mac, in.io_mac, 0);
		}
		assert_int_equal(feth_tap_send_batch(tap, iov, 50), 50);
		for (unsigned i = 0; i < 50; i++) {
			assert_int_equal(peer_host_recv(P(state), in.host_name, got, sizeof(got)),
			                 (ssize_t)iov[i].iov_len);
			assert_memory_equal(got, out[i], iov[i].iov_len);
		}
	}
	st = stats_of(tap);
	assert_int_equal(st.rx_frames, VOLUME);
	assert_int_equal(st.tx_frames, VOLUME);
	assert_int_equal(st.rx_kernel_drops, 0);
	assert_int_equal(feth_tap_close(tap), 0);
	peer_assert_nothing_left(P(state));
}

/* Waiting: nothing to wait for, a wake, frames arriving, then shutdown stops every call. */
static void test_wait_wake_shutdown(void **state)
{
	struct feth_tap *tap = open_tap(P(state), 0, FETH_TAP_SEND_AUTO);
	struct feth_tap_info in = info_of(tap);
	struct feth_frame fr[4];
	uint8_t f[60];

	assert_true(feth_tap_fd(tap) >= 0);
	assert_int_equal(feth_tap_recv(tap, fr, 4), 0);
	assert_int_equal(feth_tap_wait(tap, 0), 0);
	assert_int_equal(feth_tap_wake(tap), 0);
	assert_int_equal(feth_tap_wake(tap), 0); /* wakes coalesce */
	assert_int_equal(feth_tap_wait(tap, 5000), 0);
	assert_int_equal(feth_tap_wait(tap, 0), 0);
	frame(f, sizeof(f), 9, in.io_mac, in.host_mac, 0);
	assert_int_equal(peer_host_send(P(state), in.host_name, f, sizeof(f)), 0);
	assert_int_equal(feth_tap_wait(tap, peer_cross_ms()), 1);
	assert_int_equal(feth_tap_recv(tap, fr, 4), 1);
	assert_memory_equal(fr[0].data, f, sizeof(f));
	assert_true(fr[0].ts_nsec > 0);
	assert_int_equal(feth_tap_shutdown(tap), 0);
	assert_int_equal(feth_tap_shutdown(tap), 0);
	assert_int_equal(feth_tap_wait(tap, 0), -ESHUTDOWN);
	assert_int_equal(feth_tap_recv(tap, fr, 4), -ESHUTDOWN);
	assert_int_equal(feth_tap_send(tap, f, sizeof(f)), -ESHUTDOWN);
	assert_int_equal(feth_tap_close(tap), 0);
	peer_assert_nothing_left(P(state));
}

/* The I/O side destroyed under the tap: what had arrived is still received, then -ENXIO;
 * sends fail -ENXIO (never SIGPIPE); close cleans up the rest. */
static void test_interface_vanishes(void **state)
{
	struct feth_tap *tap = open_tap(P(state), 0, FETH_TAP_SEND_AUTO);
	struct feth_tap_info in = info_of(tap);
	struct feth_frame fr[4];
	uint8_t f[60];
	int r;

	frame(f, sizeof(f), 3, in.io_mac, in.host_mac, 0);
	assert_int_equal(peer_host_send(P(state), in.host_name, f, sizeof(f)), 0);
	assert_int_equal(peer_host_send(P(state), in.host_name, f, sizeof(f)), 0);
	assert_int_equal(feth_tap_wait(tap, peer_cross_ms()), 1);
	assert_int_equal(feth_if_destroy(in.io_name), 0);
	/* Both frames first (some may still be on their way into the tap's buffer)... */
	for (int got = 0, tries = 0; got < 2; tries++) {
		assert_true(tries < 50);
		r = feth_tap_recv(tap, fr + got, (size_t)(4 - got));
		assert_true(r >= 0);
		if (r == 0)
			assert_true(feth_tap_wait(tap, 100) >= 0);
		got += r;
	}
	assert_memory_equal(fr[1].data, f, sizeof(f));
	/* ...then the news. */
	assert_int_equal(feth_tap_recv(tap, fr, 4), -ENXIO);
	assert_int_equal(feth_tap_recv(tap, fr, 4), -ENXIO);
	r = feth_tap_send(tap, f, sizeof(f));
	assert_int_equal(r, -ENXIO);
	assert_int_equal(stats_of(tap).tx_err_gone, 1);
	assert_int_equal(feth_tap_close(tap), 0);
	peer_assert_nothing_left(P(state));
}

/* The I/O side down: sends fail -ENETDOWN, receiving finds nothing (and no error); up again,
 * frames flow both ways. */
static void test_io_side_down(void **state)
{
	struct feth_tap *tap = open_tap(P(state), 0, FETH_TAP_SEND_AUTO);
	struct feth_tap_info in = info_of(tap);
	const size_t sizes[1] = {60};
	const int tagged[1] = {0};
	struct feth_frame fr[4];
	uint8_t f[60];

	assert_int_equal(feth_if_set_up(in.io_name, 0), 0);
	frame(f, sizeof(f), 1, in.host_mac, in.io_mac, 0);
	assert_int_equal(feth_tap_send(tap, f, sizeof(f)), -ENETDOWN);
	assert_int_equal(feth_tap_send_batch(tap, &(struct iovec){f, sizeof(f)}, 1), -ENETDOWN);
	assert_int_equal(feth_tap_recv(tap, fr, 4), 0);
	assert_int_equal(stats_of(tap).tx_err_netdown, 2);
	assert_int_equal(feth_if_set_up(in.io_name, 1), 0);
	for (int tries = 0;; tries++) { /* the host side's link follows */
		uint32_t flags = 0;

		assert_true(tries < 500);
		assert_int_equal(feth_if_get_flags(in.host_name, &flags), 0);
		if (flags & FETH_IF_RUNNING)
			break;
		usleep(10000);
	}
	check_in(P(state), tap, sizes, 1, tagged);
	check_out(P(state), tap, sizes, 1, tagged);
	assert_int_equal(feth_tap_close(tap), 0);
	peer_assert_nothing_left(P(state));
}

/* An existing pair adopted: used as it is, and left in place at close. */
static void test_adopt(void **state)
{
	struct feth_pair_opts po;
	struct feth_pair pair;
	struct feth_tap_opts o;
	struct feth_tap *tap = NULL;
	struct feth_tap_info in;
	const size_t sizes[2] = {60, 1514};
	const int tagged[2] = {0, 0};
	int r;

	memset(&po, 0, sizeof(po));
	po.sz = sizeof(po);
	assert_int_equal(feth_pair_create(&po, &pair), 0);
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.flags = FETH_TAP_ADOPT;
	memcpy(o.host_name, pair.host_name, FETH_IFNAMSIZ);
	assert_int_equal(feth_tap_open(&o, &tap), 0);
	in = info_of(tap);
	assert_string_equal(in.io_name, pair.io_name);
	assert_int_equal(in.flags, FETH_TAP_ADOPT);
	peer_attach(P(state), in.host_name);
	check_in(P(state), tap, sizes, 2, tagged);
	check_out(P(state), tap, sizes, 2, tagged);
	assert_int_equal(feth_tap_close(tap), 0);
	/* Still there, and still a pair. */
	{
		char peer[FETH_IFNAMSIZ];

		assert_int_equal(feth_if_get_peer(pair.host_name, peer, sizeof(peer)), 1);
		assert_string_equal(peer, pair.io_name);
	}
	assert_int_equal(feth_if_destroy(pair.io_name), 0);
	r = feth_if_destroy(pair.host_name);
	assert_true(r == 0 || r == -ENXIO); /* on Linux it went with its peer */
	peer_assert_nothing_left(P(state));
}

struct sender {
	struct feth_tap *tap;
	struct feth_tap_info in;
	int sent, full;
};

/* Sends THREAD_FRAMES numbered frames in batches of 25, waiting out a full queue. */
static void *send_thread(void *arg)
{
	struct sender *s = arg;
	static uint8_t f[25][200];
	struct iovec iov[25];

	while (s->sent < THREAD_FRAMES) {
		int k = 0, r;

		for (; k < 25 && s->sent + k < THREAD_FRAMES; k++) {
			frame(f[k], 100 + (size_t)(s->sent + k) % 100, (unsigned)(s->sent + k),
			      s->in.host_mac, s->in.io_mac, 0);
			iov[k].iov_base = f[k];
			iov[k].iov_len = 100 + (size_t)(s->sent + k) % 100;
		}
		r = feth_tap_send_batch(s->tap, iov, (size_t)k);
		if (r == -ENOBUFS) {
			s->full++;
			continue;
		}
		if (r <= 0)
			return NULL; /* the main thread sees the count fall short */
		s->sent += r;
	}
	return NULL;
}

/* Both sides' MTU as the kernel has it. */
static void assert_pair_mtu(const struct feth_tap_info *in, uint32_t mtu)
{
	struct feth_mtu h, i;

	assert_int_equal(feth_if_get_mtu(in->host_name, &h), 0);
	assert_int_equal(feth_if_get_mtu(in->io_name, &i), 0);
	assert_int_equal(h.current, mtu);
	assert_int_equal(i.current, mtu);
}

/* Sends 1514-byte frames (fine at either MTU of test_set_mtu) until told to stop. */
struct mtu_sender {
	struct feth_tap *tap;
	struct feth_tap_info in;
	atomic_int stop;
	int sent, bad;
};

static void *mtu_send_thread(void *arg)
{
	struct mtu_sender *s = arg;
	static uint8_t f[1514];

	while (!atomic_load(&s->stop) && s->sent < 2000) {
		int r;

		frame(f, sizeof(f), (unsigned)s->sent, s->in.host_mac, s->in.io_mac, 0);
		r = feth_tap_send(s->tap, f, sizeof(f));
		if (r == 0)
			s->sent++;
		else if (r != -ENOBUFS)
			s->bad++;
	}
	return NULL;
}

/*
 * feth_tap_set_mtu(), on every send path: both sides and max_frame follow, the descriptor
 * stays, frames of the new sizes cross both ways and longer ones are refused; a refused change
 * changes nothing; senders of another thread see either size whole, never a half change.
 */
static void test_set_mtu(void **state)
{
	const size_t small_in[3] = {60, 1294, 1298}, big_in[2] = {9014, 9018};
	const int small_tag[3] = {0, 0, 1}, big_tag[2] = {0, 1};
	static uint8_t f[MAX_BYTES], got[MAX_BYTES];
	const uint32_t *paths;
	size_t np = peer_send_paths(&paths);

	for (size_t k = 0; k < np; k++) {
		struct feth_tap *tap = open_tap(P(state), 9000, paths[k]);
		struct feth_tap_info in = info_of(tap);
		int fd = feth_tap_fd(tap);
		struct mtu_sender s;
		struct feth_mtu m;
		pthread_t th;

		/* Down. */
		assert_int_equal(feth_tap_set_mtu(tap, 1280), 0);
		in = info_of(tap);
		assert_int_equal(in.mtu, 1280);
		assert_int_equal(in.max_frame, 1298);
		assert_pair_mtu(&in, 1280);
		assert_int_equal(feth_tap_fd(tap), fd);
		check_in(P(state), tap, small_in, 3, small_tag);
		{
			const size_t out[3] = {60, peer_untagged_max(1280), 1298};
			const int tag[3] = {0, 0, 1};

			check_out(P(state), tap, out, 3, tag);
		}
		assert_int_equal(feth_tap_send(tap, f, 1299), -EMSGSIZE);
		/* Up again. */
		assert_int_equal(feth_tap_set_mtu(tap, 9000), 0);
		in = info_of(tap);
		assert_int_equal(in.mtu, 9000);
		assert_int_equal(in.max_frame, 9018);
		assert_pair_mtu(&in, 9000);
		assert_int_equal(feth_tap_fd(tap), fd);
		check_in(P(state), tap, big_in, 2, big_tag);
		check_out(P(state), tap, big_in, 2, big_tag);
		/* The same MTU: nothing to do. Out of range, or over the interfaces' maximum:
		 * refused, nothing changed. */
		assert_int_equal(feth_tap_set_mtu(tap, 9000), 0);
		assert_int_equal(feth_tap_set_mtu(tap, FETH_MTU_MIN - 1), -EINVAL);
		assert_int_equal(feth_tap_set_mtu(tap, FETH_MTU_MAX + 1), -EINVAL);
		assert_int_equal(feth_tap_set_mtu(NULL, 1500), -EINVAL);
		assert_int_equal(feth_if_get_mtu(in.host_name, &m), 0);
		if (m.max < FETH_MTU_MAX) {
			assert_true(feth_tap_set_mtu(tap, m.max + 1) < 0);
			assert_int_equal(info_of(tap).mtu, 9000);
			assert_pair_mtu(&in, 9000);
		}
		/* A sender in another thread while the MTU goes back and forth. */
		memset(&s, 0, sizeof(s));
		atomic_init(&s.stop, 0);
		s.tap = tap;
		s.in = in;
		assert_int_equal(pthread_create(&th, NULL, mtu_send_thread, &s), 0);
		for (int i = 0; i < 10; i++)
			assert_int_equal(feth_tap_set_mtu(tap, i % 2 ? 1500 : 9000), 0);
		atomic_store(&s.stop, 1);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(s.bad, 0);
		for (int i = 0; i < s.sent; i++) {
			static uint8_t want[1514];

			frame(want, sizeof(want), (unsigned)i, in.host_mac, in.io_mac, 0);
			assert_int_equal(peer_host_recv(P(state), in.host_name, got, sizeof(got)),
			                 1514);
			assert_memory_equal(got, want, sizeof(want));
		}
		assert_int_equal(info_of(tap).mtu, 1500);
		check_out(P(state), tap, (const size_t[]){60, 1514}, 2, (const int[]){0, 0});
		assert_int_equal(feth_tap_shutdown(tap), 0);
		assert_int_equal(feth_tap_set_mtu(tap, 1500), -ESHUTDOWN);
		assert_int_equal(feth_tap_close(tap), 0);
		peer_assert_nothing_left(P(state));
		printf("    send path %u: MTU 9000 -> 1280 -> 9000, 10 changes under %d sends ok\n",
		       (unsigned)paths[k], s.sent);
	}
}

/* After a feth_tap_set_mtu() that may have failed part-way: the tap says the MTU in force,
 * and nothing crashes: a wait, a receive and a send return (on Linux a tap that lost its
 * rings says -EIO). */
static void usable_after(struct feth_tap *tap, int r, uint32_t old, uint32_t want)
{
	struct feth_tap_info in = info_of(tap);
	struct feth_frame fr[4];
	uint8_t f[60];
	int k;

	assert_int_equal(in.mtu, r == 0 ? want : old);
	assert_true(feth_tap_wait(tap, 0) >= 0);
	k = feth_tap_recv(tap, fr, 4);
	assert_true(k >= 0 || k == -EIO);
	frame(f, sizeof(f), 0, in.host_mac, in.io_mac, 0);
	k = feth_tap_send(tap, f, sizeof(f));
	assert_true(k == 0 || k == -EIO || k == -ENOBUFS);
}

/*
 * feth_tap_set_mtu() (4000 to 3000: within what a feth made at 4000 takes) with each of its
 * system calls failing in turn (once; and on Linux every
 * call from that one on, as when memory runs out): it returns an error or works, the
 * interfaces are back at the old MTU after a single failure, the tap stays usable or says
 * -EIO (never a crash), and close leaves nothing. On Linux a fork()ed child that maps the rings
 * makes the kernel refuse to remake them: -EBUSY, and nothing changed.
 */
static void test_set_mtu_faults(void **state)
{
	const uint32_t *paths;
	size_t np = peer_send_paths(&paths);
	unsigned runs = 0, errors = 0;

	for (size_t k = 0; k < np; k += np - 1) {
		struct feth_tap *tap = open_tap(P(state), 4000, paths[k]);
		unsigned long c0 = peer_calls(P(state)), calls;

		assert_int_equal(feth_tap_set_mtu(tap, 3000), 0);
		calls = peer_calls(P(state)) - c0;
		assert_int_equal(feth_tap_close(tap), 0);
		peer_assert_nothing_left(P(state));
		for (int sticky = 0; sticky < 2; sticky++)
			for (unsigned long n = 1; n <= calls; n++) {
				int r;

				tap = open_tap(P(state), 4000, paths[k]);
				if (sticky && !peer_fail_from(P(state), n, ENOMEM)) {
					assert_int_equal(feth_tap_close(tap), 0);
					break;
				}
				if (!sticky)
					peer_fail_nth(P(state), n, EIO);
				r = feth_tap_set_mtu(tap, 3000);
				peer_fail_clear(P(state));
				runs++;
				errors += r < 0;
				usable_after(tap, r, 4000, 3000);
				if (!sticky && r < 0) {
					struct feth_tap_info in = info_of(tap);

					assert_pair_mtu(&in, 4000); /* changed back */
				}
				(void)feth_tap_close(tap);
				peer_assert_nothing_left(P(state));
			}
		if (peer_fork_holds_rings()) {
			pid_t child;

			tap = open_tap(P(state), 4000, paths[k]);
			child = fork();
			assert_true(child >= 0);
			if (child == 0) {
				sleep(30); /* holds the mapping; killed below */
				_exit(0);
			}
			assert_int_equal(feth_tap_set_mtu(tap, 3000), -EBUSY);
			usable_after(tap, -EBUSY, 4000, 3000);
			{
				struct feth_tap_info in = info_of(tap);

				assert_pair_mtu(&in, 4000);
				assert_int_equal(in.max_frame, 4018);
			}
			kill(child, SIGKILL);
			assert_int_equal(waitpid(child, NULL, 0), child);
			assert_int_equal(feth_tap_set_mtu(tap, 3000), 0);
			assert_int_equal(feth_tap_close(tap), 0);
			peer_assert_nothing_left(P(state));
		}
		if (np == 1)
			break;
	}
	printf("    %s: %u runs of a failing set_mtu, %u returned an error, nothing crashed or "
	       "was left\n",
	       peer_platform(), runs, errors);
}

/* One thread sends while another receives (the contract of feth.h): every frame arrives both
 * ways, in order. */
static void test_send_while_receiving(void **state)
{
	static uint8_t f[200], got[2048]; /* room for the host side's 4 bytes of VLAN tag */
	static struct feth_frame fr[64];
	struct sender s;
	pthread_t th;
	int n = 0;

	memset(&s, 0, sizeof(s));
	s.tap = open_tap(P(state), 0, FETH_TAP_SEND_AUTO);
	s.in = info_of(s.tap);
	assert_int_equal(pthread_create(&th, NULL, send_thread, &s), 0);
	for (int base = 0; base < THREAD_FRAMES; base += 50) {
		for (int i = base; i < base + 50; i++) {
			frame(f, 60 + (size_t)i % 100, (unsigned)i, s.in.io_mac, s.in.host_mac, 0);
			assert_int_equal(
			    peer_host_send(P(state), s.in.host_name, f, 60 + (size_t)i % 100), 0);
		}
		while (n < base + 50) {
			int r;

			assert_int_equal(feth_tap_wait(s.tap, peer_cross_ms()), 1);
			r = feth_tap_recv(s.tap, fr, 64);
			assert_true(r >= 0 && n + r <= base + 50);
			for (int i = 0; i < r; i++, n++) {
				frame(f, 60 + (size_t)n % 100, (unsigned)n, s.in.io_mac,
				      s.in.host_mac, 0);
				assert_int_equal(fr[i].caplen, 60 + (size_t)n % 100);
				assert_memory_equal(fr[i].data, f, fr[i].caplen);
			}
		}
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.sent, THREAD_FRAMES);
	for (int i = 0; i < THREAD_FRAMES; i++) {
		static uint8_t want[200];
		size_t len = 100 + (size_t)i % 100;

		frame(want, len, (unsigned)i, s.in.host_mac, s.in.io_mac, 0);
		assert_int_equal(peer_host_recv(P(state), s.in.host_name, got, sizeof(got)),
		                 (ssize_t)len);
		assert_memory_equal(got, want, len);
	}
	assert_int_equal(stats_of(s.tap).tx_frames, THREAD_FRAMES);
	assert_int_equal(feth_tap_close(s.tap), 0);
	peer_assert_nothing_left(P(state));
}

/* Two taps side by side: each receives only what its own host side sent. */
static void test_two_taps(void **state)
{
	struct feth_tap *a = open_tap(P(state), 0, FETH_TAP_SEND_AUTO);
	struct feth_tap *b = open_tap(P(state), 0, FETH_TAP_SEND_AUTO);
	struct feth_tap_info ia = info_of(a), ib = info_of(b);
	struct feth_frame fr[4];
	uint8_t fa[100], fb[200];

	assert_string_not_equal(ia.host_name, ib.host_name);
	assert_string_not_equal(ia.io_name, ib.io_name);
	frame(fa, sizeof(fa), 1, ia.io_mac, ia.host_mac, 0);
	frame(fb, sizeof(fb), 2, ib.io_mac, ib.host_mac, 0);
	assert_int_equal(peer_host_send(P(state), ia.host_name, fa, sizeof(fa)), 0);
	assert_int_equal(peer_host_send(P(state), ib.host_name, fb, sizeof(fb)), 0);
	recv_n(b, fr, 1);
	assert_int_equal(fr[0].caplen, sizeof(fb));
	assert_memory_equal(fr[0].data, fb, sizeof(fb));
	recv_n(a, fr, 1);
	assert_int_equal(fr[0].caplen, sizeof(fa));
	assert_int_equal(feth_tap_recv(a, fr, 4), 0);
	assert_int_equal(feth_tap_recv(b, fr, 4), 0);
	assert_int_equal(feth_tap_close(a), 0);
	assert_int_equal(feth_tap_close(b), 0);
	peer_assert_nothing_left(P(state));
}

/* The sequence number a stall test puts in a frame (after the Ethernet header). */
static void seq_frame(uint8_t *f, size_t len, uint32_t seq, const struct feth_tap_info *in)
{
	frame(f, len, seq, in->io_mac, in->host_mac, 0);
	memcpy(f + 14, &seq, sizeof(seq));
}

/*
 * A reader that stalls while a light stream (a frame at a time, each handed over alone)
 * fills its whole ring, then receives with a large array: each frame comes once, in order,
 * whatever the ring's unit count (not a power of two here); what the ring could not hold is
 * counted as dropped by the kernel; once drained the descriptor is not readable (a program
 * polling it would spin), and frames flow again. Three times round, so the ring wraps.
 */
static void test_stall_light_stream(void **state)
{
	static uint8_t f[100];
	static struct feth_frame fr[256];
	struct feth_tap_opts o;
	struct feth_tap *tap = NULL;
	struct feth_tap_info in;
	uint32_t seq = 0, last = 0, kept = 0, sent = 0;
	size_t burst;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.rx_mode = rx_mode;
	o.rx_bufsize = 10 * 65536; /* 10 blocks, or 405 slots: not powers of two */
	assert_int_equal(feth_tap_open(&o, &tap), 0);
	in = info_of(tap);
	peer_attach(P(state), in.host_name);
	burst = peer_light_burst(&in);
	if (burst == 0) {
		printf("    (no ring to fill on %s)\n", peer_platform());
		assert_int_equal(feth_tap_close(tap), 0);
		skip();
	}
	for (int round = 0; round < 3; round++) {
		uint32_t got = 0;
		int r;

		/* Stalled: the frames arrive one by one (each handed over on its own). */
		for (size_t i = 0; i < burst; i++) {
			seq_frame(f, sizeof(f), ++seq, &in);
			assert_int_equal(peer_host_send(P(state), in.host_name, f, sizeof(f)), 0);
			sent++;
			peer_light_gap(&in);
		}
		while ((r = feth_tap_recv(tap, fr, 256)) > 0) {
			for (int i = 0; i < r; i++) {
				uint32_t s;

				assert_int_equal(fr[i].caplen, sizeof(f));
				memcpy(&s, fr[i].data + 14, sizeof(s));
				assert_true(s > last); /* never twice, never out of order */
				last = s;
			}
			got += (uint32_t)r;
		}
		assert_int_equal(r, 0);
		assert_true(got > 0 && got < burst); /* the ring was full */
		kept += got;
		/* Nothing to receive, and the descriptor says so. */
		assert_int_equal(
		    poll(&(struct pollfd){.fd = feth_tap_fd(tap), .events = POLLIN}, 1, 0), 0);
		assert_int_equal(feth_tap_wait(tap, 0), 0);
		printf("    receive mode %u, round %d: %u of %zu frames kept\n",
		       (unsigned)in.rx_mode, round, got, burst);
	}
	/* Frames flow again, all of them. */
	last = seq;
	for (int i = 0; i < 5; i++) {
		seq_frame(f, sizeof(f), ++seq, &in);
		assert_int_equal(peer_host_send(P(state), in.host_name, f, sizeof(f)), 0);
		sent++;
	}
	recv_n(tap, fr, 5);
	for (int i = 0; i < 5; i++) {
		uint32_t s;

		memcpy(&s, fr[i].data + 14, sizeof(s));
		assert_int_equal(s, last + 1 + (uint32_t)i);
	}
	kept += 5;
	assert_int_equal(stats_of(tap).rx_kernel_drops, sent - kept);
	assert_int_equal(feth_tap_close(tap), 0);
	peer_assert_nothing_left(P(state));
}

struct receiver {
	struct feth_tap *tap;
	int result;
	double end;
	uint64_t frames;
};

/* Receives as a program's receiving thread does, until an error. */
static void *receive_thread(void *arg)
{
	static struct feth_frame fr[64];
	struct receiver *rc = arg;
	double t0 = now_s();
	int r = 0;

	while (r >= 0 && now_s() - t0 < 10) {
		r = feth_tap_wait(rc->tap, 2000);
		while (r >= 0 && (r = feth_tap_recv(rc->tap, fr, 64)) > 0)
			rc->frames += (unsigned)r;
	}
	rc->result = r;
	rc->end = now_s();
	return NULL;
}

/* The pair deleted while another thread receives a stream: the receiver learns of it
 * (-ENXIO) within a bounded time, every time. */
static void test_delete_while_receiving(void **state)
{
	static uint8_t f[100];

	for (int k = 0; k < 10; k++) {
		struct feth_tap *tap = open_tap(P(state), 0, FETH_TAP_SEND_AUTO);
		struct feth_tap_info in = info_of(tap);
		struct receiver rc = {.tap = tap};
		pthread_t th;
		double t;

		assert_int_equal(pthread_create(&th, NULL, receive_thread, &rc), 0);
		frame(f, sizeof(f), 1, in.io_mac, in.host_mac, 0);
		for (int i = 0; i < 200; i++) {
			assert_int_equal(peer_host_send(P(state), in.host_name, f, sizeof(f)), 0);
			if (i % 20 == 0)
				usleep(1000);
		}
		t = now_s();
		assert_int_equal(feth_if_destroy(in.io_name), 0);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(rc.result, -ENXIO);
		assert_true(rc.end - t < 1.0);
		assert_true(rc.frames > 0);
		assert_int_equal(feth_tap_close(tap), 0);
		peer_assert_nothing_left(P(state));
	}
}

struct slow_sender {
	struct feth_tap *tap;
	struct feth_tap_info in;
	int batch, result;
	double longest; /* the longest call, s */
	uint64_t accepted, full;
};

static void *slow_send_thread(void *arg)
{
	static uint8_t f[2][32][1514];
	struct slow_sender *ss = arg;
	uint8_t(*mine)[1514] = f[ss->batch ? 0 : 1];
	struct iovec iov[32];
	int r = 0;

	for (int i = 0; i < 32; i++) {
		frame(mine[i], 1514, (unsigned)i, ss->in.host_mac, ss->in.io_mac, 0);
		iov[i] = (struct iovec){mine[i], 1514};
	}
	while (r != -ESHUTDOWN) {
		double t = now_s();

		r = ss->batch ? feth_tap_send_batch(ss->tap, iov, 32)
		              : feth_tap_send(ss->tap, mine[0], 1514);
		t = now_s() - t;
		ss->longest = t > ss->longest ? t : ss->longest;
		if (r == -ENOBUFS) {
			ss->full++;
			usleep(1000);
		} else if (r >= 0) {
			ss->accepted += ss->batch ? (unsigned)r : 1;
		} else if (r != -ESHUTDOWN) {
			break;
		}
	}
	ss->result = r;
	return NULL;
}

/* Senders behind a queue that drains a frame in seconds, on every send path: no call blocks,
 * a full queue is -ENOBUFS, and a shutdown from another thread stops both senders at once. */
static void test_slow_queue_shutdown(void **state)
{
	const uint32_t *paths;
	size_t np = peer_send_paths(&paths);

	for (size_t k = 0; k < np; k++) {
		struct feth_tap *tap = open_tap(P(state), 0, paths[k]);
		struct slow_sender a = {.tap = tap, .batch = 1}, b = {.tap = tap};
		pthread_t ta, tb;
		double t;

		int r = peer_slow_queue(P(state), info_of(tap).io_name);

		if (r == -EOPNOTSUPP) {
			assert_int_equal(feth_tap_close(tap), 0);
			printf("    (no queueing discipline on %s)\n", peer_platform());
			skip();
		}
		assert_int_equal(r, 0);
		a.in = b.in = info_of(tap);
		assert_int_equal(pthread_create(&ta, NULL, slow_send_thread, &a), 0);
		assert_int_equal(pthread_create(&tb, NULL, slow_send_thread, &b), 0);
		usleep(300000);
		t = now_s();
		assert_int_equal(feth_tap_shutdown(tap), 0);
		assert_int_equal(pthread_join(ta, NULL), 0);
		assert_int_equal(pthread_join(tb, NULL), 0);
		t = now_s() - t;
		assert_int_equal(a.result, -ESHUTDOWN);
		assert_int_equal(b.result, -ESHUTDOWN);
		assert_true(t < 0.5);
		assert_true(a.longest < 0.5 && b.longest < 0.5);
		if (a.in.send_path != FETH_TAP_SEND_TX_RING_BYPASS)
			assert_true(a.full + b.full > 0); /* the queue did fill */
		printf(
		    "    send path %u: stopped in %.1f ms; longest call %.1f ms; %llu frames taken,"
		    " %llu times full\n",
		    (unsigned)a.in.send_path, t * 1e3,
		    (a.longest > b.longest ? a.longest : b.longest) * 1e3,
		    (unsigned long long)(a.accepted + b.accepted),
		    (unsigned long long)(a.full + b.full));
		assert_int_equal(feth_tap_close(tap), 0);
		peer_assert_nothing_left(P(state));
	}
}

/* Every system call of open and of close failing in turn (EIO, and EINTR, which the library
 * retries where the call is restartable): open either works or fails, close returns, and
 * nothing is ever left behind. */
static void faults_over(struct peer *p, uint32_t path, unsigned *runs, unsigned *errors)
{
	static const int errs[2] = {EIO, EINTR};
	struct feth_tap_opts o;
	struct feth_tap *tap;
	unsigned long open_calls, close_calls, c0;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.mtu = 4000;
	o.send_path = path;
	c0 = peer_calls(p);
	assert_int_equal(feth_tap_open(&o, &tap), 0);
	open_calls = peer_calls(p) - c0;
	c0 = peer_calls(p);
	assert_int_equal(feth_tap_close(tap), 0);
	close_calls = peer_calls(p) - c0;
	peer_assert_nothing_left(p);
	for (int e = 0; e < 2; e++) {
		for (unsigned long k = 1; k <= open_calls; k++) {
			int r;

			peer_fail_nth(p, k, errs[e]);
			r = feth_tap_open(&o, &tap);
			peer_fail_clear(p);
			(*runs)++;
			if (r == 0)
				assert_int_equal(feth_tap_close(tap), 0);
			else
				(*errors)++;
			if (r > 0)
				fail_msg("open returned %d", r);
			peer_assert_nothing_left(p);
		}
		for (unsigned long k = 1; k <= close_calls; k++) {
			assert_int_equal(feth_tap_open(&o, &tap), 0);
			peer_fail_nth(p, k, errs[e]);
			if (feth_tap_close(tap) < 0)
				(*errors)++;
			peer_fail_clear(p);
			(*runs)++;
			peer_assert_nothing_left(p);
		}
	}
	printf("    send path %u: open makes %lu system calls, close %lu\n", (unsigned)path,
	       open_calls, close_calls);
}

static void test_faults(void **state)
{
	const uint32_t *paths;
	size_t np = peer_send_paths(&paths);
	unsigned runs = 0, errors = 0;

	/* The default path and the last one, which sets up the most (on Linux a send ring with
	 * qdisc bypass; the others differ from these only in what they allocate); in the other
	 * receive modes, the default path only. */
	faults_over(P(state), paths[0], &runs, &errors);
	if (rx_mode == FETH_TAP_RX_AUTO)
		faults_over(P(state), paths[np - 1], &runs, &errors);
	printf("    %s: %u runs, %u returned an error, 0 left anything behind\n", peer_platform(),
	       runs, errors);
}

static void test_bad_input(void **state)
{
	struct feth_tap_opts o;
	struct feth_tap *tap = NULL;
	struct feth_frame fr[2];
	unsigned long calls;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.send_path = 99;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	/* Another platform's send path: not here, and refused before any system call. */
	o.send_path = peer_foreign_path();
	calls = peer_calls(P(state));
	assert_int_equal(feth_tap_open(&o, &tap), -EOPNOTSUPP);
	assert_int_equal(peer_calls(P(state)), calls);
	assert_null(tap);
	o.send_path = FETH_TAP_SEND_AUTO;
	o.rx_mode = 99;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o.rx_mode = FETH_TAP_RX_AUTO;
	o.reserved2 = 1;
	assert_int_equal(feth_tap_open(&o, &tap), -EINVAL);
	o.reserved2 = 0;
	if (peer_foreign_rx_mode() != FETH_TAP_RX_AUTO) {
		o.rx_mode = peer_foreign_rx_mode();
		assert_int_equal(feth_tap_open(&o, &tap), -EOPNOTSUPP);
		o.rx_mode = FETH_TAP_RX_AUTO;
	}
	assert_int_equal(peer_calls(P(state)), calls);
	assert_null(tap);
	peer_assert_nothing_left(P(state));
	assert_int_equal(feth_tap_open(NULL, NULL), -EINVAL);
	assert_int_equal(feth_tap_recv(NULL, fr, 2), -EINVAL);
	assert_int_equal(feth_tap_send(NULL, fr, 60), -EINVAL);
	assert_int_equal(feth_tap_fd(NULL), -EINVAL);
	assert_int_equal(feth_tap_close(NULL), 0);
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, peer_setup, peer_teardown)
	const uint32_t *modes;
	size_t nm = peer_rx_modes(&modes);
	const struct CMUnitTest tests[] = {
	    TEST(test_round_trip_every_path),
	    TEST(test_default_mtu_limits),
	    TEST(test_batch_size_edges),
	    TEST(test_volume),
	    TEST(test_wait_wake_shutdown),
	    TEST(test_interface_vanishes),
	    TEST(test_io_side_down),
	    TEST(test_adopt),
	    TEST(test_send_while_receiving),
	    TEST(test_set_mtu),
	    TEST(test_set_mtu_faults),
	    TEST(test_two_taps),
	    TEST(test_stall_light_stream),
	    TEST(test_delete_while_receiving),
	    TEST(test_slow_queue_shutdown),
	    TEST(test_faults),
	    TEST(test_bad_input),
	};
	int r = peer_init();

	if (r)
		return r;
	for (size_t m = 0; m < nm; m++) {
		rx_mode = modes[m];
		printf("tap suite on %s, receive mode %u\n", peer_platform(), (unsigned)rx_mode);
		r |= cmocka_run_group_tests(tests, NULL, NULL);
	}
	return r;
}
