/* SPDX-License-Identifier: MIT */
/*
 * The public interface-control functions (feth_if_*): argument checks common to every
 * platform, the ownership registry, then the platform backend.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* NULL and length checks, then the platform's own name rules. */
static int check_name(const struct feth__env *env, const char *name, int wildcard)
{
	if (!name || !name[0])
		return -EINVAL;
	if (strnlen(name, FETH_IFNAMSIZ) >= FETH_IFNAMSIZ)
		return -ENAMETOOLONG;
	return env->be->check_name(name, wildcard);
}

int feth__check_name_field(const struct feth__env *env, const char name[FETH_IFNAMSIZ],
                           int wildcard)
{
	if (strnlen(name, FETH_IFNAMSIZ) >= FETH_IFNAMSIZ)
		return -EINVAL; /* not NUL-terminated within the field */
	if (!name[0])
		return wildcard ? 0 : -EINVAL;
	return env->be->check_name(name, wildcard);
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
	char created[FETH_IFNAMSIZ];
	int r = check_name(env, name, 1);

	if (r < 0)
		return r;
	if (ret_name && ret_name_len < FETH_IFNAMSIZ)
		return -EINVAL;
	/* A wildcard create whose name the caller cannot learn would leak the interface. */
	if (!ret_name && env->be->check_name(name, 0) < 0)
		return -EINVAL;

	r = env->be->if_create(env, name, created);
	if (r < 0)
		return r;
	r = feth__registry_add(env, created);
	if (r < 0) {
		/* Unrecorded interfaces could never be cleaned up: undo. */
		(void)env->be->if_destroy(env, created);
		return r;
	}
	if (ret_name)
		memcpy(ret_name, created, FETH_IFNAMSIZ);
	return 0;
}

int feth__if_destroy_owned(const struct feth__env *env, const char *name, int32_t owner)
{
	char peer[FETH_IFNAMSIZ] = "";
	struct feth__reg_entry rec;
	int owned, r;

	/*
	 * Forget the record before destroying, never after: a record that outlived its interface
	 * could later make cleanup destroy a same-named interface someone else created. If the
	 * destroy then fails, the record is put back. A caller who may not touch the registry
	 * (not root) may not destroy either: the kernel says so with -EPERM.
	 */
	owned = feth__registry_remove(env, name, owner, &rec);
	if (owner && owned == 0)
		return 0; /* not (or no longer) this owner's: leave it alone */
	if (owned == -EACCES || owned == -EPERM)
		owned = 0;
	if (owned < 0)
		return owned;
	/* Where interfaces exist only in pairs (Linux veth), the peer goes too: learn its name
	 * first, and forget its record after. */
	if (env->be->pair_create && env->be->if_get_peer(env, name, peer) < 0)
		peer[0] = '\0';
	r = env->be->if_destroy(env, name);
	/* -ENXIO: already gone, so the record was merely stale and stays forgotten. */
	if (r < 0 && r != -ENXIO && owned)
		(void)feth__registry_put(env, &rec);
	if (r == 0 && peer[0])
		(void)feth__registry_remove(env, peer, 0, NULL);
	return r < 0 ? r : 1;
}

int feth_if_destroy(const char *name)
{
	const struct feth__env *env = feth__env_get();
	int r = check_name(env, name, 0);

	if (r < 0)
		return r;
	r = feth__if_destroy_owned(env, name, 0);
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

/* The registry record for `name`, or NULL. */
static const struct feth__reg_entry *find_entry(const struct feth__reg_entry *e, int n,
                                                const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(e[i].name, name) == 0)
			return &e[i];
	return NULL;
}

int feth_if_list(struct feth_if_entry *ret_entries, size_t max)
{
	const struct feth__env *env = feth__env_get();
	char(*names)[FETH_IFNAMSIZ] = NULL;
	struct feth__reg_entry *reg = NULL;
	int total, nreg, r;

	if (max && !ret_entries)
		return -EINVAL;
	total = env->be->if_list(env, NULL, 0);
	if (total < 0 || max == 0)
		return total;
	names = calloc(max, FETH_IFNAMSIZ);
	if (!names)
		return -ENOMEM;
	r = total = env->be->if_list(env, names, max);
	if (r < 0)
		goto out;
	/* Ownership is root's to read; others get the list without it. */
	r = nreg = feth__registry_load(env, &reg);
	if (r == -EACCES || r == -EPERM)
		nreg = 0;
	else if (r < 0)
		goto out;
	for (size_t i = 0; i < max && i < (size_t)total; i++) {
		const struct feth__reg_entry *e = find_entry(reg, nreg, names[i]);
		struct feth_if_entry out = {0};

		memcpy(out.name, names[i], FETH_IFNAMSIZ);
		if (e) {
			out.owner_pid = e->pid;
			out.flags = FETH_IF_ENTRY_OWNED;
			if (feth__registry_owner_gone(env, e) == 1)
				out.flags |= FETH_IF_ENTRY_ORPHAN;
		}
		ret_entries[i] = out;
	}
	r = total;
out:
	free(reg);
	free(names);
	return r;
}

int feth_if_cleanup_orphans(void)
{
	const struct feth__env *env = feth__env_get();
	struct feth__reg_entry *reg = NULL;
	int n, destroyed = 0, first_err = 0;

	if (!env->be->supported)
		return -EOPNOTSUPP;
	n = feth__registry_load(env, &reg);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int r = feth__registry_owner_gone(env, &reg[i]);

		if (r == 0)
			continue;
		if (r < 0) {
			first_err = first_err ? first_err : r;
			continue;
		}
		/* Only while the record still names the dead owner: a concurrent cleanup, or a
		 * new owner of the name, wins. */
		r = feth__if_destroy_owned(env, reg[i].name, reg[i].pid);
		if (r == 1)
			destroyed++;
		else if (r < 0 && r != -ENXIO)
			first_err = first_err ? first_err : r;
	}
	free(reg);
	return first_err ? first_err : destroyed;
}
