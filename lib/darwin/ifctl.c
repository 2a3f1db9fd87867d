/* SPDX-License-Identifier: MIT */
/*
 * The Darwin backend of interface control: feth interfaces driven by ioctl on a control
 * socket, and sysctlbyname for net.link.fake.max_mtu. Every system call goes through the sys
 * seam; every number comes from abi.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "abi.h"
#include "ifctl.h"

/* ---- names ---------------------------------------------------------------------------------- */

/* IF_MAXUNIT is FETH_UNIT_MAX: the name rule (feth__unit(), lib/ifctl.c) applies it. */
_Static_assert(DARWIN_IF_MAXUNIT == FETH_UNIT_MAX, "IF_MAXUNIT");

/* ---- control socket ------------------------------------------------------------------------- */

/*
 * One ioctl on a fresh control socket. Any socket carries group-'i' ioctls (darwin-notes.md
 * P1.1); address ioctls are handled by the socket's protocol, so they need an AF_INET or
 * AF_INET6 socket (P1.2).
 */
static int sys_ctl_ioctl(const struct feth__sys *s, int family, unsigned long req, void *arg)
{
	int fd, r;

	fd = s->socket(s->ctx, family, DARWIN_SOCK_DGRAM, 0);
	if (fd < 0)
		return fd;
	FETH_SYS_RETRY(r, s->ioctl(s->ctx, fd, req, arg));
	(void)s->close(s->ctx, fd);
	return r < 0 ? r : 0;
}

static int ctl_ioctl(const struct feth__env *env, int family, unsigned long req, void *arg)
{
	return sys_ctl_ioctl(env->sys, family, req, arg);
}

static void ifreq_init(struct darwin_ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	feth__name_copy(ifr->ifr_name, name);
}

int feth__darwin_if_exists(const struct feth__sys *s, const char *name)
{
	struct darwin_ifreq ifr;
	int r;

	ifreq_init(&ifr, name);
	r = sys_ctl_ioctl(s, DARWIN_AF_INET, DARWIN_SIOCGIFFLAGS, &ifr);
	return r == -ENXIO ? 0 : r < 0 ? r : 1;
}

int feth__darwin_if_mtu(const struct feth__sys *s, const char *name)
{
	struct darwin_ifreq ifr;
	int r;

	ifreq_init(&ifr, name);
	r = sys_ctl_ioctl(s, DARWIN_AF_INET, DARWIN_SIOCGIFMTU, &ifr);
	if (r < 0)
		return r;
	return ifr.ifr_ifru.ifru_mtu < 0 ? -EPROTO : ifr.ifr_ifru.ifru_mtu;
}

/* ---- create, destroy ------------------------------------------------------------------------ */

/*
 * net.link.fake.* settings that a feth takes when it is created and that change what a tap
 * sees (darwin-notes.md F8.2; if_fake.c@xnu-11417:146-207, 280, 286, 3561-3562): not the
 * Skywalk native path (bsd_mode 0: output dropped), the up check on output (txstart 0), no
 * bytes after each frame (fcs, trailer_length), checksums computed (hwcsum 0), no large
 * segments (tso_support, lro). Another program may have changed them; a feth made then would
 * silently misbehave, so creation refuses. A sysctl the kernel lacks (older releases) is fine.
 */
static const struct {
	const char *name;
	int32_t safe;
} creation_sysctls[] = {
    {"net.link.fake.bsd_mode", 1}, {"net.link.fake.txstart", 1},
    {"net.link.fake.fcs", 0},      {"net.link.fake.trailer_length", 0},
    {"net.link.fake.hwcsum", 0},   {"net.link.fake.tso_support", 0},
    {"net.link.fake.lro", 0},
};

