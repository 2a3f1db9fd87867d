/* SPDX-License-Identifier: MIT */
/* feth_pair_create(): create, peer, configure and bring up two interfaces, or nothing. */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define KNOWN_PAIR_FLAGS FETH_PAIR_NO_UP

/* "" means "the next free unit": the backend's wildcard name. */
static const char *wanted_name(const char *opt)
{
	return opt[0] ? opt : "feth";
}

static int pair_check(const struct feth__env *env, const struct feth_pair_opts *o)
{
	static const uint8_t zero[FETH_MAC_LEN];
	int r = feth__check_name_field(env, o->host_name, 1);

	if (r == 0)
		r = feth__check_name_field(env, o->io_name, 1);
	if (r < 0)
		return r;
	if (o->host_name[0] && strcmp(o->host_name, o->io_name) == 0)
		return -EINVAL;
	if (o->mtu && (o->mtu < FETH_MTU_MIN || o->mtu > FETH_MTU_MAX))
		return -EINVAL;
	if ((o->flags & ~KNOWN_PAIR_FLAGS) || o->reserved)
		return -EINVAL;
	if ((o->host_mac[0] & 1) || (o->io_mac[0] & 1))
		return -EINVAL; /* multicast */
	if (memcmp(o->host_mac, zero, FETH_MAC_LEN) != 0 &&
	    memcmp(o->host_mac, o->io_mac, FETH_MAC_LEN) == 0)
		return -EINVAL;
	return 0;
}

int feth_pair_create(const struct feth_pair_opts *opts, struct feth_pair *ret_pair)
{
	static const uint8_t zero[FETH_MAC_LEN];
	const struct feth__env *env = feth__env_get();
	struct feth_pair_opts o;
	struct feth_pair p;
	uint8_t io_mac[FETH_MAC_LEN];
	struct feth__mtu_token tok = {0, 0, -1};
	int r, prepared = 0, created = 0;

	if (!env->be->supported)
		return -EOPNOTSUPP;
	if (!ret_pair)
		return -EINVAL;
	r = feth__opts_check(opts, sizeof(o));
	if (r < 0)
		return r;
	feth__opts_copy(&o, sizeof(o), opts);
	r = pair_check(env, &o);
	if (r < 0)
		return r;

	memcpy(io_mac, o.io_mac, FETH_MAC_LEN);
	if (memcmp(o.host_mac, zero, FETH_MAC_LEN) != 0 &&
	    memcmp(io_mac, zero, FETH_MAC_LEN) == 0) {
		/* Only the host side was given: derive a different, still unicast, I/O MAC. */
		memcpy(io_mac, o.host_mac, FETH_MAC_LEN);
		io_mac[5] ^= 0x01;
	}

	/* feth fixes its maximum MTU at creation (darwin-notes.md F3.2): raise it first. */
	if (o.mtu) {
		r = env->be->mtu_prepare(env, o.mtu, &tok);
		if (r < 0)
			return r;
		prepared = 1;
	}
	{
		const char *want[2] = {wanted_name(o.host_name), wanted_name(o.io_name)};
		char made[2][FETH_IFNAMSIZ];

		/* Both sides recorded as this process's, or neither exists. */
		r = feth__create_owned(env, want, 2, made);
		if (r < 0)
			goto fail;
		memcpy(p.host_name, made[0], FETH_IFNAMSIZ);
		memcpy(p.io_name, made[1], FETH_IFNAMSIZ);
		created = 1;
	}
	if (prepared) {
		env->be->mtu_restore(env, &tok);
		prepared = 0;
	}
	if (env->be->pair_io_setup) {
		r = env->be->pair_io_setup(env, p.io_name);
		if (r < 0)
			goto fail;
	}

	if (!env->be->pairs_only) {
		r = feth_if_set_peer(p.host_name, p.io_name);
		if (r < 0)
			goto fail;
	}
	if (o.mtu) {
		r = feth_if_set_mtu(p.host_name, o.mtu);
		if (r == 0)
			r = feth_if_set_mtu(p.io_name, o.mtu);
		if (r < 0)
			goto fail;
	}
	/* MACs before up (an address change on a running port confuses the stack). */
	if (memcmp(o.host_mac, zero, FETH_MAC_LEN) != 0) {
		r = feth_if_set_mac(p.host_name, o.host_mac);
		if (r < 0)
			goto fail;
	}
	if (memcmp(io_mac, zero, FETH_MAC_LEN) != 0) {
		r = feth_if_set_mac(p.io_name, io_mac);
		if (r < 0)
			goto fail;
	}
	if (!(o.flags & FETH_PAIR_NO_UP)) {
		r = feth_if_set_up(p.io_name, 1);
		if (r == 0)
			r = feth_if_set_up(p.host_name, 1);
		if (r < 0)
			goto fail;
	}
	*ret_pair = p;
	return 0;

fail:
	/* Destroying unpeers too, and the records go with it; only what this call made (a side
	 * gone with its peer, Linux, is 0). The first error is the one reported: an undo that
	 * fails as well has nothing better to say. */
	{
		struct feth__owner self;
		int known = !created || feth__owner_self(env, &self) == 0;

		if (created && (!known || feth__if_destroy_owned(env, p.io_name, &self) < 0))
			r = r ? r : -EIO;
		if (created && (!known || feth__if_destroy_owned(env, p.host_name, &self) < 0))
			r = r ? r : -EIO;
	}
	if (prepared)
		env->be->mtu_restore(env, &tok);
	return r;
}
