/* SPDX-License-Identifier: MIT */
/* feth_pair_create() over the simulated Darwin kernel: all or nothing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "darwin/abi.h"
#include "testenv.h"

#define T(state) ((struct testenv *)*(state))

static struct feth_pair_opts opts(void)
{
	struct feth_pair_opts o;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	return o;
}

static int sysctl_max_mtu(struct testenv *t)
{
	const struct feth__sys *s = sim_sys(t->sim);
	int32_t v = -1;
	size_t len = sizeof(v);

	assert_int_equal(s->sysctlbyname(s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, &v, &len, NULL, 0), 0);
	return v;
}

static void assert_pair(struct testenv *t, const struct feth_pair *p, int mtu, int up)
{
	struct sim_if_state h, io;

	assert_int_equal(sim_if_state(t->sim, p->host_name, &h), 0);
	assert_int_equal(sim_if_state(t->sim, p->io_name, &io), 0);
	assert_string_equal(h.peer, p->io_name);
	assert_string_equal(io.peer, p->host_name);
	assert_int_equal(h.mtu, mtu);
	assert_int_equal(io.mtu, mtu);
	assert_int_equal(h.flags, up ? 0x8843 : 0x8802);
	assert_int_equal(io.flags, up ? 0x8843 : 0x8802);
	assert_memory_not_equal(h.mac, io.mac, 6);
}

static void test_default_pair(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair p;
	char reg[512];

	assert_int_equal(feth_pair_create(NULL, &p), 0);
	assert_string_equal(p.host_name, "feth0");
	assert_string_equal(p.io_name, "feth1");
	assert_pair(t, &p, 1500, 1);
	assert_int_equal(sim_peer_count(t->sim), 1);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "feth0 o 4242\nfeth1 o 4242\n");
	/* No MTU asked: max_mtu is never touched; only the seven creation-time settings are read,
	 * before each of the two creations (test_creation_time_sysctls). */
	assert_int_equal(sim_calls_of(t->sim, SIM_CALL_SYSCTLBYNAME), 2 * 7);
}

static void test_named_pair(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;

	strcpy(o.host_name, "feth7");
	strcpy(o.io_name, "feth5007");
	assert_int_equal(feth_pair_create(&o, &p), 0);
	assert_string_equal(p.host_name, "feth7");
	assert_string_equal(p.io_name, "feth5007");
	assert_pair(t, &p, 1500, 1);
}

static void test_jumbo_mtu_raises_and_restores_sysctl(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;
	struct feth_mtu m;
	char other[FETH_IFNAMSIZ];

	o.mtu = 9000;
	assert_int_equal(feth_pair_create(&o, &p), 0);
	assert_pair(t, &p, 9000, 1);
	assert_int_equal(feth_if_get_mtu(p.io_name, &m), 0);
	assert_int_equal(m.max, 9000);
	/* Restored: interfaces created later get the default maximum again. */
	assert_int_equal(sysctl_max_mtu(t), 2048);
	assert_int_equal(feth_if_create("feth", other, sizeof(other)), 0);
	assert_int_equal(feth_if_get_mtu(other, &m), 0);
	assert_int_equal(m.max, 2048);
}

static void test_mtu_within_default_leaves_sysctl(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;

	o.mtu = 1400;
	assert_int_equal(feth_pair_create(&o, &p), 0);
	assert_pair(t, &p, 1400, 1);
	/* One read of max_mtu, no write (and the creation-time settings, as above). */
	assert_int_equal(sim_calls_of(t->sim, SIM_CALL_SYSCTLBYNAME), 1 + 2 * 7);
	assert_int_equal(sysctl_max_mtu(t), 2048);
}

static void test_max_mtu_on_old_macos(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;

	/* 10.13 has no max_mtu sysctl and every feth allows 16370. */
	sim_set_macos(t->sim, 10, 13);
	o.mtu = FETH_MTU_MAX;
	assert_int_equal(feth_pair_create(&o, &p), 0);
	assert_pair(t, &p, FETH_MTU_MAX, 1);
}

static void test_bad_mtu(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;

	o.mtu = FETH_MTU_MAX + 1;
	assert_int_equal(feth_pair_create(&o, &p), -EINVAL);
	o.mtu = FETH_MTU_MIN - 1;
	assert_int_equal(feth_pair_create(&o, &p), -EINVAL);
	assert_int_equal(sim_calls(t->sim), 0);
}

static void test_macs(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;
	struct sim_if_state h, io;
	static const uint8_t host[6] = {0x02, 0xfe, 0, 0, 0, 0x10};
	static const uint8_t derived[6] = {0x02, 0xfe, 0, 0, 0, 0x11};

	memcpy(o.host_mac, host, 6);
	assert_int_equal(feth_pair_create(&o, &p), 0);
	assert_int_equal(sim_if_state(t->sim, p.host_name, &h), 0);
	assert_int_equal(sim_if_state(t->sim, p.io_name, &io), 0);
	assert_memory_equal(h.mac, host, 6);
	assert_memory_equal(io.mac, derived, 6);
	assert_pair(t, &p, 1500, 1);
}

