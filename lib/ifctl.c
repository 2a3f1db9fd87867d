/* SPDX-License-Identifier: MIT */
/*
 * The public interface-control functions (feth_if_*): argument checks common to every
 * platform, the ownership registry, then the platform backend.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * The name rule, after the checks of form: canonical feth<unit> names, which every backend
 * uses (feth__unit()). On a platform without a backend every name is refused, so that no call
 * goes further.
 */
static int name_rule(const struct feth__env *env, const char *name, int wildcard)
{
	long u;

	if (!env->be->supported)
		return -EOPNOTSUPP;
	u = feth__unit(name, wildcard);
	return u < -1 ? (int)u : 0;
}

/* NULL and length checks, then the name rule. */
static int check_name(const struct feth__env *env, const char *name, int wildcard)
{
	if (!name || !name[0])
		return -EINVAL;
	if (strnlen(name, FETH_IFNAMSIZ) >= FETH_IFNAMSIZ)
		return -ENAMETOOLONG;
	return name_rule(env, name, wildcard);
}

int feth__check_name_field(const struct feth__env *env, const char name[FETH_IFNAMSIZ],
                           int wildcard)
{
	if (strnlen(name, FETH_IFNAMSIZ) >= FETH_IFNAMSIZ)
		return -EINVAL; /* not NUL-terminated within the field */
	if (!name[0])
		return wildcard ? 0 : -EINVAL;
	return name_rule(env, name, wildcard);
}

static int mac_usable(const uint8_t mac[FETH_MAC_LEN])
{
	static const uint8_t zero[FETH_MAC_LEN];

	/* All-zero and multicast (I/G bit) addresses cannot be a port's own address. */
	return memcmp(mac, zero, FETH_MAC_LEN) != 0 && !(mac[0] & 0x01);
}

int feth_if_create(const char *name, char *ret_name, size_t ret_name_len)
{
	const struct feth__env *env = feth__env_get();
	char created[1][FETH_IFNAMSIZ];
	int r = check_name(env, name, 1);

	if (r < 0)
		return r;
	if (ret_name && ret_name_len < FETH_IFNAMSIZ)
		return -EINVAL;
	/* A wildcard create whose name the caller cannot learn would leak the interface. */
	if (!ret_name && feth__unit(name, 0) < 0)
		return -EINVAL;
	r = feth__create_owned(env, &name, 1, created);
	if (r < 0)
		return r;
	if (ret_name)
		memcpy(ret_name, created[0], FETH_IFNAMSIZ);
	return 0;
}

int feth_if_destroy(const char *name)
{
	const struct feth__env *env = feth__env_get();
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	r = feth__if_destroy_owned(env, name, NULL);
	return r < 0 ? r : 0;
}

int feth_if_set_peer(const char *name, const char *peer)
{
	const struct feth__env *env = feth__env_get();
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	r = check_name(env, peer, 0);
	if (r < 0)
		return r;
	/* Names are canonical (no leading zeros), so equal strings are the same unit. */
	if (strcmp(name, peer) == 0)
		return -EINVAL;
	return env->be->if_set_peer(env, name, peer);
}

int feth_if_clear_peer(const char *name)
{
	const struct feth__env *env = feth__env_get();
	int r = check_name(env, name, 0);

	return r < 0 ? r : env->be->if_set_peer(env, name, "");
}

int feth_if_get_peer(const char *name, char *ret_peer, size_t ret_peer_len)
{
	const struct feth__env *env = feth__env_get();
	char peer[FETH_IFNAMSIZ];
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	if (!ret_peer || ret_peer_len < FETH_IFNAMSIZ)
		return -EINVAL;
	r = env->be->if_get_peer(env, name, peer);
	if (r < 0)
		return r;
	memcpy(ret_peer, peer, FETH_IFNAMSIZ);
	return peer[0] != '\0';
}

int feth_if_set_mtu(const char *name, uint32_t mtu)
{
	const struct feth__env *env = feth__env_get();
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	if (mtu < FETH_MTU_MIN || mtu > FETH_MTU_MAX)
		return -EINVAL;
	return env->be->if_set_mtu(env, name, mtu);
}

int feth_if_get_mtu(const char *name, struct feth_mtu *ret_mtu)
{
	const struct feth__env *env = feth__env_get();
	struct feth_mtu m;
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	if (!ret_mtu)
		return -EINVAL;
	r = env->be->if_get_mtu(env, name, &m);
	if (r < 0)
		return r;
	/* The kernel's range may be wider than what feth_if_set_mtu() accepts (a veth's is
	 * 68..65535): report the part of it that can be set; a maximum of 0 is no limit. */
	if (m.min < FETH_MTU_MIN)
		m.min = FETH_MTU_MIN;
	if (m.max == 0 || m.max > FETH_MTU_MAX)
		m.max = FETH_MTU_MAX;
	*ret_mtu = m;
	return 0;
}

int feth_if_set_mac(const char *name, const uint8_t mac[FETH_MAC_LEN])
{
	const struct feth__env *env = feth__env_get();
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	if (!mac || !mac_usable(mac))
		return -EINVAL;
	return env->be->if_set_mac(env, name, mac);
}

int feth_if_get_mac(const char *name, uint8_t ret_mac[FETH_MAC_LEN])
{
	const struct feth__env *env = feth__env_get();
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	if (!ret_mac)
		return -EINVAL;
	return env->be->if_get_mac(env, name, ret_mac);
}

int feth_if_set_up(const char *name, int up)
{
	const struct feth__env *env = feth__env_get();
	int r = check_name(env, name, 0);

	return r < 0 ? r : env->be->if_set_up(env, name, up != 0);
}

int feth_if_get_flags(const char *name, uint32_t *ret_flags)
{
	const struct feth__env *env = feth__env_get();
	uint32_t flags;
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	if (!ret_flags)
		return -EINVAL;
	r = env->be->if_get_flags(env, name, &flags);
	if (r < 0)
		return r;
	*ret_flags = flags;
	return 0;
}

static int ipv4_usable(const uint8_t a[4])
{
	/* 0.0.0.0, multicast 224/4 and limited broadcast cannot be an interface address. */
	if (!a[0] && !a[1] && !a[2] && !a[3])
		return 0;
	if ((a[0] & 0xf0) == 0xe0)
		return 0;
	return !(a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static int ipv6_usable(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) != 0 && a[0] != 0xff;
}

static int addr_op(const char *name, int add, int family, const uint8_t *addr, uint32_t prefix_len)
{
	const struct feth__env *env = feth__env_get();
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	if (!addr)
		return -EINVAL;
	if (add) {
		uint32_t max = family == 4 ? 32 : 128;

		if (prefix_len < 1 || prefix_len > max)
			return -EINVAL;
		if (family == 4 ? !ipv4_usable(addr) : !ipv6_usable(addr))
			return -EINVAL;
	}
	return env->be->if_addr(env, name, add, family, addr, prefix_len);
}

int feth_if_add_ipv4(const char *name, const uint8_t addr[4], uint32_t prefix_len)
{
	return addr_op(name, 1, 4, addr, prefix_len);
}

int feth_if_del_ipv4(const char *name, const uint8_t addr[4])
{
	return addr_op(name, 0, 4, addr, 0);
}

int feth_if_add_ipv6(const char *name, const uint8_t addr[16], uint32_t prefix_len)
{
	return addr_op(name, 1, 6, addr, prefix_len);
}

int feth_if_del_ipv6(const char *name, const uint8_t addr[16])
{
	return addr_op(name, 0, 6, addr, 0);
}
