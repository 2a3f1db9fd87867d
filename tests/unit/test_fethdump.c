/* SPDX-License-Identifier: MIT */
/*
 * fethdump (examples/fethdump.c, built in here with its main renamed) over the simulated Darwin
 * kernel: a thread plays the host stack while the tool runs; the pcap file it writes is read
 * back record by record; the count limit, the one-line summaries, SIGINT, adopting a pair and
 * the errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testenv.h"

#define T(state) ((struct testenv *)*(state))

int fethdump_main(int argc, char **argv);

struct host {
	struct sim *sim;
	const char *ifname;   /* the host side the frames leave */
	const char *listened; /* the I/O side: wait for the tap's BPF there */
	int n;                /* frames to send */
	int interrupt;        /* then SIGINT the tool */
	int send_errors;
	pthread_t tool;
};

static void frame(uint8_t *f, size_t len, int i)
{
	memset(f, 0, len);
	memset(f, 0xff, 6); /* broadcast */
	f[6] = 0x02;
	f[11] = (uint8_t)i;
	f[12] = 0x88; /* a local experimental ethertype */
	f[13] = 0xb5;
	for (size_t k = 14; k < len; k++)
		f[k] = (uint8_t)(i + k);
}

static size_t frame_len(int i)
{
	return 60 + (size_t)i * 100;
}

static void *host_thread(void *arg)
{
	struct host *h = arg;
	uint8_t f[2000];

	/* Until the tool's tap listens (5 s at most: a tool that failed early must not hang us). */
	for (int i = 0; i < 5000 && sim_bpf_listeners(h->sim, h->listened) == 0; i++)
		usleep(1000);
	for (int i = 0; i < h->n; i++) {
		frame(f, frame_len(i), i);
		if (sim_host_send(h->sim, h->ifname, f, frame_len(i)) != 0)
			h->send_errors++; /* asserted by the main thread (cmocka is not thread-safe)
			                   */
	}
	if (h->interrupt) {
		usleep(50000);
		pthread_kill(h->tool, SIGINT);
	}
	return NULL;
}

/* Runs fethdump with args while the host thread sends; returns its exit status. */
static int run(struct testenv *t, struct host *h, char **args, int n)
{
	char *argv[16] = {"fethdump"};
	pthread_t th;
	int rc;

	for (int i = 0; i < n; i++)
		argv[i + 1] = args[i];
	h->sim = t->sim;
	h->tool = pthread_self();
	assert_int_equal(pthread_create(&th, NULL, host_thread, h), 0);
	rc = fethdump_main(n + 1, argv);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(h->send_errors, 0);
	return rc;
}

/* Reads the pcap file back: checks its header and that it holds exactly the frames 0..n-1. */
static void check_pcap(const char *path, int n)
{
	uint8_t buf[1 << 16], f[2000];
	FILE *fp = fopen(path, "rb");
	size_t len, off = 24;
	uint32_t v;
	int k = 0;

	assert_non_null(fp);
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_true(len >= 24);
	memcpy(&v, buf, 4);
	assert_int_equal(v, 0xa1b23c4du); /* nanosecond timestamps */
	memcpy(&v, buf + 20, 4);
	assert_int_equal(v, 1); /* Ethernet */
	while (off < len) {
		uint32_t incl, orig;

		assert_true(off + 16 <= len);
		memcpy(&incl, buf + off + 8, 4);
		memcpy(&orig, buf + off + 12, 4);
		assert_int_equal(incl, frame_len(k));
		assert_int_equal(orig, frame_len(k));
		assert_true(off + 16 + incl <= len);
		frame(f, incl, k);
		assert_memory_equal(buf + off + 16, f, incl);
		off += 16 + incl;
		k++;
	}
	assert_int_equal(k, n);
}

static void assert_nothing_left(struct testenv *t)
{
	assert_int_equal(sim_open_fds(t->sim), 0);
	assert_int_equal(sim_if_count(t->sim), 0);
}

static void test_pcap_with_count(void **state)
{
	struct testenv *t = T(state);
	char path[128];
	char *args[] = {"-w", path, "-c", "3"};
	struct host h = {.ifname = "feth0", .listened = "feth1", .n = 5};

	snprintf(path, sizeof(path), "%s/out.pcap", t->dir);
	assert_int_equal(run(t, &h, args, 4), 0);
	check_pcap(path, 3); /* the count stops it: two frames never read */
	unlink(path);
	assert_nothing_left(t);
}