static void test_bad_macs(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;
	static const uint8_t m[6] = {0x02, 1, 2, 3, 4, 5};

	memcpy(o.host_mac, m, 6);
	memcpy(o.io_mac, m, 6);
	assert_int_equal(feth_pair_create(&o, &p), -EINVAL); /* equal */
	o = opts();
	o.io_mac[0] = 0x01;
	assert_int_equal(feth_pair_create(&o, &p), -EINVAL); /* multicast */
	assert_int_equal(sim_calls(t->sim), 0);
}

static void test_no_up(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;

	o.flags = FETH_PAIR_NO_UP;
	assert_int_equal(feth_pair_create(&o, &p), 0);
	assert_pair(t, &p, 1500, 0);
	o.flags = 0x80;
	assert_int_equal(feth_pair_create(&o, &p), -EINVAL);
}

static void test_bad_names(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;

	strcpy(o.host_name, "feth3");
	strcpy(o.io_name, "feth3");
	assert_int_equal(feth_pair_create(&o, &p), -EINVAL);
	strcpy(o.io_name, "en0");
	assert_int_equal(feth_pair_create(&o, &p), -EINVAL);
	strcpy(o.io_name, "feth40000");
	assert_int_equal(feth_pair_create(&o, &p), -ERANGE);
	memset(o.io_name, 'x', sizeof(o.io_name)); /* not terminated */
	assert_int_equal(feth_pair_create(&o, &p), -EINVAL);
	assert_int_equal(sim_calls(t->sim), 0);
}

static void test_failure_undoes_everything(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;
	char reg[512];

	/* The I/O side's unit is taken by someone else: the host side must not survive. */
	assert_int_equal(sim_if_create_external(t->sim, "feth5"), 0);
	strcpy(o.io_name, "feth5");
	o.mtu = 9000;
	assert_int_equal(feth_pair_create(&o, &p), -EEXIST);
	assert_int_equal(sim_if_count(t->sim), 1);
	assert_int_equal(sim_if_state(t->sim, "feth0", &(struct sim_if_state){0}), -ENXIO);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "");
	assert_int_equal(sysctl_max_mtu(t), 2048);

	/* The last step (up) fails after peering, MTU and MACs: all of it is undone. */
	o = opts();
	o.mtu = 9000;
	o.host_mac[0] = 0x02;
	o.host_mac[5] = 0x01;
	sim_fail_ioctl(t->sim, DARWIN_SIOCSIFFLAGS, EIO, 0);
	assert_int_equal(feth_pair_create(&o, &p), -EIO);
	sim_fail_clear(t->sim);
	assert_int_equal(sim_if_count(t->sim), 1); /* the external feth5 only */
	assert_int_equal(sim_peer_count(t->sim), 0);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "");
	assert_int_equal(sysctl_max_mtu(t), 2048);
	assert_int_equal(sim_open_fds(t->sim), 0);
}

static void test_opts_sizes(void **state)
{
	struct testenv *t = T(state);
	struct {
		struct feth_pair_opts o;
		uint64_t future[2];
	} big;
	struct feth_pair_opts o = opts();
	struct feth_pair p;

	/* An older caller that knew only sz and host_name. */
	o.sz = offsetof(struct feth_pair_opts, io_name);
	strcpy(o.host_name, "feth20");
	o.mtu = 123456; /* beyond its sz: must be ignored */
	assert_int_equal(feth_pair_create(&o, &p), 0);
	assert_string_equal(p.host_name, "feth20");
	assert_pair(t, &p, 1500, 1);

	/* A newer caller: zero unknown tail accepted, non-zero refused. */
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	assert_int_equal(feth_pair_create(&big.o, &p), 0);
	big.future[1] = 1;
	assert_int_equal(feth_pair_create(&big.o, &p), -EINVAL);
	big.o.sz = 0;
	big.future[1] = 0;
	assert_int_equal(feth_pair_create(&big.o, &p), -EINVAL);
	big.o.sz = 3;
	assert_int_equal(feth_pair_create(&big.o, &p), -EINVAL);
	/* A lying sz, on the struct alone (a read past it is an error under ASan and valgrind). */
	{
		struct feth_pair_opts *lie = malloc(sizeof(*lie));

		assert_non_null(lie);
		*lie = opts();
		lie->sz = FETH_STRUCT_SZ_MAX + 1;
		assert_int_equal(feth_pair_create(lie, &p), -EINVAL);
		lie->sz = SIZE_MAX;
		assert_int_equal(feth_pair_create(lie, &p), -EINVAL);
		/* The reserved word (once the struct's implicit padding) must be zero. */
		*lie = opts();
		lie->reserved = 1;
		assert_int_equal(feth_pair_create(lie, &p), -EINVAL);
		free(lie);
	}
	assert_int_equal(sim_if_count(t->sim), 4);
}

static void set_max_mtu(struct testenv *t, int32_t v)
{
	const struct feth__sys *s = sim_sys(t->sim);

	assert_int_equal(
	    s->sysctlbyname(s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, NULL, NULL, &v, sizeof(v)), 0);
}