static int creation_sysctls_safe(const struct feth__env *env)
{
	const struct feth__sys *s = env->sys;

	for (size_t i = 0; i < FETH_ARRAY_SIZE(creation_sysctls); i++) {
		int32_t v = 0;
		size_t len = sizeof(v);
		int r = s->sysctlbyname(s->ctx, creation_sysctls[i].name, &v, &len, NULL, 0);

		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (len != sizeof(v) || v != creation_sysctls[i].safe)
			return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * A new feth's mark is a random tag that libfeth writes into its description (SIOCSIFDESC,
 * darwin-notes.md R5) right after creating it: root alone may set a description, and the
 * kernel wipes it when the interface is detached, so a fethN created later under the same
 * name, even on the same recycled ifnet and index (R1-R3), starts without it. The kernel
 * chooses the index; the mark has none.
 */
#define MARK_PREFIX "libfeth:"

static void darwin_mark_new(uint64_t random, struct feth__mark *ret)
{
	ret->tag = random;
	ret->index = 0;
}

static size_t mark_text(const struct feth__mark *mark, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, MARK_PREFIX "%016" PRIx64, mark->tag);
}

static int desc_ioctl(const struct feth__env *env, unsigned long req, const char *name,
                      struct darwin_if_descreq *d)
{
	memset(d->ifdr_name, 0, sizeof(d->ifdr_name));
	feth__name_copy(d->ifdr_name, name);
	return ctl_ioctl(env, DARWIN_AF_INET, req, d);
}

static int darwin_if_check_mark(const struct feth__env *env, const char *name,
                                const struct feth__mark *mark)
{
	struct darwin_if_descreq d;
	char want[40];
	size_t len = mark_text(mark, want, sizeof(want));
	int r;

	memset(&d, 0, sizeof(d));
	r = desc_ioctl(env, DARWIN_SIOCGIFDESC, name, &d);
	if (r < 0)
		return r;
	if (d.ifdr_len == 0)
		return FETH__MARK_UNMARKED;
	return d.ifdr_len == len && memcmp(d.ifdr_desc, want, len) == 0 ? FETH__MARK_MATCH
	                                                               : FETH__MARK_OTHER;
}

static int destroy_now(const struct feth__env *env, const char *name)
{
	struct darwin_ifreq ifr;

	ifreq_init(&ifr, name);
	return ctl_ioctl(env, DARWIN_AF_INET, DARWIN_SIOCIFDESTROY, &ifr);
}

static int darwin_if_create(const struct feth__env *env, const char *name,
                            const struct feth__mark *mark)
{
	struct darwin_if_descreq d;
	struct darwin_ifreq ifr;
	int r = creation_sysctls_safe(env);

	if (r < 0)
		return r;
	ifreq_init(&ifr, name);
	/* SIOCIFCREATE and SIOCIFCREATE2 behave the same for feth (darwin-notes.md F1.2); xnu's
	 * tests use the former. EBUSY: the unit's old ifnet is still being torn down (F1.6),
	 * which feth__create_owned() waits out or avoids. */
	r = ctl_ioctl(env, DARWIN_AF_INET, DARWIN_SIOCIFCREATE, &ifr);
	if (r < 0)
		return r;
	memset(&d, 0, sizeof(d));
	d.ifdr_len = (uint32_t)mark_text(mark, (char *)d.ifdr_desc, sizeof(d.ifdr_desc));
	r = desc_ioctl(env, DARWIN_SIOCSIFDESC, name, &d);
	if (r < 0)
		(void)destroy_now(env, name); /* unmarked, it could not be told from another */
	return r;
}

static int darwin_if_destroy(const struct feth__env *env, const char *name,
                             const struct feth__mark *mark)
{
	if (mark) {
		/* Between this check and the destroy, the kernel would have to destroy ours and
		 * someone create another of the same name: not within two system calls. */
		int m = darwin_if_check_mark(env, name, mark);

		if (m < 0)
			return m;
		if (m != FETH__MARK_MATCH)
			return -ESTALE;
	}
	return destroy_now(env, name);
}

