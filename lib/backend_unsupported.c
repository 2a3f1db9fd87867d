/* SPDX-License-Identifier: MIT */
/*
 * The backend of platforms without one yet (Linux until the veth backend lands): every
 * operation is -EOPNOTSUPP. Name checks fail first, so no public call reaches the others.
 */
#include <errno.h>

#include "internal.h"

static int unsupported_check_name(const char *name, int wildcard)
{
	(void)name;
	(void)wildcard;
	return -EOPNOTSUPP;
}

static int unsupported_list(const struct feth__env *env, char (*ret_names)[FETH_IFNAMSIZ],
                            size_t max)
{
	(void)env;
	(void)ret_names;
	(void)max;
	return -EOPNOTSUPP;
}

static int unsupported_mtu_prepare(const struct feth__env *env, uint32_t mtu,
                                   struct feth__mtu_token *tok)
{
	(void)env;
	(void)mtu;
	(void)tok;
	return -EOPNOTSUPP;
}

const struct feth__backend feth__backend_unsupported = {
    .name = "unsupported",
    .supported = 0,
    .check_name = unsupported_check_name,
    .if_list = unsupported_list,
    .mtu_prepare = unsupported_mtu_prepare,
};
