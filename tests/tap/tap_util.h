/* SPDX-License-Identifier: MIT */
/* Small helpers of the tap tests (tests/tap/tap_suite.c, tests/unit/test_tap.c): cmocka
 * must be included first. */
#ifndef FETH_TESTS_TAP_UTIL_H
#define FETH_TESTS_TAP_UTIL_H

#include <string.h>

#include "feth/feth.h"

/* A tap's info, which must be readable. */
static inline struct feth_tap_info info_of(const struct feth_tap *tap)
{
	struct feth_tap_info in;

	memset(&in, 0, sizeof(in));
	in.sz = sizeof(in);
	assert_int_equal(feth_tap_get_info(tap, &in), 0);
	return in;
}

/* A tap's counters, which must be readable. */
static inline struct feth_tap_stats stats_of(struct feth_tap *tap)
{
	struct feth_tap_stats st;

	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	assert_int_equal(feth_tap_get_stats(tap, &st), 0);
	return st;
}

#endif