/* What another process changed in the sysctl while this one had it raised is kept: the restore
 * puts back the old value only over the one this process set. */
static void test_max_mtu_restore_only_own_value(void **state)
{
	struct testenv *t = T(state);
	const struct feth__backend *be = t->env.be;
	struct feth__mtu_token tok;

	assert_int_equal(be->mtu_prepare(&t->env, 9000, &tok), 0);
	assert_int_equal(sysctl_max_mtu(t), 9000);
	be->mtu_restore(&t->env, &tok);
	assert_int_equal(sysctl_max_mtu(t), 2048);
	assert_int_equal(tok.lock, -1);

	/* Someone else sets 4000 meanwhile: theirs stays. */
	assert_int_equal(be->mtu_prepare(&t->env, 9000, &tok), 0);
	set_max_mtu(t, 4000);
	be->mtu_restore(&t->env, &tok);
	assert_int_equal(sysctl_max_mtu(t), 4000);
}

/*
 * Raise, create, restore is one step across processes: while another process holds it (its
 * lock file in the registry's directory), a jumbo pair is neither created with a maximum that
 * may be restored under it nor left half made; the creation waits (3 s at most), then works
 * once the other process is done.
 */
static void test_max_mtu_serialised_across_processes(void **state)
{
	struct testenv *t = T(state);
	struct feth_pair_opts o = opts();
	struct feth_pair p;
	struct world before, after;
	char path[160];
	int fd;

	/* The other process: it raised the sysctl to 9000 for its own creation, and holds the
	 * lock until it restores 2048. */
	set_max_mtu(t, 9000);
	assert_int_equal(mkdir(t->registry_dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/max_mtu.lock", t->registry_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	o.mtu = 9000;
	testenv_snapshot(t, &before);
	assert_int_equal(feth_pair_create(&o, &p), -ETIMEDOUT);
	testenv_snapshot(t, &after);
	testenv_assert_same(&before, &after, "a creation that could not take the lock");
	assert_int_equal(sysctl_max_mtu(t), 9000);
	/* It restores and lets go; now the creation raises the sysctl itself. */
	set_max_mtu(t, 2048);
	close(fd);
	assert_int_equal(feth_pair_create(&o, &p), 0);
	assert_pair(t, &p, 9000, 1);
	assert_int_equal(sysctl_max_mtu(t), 2048);
}

/*
 * A feth takes the net.link.fake.* settings in force when it is created, and some make it
 * drop, lengthen or leave unfinished every frame a tap would carry (darwin-notes.md F8.2).
 * With any of them away from its default, creating refuses (-EOPNOTSUPP) and leaves nothing;
 * at the default, it works.
 */
static void test_creation_time_sysctls(void **state)
{
	static const struct {
		const char *name;
		int32_t bad, safe;
	} knobs[] = {
	    {"net.link.fake.bsd_mode", 0, 1}, {"net.link.fake.txstart", 0, 1},
	    {"net.link.fake.fcs", 1, 0},      {"net.link.fake.trailer_length", 8, 0},
	    {"net.link.fake.hwcsum", 1, 0},   {"net.link.fake.tso_support", 1, 0},
	    {"net.link.fake.lro", 1, 0},
	};
	struct testenv *t = T(state);
	struct feth_pair p;
	struct world before, after;
	char name[FETH_IFNAMSIZ];

	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		assert_int_equal(sim_set_fake_sysctl(t->sim, knobs[i].name, knobs[i].bad), 0);
		testenv_snapshot(t, &before);
		assert_int_equal(feth_pair_create(NULL, &p), -EOPNOTSUPP);
		assert_int_equal(feth_if_create("feth", name, sizeof(name)), -EOPNOTSUPP);
		testenv_snapshot(t, &after);
		testenv_assert_same(&before, &after, knobs[i].name);
		assert_int_equal(sim_set_fake_sysctl(t->sim, knobs[i].name, knobs[i].safe), 0);
	}
	assert_int_equal(feth_pair_create(NULL, &p), 0);
	assert_pair(t, &p, 1500, 1);
	/* A release without some of them (10.13: no fcs, trailer_length, tso_support, lro): the
	 * others are still read, and creation works. */
	sim_set_macos(t->sim, 10, 13);
	assert_int_equal(feth_if_create("feth", name, sizeof(name)), 0);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, testenv_setup, testenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_default_pair),
	    TEST(test_named_pair),
	    TEST(test_jumbo_mtu_raises_and_restores_sysctl),
	    TEST(test_mtu_within_default_leaves_sysctl),
	    TEST(test_max_mtu_on_old_macos),
	    TEST(test_max_mtu_restore_only_own_value),
	    TEST(test_max_mtu_serialised_across_processes),
	    TEST(test_creation_time_sysctls),
	    TEST(test_bad_mtu),
	    TEST(test_macs),
	    TEST(test_bad_macs),
	    TEST(test_no_up),
	    TEST(test_bad_names),
	    TEST(test_failure_undoes_everything),
	    TEST(test_opts_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