/* ---- peering (SIOCSDRVSPEC / SIOCGDRVSPEC with if_fake_request, darwin-notes.md F4) -------- */

static int drvspec(const struct feth__env *env, unsigned long req, const char *name, uint32_t cmd,
                   struct darwin_if_fake_request *iffr)
{
	struct darwin_ifdrv ifd;

	memset(&ifd, 0, sizeof(ifd));
	feth__name_copy(ifd.ifd_name, name);
	ifd.ifd_cmd = cmd;
	ifd.ifd_len = sizeof(*iffr);
	ifd.ifd_data = iffr;
	return ctl_ioctl(env, DARWIN_AF_INET, req, &ifd);
}

static int darwin_if_set_peer(const struct feth__env *env, const char *name, const char *peer)
{
	struct darwin_if_fake_request iffr;

	/* The reserved words must be zero; an empty peer name unpeers (0 if not peered). */
	memset(&iffr, 0, sizeof(iffr));
	feth__name_copy(iffr.iffr_u.iffru_peer_name, peer);
	return drvspec(env, DARWIN_SIOCSDRVSPEC, name, DARWIN_IF_FAKE_S_CMD_SET_PEER, &iffr);
}

static int darwin_if_get_peer(const struct feth__env *env, const char *name,
                              char ret_peer[FETH_IFNAMSIZ])
{
	struct darwin_if_fake_request iffr;
	int r;

	memset(&iffr, 0, sizeof(iffr));
	r = drvspec(env, DARWIN_SIOCGDRVSPEC, name, DARWIN_IF_FAKE_G_CMD_GET_PEER, &iffr);
	if (r < 0)
		return r;
	iffr.iffr_u.iffru_peer_name[DARWIN_IFNAMSIZ - 1] = '\0';
	feth__name_copy(ret_peer, iffr.iffr_u.iffru_peer_name);
	return 0;
}

/* ---- MTU, MAC, flags ------------------------------------------------------------------------ */

static int darwin_if_set_mtu(const struct feth__env *env, const char *name, uint32_t mtu)
{
	struct darwin_ifreq ifr;

	ifreq_init(&ifr, name);
	ifr.ifr_ifru.ifru_mtu = (int32_t)mtu;
	return ctl_ioctl(env, DARWIN_AF_INET, DARWIN_SIOCSIFMTU, &ifr);
}

static int darwin_if_get_mtu(const struct feth__env *env, const char *name, struct feth_mtu *ret)
{
	struct darwin_ifreq ifr;
	int r;

	ifreq_init(&ifr, name);
	r = ctl_ioctl(env, DARWIN_AF_INET, DARWIN_SIOCGIFDEVMTU, &ifr);
	if (r < 0)
		return r;
	if (ifr.ifr_ifru.ifru_devmtu.ifdm_current < 0 || ifr.ifr_ifru.ifru_devmtu.ifdm_min < 0 ||
	    ifr.ifr_ifru.ifru_devmtu.ifdm_max < 0)
		return -EPROTO;
	ret->current = (uint32_t)ifr.ifr_ifru.ifru_devmtu.ifdm_current;
	ret->min = (uint32_t)ifr.ifr_ifru.ifru_devmtu.ifdm_min;
	ret->max = (uint32_t)ifr.ifr_ifru.ifru_devmtu.ifdm_max;
	return 0;
}

static int darwin_if_set_mac(const struct feth__env *env, const char *name,
                             const uint8_t mac[FETH_MAC_LEN])
{
	struct darwin_ifreq ifr;

	/* sa_len must be exactly 6 (ETHER_ADDR_LEN); sa_family is ignored, AF_LINK as in xnu's
	 * tests (darwin-notes.md F7.3). */
	ifreq_init(&ifr, name);
	ifr.ifr_ifru.ifru_addr.sa_len = FETH_MAC_LEN;
	ifr.ifr_ifru.ifru_addr.sa_family = DARWIN_AF_LINK;
	memcpy(ifr.ifr_ifru.ifru_addr.sa_data, mac, FETH_MAC_LEN);
	return ctl_ioctl(env, DARWIN_AF_INET, DARWIN_SIOCSIFLLADDR, &ifr);
}

