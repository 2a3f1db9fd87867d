/* SPDX-License-Identifier: MIT */
/* The ownership registry, feth_if_list() and feth_if_cleanup_orphans() over the simulator. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "darwin/abi.h"
#include "testenv.h"

#define T(state) ((struct testenv *)*(state))

static int exists(struct testenv *t, const char *name)
{
	struct sim_if_state st;

	return sim_if_state(t->sim, name, &st) == 0;
}

static void test_registry_is_root_only(void **state)
{
	struct testenv *t = T(state);
	char path[160];
	struct stat st;

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(stat(t->registry_dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/owned", t->registry_dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/lock", t->registry_dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The file is replaced whole through a temporary that never stays behind. */
	snprintf(path, sizeof(path), "%s/owned.tmp", t->registry_dir);
	assert_int_not_equal(stat(path, &st), 0);
}

static void test_cleanup_destroys_only_own_orphans(void **state)
{
	struct testenv *t = T(state);
	char reg[512];

	/* Ours, alive (pid 4242). */
	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	/* Created through libfeth by process 5000, which then dies. */
	sim_set_pid(t->sim, 5000);
	assert_int_equal(feth_if_create("feth2", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth3", NULL, 0), 0);
	assert_int_equal(feth_if_set_peer("feth2", "feth3"), 0);
	sim_set_pid(t->sim, 4242);
	sim_set_pid_alive(t->sim, 5000, false);
	/* Created outside libfeth (e.g. by ifconfig), peered with one of ours. */
	assert_int_equal(sim_if_create_external(t->sim, "feth4"), 0);
	assert_int_equal(sim_if_create_external(t->sim, "feth5"), 0);
	assert_int_equal(sim_if_peer_external(t->sim, "feth4", "feth5"), 0);

	assert_int_equal(feth_if_cleanup_orphans(), 2);
	assert_true(exists(t, "feth1"));
	assert_false(exists(t, "feth2"));
	assert_false(exists(t, "feth3"));
	assert_true(exists(t, "feth4"));
	assert_true(exists(t, "feth5"));
	assert_int_equal(sim_peer_count(t->sim), 1);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "feth1 o 4242\n");
	/* Nothing left to do the second time. */
	assert_int_equal(feth_if_cleanup_orphans(), 0);
	assert_int_equal(sim_if_count(t->sim), 3);
}

static void test_cleanup_drops_stale_records(void **state)
{
	struct testenv *t = T(state);
	char reg[512];

	/* A record whose interface is already gone (destroyed behind libfeth's back). */
	testenv_registry_append(t, "feth9 6000 1690000000");
	sim_set_pid_alive(t->sim, 6000, false);
	assert_int_equal(feth_if_cleanup_orphans(), 0);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "");
}

static void test_cleanup_without_registry(void **state)
{
	struct testenv *t = T(state);
	struct stat st;

	assert_int_equal(sim_if_create_external(t->sim, "feth1"), 0);
	assert_int_equal(feth_if_cleanup_orphans(), 0);
	assert_true(exists(t, "feth1"));
	/* Reading an absent registry does not create one. */
	assert_int_equal(stat(t->registry_dir, &st), -1);
}

static void test_malformed_lines_ignored(void **state)
{
	struct testenv *t = T(state);
	char reg[512];

	testenv_registry_append(t, "garbage");
	testenv_registry_append(t, "feth7 notapid 1");
	testenv_registry_append(t, "feth8 -3 1");
	testenv_registry_append(t, "feth9 0 1");
	testenv_registry_append(t, "feth10 77 1 extra");
	assert_int_equal(sim_if_create_external(t->sim, "feth8"), 0);
	sim_set_pid_alive(t->sim, 77, false);
	/* No valid record: nothing destroyed, in particular not feth8 (pid -3 is no owner). */
	assert_int_equal(feth_if_cleanup_orphans(), 0);
	assert_true(exists(t, "feth8"));
	/* The next write drops the garbage. */
	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "feth1 o 4242\n");
}

static void test_recreate_replaces_stale_record(void **state)
{
	struct testenv *t = T(state);
	char reg[512];

	testenv_registry_append(t, "feth1 6000 1690000000");
	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "feth1 o 4242\n");
}

