/* SPDX-License-Identifier: MIT */
/*
 * The Darwin crash sweep (docs/ownership.md, "A creation killed half-way"): every creating
 * operation is stopped after each of its seam calls in turn, as if the process had been killed
 * there (sim_set_crash: the hook longjmps out of the library), the kernel then closes the dead
 * process's descriptors (sim_kill_process), and a cleanup by another process must leave no
 * interface of libfeth's, no record and no descriptor, and destroy no other interface: an
 * operator's pair, one of them with a description of its own, is there all along.
 *
 * The longjmp abandons the library's stack, so the buffers that call had allocated leak, by
 * design: under AddressSanitizer the leak checker is switched off around the crashing call
 * alone (crash_call), and tests/run-valgrind.sh suppresses leaks allocated beneath it
 * (tests/unit/test_crash.supp). Any other leak of this program is still reported.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testenv.h"

/* ---- the leak checker, off around a crashing call ------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define CRASH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRASH_ASAN 1
#endif
#endif

#ifdef CRASH_ASAN
/* From <sanitizer/lsan_interface.h>: allocations this thread makes between the two are never
 * reported as leaks. */
void __lsan_disable(void);
void __lsan_enable(void);
#define LSAN_OFF() __lsan_disable()
#define LSAN_ON()  __lsan_enable()
#else
#define LSAN_OFF() ((void)0)
#define LSAN_ON()  ((void)0)
#endif

/* ---- the operations ------------------------------------------------------------------------- */

#define CREATOR 4242 /* the process that is killed (testenv's default pid) */
#define CLEANER 7000 /* the process that cleans up after it */
#define MAX_MTU "net.link.fake.max_mtu"
/* A sweep takes well under a second (a few under valgrind): one that does not end is stuck
 * on a lock the crash left held, and SIGALRM ends the program. */
#define SWEEP_LIMIT_S 120

struct op {
	const char *name;
	int (*run)(void);
};

/* What a run made that the caller releases (a tap's handle); NULL after a crash. */
static struct feth_tap *made_tap;

static int op_pair(void)
{
	struct feth_pair p;

	return feth_pair_create(NULL, &p);
}

static int op_pair_jumbo(void)
{
	struct feth_pair_opts o = {.sz = sizeof(o), .mtu = 9000};
	struct feth_pair p;

	return feth_pair_create(&o, &p);
}

static int op_if(void)
{
	char name[FETH_IFNAMSIZ];

	return feth_if_create("feth", name, sizeof(name));
}

static int op_tap(void)
{
	struct feth_tap_opts o = {.sz = sizeof(o)};
	struct feth_tap *tap = NULL;
	int r = feth_tap_open(&o, &tap);

	if (r == 0)
		made_tap = tap;
	return r;
}

static const struct op ops[] = {
    {"feth_pair_create", op_pair},
    {"feth_pair_create mtu 9000", op_pair_jumbo},
    {"feth_if_create", op_if},
    {"feth_tap_open", op_tap},
};

/* ---- the operator's interfaces, which nothing may touch -------------------------------------- */

static const char foreign_desc[] = "uplink to the lab switch, port 7";

static void make_foreign(struct testenv *t)
{
	assert_int_equal(sim_if_create_external(t->sim, "feth50"), 0);
	assert_int_equal(sim_if_create_external(t->sim, "feth51"), 0);
	assert_int_equal(sim_if_peer_external(t->sim, "feth50", "feth51"), 0);
	assert_int_equal(sim_if_set_desc(t->sim, "feth50", foreign_desc), 0);
}

/* No feth but the operator's two, intact: still peered, descriptions unchanged. */
static void assert_only_foreign(struct testenv *t, const char *what)
{
	struct sim_if_state st;
	char desc[160];

	for (int u = 0; u < 64; u++) {
		char name[16];

		snprintf(name, sizeof(name), "feth%d", u);
		if (u != 50 && u != 51 && sim_if_state(t->sim, name, &st) == 0)
			fail_msg("%s: %s is left", what, name);
	}
	if (sim_if_count(t->sim) != 2)
		fail_msg("%s: %d interfaces, want the 2 foreign ones", what, sim_if_count(t->sim));
	if (sim_if_state(t->sim, "feth50", &st) != 0 || strcmp(st.peer, "feth51") != 0)
		fail_msg("%s: feth50 destroyed or unpeered", what);
	if (sim_if_state(t->sim, "feth51", &st) != 0 || strcmp(st.peer, "feth50") != 0)
		fail_msg("%s: feth51 destroyed or unpeered", what);
	if (sim_if_desc(t->sim, "feth50", desc, sizeof(desc)) != (int)strlen(foreign_desc) ||
	    strcmp(desc, foreign_desc) != 0)
		fail_msg("%s: feth50's description changed to \"%s\"", what, desc);
	if (sim_if_desc(t->sim, "feth51", desc, sizeof(desc)) != 0)
		fail_msg("%s: feth51 got a description: \"%s\"", what, desc);
}

