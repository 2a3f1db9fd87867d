/* SPDX-License-Identifier: MIT */
/*
 * feth__linux_wire_offloads() against the real kernel, in a network namespace of its own
 * (unshare(CLONE_NEWNET) at start; skipped, exit 77, without root or ethtool). The pair is a
 * veth made with `ip link`, and every result is read back with `ethtool -k` (ethtool's netlink
 * path, not the ioctls the library uses): the wanted features off, every other one as it was.
 */
#define _GNU_SOURCE /* unshare */
#include <errno.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "internal.h"
#include "linux/offload.h"
#include "tap/faulty_sys.h"

#define MAX_FEATURES 128

struct feature {
	char name[48];
	char state[40]; /* "on", "off [fixed]", "off [requested on]", ... */
};

struct features {
	int n;
	struct feature f[MAX_FEATURES];
};

static int sh(const char *cmd)
{
	return system(cmd);
}

/* Reads `ethtool -k name` into *ret. */
static void read_features(const char *name, struct features *ret)
{
	char cmd[64], line[160];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ethtool -k %s 2>/dev/null", name);
	p = popen(cmd, "r");
	assert_non_null(p);
	ret->n = 0;
	while (fgets(line, sizeof(line), p)) {
		char *s = line + strspn(line, " \t"), *colon = strstr(s, ": ");
		struct feature *f = &ret->f[ret->n];

		if (!colon || ret->n == MAX_FEATURES)
			continue; /* "Features for x:" */
		*colon = '\0';
		colon[2 + strcspn(colon + 2, "\n")] = '\0';
		snprintf(f->name, sizeof(f->name), "%s", s);
		snprintf(f->state, sizeof(f->state), "%s", colon + 2);
		ret->n++;
	}
	assert_int_equal(pclose(p), 0);
	assert_true(ret->n > 20);
}

static const char *state_of(const struct features *fs, const char *name)
{
	for (int i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].name, name) == 0)
			return fs->f[i].state;
	return NULL;
}

/* ethtool prints a few features under their old names. */
static const char *kernel_name(const char *name)
{
	if (strcmp(name, "generic-segmentation-offload") == 0)
		return "tx-generic-segmentation";
	if (strcmp(name, "generic-receive-offload") == 0)
		return "rx-gro";
	if (strcmp(name, "large-receive-offload") == 0)
		return "rx-lro";
	return name;
}

/* Lines that sum up others (on when any of theirs is). */
static int summary_line(const char *name)
{
	return strcmp(name, "tx-checksumming") == 0 ||
	       strcmp(name, "tcp-segmentation-offload") == 0 || strcmp(name, "scatter-gather") == 0;
}

static int prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static int suffix(const char *s, const char *p)
{
	size_t n = strlen(s), k = strlen(p);

	return n >= k && strcmp(s + n - k, p) == 0;
}

/* The brief of feth__linux_wire_offloads(), written out again. */
static int host_target(const char *name)
{
	name = kernel_name(name);
	return prefix(name, "tx-checksum-") || prefix(name, "tx-gso-") ||
	       suffix(name, "-segmentation") || suffix(name, "-fragmentation");
}

static int io_target(const char *name)
{
	name = kernel_name(name);
	return strcmp(name, "rx-gro") == 0 || strcmp(name, "rx-lro") == 0 ||
	       strcmp(name, "rx-gro-hw") == 0 || strcmp(name, "rx-gro-list") == 0 ||
	       strcmp(name, "rx-udp-gro-forwarding") == 0;
}

/* Every target of the side off (and not asked on), every other feature as it was. */
static void check_side(const struct features *before, const struct features *after,
                       int (*target)(const char *), int *ret_targets)
{
	assert_int_equal(after->n, before->n);
	for (int i = 0; i < after->n; i++) {
		const struct feature *a = &after->f[i];
		const char *b = state_of(before, a->name);

		assert_non_null(b);
		if (target(a->name)) {
			if (strcmp(a->state, "off") != 0 && strcmp(a->state, "off [fixed]") != 0)
				fail_msg("%s is '%s', want off", a->name, a->state);
			*ret_targets += 1;
		} else if (!summary_line(a->name) && strcmp(a->state, b) != 0) {
			fail_msg("%s changed: '%s' -> '%s'", a->name, b, a->state);
		}
	}
}

static void expect_state(const char *name, const char *feature, const char *want)
{
	struct features fs;
	const char *st;

	read_features(name, &fs);
	st = state_of(&fs, feature);
	if (!st)
		return; /* an older kernel without it */
	if (strcmp(st, want) != 0)
		fail_msg("%s %s is '%s', want '%s'", name, feature, st, want);
}