static int get_flags(const struct feth__env *env, const char *name, uint16_t *ret)
{
	struct darwin_ifreq ifr;
	int r;

	ifreq_init(&ifr, name);
	r = ctl_ioctl(env, DARWIN_AF_INET, DARWIN_SIOCGIFFLAGS, &ifr);
	if (r < 0)
		return r;
	*ret = (uint16_t)ifr.ifr_ifru.ifru_flags;
	return 0;
}

static int darwin_if_set_up(const struct feth__env *env, const char *name, int up)
{
	struct darwin_ifreq ifr;
	uint16_t flags;
	int r = get_flags(env, name, &flags);

	if (r < 0)
		return r;
	flags = up ? (uint16_t)(flags | DARWIN_IFF_UP) : (uint16_t)(flags & ~DARWIN_IFF_UP);
	ifreq_init(&ifr, name);
	ifr.ifr_ifru.ifru_flags = (int16_t)flags;
	return ctl_ioctl(env, DARWIN_AF_INET, DARWIN_SIOCSIFFLAGS, &ifr);
}

static int darwin_if_get_flags(const struct feth__env *env, const char *name, uint32_t *ret)
{
	uint16_t flags;
	int r = get_flags(env, name, &flags);

	if (r < 0)
		return r;
	*ret = ((flags & DARWIN_IFF_UP) ? FETH_IF_UP : 0) |
	       ((flags & DARWIN_IFF_RUNNING) ? FETH_IF_RUNNING : 0);
	return 0;
}

/* ---- addresses (darwin-notes.md A2, P4, P5) ----------------------------------------------- */

/* A netmask of prefix_len one-bits in `len` bytes. */
static void prefix_mask(uint8_t *mask, size_t len, uint32_t prefix_len)
{
	for (size_t i = 0; i < len; i++) {
		uint32_t bits = prefix_len > 8 * i ? prefix_len - 8 * (uint32_t)i : 0;

		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
	}
}

static void sin_init(struct darwin_sockaddr *sa, const uint8_t addr[4])
{
	struct darwin_sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_len = sizeof(sin);
	sin.sin_family = DARWIN_AF_INET;
	memcpy(sin.sin_addr, addr, 4);
	memcpy(sa, &sin, sizeof(sin));
}

static void sin6_init(struct darwin_sockaddr_in6 *sin6, const uint8_t addr[16])
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_len = sizeof(*sin6);
	sin6->sin6_family = DARWIN_AF_INET6;
	memcpy(sin6->sin6_addr, addr, 16);
}

static int ipv4_addr(const struct feth__env *env, const char *name, int add, const uint8_t *addr,
                     uint32_t prefix_len)
{
	if (add) {
		struct darwin_ifaliasreq ifra;
		uint8_t mask[4], bcast[4];

		memset(&ifra, 0, sizeof(ifra));
		feth__name_copy(ifra.ifra_name, name);
		prefix_mask(mask, 4, prefix_len);
		sin_init(&ifra.ifra_addr, addr);
		sin_init(&ifra.ifra_mask, mask);
		/* /31 and /32 have no broadcast address. */
		if (prefix_len <= 30) {
			for (int i = 0; i < 4; i++)
				bcast[i] = (uint8_t)(addr[i] | (uint8_t)~mask[i]);
			sin_init(&ifra.ifra_broadaddr, bcast);
		}
		return ctl_ioctl(env, DARWIN_AF_INET, DARWIN_SIOCAIFADDR, &ifra);
	} else {
		struct darwin_ifreq ifr;

		ifreq_init(&ifr, name);
		sin_init(&ifr.ifr_ifru.ifru_addr, addr);
		return ctl_ioctl(env, DARWIN_AF_INET, DARWIN_SIOCDIFADDR, &ifr);
	}
}