/* ---- one run --------------------------------------------------------------------------------- */

static jmp_buf crash_jmp;

static void crash_hook(void *arg)
{
	(void)arg;
	longjmp(crash_jmp, 1);
}

/*
 * Runs op as a process that dies right after its n-th fallible seam call: returns 1 when it
 * did (the hook jumped back here), 0 when the operation returned first (*ret_rc its result).
 * Not inlined: tests/unit/test_crash.supp names it as the frame under which leaks are the
 * abandoned stack's.
 */
__attribute__((noinline)) static int crash_call(struct testenv *t, const struct op *op,
                                                unsigned long n, int *ret_rc)
{
	volatile int crashed = 0;

	*ret_rc = 0;
	LSAN_OFF();
	if (setjmp(crash_jmp) == 0) {
		sim_set_crash(t->sim, n, crash_hook, NULL);
		*ret_rc = op->run();
		sim_set_crash(t->sim, 0, NULL, NULL);
	} else {
		crashed = 1;
	}
	LSAN_ON();
	return crashed;
}

/* Simulated time passes, long enough for every pending teardown (30 ms each) to finish. */
static void let_time_pass(struct testenv *t)
{
	const struct feth__sys *s = sim_sys(t->sim);

	s->sleep_us(s->ctx, 1000000);
	assert_int_equal(sim_detaching(t->sim), 0);
}

struct sweep {
	unsigned long calls;    /* N: fallible seam calls of the fault-free run */
	unsigned runs;          /* crashes swept (one per call) */
	unsigned destroyed;     /* runs that left interfaces the cleanup destroyed */
	unsigned dropped;       /* runs that left records of no interface, dropped */
	unsigned tmp_left;      /* runs after which an owned.tmp is still there */
	unsigned mtu_raised;    /* runs that left net.link.fake.max_mtu raised */
	unsigned max_destroyed; /* the most interfaces one cleanup destroyed */
	unsigned unmarked;      /* runs that left an interface without its mark (no description) */
};

static int tmp_exists(const struct testenv *t)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/owned.tmp", t->registry_dir);
	f = fopen(path, "r");
	if (f)
		fclose(f);
	return f != NULL;
}

/* Whether the creator died between SIOCIFCREATE and SIOCSIFDESC: a feth of its own (not the
 * operator's) without a description. */
static int unmarked_left(struct testenv *t)
{
	for (int u = 0; u < 50; u++) {
		char name[16];

		snprintf(name, sizeof(name), "feth%d", u);
		if (sim_if_desc(t->sim, name, NULL, 0) == 0)
			return 1;
	}
	return 0;
}

/* The fault-free run: how many seam calls the operation makes. */
static unsigned long count_calls(const struct op *op)
{
	struct testenv *t;
	void *state;
	unsigned long calls;
	int rc;

	assert_int_equal(testenv_setup(&state), 0);
	t = state;
	make_foreign(t);
	made_tap = NULL;
	calls = sim_calls(t->sim);
	rc = op->run();
	calls = sim_calls(t->sim) - calls;
	if (rc != 0)
		fail_msg("%s: the fault-free run failed: %d", op->name, rc);
	assert_int_equal(sim_if_count(t->sim), op->run == op_if ? 3 : 4);
	if (made_tap)
		assert_int_equal(feth_tap_close(made_tap), 0);
	made_tap = NULL;
	assert_int_equal(testenv_teardown(&state), 0);
	return calls;
}

