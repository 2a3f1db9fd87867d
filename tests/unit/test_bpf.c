/* SPDX-License-Identifier: MIT */
/*
 * The Darwin BPF receive device (lib/darwin/bpf.c) over the simulated kernel: the order of
 * its ioctls, device search, size negotiation, exact-size reads, batches and leftovers,
 * EAGAIN, drops, detach, poll readiness, and every seam call of the open failing in turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "darwin/abi.h"
#include "darwin/bpf.h"
#include "testenv.h"

#define T(state) ((struct testenv *)*(state))

/* feth0 (host side, up) peered with feth1 (the I/O side the device attaches to). */
static void make_pair(struct testenv *t)
{
	assert_int_equal(feth_if_create("feth0", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_set_peer("feth0", "feth1"), 0);
	assert_int_equal(feth_if_set_up("feth0", 1), 0);
	(void)t;
}

/* The pair, and a receive device on its I/O side asking for `bufsize` (0: the default). */
static struct feth__bpf *pair_and_open(struct testenv *t, uint32_t bufsize)
{
	struct feth__bpf *b = NULL;

	make_pair(t);
	assert_int_equal(feth__bpf_open(t->env.sys, "feth1", bufsize, &b), 0);
	return b;
}

static void send_frames(struct testenv *t, int n, size_t len, uint8_t tag)
{
	uint8_t f[16384];

	assert_true(len <= sizeof(f));
	for (int i = 0; i < n; i++) {
		for (size_t k = 0; k < len; k++)
			f[k] = (uint8_t)(tag + i + k);
		assert_int_equal(sim_host_send(t->sim, "feth0", f, len), 0);
	}
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_open_configures_in_order(void **state)
{
	struct testenv *t = T(state);
	static const unsigned long want[] = {DARWIN_BIOCSBLEN,    DARWIN_BIOCSETIF,
	                                     DARWIN_BIOCGDLT,     DARWIN_BIOCIMMEDIATE,
	                                     DARWIN_BIOCSSEESENT, DARWIN_BIOCSHDRCMPLT};
	unsigned long log[64];
	struct feth__bpf *b;
	size_t n0, n;
	uint32_t v;

	make_pair(t);
	n0 = sim_ioctl_log(t->sim, log, 0);
	assert_int_equal(feth__bpf_open(t->env.sys, "feth1", 0, &b), 0);
	n = sim_ioctl_log(t->sim, log, 64);
	assert_int_equal(n - n0, FETH_ARRAY_SIZE(want));
	for (size_t i = 0; i < FETH_ARRAY_SIZE(want); i++)
		assert_int_equal(log[n0 + i], want[i]);
	/* What the kernel now holds. */
	assert_int_equal(b->unit, 0);
	assert_int_equal(b->bufsize, FETH_BPF_DEFAULT_BUFSIZE);
	assert_int_equal(t->env.sys->ioctl(t->env.sys->ctx, b->fd, DARWIN_BIOCGSEESENT, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(t->env.sys->ioctl(t->env.sys->ctx, b->fd, DARWIN_BIOCGHDRCMPLT, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(t->env.sys->ioctl(t->env.sys->ctx, b->fd, DARWIN_BIOCGBLEN, &v), 0);
	assert_int_equal(v, 512u << 10);
	feth__bpf_close(b);
}

static void test_open_skips_busy_devices(void **state)
{
	struct testenv *t = T(state);
	const struct feth__sys *s = t->env.sys;
	struct feth__bpf *b;
	int fds[256];

	make_pair(t);
	fds[0] = s->open(s->ctx, "/dev/bpf0", O_RDWR, 0);
	fds[1] = s->open(s->ctx, "/dev/bpf1", O_RDWR, 0);
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	assert_int_equal(feth__bpf_open(s, "feth1", 0, &b), 0);
	assert_int_equal(b->unit, 2);
	feth__bpf_close(b);
	/* Every one of the 256 busy: EBUSY, not "no device". */
	for (int i = 2; i < 256; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/bpf%d", i);
		fds[i] = s->open(s->ctx, path, O_RDWR, 0);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(feth__bpf_open(s, "feth1", 0, &b), -EBUSY);
	for (int i = 0; i < 256; i++)
		assert_int_equal(s->close(s->ctx, fds[i]), 0);
	assert_int_equal(sim_open_fds(t->sim), 0);
}

static void test_open_errors(void **state)
{
	struct testenv *t = T(state);
	struct feth__bpf *b = NULL;

	make_pair(t);
	/* No BPF device at all. */
	sim_fail_kind(t->sim, SIM_CALL_OPEN, ENOENT, 0);
	assert_int_equal(feth__bpf_open(t->env.sys, "feth1", 0, &b), -ENOENT);
	sim_fail_clear(t->sim);
	/* Permission, reported as such. */
	sim_set_root(t->sim, false);
	assert_int_equal(feth__bpf_open(t->env.sys, "feth1", 0, &b), -EACCES);
	sim_set_root(t->sim, true);
	/* No such interface; not Ethernet. */
	assert_int_equal(feth__bpf_open(t->env.sys, "feth9", 0, &b), -ENXIO);
	assert_int_equal(sim_if_add_other(t->sim, "lo0", false), 0);
	assert_int_equal(feth__bpf_open(t->env.sys, "lo0", 0, &b), -EPROTO);
	assert_null(b);
	assert_int_equal(sim_open_fds(t->sim), 0);
}

static void test_buffer_size_negotiation(void **state)
{
	struct testenv *t = T(state);
	struct feth__bpf *b;
	struct feth__bpf_stats st;

	make_pair(t);
	/* Asked for more than the kernel allows: lowered, and the stats say so. */
	assert_int_equal(feth__bpf_open(t->env.sys, "feth1", 64u << 20, &b), 0);
	assert_int_equal(b->bufsize, 32u << 20);
	assert_int_equal(feth__bpf_stats(b, &st), 0);
	assert_int_equal(st.requested, 64u << 20);
	assert_int_equal(st.bufsize, 32u << 20);
	feth__bpf_close(b);
	/* macOS 12 and older cap at 512 KiB; the default fits everywhere unchanged. */
	sim_set_macos(t->sim, 12, 0);
	assert_int_equal(feth__bpf_open(t->env.sys, "feth1", 1u << 20, &b), 0);
	assert_int_equal(b->bufsize, 512u << 10);
	feth__bpf_close(b);
	assert_int_equal(feth__bpf_open(t->env.sys, "feth1", 0, &b), 0);
	assert_int_equal(b->bufsize, FETH_BPF_DEFAULT_BUFSIZE);
	assert_int_equal(feth__bpf_stats(b, &st), 0);
	assert_int_equal(st.requested, 0);
	feth__bpf_close(b);
}

static void test_recv_batches_and_leftovers(void **state)
{
	struct testenv *t = T(state);
	struct feth__bpf *b;
	struct feth_frame fr[2];
	struct feth__bpf_stats st;
	unsigned long reads;

	b = pair_and_open(t, 0);
	assert_int_equal(feth__bpf_recv(b, fr, 2), 0); /* EAGAIN: nothing waits */
	t->env.sys->sleep_us(t->env.sys->ctx, 2000123);
	send_frames(t, 3, 60, 1);
	reads = sim_calls_of(t->sim, SIM_CALL_READ);
	assert_int_equal(feth__bpf_recv(b, fr, 0), 0); /* max 0: nothing, no read */
	assert_int_equal(sim_calls_of(t->sim, SIM_CALL_READ), reads);
	assert_int_equal(feth__bpf_recv(b, fr, 2), 2);
	assert_int_equal(sim_calls_of(t->sim, SIM_CALL_READ), reads + 1);
	assert_int_equal(fr[0].caplen, 60);
	assert_int_equal(fr[0].len, 60);
	assert_int_equal(fr[0].flags, 0);
	assert_int_equal(fr[0].ts_nsec, 1700000002000123000ll);
	assert_int_equal(fr[0].data[0], 1);
	assert_int_equal(fr[1].data[0], 2);
	/* The third record is handed out without another read(). */
	assert_int_equal(feth__bpf_recv(b, fr, 2), 1);
	assert_int_equal(fr[0].data[0], 3);
	assert_int_equal(sim_calls_of(t->sim, SIM_CALL_READ), reads + 1);
	assert_int_equal(feth__bpf_recv(b, fr, 2), 0);
	assert_int_equal(feth__bpf_stats(b, &st), 0);
	assert_int_equal(st.frames, 3);
	assert_int_equal(st.reads, 1);
	assert_int_equal(st.kernel_recv, 3);
	assert_int_equal(st.kernel_drop, 0);
	feth__bpf_close(b);
}

static void test_recv_thousands_in_one_read(void **state)
{
	struct testenv *t = T(state);
	struct feth__bpf *b;
	static struct feth_frame fr[256];
	unsigned long reads;
	int got, total = 0;

	b = pair_and_open(t, 0);
	/* 6000 records of 84 bytes fit one 512 KiB buffer. */
	send_frames(t, 6000, 64, 0);
	reads = sim_calls_of(t->sim, SIM_CALL_READ);
	while ((got = feth__bpf_recv(b, fr, FETH_ARRAY_SIZE(fr))) > 0) {
		for (int i = 0; i < got; i++) {
			assert_int_equal(fr[i].caplen, 64);
			assert_int_equal(fr[i].data[0], (uint8_t)(total + i));
		}
		total += got;
	}
	assert_int_equal(got, 0);
	assert_int_equal(total, 6000);
	/* One read with the frames, one more that found nothing (EAGAIN). */
	assert_int_equal(sim_calls_of(t->sim, SIM_CALL_READ) - reads, 2);
	feth__bpf_close(b);
}

static void test_truncated_and_drops(void **state)
{
	struct testenv *t = T(state);
	struct feth__bpf *b;
	struct feth_frame fr[8];
	struct feth__bpf_stats st;

	make_pair(t);
	/* A 64-byte buffer: a 100-byte frame is cut to 46 bytes and flagged. */
	assert_int_equal(feth__bpf_open(t->env.sys, "feth1", 64, &b), 0);
	send_frames(t, 1, 100, 0);
	assert_int_equal(feth__bpf_recv(b, fr, 8), 1);
	assert_int_equal(fr[0].caplen, 46);
	assert_int_equal(fr[0].len, 100);
	assert_int_equal(fr[0].flags, FETH_FRAME_TRUNCATED);
	/* Three more while nobody reads: one in hold, one in store, one dropped. */
	send_frames(t, 3, 100, 0);
	assert_int_equal(feth__bpf_stats(b, &st), 0);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.kernel_recv, 4);
	assert_int_equal(st.kernel_drop, 1);
	feth__bpf_close(b);
}

static void test_poll_readiness(void **state)
{
	struct testenv *t = T(state);
	struct feth__bpf *b;
	struct feth_frame fr[4];

	b = pair_and_open(t, 0);
	assert_false(readable(b->fd));
	send_frames(t, 5, 60, 0);
	assert_true(readable(b->fd));
	/* The read takes everything the kernel held: the fd is quiet while leftovers remain in
	 * our buffer, so an edge-triggered caller drains until recv returns 0. */
	assert_int_equal(feth__bpf_recv(b, fr, 4), 4);
	assert_false(readable(b->fd));
	assert_int_equal(feth__bpf_recv(b, fr, 4), 1);
	assert_int_equal(feth__bpf_recv(b, fr, 4), 0);
	feth__bpf_close(b);
}

static void test_interface_gone(void **state)
{
	struct testenv *t = T(state);
	struct feth__bpf *b;
	struct feth_frame fr[4];

	b = pair_and_open(t, 0);
	send_frames(t, 2, 60, 0);
	assert_int_equal(feth_if_destroy("feth1"), 0);
	/* Frames already buffered are still delivered. The descriptor stays attached until the
	 * kernel's detacher thread runs (darwin-notes.md F5.4): until then a read finds nothing,
	 * after it the loss is reported. (The tap looks the name up meanwhile: test_tap.) */
	assert_int_equal(feth__bpf_recv(b, fr, 4), 2);
	assert_int_equal(feth__bpf_recv(b, fr, 4), 0);
	assert_int_equal(sim_run_detacher(t->sim), 1);
	assert_int_equal(feth__bpf_recv(b, fr, 4), -ENXIO);
	assert_true(readable(b->fd));
	feth__bpf_close(b);
	assert_int_equal(sim_open_fds(t->sim), 0);
}

static void test_every_seam_call_of_open_fails(void **state)
{
	static const int errs[] = {EIO, EINTR};
	struct testenv *t = T(state);
	struct feth__bpf *b;
	unsigned long calls;
	int failed = 0, runs = 0;

	make_pair(t);
	calls = sim_calls(t->sim);
	assert_int_equal(feth__bpf_open(t->env.sys, "feth1", 0, &b), 0);
	calls = sim_calls(t->sim) - calls;
	feth__bpf_close(b);
	assert_true(calls >= 7); /* open and six ioctls */
	for (size_t k = 0; k < FETH_ARRAY_SIZE(errs); k++) {
		for (unsigned long i = 1; i <= calls; i++) {
			int r;

			b = NULL;
			sim_fail_nth(t->sim, i, errs[k]);
			r = feth__bpf_open(t->env.sys, "feth1", 0, &b);
			sim_fail_clear(t->sim);
			runs++;
			if (r < 0) {
				failed++;
				assert_null(b);
				assert_int_equal(r, -errs[k]);
			} else {
				/* EINTR is retried: the open still succeeds. */
				assert_int_equal(errs[k], EINTR);
				feth__bpf_close(b);
			}
			assert_int_equal(sim_open_fds(t->sim), 0);
		}
	}
	assert_int_equal(failed, (int)calls); /* every EIO surfaces */
	assert_true(runs == 2 * (int)calls);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, testenv_setup, testenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_open_configures_in_order),
	    TEST(test_open_skips_busy_devices),
	    TEST(test_open_errors),
	    TEST(test_buffer_size_negotiation),
	    TEST(test_recv_batches_and_leftovers),
	    TEST(test_recv_thousands_in_one_read),
	    TEST(test_truncated_and_drops),
	    TEST(test_poll_readiness),
	    TEST(test_interface_gone),
	    TEST(test_every_seam_call_of_open_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