static int ipv6_addr(const struct feth__env *env, const char *name, int add, const uint8_t *addr,
                     uint32_t prefix_len)
{
	if (add) {
		struct darwin_in6_aliasreq ifra;
		uint8_t mask[16];

		memset(&ifra, 0, sizeof(ifra));
		feth__name_copy(ifra.ifra_name, name);
		sin6_init(&ifra.ifra_addr, addr);
		prefix_mask(mask, 16, prefix_len);
		sin6_init(&ifra.ifra_prefixmask, mask);
		ifra.ifra_lifetime.ia6t_vltime = DARWIN_ND6_INFINITE_LIFETIME;
		ifra.ifra_lifetime.ia6t_pltime = DARWIN_ND6_INFINITE_LIFETIME;
		return ctl_ioctl(env, DARWIN_AF_INET6, DARWIN_SIOCAIFADDR_IN6, &ifra);
	} else {
		struct darwin_in6_ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		feth__name_copy(ifr.ifr_name, name);
		sin6_init(&ifr.ifr_ifru.ifru_addr, addr);
		return ctl_ioctl(env, DARWIN_AF_INET6, DARWIN_SIOCDIFADDR_IN6, &ifr);
	}
}

static int darwin_if_addr(const struct feth__env *env, const char *name, int add, int family,
                          const uint8_t *addr, uint32_t prefix_len)
{
	return family == 4 ? ipv4_addr(env, name, add, addr, prefix_len)
	                   : ipv6_addr(env, name, add, addr, prefix_len);
}

/* ---- listing (SIOCGIFCONF) ------------------------------------------------------------------ */

#define IFCONF_START (16u << 10)
#define IFCONF_LIMIT (8u << 20)
/* The largest entry: a name and a sockaddr of at most 255 bytes. */
#define IFCONF_ENTRY_MAX (DARWIN_IFNAMSIZ + 255)

/*
 * SIOCGIFCONF's entries, one per address of each interface, the link-level one first: a
 * 16-byte name, then the sockaddr, as a whole 32-byte ifreq when sa_len <= 16 and otherwise
 * exactly sa_len bytes (a feth's sockaddr_dl is 20 or 24). ifconf() stops while more than 32
 * bytes are left and skips the rest of an interface's addresses when a long one does not fit
 * (if.c@11417:5132-5255), so a buffer with less than IFCONF_ENTRY_MAX to spare may
 * have lost entries and is grown by ifconf_fetch().
 */
struct ifconf_entry {
	char name[DARWIN_IFNAMSIZ];
	const uint8_t *sa; /* the sockaddr: sa_len, sa_family, ... */
	size_t salen;      /* bytes of it inside the buffer */
};

/* The entry at *off, advancing *off; 0 at the end of the buffer. */
static int ifconf_next(const uint8_t *buf, size_t len, size_t *off, struct ifconf_entry *e)
{
	size_t salen, step;

	if (*off > len || len - *off < DARWIN_IFNAMSIZ + 2)
		return 0;
	salen = buf[*off + DARWIN_IFNAMSIZ];
	step = DARWIN_IFNAMSIZ +
	       (salen > sizeof(struct darwin_sockaddr) ? salen : sizeof(struct darwin_sockaddr));
	memcpy(e->name, buf + *off, DARWIN_IFNAMSIZ);
	e->name[DARWIN_IFNAMSIZ - 1] = '\0';
	e->sa = buf + *off + DARWIN_IFNAMSIZ;
	e->salen = salen < len - *off - DARWIN_IFNAMSIZ ? salen : len - *off - DARWIN_IFNAMSIZ;
	/* The kernel stops before an entry that does not fit: this one is the last. */
	*off = step > len - *off ? len : *off + step;
	return 1;
}