static void test_list_marks_owned_and_orphans(void **state)
{
	struct testenv *t = T(state);
	struct feth_if_entry e[8];

	assert_int_equal(sim_if_add_other(t->sim, "en0", true), 0);
	assert_int_equal(sim_if_add_other(t->sim, "lo0", false), 0);
	assert_int_equal(feth_if_create("feth10", NULL, 0), 0);
	assert_int_equal(sim_if_create_external(t->sim, "feth2"), 0);
	sim_set_pid(t->sim, 5000);
	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	sim_set_pid(t->sim, 4242);
	sim_set_pid_alive(t->sim, 5000, false);
	assert_int_equal(feth_if_add_ipv4("feth10", (const uint8_t[]){10, 0, 0, 1}, 24), 0);
	assert_int_equal(feth_if_add_ipv6("feth10", (const uint8_t[16]){0xfd, [15] = 1}, 64), 0);

	assert_int_equal(feth_if_list(NULL, 0), 3);
	memset(e, 0xa5, sizeof(e));
	assert_int_equal(feth_if_list(e, 8), 3);
	/* Unit order, each once even with several addresses; en0/lo0 are not feth. */
	assert_string_equal(e[0].name, "feth1");
	assert_int_equal(e[0].flags, FETH_IF_ENTRY_OWNED | FETH_IF_ENTRY_ORPHAN);
	assert_int_equal(e[0].owner_pid, 5000);
	assert_string_equal(e[1].name, "feth2");
	assert_int_equal(e[1].flags, 0);
	assert_int_equal(e[1].owner_pid, 0);
	assert_string_equal(e[2].name, "feth10");
	assert_int_equal(e[2].flags, FETH_IF_ENTRY_OWNED);
	assert_int_equal(e[2].owner_pid, 4242);
	/* A short array gets the first entries and the full count. */
	memset(e, 0, sizeof(e));
	assert_int_equal(feth_if_list(e, 1), 3);
	assert_string_equal(e[0].name, "feth1");
	assert_string_equal(e[1].name, "");
}

static void test_list_many(void **state)
{
	struct testenv *t = T(state);
	static struct feth_if_entry e[1200];
	char name[FETH_IFNAMSIZ];

	/* More entries than the first SIOCGIFCONF buffer holds: the list grows it. */
	for (int i = 0; i < 1100; i++) {
		snprintf(name, sizeof(name), "feth%d", i);
		assert_int_equal(sim_if_create_external(t->sim, name), 0);
	}
	assert_int_equal(feth_if_list(e, 1200), 1100);
	for (int i = 0; i < 1100; i++) {
		snprintf(name, sizeof(name), "feth%d", i);
		assert_string_equal(e[i].name, name);
	}
	assert_true(sim_ioctl_calls(t->sim, DARWIN_SIOCGIFCONF) > 2);
}

static void test_list_empty_and_unreadable_registry(void **state)
{
	struct testenv *t = T(state);
	struct feth_if_entry e[2];

	assert_int_equal(feth_if_list(e, 2), 0);
	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	/* A caller who may not read the registry (not root) still gets the list. */
	sim_fail_kind(t->sim, SIM_CALL_OPEN, EACCES, 0);
	assert_int_equal(feth_if_list(e, 2), 1);
	assert_string_equal(e[0].name, "feth1");
	assert_int_equal(e[0].flags, 0);
	sim_fail_clear(t->sim);
}

static void test_destroy_failure_keeps_record(void **state)
{
	struct testenv *t = T(state);
	char reg[512];

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	sim_fail_ioctl(t->sim, DARWIN_SIOCIFDESTROY, EIO, 1);
	assert_int_equal(feth_if_destroy("feth1"), -EIO);
	assert_true(exists(t, "feth1"));
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "feth1 o 4242\n");
}

/* A writer waits a bounded time for the lock (3 s, counted here in simulated time) and then
 * fails -ETIMEDOUT instead of hanging behind a stuck process. */
static void test_lock_wait_is_bounded(void **state)
{
	struct testenv *t = T(state);
	char path[160];
	uint64_t t0;
	int fd;

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/lock", t->registry_dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0); /* another open file: a conflicting lock */
	t0 = sim_now_us(t->sim);
	assert_int_equal(feth_if_destroy("feth1"), -ETIMEDOUT);
	assert_true(sim_now_us(t->sim) - t0 >= 3000000);
	assert_true(sim_now_us(t->sim) - t0 < 3100000);
	assert_true(exists(t, "feth1"));
	close(fd);
	assert_int_equal(feth_if_destroy("feth1"), 0);
}

static void test_create_undone_when_unrecordable(void **state)
{
	struct testenv *t = T(state);

	sim_fail_kind(t->sim, SIM_CALL_MKDIR, EROFS, 0);
	assert_int_equal(feth_if_create("feth1", NULL, 0), -EROFS);
	sim_fail_clear(t->sim);
	assert_int_equal(sim_if_count(t->sim), 0);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, testenv_setup, testenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_registry_is_root_only),
	    TEST(test_cleanup_destroys_only_own_orphans),
	    TEST(test_cleanup_drops_stale_records),
	    TEST(test_cleanup_without_registry),
	    TEST(test_malformed_lines_ignored),
	    TEST(test_recreate_replaces_stale_record),
	    TEST(test_list_marks_owned_and_orphans),
	    TEST(test_list_many),
	    TEST(test_list_empty_and_unreadable_registry),
	    TEST(test_destroy_failure_keeps_record),
	    TEST(test_lock_wait_is_bounded),
	    TEST(test_create_undone_when_unrecordable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
