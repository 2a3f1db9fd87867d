/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: for every public operation, each of its seam calls fails in turn (with EIO,
 * then with EINTR). Every run must either succeed exactly as the fault-free run does, or
 * return a negative errno and leave the world as it found it: no descriptor open, no
 * interface created or destroyed, no peering changed, the registry unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "testenv.h"

static const uint8_t mac[6] = {0x02, 0xaa, 0, 0, 0, 1};
static const uint8_t v4[4] = {10, 77, 0, 1};
static const uint8_t v6[16] = {0xfd, 0x77, [15] = 1};

struct op {
	const char *name;
	void (*prepare)(struct testenv *t);
	int (*run)(void);
	int partial_ok; /* may legitimately stop half-way with an error (cleanup) */
};

static void make_one(struct testenv *t)
{
	(void)t;
	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
}

static void make_two(struct testenv *t)
{
	make_one(t);
	assert_int_equal(feth_if_create("feth2", NULL, 0), 0);
}

static void make_pair(struct testenv *t)
{
	make_two(t);
	assert_int_equal(feth_if_set_peer("feth1", "feth2"), 0);
}

static void make_addressed(struct testenv *t)
{
	make_one(t);
	assert_int_equal(feth_if_add_ipv4("feth1", v4, 24), 0);
	assert_int_equal(feth_if_add_ipv6("feth1", v6, 64), 0);
}