/* Every interface address: *ret_buf (malloc'd) receives *ret_len bytes of entries. */
static int ifconf_fetch(const struct feth__env *env, uint8_t **ret_buf, size_t *ret_len)
{
	const struct feth__sys *s = env->sys;
	uint8_t *buf = NULL;
	size_t cap = IFCONF_START;
	int fd, r;

	fd = s->socket(s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0);
	if (fd < 0)
		return fd;
	for (;;) {
		struct darwin_ifconf ifc;
		uint8_t *nb = realloc(buf, cap);

		if (!nb) {
			r = -ENOMEM;
			break;
		}
		buf = nb;
		memset(&ifc, 0, sizeof(ifc));
		ifc.ifc_len = (int32_t)cap;
		ifc.ifc_buffer = buf;
		FETH_SYS_RETRY(r, s->ioctl(s->ctx, fd, DARWIN_SIOCGIFCONF, &ifc));
		if (r < 0)
			break;
		if (ifc.ifc_len < 0 || (size_t)ifc.ifc_len > cap) {
			r = -EPROTO;
			break;
		}
		/* A full buffer may have lost entries: grow until there is room to spare. */
		if ((size_t)ifc.ifc_len + IFCONF_ENTRY_MAX < cap) {
			*ret_len = (size_t)ifc.ifc_len;
			break;
		}
		if (cap >= IFCONF_LIMIT) {
			r = -E2BIG;
			break;
		}
		cap *= 2;
	}
	(void)s->close(s->ctx, fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret_buf = buf;
	return 0;
}

static int darwin_if_list(const struct feth__env *env, char (*ret_names)[FETH_IFNAMSIZ], size_t max)
{
	char(*names)[FETH_IFNAMSIZ] = NULL;
	struct ifconf_entry e;
	uint8_t *buf;
	size_t len, off = 0, n = 0, cap;
	int r = ifconf_fetch(env, &buf, &len);

	if (r < 0)
		return r;
	/* At most one name per 32-byte entry. */
	cap = len / 32 + 1;
	names = calloc(cap, FETH_IFNAMSIZ);
	if (!names) {
		free(buf);
		return -ENOMEM;
	}
	while (ifconf_next(buf, len, &off, &e)) {
		size_t i;

		if (feth__unit(e.name, 0) < 0)
			continue;
		for (i = 0; i < n && strcmp(names[i], e.name) != 0; i++)
			;
		if (i == n && n < cap)
			feth__name_copy(names[n++], e.name);
	}
	qsort(names, n, FETH_IFNAMSIZ, feth__unit_cmp);
	for (size_t i = 0; ret_names && i < n && i < max; i++)
		memcpy(ret_names[i], names[i], FETH_IFNAMSIZ);
	free(names);
	free(buf);
	return (int)n;
}

/*
 * The interface's AF_LINK entry (its sockaddr_dl) in the SIOCGIFCONF list: its index and, when
 * ret_mac is not NULL, its link-level address (the MAC: Darwin has no ioctl that reads it).
 */
static int darwin_if_link(const struct feth__env *env, const char *name, uint32_t *ret_index,
                          uint8_t ret_mac[FETH_MAC_LEN])
{
	struct ifconf_entry e;
	uint8_t *buf;
	size_t len, off = 0;
	int r = ifconf_fetch(env, &buf, &len);

	if (r < 0)
		return r;
	r = -ENXIO;
	while (ifconf_next(buf, len, &off, &e)) {
		struct darwin_sockaddr_dl sdl;
		size_t at;

		if (strcmp(e.name, name) != 0 ||
		    e.salen < offsetof(struct darwin_sockaddr_dl, sdl_data) ||
		    e.sa[1] != DARWIN_AF_LINK)
			continue;
		memcpy(&sdl, e.sa, offsetof(struct darwin_sockaddr_dl, sdl_data));
		if (ret_index)
			*ret_index = sdl.sdl_index;
		r = 0;
		if (!ret_mac)
			break;
		at = offsetof(struct darwin_sockaddr_dl, sdl_data) + sdl.sdl_nlen;
		/* No address (alen 0, darwin-notes.md F7.3, P6.3) or one that is not Ethernet's:
		 * nothing to report. */
		if (sdl.sdl_alen != FETH_MAC_LEN || at + FETH_MAC_LEN > e.salen)
			r = -EADDRNOTAVAIL;
		else
			memcpy(ret_mac, e.sa + at, FETH_MAC_LEN);
		break;
	}
	free(buf);
	return r;
}

static int darwin_if_get_mac(const struct feth__env *env, const char *name,
                             uint8_t ret[FETH_MAC_LEN])
{
	return darwin_if_link(env, name, NULL, ret);
}

static int darwin_if_get_index(const struct feth__env *env, const char *name, uint32_t *ret)
{
	return darwin_if_link(env, name, ret, NULL);
}

/* ---- the max_mtu sysctl (darwin-notes.md F3.2-F3.4) ----------------------------------------- */

/* The file whose lock keeps the sysctl's raise, the creations and the restore of one process
 * from interleaving with another's (in the registry's directory). */
#define MAX_MTU_LOCK "max_mtu.lock"

static int max_mtu_read(const struct feth__sys *s, int32_t *ret)
{
	size_t len = sizeof(*ret);
	int r = s->sysctlbyname(s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, ret, &len, NULL, 0);

	if (r == 0 && (len != sizeof(*ret) || *ret < 0))
		return -EPROTO;
	return r;
}

/*
 * The sysctl is read when a feth is created (if_fake.c@xnu-11417:309-375, the value frozen
 * into the new interface), and it is global: two processes that each raise it, create and
 * restore it can interleave so that one restores it under the other's creation (a pair with the
 * low maximum, whose MTU change then fails) or leaves it raised for good. So the whole
 * raise-create-restore runs under a lock every libfeth process takes, and the restore puts
 * back the old value only if the sysctl still holds the one this process set: a change someone
 * else made meanwhile is theirs to keep.
 */
/* Written before the sysctl is raised, removed after it is restored: "<found> <set>". A
 * process killed in between leaves it for the next holder of the lock (or a cleanup) to put the
 * old value back, if the sysctl still holds the raised one. */
#define MAX_MTU_NOTE "max_mtu.raised"

/* With the max_mtu lock held: undoes a raise whose process died. */
static void max_mtu_undo_dead(const struct feth__env *env)
{
	const struct feth__sys *s = env->sys;
	char note[64];
	long found, set;
	int32_t cur = 0, v;
	int r = feth__registry_note_get(env, MAX_MTU_NOTE, note, sizeof(note));

	if (r == -ENOENT || (r < 0 && r != -EBADMSG))
		return;
	if (r == 0 && sscanf(note, "%ld %ld", &found, &set) == 2 &&
	    found >= DARWIN_FETH_SYSCTL_MAX_MTU_MIN && found <= DARWIN_FETH_MTU_CEILING &&
	    max_mtu_read(s, &cur) == 0 && cur == set) {
		v = (int32_t)found;
		if (s->sysctlbyname(s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, NULL, NULL, &v,
		                    sizeof(v)) < 0)
			return; /* the note stays for the next try */
	}
	(void)feth__registry_note(env, MAX_MTU_NOTE, NULL);
}

static int darwin_mtu_prepare(const struct feth__env *env, uint32_t mtu,
                              struct feth__mtu_token *tok)
{
	const struct feth__sys *s = env->sys;
	int32_t cur = 0, want;
	char note[64];
	int r;

	*tok = (struct feth__mtu_token){0, 0, -1};
	r = max_mtu_read(s, &cur);
	if (r == -ENOENT)
		return 0; /* macOS 10.13/10.14: no sysctl, every feth allows 16370 */
	if (r < 0)
		return r;
	/* No value the sysctl can take is below its minimum: such an MTU fits whatever anyone
	 * sets or restores meanwhile. */
	if (mtu <= DARWIN_FETH_SYSCTL_MAX_MTU_MIN)
		return 0;
	tok->lock = feth__registry_lock(env, MAX_MTU_LOCK);
	if (tok->lock < 0)
		return tok->lock;
	max_mtu_undo_dead(env);
	/* Under the lock: what another process restored while we waited counts. */
	r = max_mtu_read(s, &cur);
	if (r == 0 && (uint32_t)cur < mtu) {
		/* The sysctl accepts 1500..16370 (if_fake.c@xnu-11417:309-375). */
		want =
		    (int32_t)(mtu < DARWIN_FETH_SYSCTL_MAX_MTU_MIN ? DARWIN_FETH_SYSCTL_MAX_MTU_MIN
		                                                   : mtu);
		snprintf(note, sizeof(note), "%ld %ld\n", (long)cur, (long)want);
		r = feth__registry_note(env, MAX_MTU_NOTE, note);
		if (r == 0)
			r = s->sysctlbyname(s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, NULL, NULL, &want,
			                    sizeof(want));
		if (r == 0) {
			tok->found = (uint32_t)cur;
			tok->set = (uint32_t)want;
		} else {
			(void)feth__registry_note(env, MAX_MTU_NOTE, NULL);
		}
	}
	if (r < 0) {
		(void)s->close(s->ctx, tok->lock);
		tok->lock = -1;
	}
	return r;
}

static void darwin_mtu_restore(const struct feth__env *env, struct feth__mtu_token *tok)
{
	const struct feth__sys *s = env->sys;
	int32_t cur = 0, v = (int32_t)tok->found;
	int r = 0;

	/* Best effort: only interfaces created later are affected by a failure here (and the
	 * note, kept then, lets the next holder of the lock try again). */
	if (tok->set && max_mtu_read(s, &cur) == 0 && (uint32_t)cur == tok->set)
		r = s->sysctlbyname(s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, NULL, NULL, &v, sizeof(v));
	if (tok->set && r == 0)
		(void)feth__registry_note(env, MAX_MTU_NOTE, NULL);
	if (tok->lock >= 0)
		(void)s->close(s->ctx, tok->lock);
	*tok = (struct feth__mtu_token){0, 0, -1};
}

static void darwin_mtu_recover(const struct feth__env *env)
{
	int lock = feth__registry_lock(env, MAX_MTU_LOCK);

	if (lock < 0)
		return;
	max_mtu_undo_dead(env);
	(void)env->sys->close(env->sys->ctx, lock);
}

const struct feth__backend feth__backend_darwin = {
    .name = "darwin",
    .supported = 1,
    .pairs_only = 0,
    .if_create = darwin_if_create,
    .mark_new = darwin_mark_new,
    .if_check_mark = darwin_if_check_mark,
    .if_destroy = darwin_if_destroy,
    .if_set_peer = darwin_if_set_peer,
    .if_get_peer = darwin_if_get_peer,
    .if_set_mtu = darwin_if_set_mtu,
    .if_get_mtu = darwin_if_get_mtu,
    .if_set_mac = darwin_if_set_mac,
    .if_get_mac = darwin_if_get_mac,
    .if_get_index = darwin_if_get_index,
    .if_set_up = darwin_if_set_up,
    .if_get_flags = darwin_if_get_flags,
    .if_addr = darwin_if_addr,
    .if_list = darwin_if_list,
    .mtu_prepare = darwin_mtu_prepare,
    .mtu_restore = darwin_mtu_restore,
    .mtu_recover = darwin_mtu_recover,
    .tap = &feth__tap_ops_darwin,
};
