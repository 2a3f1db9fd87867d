/* SPDX-License-Identifier: MIT */
/*
 * A fresh simulated Darwin world per test: the public API is pointed at the Darwin backend
 * over the simulator, with the ownership registry in a private temporary directory.
 */
#ifndef FETH_TESTENV_H
#define FETH_TESTENV_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "internal.h"
#include "sim.h"

struct testenv {
	struct sim *sim;
	char dir[64];          /* temporary directory, removed at teardown */
	char registry_dir[96]; /* dir/run: created by the library when needed */
	struct feth__env env;
};

/* cmocka setup/teardown: *state becomes a struct testenv *. Teardown fails the test when a
 * descriptor opened through the seam is still open. */
int testenv_setup(void **state);
int testenv_teardown(void **state);

/* The registry file's records as "<name> <state> <pid>" lines (a line that is not a record as
 * "?<line>"), sorted, joined with '\n' into buf ("" when there is none). */
void testenv_registry_text(const struct testenv *t, char *buf, size_t len);
/* Appends a raw line to the registry (creating it), as another process would have. */
void testenv_registry_append(const struct testenv *t, const char *line);

/* Everything observable about the world, to compare before/after a failed call. */
struct world {
	int fds;
	int ifs;
	int peers;
	char names[64][16];
	char registry[4096];
};
void testenv_snapshot(const struct testenv *t, struct world *w);
/* Asserts two snapshots are equal, naming the difference. */
void testenv_assert_same(const struct world *a, const struct world *b, const char *what);

#endif