static void make_orphans(struct testenv *t)
{
	make_one(t);
	sim_set_pid(t->sim, 5000);
	assert_int_equal(feth_if_create("feth2", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth3", NULL, 0), 0);
	sim_set_pid(t->sim, 4242);
	sim_set_pid_alive(t->sim, 5000, false);
	assert_int_equal(sim_if_create_external(t->sim, "feth4"), 0);
}

static void nothing(struct testenv *t)
{
	(void)t;
}

static int op_create(void)
{
	return feth_if_create("feth1", NULL, 0);
}

static int op_create_wild(void)
{
	char n[FETH_IFNAMSIZ];

	return feth_if_create("feth", n, sizeof(n));
}

static int op_destroy(void)
{
	return feth_if_destroy("feth1");
}

static int op_set_peer(void)
{
	return feth_if_set_peer("feth1", "feth2");
}

static int op_clear_peer(void)
{
	return feth_if_clear_peer("feth1");
}

static int op_get_peer(void)
{
	char p[FETH_IFNAMSIZ];

	return feth_if_get_peer("feth1", p, sizeof(p));
}

static int op_set_mtu(void)
{
	return feth_if_set_mtu("feth1", 1400);
}

static int op_get_mtu(void)
{
	struct feth_mtu m;

	return feth_if_get_mtu("feth1", &m);
}

static int op_set_mac(void)
{
	return feth_if_set_mac("feth1", mac);
}

static int op_get_mac(void)
{
	uint8_t m[6];

	return feth_if_get_mac("feth1", m);
}

static int op_set_up(void)
{
	return feth_if_set_up("feth1", 1);
}

static int op_get_flags(void)
{
	uint32_t f;

	return feth_if_get_flags("feth1", &f);
}

static int op_add_ipv4(void)
{
	return feth_if_add_ipv4("feth1", v4, 24);
}

static int op_del_ipv4(void)
{
	return feth_if_del_ipv4("feth1", v4);
}

static int op_add_ipv6(void)
{
	return feth_if_add_ipv6("feth1", v6, 64);
}

static int op_del_ipv6(void)
{
	return feth_if_del_ipv6("feth1", v6);
}

static int op_list(void)
{
	struct feth_if_entry e[4];

	return feth_if_list(e, 4);
}

static int op_cleanup(void)
{
	return feth_if_cleanup_orphans();
}

static int op_pair(void)
{
	struct feth_pair p;

	return feth_pair_create(NULL, &p);
}

static int op_pair_jumbo(void)
{
	struct feth_pair_opts o = {.sz = sizeof(o), .mtu = 9000, .host_mac = {0x02, 0, 0, 0, 0, 1}};
	struct feth_pair p;

	return feth_pair_create(&o, &p);
}

static const struct op ops[] = {
    {"create", nothing, op_create, 0},
    {"create wildcard", nothing, op_create_wild, 0},
    {"destroy", make_one, op_destroy, 0},
    {"set_peer", make_two, op_set_peer, 0},
    {"clear_peer", make_pair, op_clear_peer, 0},
    {"get_peer", make_pair, op_get_peer, 0},
    {"set_mtu", make_one, op_set_mtu, 0},
    {"get_mtu", make_one, op_get_mtu, 0},
    {"set_mac", make_one, op_set_mac, 0},
    {"get_mac", make_one, op_get_mac, 0},
    {"set_up", make_one, op_set_up, 0},
    {"get_flags", make_one, op_get_flags, 0},
    {"add_ipv4", make_one, op_add_ipv4, 0},
    {"del_ipv4", make_addressed, op_del_ipv4, 0},
    {"add_ipv6", make_one, op_add_ipv6, 0},
    {"del_ipv6", make_addressed, op_del_ipv6, 0},
    {"list", make_orphans, op_list, 0},
    {"cleanup", make_orphans, op_cleanup, 1},
    {"pair", nothing, op_pair, 0},
    {"pair jumbo", nothing, op_pair_jumbo, 0},
};

static unsigned total_runs, total_failed;

/* After a partial cleanup: each orphan either is gone with its record, or is still there with
 * its record; the living owner's and the foreign interface are untouched. */
static void assert_cleanup_consistent(struct testenv *t, const char *what)
{
	char reg[1024];
	struct sim_if_state st;

	testenv_registry_text(t, reg, sizeof(reg));
	assert_int_equal(sim_if_state(t->sim, "feth1", &st), 0);
	assert_int_equal(sim_if_state(t->sim, "feth4", &st), 0);
	for (int u = 2; u <= 3; u++) {
		char name[16], line[64];
		int present;

		snprintf(name, sizeof(name), "feth%d", u);
		snprintf(line, sizeof(line), "feth%d o 5000\n", u);
		present = sim_if_state(t->sim, name, &st) == 0;
		if (present != (strstr(reg, line) != NULL))
			fail_msg("%s: %s %s but its record is %s", what, name,
			         present ? "exists" : "is gone", present ? "missing" : "kept");
	}
	assert_int_equal(sim_open_fds(t->sim), 0);
}

static void run_op(const struct op *op)
{
	static const int errs[] = {EIO, EINTR};
	struct world before, after, ok_world;
	void *state;
	struct testenv *t;
	unsigned long calls;
	int ok_rc, failed = 0;

	/* The fault-free run: how many seam calls, and what success looks like. */
	assert_int_equal(testenv_setup(&state), 0);
	t = state;
	op->prepare(t);
	calls = sim_calls(t->sim);
	ok_rc = op->run();
	calls = sim_calls(t->sim) - calls;
	testenv_snapshot(t, &ok_world);
	assert_int_equal(testenv_teardown(&state), 0);
	if (ok_rc < 0)
		fail_msg("%s: the fault-free run failed: %d", op->name, ok_rc);
	assert_true(calls > 0);

	for (size_t k = 0; k < FETH_ARRAY_SIZE(errs); k++) {
		for (unsigned long i = 1; i <= calls; i++) {
			char what[96];
			int rc;

			snprintf(what, sizeof(what), "%s, call %lu of %lu fails %s", op->name, i,
			         calls, errs[k] == EIO ? "EIO" : "EINTR");
			assert_int_equal(testenv_setup(&state), 0);
			t = state;
			op->prepare(t);
			testenv_snapshot(t, &before);
			sim_fail_nth(t->sim, i, errs[k]);
			rc = op->run();
			sim_fail_clear(t->sim);
			testenv_snapshot(t, &after);
			if (rc < 0) {
				failed++;
				if (op->partial_ok)
					assert_cleanup_consistent(t, what);
				else
					testenv_assert_same(&before, &after, what);
			} else {
				if (rc != ok_rc)
					fail_msg("%s: returned %d, the fault-free run %d", what, rc,
					         ok_rc);
				testenv_assert_same(&ok_world, &after, what);
			}
			total_runs++;
			assert_int_equal(testenv_teardown(&state), 0);
		}
	}
	total_failed += (unsigned)failed;
	/* A fault that never surfaces would mean the injection does not reach the code. */
	assert_true(failed > 0);
}

static void test_every_seam_call_fails_in_turn(void **state)
{
	(void)state;
	for (size_t i = 0; i < FETH_ARRAY_SIZE(ops); i++)
		run_op(&ops[i]);
	printf("fault injection: %u runs over %zu operations, %u returned an error, "
	       "0 left anything behind\n",
	       total_runs, FETH_ARRAY_SIZE(ops), total_failed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_seam_call_fails_in_turn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
