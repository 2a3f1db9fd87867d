/* SPDX-License-Identifier: MIT */
/*
 * The backend of every platform but macOS and Linux: every public call is -EOPNOTSUPP. Its
 * `supported` is 0, which every public call checks before it uses the table (lib/ifctl.c's
 * name rule, feth_pair_create(), feth_tap_open(), feth_if_cleanup()) but feth_if_list(), which
 * reaches if_list here. Built only on those platforms, and into the test suite, which checks
 * that behaviour on any host.
 */
#include <errno.h>

#include "internal.h"

static int unsupported_list(const struct feth__env *env, char (*ret_names)[FETH_IFNAMSIZ],
                            size_t max)
{
	(void)env;
	(void)ret_names;
	(void)max;
	return -EOPNOTSUPP;
}

const struct feth__backend feth__backend_unsupported = {
    .name = "unsupported",
    .supported = 0,
    .if_list = unsupported_list,
};