/* ---- fixtures: a veth pair made without the library ---------------------------------------- */

struct fixture {
	int fd; /* AF_PACKET, as the tap's */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	/* The socket first: a failed setup leaves no pair behind for the next test's. */
	fx->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fx->fd < 0) {
		free(fx);
		return -1;
	}
	if (sh("ip link add feth0 type veth peer name feth1 && ip link set feth0 up && "
	       "ip link set feth1 up") != 0) {
		(void)sh("ip link del feth0 2>/dev/null");
		close(fx->fd);
		free(fx);
		return -1;
	}
	faulty_clear();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	faulty_clear();
	close(fx->fd);
	free(fx);
	return sh("ip link del feth0 2>/dev/null; true");
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_defaults_off(void **state)
{
	struct fixture *fx = *state;
	struct features hb, ha, ib, ia;
	int targets = 0;

	/* Something on that is not the library's to touch on either side (GRO on the host side,
	 * TX checksumming on the I/O side), and every coalescing feature on at the I/O side. */
	assert_int_equal(sh("ethtool -K feth0 gro on"), 0);
	assert_int_equal(sh("ethtool -K feth1 gro on"), 0);
	if (sh("ethtool -K feth1 rx-gro-list on rx-udp-gro-forwarding on 2>/dev/null") != 0)
		print_message("rx-gro-list/rx-udp-gro-forwarding not changeable here\n");
	read_features("feth0", &hb);
	read_features("feth1", &ib);
	assert_non_null(state_of(&hb, "tx-checksum-ip-generic"));
	assert_string_equal(state_of(&hb, "tx-checksum-ip-generic"), "on");
	assert_non_null(state_of(&ib, "generic-receive-offload"));
	assert_string_equal(state_of(&ib, "generic-receive-offload"), "on");

	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, fx->fd, "feth0", "feth1"), 0);

	read_features("feth0", &ha);
	read_features("feth1", &ia);
	check_side(&hb, &ha, host_target, &targets);
	assert_true(targets >= 20);
	targets = 0;
	check_side(&ib, &ia, io_target, &targets);
	assert_int_equal(targets, 5);
	/* What `ethtool -K x tx off` leaves on, off too. */
	expect_state("feth0", "tx-tcp-accecn-segmentation", "off");
	expect_state("feth0", "tx-gre-segmentation", "off");
	expect_state("feth0", "tx-udp_tnl-segmentation", "off");
	expect_state("feth0", "tx-udp_tnl-csum-segmentation", "off");
	expect_state("feth0", "tx-ipxip4-segmentation", "off");
	expect_state("feth0", "tx-sctp-segmentation", "off");
	expect_state("feth0", "tx-udp-segmentation", "off");
	expect_state("feth0", "tx-gso-list", "off");
	expect_state("feth0", "tx-checksum-sctp", "off");
	expect_state("feth0", "generic-segmentation-offload", "off");
	expect_state("feth0", "tx-checksumming", "off");
	/* ...and nothing else. */
	expect_state("feth0", "generic-receive-offload", "on");
	expect_state("feth0", "tx-scatter-gather", "on");
	expect_state("feth1", "tx-checksum-ip-generic", "on");
	expect_state("feth1", "tcp-segmentation-offload", "on");
	expect_state("feth1", "generic-receive-offload", "off");
}

/* A second call finds nothing to change: three reads per side, no set, and no change. */
static void test_idempotent(void **state)
{
	struct fixture *fx = *state;
	struct features h1, h2, i1, i2;
	unsigned long calls;
	int targets = 0;

	assert_int_equal(feth__linux_wire_offloads(&faulty_sys, fx->fd, "feth0", "feth1"), 0);
	read_features("feth0", &h1);
	read_features("feth1", &i1);
	calls = faulty_calls();
	assert_int_equal(feth__linux_wire_offloads(&faulty_sys, fx->fd, "feth0", "feth1"), 0);
	assert_int_equal(faulty_calls() - calls, 6);
	read_features("feth0", &h2);
	read_features("feth1", &i2);
	check_side(&h1, &h2, host_target, &targets);
	check_side(&i1, &i2, io_target, &targets);
	for (int i = 0; i < h1.n; i++)
		assert_string_equal(h1.f[i].state, h2.f[i].state);
	for (int i = 0; i < i1.n; i++)
		assert_string_equal(i1.f[i].state, i2.f[i].state);
}