static void crash_run(const struct op *op, unsigned long n, struct sweep *sw)
{
	struct feth_cleanup_report rep = {.sz = sizeof(rep)}, again = {.sz = sizeof(again)};
	struct testenv *t;
	void *state;
	char what[96], reg[1024];
	int rc, crashed;

	snprintf(what, sizeof(what), "%s, killed after call %lu of %lu", op->name, n, sw->calls);
	assert_int_equal(testenv_setup(&state), 0);
	t = state;
	make_foreign(t);
	made_tap = NULL;

	crashed = crash_call(t, op, n, &rc);
	if (!crashed)
		fail_msg("%s: returned %d without reaching the call", what, rc);
	if (sim_calls(t->sim) != n)
		fail_msg("%s: died after %lu calls", what, sim_calls(t->sim));
	sw->mtu_raised += sim_fake_sysctl(t->sim, MAX_MTU) != 2048;
	sw->unmarked += unmarked_left(t);

	/* The kernel's part of the death, then another process cleans up. */
	sim_kill_process(t->sim, CREATOR);
	sim_set_pid(t->sim, CLEANER);
	rc = feth_if_cleanup(&rep);
	if (rc < 0)
		fail_msg("%s: cleanup failed: %d", what, rc);
	assert_int_equal(rc, (int)rep.destroyed);
	if (rep.bad_lines || rep.owners_unknown)
		fail_msg("%s: cleanup met %u bad lines, %u unknown owners", what, rep.bad_lines,
		         rep.owners_unknown);
	sw->destroyed += rep.destroyed > 0;
	sw->dropped += rep.records_dropped > 0;
	if (rep.destroyed > sw->max_destroyed)
		sw->max_destroyed = rep.destroyed;
	let_time_pass(t);

	assert_only_foreign(t, what);
	/* A creator killed while net.link.fake.max_mtu was raised left it raised: the cleanup
	 * puts the old value back. */
	if (sim_fake_sysctl(t->sim, MAX_MTU) != 2048)
		fail_msg("%s: net.link.fake.max_mtu left at %d", what,
		         (int)sim_fake_sysctl(t->sim, MAX_MTU));
	testenv_registry_text(t, reg, sizeof(reg));
	if (reg[0])
		fail_msg("%s: records left after the cleanup:\n%s", what, reg);
	if (sim_open_fds(t->sim) != 0)
		fail_msg("%s: %d descriptors open", what, sim_open_fds(t->sim));

	/* Idempotent: a second cleanup finds nothing to do and changes nothing. */
	rc = feth_if_cleanup(&again);
	if (rc != 0 || again.destroyed || again.records_dropped || again.owners_unknown ||
	    again.bad_lines)
		fail_msg("%s: the second cleanup returned %d: destroyed %u, dropped %u", what, rc,
		         again.destroyed, again.records_dropped);
	assert_only_foreign(t, what);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "");
	sw->tmp_left += tmp_exists(t);

	/* Nothing the dead process held (the registry's lock, max_mtu.lock, a unit) stands in
	 * the way of the next creation; nor does any mutex of the library, which the longjmp would
	 * have left locked had the crash come while it was held (lib/registry.c's self_lock, the
	 * only global one, is never held across a seam call): this creation takes it, and would
	 * hang until the alarm below. */
	made_tap = NULL;
	rc = op->run();
	if (rc != 0)
		fail_msg("%s: the next process's creation failed: %d", what, rc);
	if (made_tap)
		assert_int_equal(feth_tap_close(made_tap), 0);
	made_tap = NULL;
	assert_int_equal(testenv_teardown(&state), 0);
	sw->runs++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sweep(const struct op *op)
{
	struct sweep sw = {0};
	double t0 = now_s();

	alarm(SWEEP_LIMIT_S);
	sw.calls = count_calls(op);
	assert_true(sw.calls > 0);
	for (unsigned long n = 1; n <= sw.calls; n++)
		crash_run(op, n, &sw);
	alarm(0);
	/* Killed after its last call, the creator left a complete creation behind. */
	assert_true(sw.destroyed > 0);
	/* The sweep reaches the instant between SIOCIFCREATE and SIOCSIFDESC. */
	assert_true(sw.unmarked > 0);
	/* ...and, with a large MTU, the instants while the sysctl is raised. */
	if (strcmp(op->name, "feth_pair_create mtu 9000") == 0)
		assert_true(sw.mtu_raised > 0);
	printf("crash sweep: %s: %lu seam calls, %u runs; cleanup destroyed what %u of them left "
	       "(at most %u interfaces; %u with an unmarked one), dropped records of %u; left "
	       "behind 0, foreign destroyed 0; max_mtu left raised by %u (restored by the cleanup), owned.tmp left by %u; "
	       "%.2f s\n",
	       op->name, sw.calls, sw.runs, sw.destroyed, sw.max_destroyed, sw.unmarked, sw.dropped,
	       sw.mtu_raised, sw.tmp_left, now_s() - t0);
}

static void test_crash_pair(void **state)
{
	(void)state;
	sweep(&ops[0]);
}

static void test_crash_pair_jumbo(void **state)
{
	(void)state;
	sweep(&ops[1]);
}

static void test_crash_if_create(void **state)
{
	(void)state;
	sweep(&ops[2]);
}

static void test_crash_tap_open(void **state)
{
	(void)state;
	sweep(&ops[3]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crash_pair),
	    cmocka_unit_test(test_crash_pair_jumbo),
	    cmocka_unit_test(test_crash_if_create),
	    cmocka_unit_test(test_crash_tap_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