static void test_sigint(void **state)
{
	struct testenv *t = T(state);
	char path[128];
	char *args[] = {"-w", path, "--mtu", "9000"};
	struct host h = {.ifname = "feth0", .listened = "feth1", .n = 4, .interrupt = 1};

	snprintf(path, sizeof(path), "%s/int.pcap", t->dir);
	assert_int_equal(run(t, &h, args, 4), 0);
	check_pcap(path, 4);
	unlink(path);
	assert_nothing_left(t);
	signal(SIGINT, SIG_DFL);
}

/* Without -w: a line per frame on standard output. */
static void test_summary_lines(void **state)
{
	struct testenv *t = T(state);
	char path[128], text[4096];
	char *args[] = {"-c", "2"};
	struct host h = {.ifname = "feth0", .listened = "feth1", .n = 2};
	int saved, fd;
	FILE *fp;
	size_t len;

	snprintf(path, sizeof(path), "%s/stdout.txt", t->dir);
	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	assert_int_equal(run(t, &h, args, 2), 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fp = fopen(path, "r");
	assert_non_null(fp);
	len = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	unlink(path);
	text[len] = '\0';
	assert_non_null(strstr(text, "02:00:00:00:00:00 > ff:ff:ff:ff:ff:ff, ethertype 0x88b5, 60 "
	                             "bytes\n"));
	assert_non_null(strstr(text, "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype 0x88b5, "
	                             "160 bytes\n"));
	assert_nothing_left(t);
}

static void test_adopt(void **state)
{
	struct testenv *t = T(state);
	char path[128];
	char *args[] = {"-w", path, "-c", "2", "--adopt", "feth5"};
	struct host h = {.ifname = "feth5", .listened = "feth6", .n = 2};

	assert_int_equal(sim_if_create_external(t->sim, "feth5"), 0);
	assert_int_equal(sim_if_create_external(t->sim, "feth6"), 0);
	assert_int_equal(sim_if_peer_external(t->sim, "feth5", "feth6"), 0);
	assert_int_equal(feth_if_set_up("feth5", 1), 0);
	snprintf(path, sizeof(path), "%s/adopt.pcap", t->dir);
	assert_int_equal(run(t, &h, args, 6), 0);
	check_pcap(path, 2);
	unlink(path);
	assert_int_equal(sim_if_count(t->sim), 2); /* adopted: left in place */
	assert_int_equal(sim_open_fds(t->sim), 0);
}

/* Errors: exit 2 for usage, 1 for a failure, nothing left behind either way. */
static void test_errors(void **state)
{
	struct testenv *t = T(state);
	char *bad_count[] = {"fethdump", "-c", "0"};
	char *bad_mtu[] = {"fethdump", "--mtu", "71"};
	char *big_mtu[] = {"fethdump", "--mtu", "16371"};
	char *no_value[] = {"fethdump", "-w"};
	char *unknown[] = {"fethdump", "--frob", "1"};
	char *long_name[] = {"fethdump", "--host", "feth1234567890123"};
	char *adopt_mtu[] = {"fethdump", "--adopt", "feth5", "--mtu", "9000"};
	char *no_pair[] = {"fethdump", "--adopt", "feth9"};
	char *taken[] = {"fethdump", "--host", "feth3"};
	char *bad_file[] = {"fethdump", "-w", "/nonexistent/dir/x.pcap"};

	assert_int_equal(fethdump_main(3, bad_count), 2);
	assert_int_equal(fethdump_main(3, bad_mtu), 2);
	assert_int_equal(fethdump_main(3, big_mtu), 2);
	assert_int_equal(fethdump_main(2, no_value), 2);
	assert_int_equal(fethdump_main(3, unknown), 2);
	assert_int_equal(fethdump_main(3, long_name), 2);
	assert_int_equal(fethdump_main(5, adopt_mtu), 2);
	assert_int_equal(fethdump_main(3, no_pair), 1);
	assert_int_equal(sim_if_create_external(t->sim, "feth3"), 0);
	assert_int_equal(fethdump_main(3, taken), 1);
	assert_int_equal(sim_if_count(t->sim), 1);
	assert_int_equal(fethdump_main(3, bad_file), 1);
	assert_int_equal(sim_if_count(t->sim), 1);
	sim_set_root(t->sim, false);
	assert_int_equal(fethdump_main(1, (char *[]){"fethdump", NULL}), 1);
	assert_int_equal(sim_if_count(t->sim), 1);
	assert_int_equal(sim_open_fds(t->sim), 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, testenv_setup, testenv_teardown)
	const struct CMUnitTest tests[] = {
	    TEST(test_pcap_with_count), TEST(test_sigint), TEST(test_summary_lines),
	    TEST(test_adopt),           TEST(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