/* Someone turns the offloads back on after open: a new call turns them off again. */
static void test_reapply(void **state)
{
	struct fixture *fx = *state;
	struct features hb, ha, ib, ia;
	int targets = 0;

	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, fx->fd, "feth0", "feth1"), 0);
	assert_int_equal(sh("ethtool -K feth0 tx on tso on gso on > /dev/null"), 0);
	assert_int_equal(sh("ethtool -K feth1 gro on > /dev/null"), 0);
	expect_state("feth0", "tx-tcp-segmentation", "on");
	read_features("feth0", &hb);
	read_features("feth1", &ib);
	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, fx->fd, "feth0", "feth1"), 0);
	read_features("feth0", &ha);
	read_features("feth1", &ia);
	check_side(&hb, &ha, host_target, &targets);
	check_side(&ib, &ia, io_target, &targets);
}

/* lo keeps its checksum offload fixed on: -EOPNOTSUPP, what can go off having gone off. */
static void test_fixed_on(void **state)
{
	struct fixture *fx = *state;

	expect_state("lo", "tx-checksum-ip-generic", "on [fixed]");
	expect_state("lo", "tx-tcp-segmentation", "on");
	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, fx->fd, "lo", "feth1"),
	                 -EOPNOTSUPP);
	expect_state("lo", "tx-checksum-ip-generic", "on [fixed]");
	expect_state("lo", "tx-tcp-segmentation", "off");
	expect_state("lo", "tx-udp-segmentation", "off");
	/* The host side's error stops the call before the I/O side. */
	assert_int_equal(sh("ethtool -K feth1 gro on"), 0);
	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, fx->fd, "lo", "feth1"),
	                 -EOPNOTSUPP);
	expect_state("feth1", "generic-receive-offload", "on");
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, fx->fd, "feth9", "feth1"),
	                 -ENXIO);
	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, fx->fd, "feth0", "feth9"),
	                 -ENXIO);
	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, fx->fd, NULL, "feth1"),
	                 -EINVAL);
	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, fx->fd, "feth0", NULL),
	                 -EINVAL);
	assert_int_equal(
	    feth__linux_wire_offloads(&feth__sys_real, fx->fd, "feth0123456789abc", "feth1"),
	    -EINVAL);
	assert_int_equal(feth__linux_wire_offloads(&feth__sys_real, -1, "feth0", "feth1"), -EBADF);
}

/* A new pair with something to turn off on both sides. */
#define FRESH_PAIR                                                                                 \
	"ip link del feth0; ip link add feth0 type veth peer name feth1 && "                       \
	"ethtool -K feth1 gro on"

/* Every seam call made to fail in turn, on a fresh pair each time: the call returns that error
 * (ASan and valgrind see no leak), and the next call succeeds. An EINTR is retried. */
static void test_faults(void **state)
{
	struct fixture *fx = *state;
	unsigned long n, made = 0;

	for (n = 1;; n++) {
		unsigned long before;
		int r;

		assert_int_equal(sh(FRESH_PAIR), 0);
		before = faulty_calls();
		faulty_fail_nth(n, EIO);
		r = feth__linux_wire_offloads(&faulty_sys, fx->fd, "feth0", "feth1");
		faulty_clear();
		made = faulty_calls() - before;
		if (made < n) {
			assert_int_equal(r, 0); /* every call made, none failed */
			break;
		}
		assert_int_equal(r, -EIO);
		assert_int_equal(feth__linux_wire_offloads(&faulty_sys, fx->fd, "feth0", "feth1"),
		                 0);
	}
	/* GSSET_INFO, GSTRINGS, GFEATURES, SFEATURES, GFEATURES per side. */
	assert_int_equal(n, 11);
	for (n = 1; n <= made; n++) {
		assert_int_equal(sh(FRESH_PAIR), 0);
		faulty_fail_nth(n, EINTR);
		assert_int_equal(feth__linux_wire_offloads(&faulty_sys, fx->fd, "feth0", "feth1"),
		                 0);
		faulty_clear();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_defaults_off, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reapply, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fixed_on, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
	};

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: needs root and network namespaces (%s)\n",
		       geteuid() ? "not root" : strerror(errno));
		return 77;
	}
	if (system("ethtool --version > /dev/null 2>&1") != 0 ||
	    system("ip -V > /dev/null 2>&1") != 0) {
		printf("SKIP: needs ethtool and ip (tests/install-deps.sh installs them)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
