/* SPDX-License-Identifier: MIT */
/*
 * Simulated Darwin interfaces: the feth cloner, peering, destroy (and the detacher's part of
 * it), MTU, MAC, flags, descriptions, IPv4/IPv6 addresses and SIOCGIFCONF, with the errno
 * values and the order of checks of xnu. Rules are cited from docs/darwin-notes.md; where it is
 * silent, the xnu source read (xnu-11417.121.6) is cited at the place it decides.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* IFF_CANTCHANGE (bsd/net/if_private.h@11417:192): SIOCSIFFLAGS leaves these alone. */
#define IFF_CANTCHANGE                                                                             \
	0x8e52u /* BROADCAST|POINTOPOINT|RUNNING|OACTIVE|SIMPLEX|MULTICAST|ALLMULTI */
#define FETH_FLAGS_NEW (DARWIN_IFF_BROADCAST | DARWIN_IFF_SIMPLEX | DARWIN_IFF_MULTICAST)

/* ---- lookup ------------------------------------------------------------------------------- */

struct sim_ifnet *sim__ifunit(const struct sim *sim, const char *name)
{
	size_t len = strnlen(name, DARWIN_IFNAMSIZ), flen;
	const char *end = name + len, *cp = end;
	long unit = 0;

	/* ifunit() splits the name at its trailing digits and compares family and unit number,
	 * so "feth01" designates feth1 (if.c@11417:1761-1850). */
	while (cp > name && cp[-1] >= '0' && cp[-1] <= '9')
		cp--;
	if (cp == end || cp == name)
		return NULL;
	for (const char *d = cp; d < end; d++) {
		unit = unit * 10 + (*d - '0');
		if (unit > 0xffffff)
			return NULL;
	}
	flen = (size_t)(cp - name);
	for (size_t i = 0; i < sim->n_ifs; i++) {
		struct sim_ifnet *ifp = sim->ifs[i];

		if (ifp->unit == unit && strlen(ifp->family) == flen &&
		    memcmp(ifp->family, name, flen) == 0)
			return ifp;
	}
	return NULL;
}

static struct sim_ifnet *feth_by_unit(const struct sim *sim, long unit)
{
	for (size_t i = 0; i < sim->n_ifs; i++)
		if (sim->ifs[i]->feth && sim->ifs[i]->unit == unit)
			return sim->ifs[i];
	return NULL;
}

/* ---- attach and detach ---------------------------------------------------------------------- */

static struct sim_ifnet *if_attach(struct sim *sim, const char *family, int unit)
{
	struct sim_ifnet *ifp;

	if (!sim__reserve((void **)&sim->ifs, &sim->cap_ifs, sim->n_ifs + 1, sizeof(*sim->ifs)))
		return NULL;
	ifp = calloc(1, sizeof(*ifp));
	if (!ifp)
		return NULL;
	snprintf(ifp->family, sizeof(ifp->family), "%s", family);
	snprintf(ifp->name, sizeof(ifp->name), "%s%d", family, unit);
	ifp->unit = unit;
	ifp->mtu = 1500;
	ifp->max_mtu = 1500;
	sim->ifs[sim->n_ifs++] = ifp;
	return ifp;
}

/* ifnet_attach gives an index only to an ifnet that has none (dlil.c@11417:4987-5011): a fresh
 * one gets the next, a recycled one keeps its own. */
static void if_set_index(struct sim *sim, struct sim_ifnet *ifp)
{
	for (size_t i = 0; ifp->feth && i < sim->n_recycled; i++) {
		if (strcmp(sim->recycled[i].name, ifp->name) == 0) {
			ifp->index = sim->recycled[i].index;
			sim->recycled[i] = sim->recycled[--sim->n_recycled];
			return;
		}
	}
	ifp->index = sim->next_index++;
}

static void if_unlist(struct sim *sim, struct sim_ifnet *ifp)
{
	size_t i;

	for (i = 0; i < sim->n_ifs && sim->ifs[i] != ifp; i++)
		;
	if (i == sim->n_ifs)
		return;
	memmove(&sim->ifs[i], &sim->ifs[i + 1], (sim->n_ifs - i - 1) * sizeof(*sim->ifs));
	sim->n_ifs--;
}

/*
 * ifnet_detach (dlil.c@11417:5399-5593): the interface is marked down first (5415), leaves the
 * list and the index table so no name finds it (5486-5495), KEV_DL_IF_DETACHING goes to its
 * protocols at once, NDRV among them (5588), and the rest waits for the detacher thread
 * (5590-5593). Until then its BPF descriptors stay attached to a down interface.
 */
void sim__if_detach(struct sim *sim, struct sim_ifnet *ifp)
{
	ifp->flags &= (uint16_t) ~(DARWIN_IFF_UP | DARWIN_IFF_RUNNING);
	if_unlist(sim, ifp);
	if (ifp->ndrv_attached)
		sim__ndrv_ifdetach(sim, ifp);
	ifp->detaching = true;
	ifp->detach_due_us = sim->teardown_us > UINT64_MAX - sim->now_us
	                         ? UINT64_MAX
	                         : sim->now_us + sim->teardown_us;
	if (!sim__reserve((void **)&sim->detaching, &sim->cap_detaching, sim->n_detaching + 1,
	                  sizeof(*sim->detaching))) {
		sim__if_detach_final(sim, ifp); /* out of memory: finish at once */
		return;
	}
	sim->detaching[sim->n_detaching++] = ifp;
}

/* ifnet_detach_final (dlil.c@11417:5689-5760): bpfdetach first, then the send queue is purged
 * (ifclassq_teardown) and the description wiped (5977-5981); the ifnet stays for the next
 * interface of the same unique id, a feth's being its name (if_fake.c@11417:3565-3570,
 * 3620-3621), which gets its index back and nothing else: only then is it free (DLIF_INUSE
 * cleared, 6075-6076), so a re-created feth never sees its predecessor's description. */
void sim__if_detach_final(struct sim *sim, struct sim_ifnet *ifp)
{
	/* No NDRV socket can still be bound here: binding attached PF_NDRV, whose detach event
	 * killed every socket of this family and unit (darwin-notes.md N5). */
	for (size_t i = 0; i < sim->n_fds; i++)
		if (sim->fds[i].nd_if == ifp)
			abort(); /* the simulator's own model is broken */
	for (size_t i = 0; i < sim->n_ndrv_ext; i++)
		if (sim->ndrv_ext[i].nd_if == ifp)
			abort();
	sim__bpf_ifdetach(sim, ifp);
	sim__txq_purge(ifp);
	sim__inbox_free(ifp->inbox);
	if (ifp->feth && sim__reserve((void **)&sim->recycled, &sim->cap_recycled,
	                              sim->n_recycled + 1, sizeof(*sim->recycled))) {
		memcpy(sim->recycled[sim->n_recycled].name, ifp->name, DARWIN_IFNAMSIZ);
		sim->recycled[sim->n_recycled++].index = ifp->index;
	}
	free(ifp);
}

static void if_free(struct sim_ifnet *ifp)
{
	sim__txq_purge(ifp);
	sim__inbox_free(ifp->inbox);
	free(ifp);
}

void sim__if_free_all(struct sim *sim)
{
	for (size_t i = 0; i < sim->n_ifs; i++)
		if_free(sim->ifs[i]);
	for (size_t i = 0; i < sim->n_detaching; i++)
		if_free(sim->detaching[i]);
	free(sim->ifs);
	free(sim->detaching);
	free(sim->recycled);
	sim->ifs = sim->detaching = NULL;
	sim->recycled = NULL;
	sim->n_ifs = sim->cap_ifs = sim->n_detaching = sim->cap_detaching = 0;
	sim->n_recycled = sim->cap_recycled = 0;
}

/* Whether an ifnet of this feth unit is still in use (darwin-notes.md F5.4, F1.6): detached, its
 * final part pending (dlil_if_acquire's EBUSY, dlil_ctl.c@11417:73-96). */
static bool tearing_down(struct sim *sim, int unit)
{
	for (size_t i = 0; i < sim->n_detaching; i++)
		if (sim->detaching[i]->feth && sim->detaching[i]->unit == unit)
			return true;
	return false;
}

/* ---- the feth cloner (darwin-notes.md F1, F2) ----------------------------------------------- */

/* The net.link.fake values a new feth takes (if_fake.c@11417:3504-3562): what the sysctls say
 * now, after any write someone else makes at this very moment (sim_race_fake_sysctl). A knob
 * the simulated macOS does not have yet keeps its default. */
static int32_t knob(struct sim *sim, enum sim_fake_knob k, int major, int minor, int32_t def)
{
	if (sim->fake_race[k].armed) {
		sim->fake_race[k].armed = false;
		sim->fake[k] = sim->fake_race[k].value;
	}
	return sim__macos_at_least(sim, major, minor) ? sim->fake[k] : def;
}

/* feth_clone_create: EBUSY while the same unit's old ifnet tears down (dlil_if_acquire). */
static int feth_create(struct sim *sim, int unit)
{
	struct sim_ifnet *ifp;
	int32_t max_mtu;
	bool bsd_mode;

	if (tearing_down(sim, unit))
		return -EBUSY;
	ifp = if_attach(sim, "feth", unit);
	if (!ifp)
		return -ENOMEM;
	ifp->feth = true;
	ifp->ether = true;
	ifp->if_family = SIM_IFNET_FAMILY_ETHERNET; /* if_fake.c@11417:3624 */
	ifp->flags = FETH_FLAGS_NEW;
	if_set_index(sim, ifp);
	bsd_mode = knob(sim, SIM_FAKE_BSD_MODE, 10, 13, 1) != 0;
	ifp->bsd_mode = bsd_mode;
	ifp->txstart = knob(sim, SIM_FAKE_TXSTART, 10, 13, 1) != 0;
	ifp->hwcsum = knob(sim, SIM_FAKE_HWCSUM, 10, 13, 0) != 0;
	ifp->fcs = knob(sim, SIM_FAKE_FCS, 11, 0, 0) != 0;
	ifp->trailer_len = (uint32_t)knob(sim, SIM_FAKE_TRAILER_LENGTH, 11, 0, 0);
	/* TSO is set up in both modes (if_fake.c@11417:3582-3584, 3602-3604); only BSD mode
	 * carries frames here. */
	ifp->tso = bsd_mode && knob(sim, SIM_FAKE_TSO_SUPPORT, 13, 0, 0) != 0;
	ifp->lro = knob(sim, SIM_FAKE_LRO, 14, 0, 0) != 0;
	/* The maximum MTU is frozen now (darwin-notes.md F3.2, F3.4): get_max_mtu(bsd_mode,
	 * max_mtu), 16370 capped by the sysctl in BSD mode, the sysctl alone otherwise
	 * (if_fake.c@11417:959-973, 3561); always 16370 before 10.15. */
	max_mtu = knob(sim, SIM_FAKE_MAX_MTU, 10, 15, DARWIN_FETH_MTU_CEILING);
	ifp->max_mtu = DARWIN_FETH_MTU_CEILING;
	if (!bsd_mode || max_mtu < ifp->max_mtu)
		ifp->max_mtu = max_mtu;
	/* "feth" in ASCII, then the unit big-endian. */
	memcpy(ifp->mac, "feth", 4);
	ifp->mac[4] = (uint8_t)(unit >> 8);
	ifp->mac[5] = (uint8_t)unit;
	ifp->addrlen = 6;
	return 0;
}

int sim__if_clone_create(struct sim *sim, char name[DARWIN_IFNAMSIZ])
{
	const char *cp;
	uint32_t unit = 0;
	bool wildcard, busy = false;
	int r;

	/* if_clone_lookup: the cloner's name, then only digits (if.c@11417:754-790). */
	if (strncmp(name, "feth", 4) != 0)
		return -EINVAL;
	cp = name + 4;
	wildcard = *cp == '\0';
	for (; *cp; cp++) {
		if (*cp < '0' || *cp > '9')
			return -EINVAL;
		unit = unit * 10 + (uint32_t)(*cp - '0'); /* u_int32_t arithmetic, as xnu's */
	}
	if (sim__ifunit(sim, name))
		return -EEXIST;
	if (!wildcard) {
		if (unit > DARWIN_IF_MAXUNIT)
			return -ENXIO;
		return feth_create(sim, (int)unit);
	}
	/* The lowest free unit; a unit whose create fails EBUSY is skipped
	 * (if_clone_create, if.c@11417:614-650). */
	for (unit = 0;; unit++) {
		if (feth_by_unit(sim, unit))
			continue;
		/* Every unit taken: ENOSPC; past the last because of busy units: ENXIO. */
		if (unit > DARWIN_IF_MAXUNIT)
			return busy ? -ENXIO : -ENOSPC;
		r = feth_create(sim, (int)unit);
		if (r == -EBUSY) {
			busy = true;
			continue;
		}
		if (r < 0)
			return r;
		snprintf(name + 4, DARWIN_IFNAMSIZ - 4, "%u", unit);
		return 0;
	}
}

static int feth_unpeer(struct sim_ifnet *ifp)
{
	if (ifp->peer) {
		ifp->peer->peer = NULL;
		ifp->peer = NULL;
	}
	return 0;
}

/* if_clone_destroy (if.c@11417:693-750), then feth_clone_destroy (darwin-notes.md F5.2). */
static int if_clone_destroy(struct sim *sim, const char *name)
{
	struct sim_ifnet *ifp;

	if (strncmp(name, "feth", 4) != 0 || strspn(name + 4, "0123456789") != strlen(name + 4))
		return -EINVAL;
	ifp = sim__ifunit(sim, name);
	if (!ifp)
		return -ENXIO;
	if (!ifp->feth)
		return -EOPNOTSUPP;
	/* feth_clone_destroy: unpeer, then ifnet_detach (if_fake.c@11417:3686-3713). */
	feth_unpeer(ifp);
	sim__if_detach(sim, ifp);
	return 0;
}

/* ---- SIOCSDRVSPEC / SIOCGDRVSPEC (darwin-notes.md F4) -------------------------------------- */

/* feth_config: an empty peer unpeers; either side peered is EBUSY; self-peering allowed. */
static int feth_config(struct sim_ifnet *ifp, struct sim_ifnet *peer)
{
	if (!peer)
		return feth_unpeer(ifp);
	if (ifp->peer || peer->peer)
		return -EBUSY;
	ifp->peer = peer;
	peer->peer = ifp;
	return 0;
}

static int drvspec(struct sim *sim, bool set, struct darwin_ifdrv *ifd)
{
	struct darwin_if_fake_request iffr;
	struct sim_ifnet *ifp, *peer;
	/* Both truncated to 32 bits by feth_ioctl (if_fake.c@11417:4206-4231). */
	uint32_t cmd = (uint32_t)ifd->ifd_cmd, len = (uint32_t)ifd->ifd_len;

	ifd->ifd_name[DARWIN_IFNAMSIZ - 1] = '\0';
	ifp = sim__ifunit(sim, ifd->ifd_name);
	if (!ifp)
		return -ENXIO;
	/* in_control knows neither request; only feth's driver answers them. */
	if (!ifp->feth)
		return -EOPNOTSUPP;
	if (set) {
		if (!sim->root)
			return -EPERM;
		if (cmd != DARWIN_IF_FAKE_S_CMD_SET_PEER && cmd != DARWIN_IF_FAKE_S_CMD_SET_MEDIA &&
		    cmd != DARWIN_IF_FAKE_S_CMD_SET_DEQUEUE_STALL)
			return -EOPNOTSUPP;
		/* if_fake_request_copyin (if_fake.c@11417:4009-4029). */
		if (!ifd->ifd_data || len < sizeof(iffr))
			return -EINVAL;
		memcpy(&iffr, ifd->ifd_data, sizeof(iffr));
		for (int i = 0; i < 4; i++)
			if (iffr.iffr_reserved[i] != 0)
				return -EINVAL;
		if (cmd == DARWIN_IF_FAKE_S_CMD_SET_MEDIA)
			return iffr.iffr_u.iffru_media.iffm_count > DARWIN_IF_FAKE_MEDIA_LIST_MAX
			           ? -EINVAL
			           : 0;
		/* feth_enable_dequeue_stall: ifnet_disable_output / ifnet_enable_output
		 * (if_fake.c@11417:826-837, 4074-4080). */
		if (cmd == DARWIN_IF_FAKE_S_CMD_SET_DEQUEUE_STALL)
			return sim__if_set_stall(sim, ifp, iffr.iffr_u.iffru_dequeue_stall != 0);
		if (iffr.iffr_u.iffru_peer_name[0] == '\0')
			return feth_config(ifp, NULL);
		iffr.iffr_u.iffru_peer_name[DARWIN_IFNAMSIZ - 1] = '\0';
		peer = sim__ifunit(sim, iffr.iffr_u.iffru_peer_name);
		if (!peer)
			return -ENXIO;
		if (!peer->ether || strcmp(peer->family, "feth") != 0)
			return -EINVAL;
		return feth_config(ifp, peer);
	}
	if (cmd != DARWIN_IF_FAKE_G_CMD_GET_PEER)
		return -EOPNOTSUPP;
	if (len < sizeof(iffr))
		return -EINVAL;
	if (!ifd->ifd_data)
		return -EFAULT;
	memset(&iffr, 0, sizeof(iffr));
	if (ifp->peer)
		snprintf(iffr.iffr_u.iffru_peer_name, DARWIN_IFNAMSIZ, "%s", ifp->peer->name);
	memcpy(ifd->ifd_data, &iffr, sizeof(iffr)); /* exactly 160 bytes out */
	return 0;
}

/* ---- SIOCGIFCONF ---------------------------------------------------------------------------- */

/* The interface's link-level sockaddr_dl, as dlil_alloc_lladdr sizes it: the fixed part, the
 * name and the address, at least sizeof(struct sockaddr_dl), rounded up to 4
 * (dlil.c@11417:361-376). Returns its length. */
static size_t lladdr(const struct sim_ifnet *ifp, uint8_t *out)
{
	size_t nlen = strlen(ifp->name), alen = ifp->ether ? 6 : 0;
	size_t len = offsetof(struct darwin_sockaddr_dl, sdl_data) + nlen + alen;
	struct darwin_sockaddr_dl sdl;

	if (len < sizeof(sdl))
		len = sizeof(sdl);
	len = (len + 3) & ~(size_t)3;
	memset(out, 0, len);
	memset(&sdl, 0, sizeof(sdl));
	sdl.sdl_len = (uint8_t)len;
	sdl.sdl_family = DARWIN_AF_LINK;
	sdl.sdl_index = ifp->index;
	sdl.sdl_type = ifp->ether ? DARWIN_IFT_ETHER : 24 /* IFT_LOOP */;
	sdl.sdl_nlen = (uint8_t)nlen;
	sdl.sdl_alen = (uint8_t)(ifp->addrlen ? alen : 0);
	memcpy(out, &sdl, offsetof(struct darwin_sockaddr_dl, sdl_data));
	memcpy(out + offsetof(struct darwin_sockaddr_dl, sdl_data), ifp->name, nlen);
	memcpy(out + offsetof(struct darwin_sockaddr_dl, sdl_data) + nlen, ifp->mac, sdl.sdl_alen);
	return len;
}

static size_t sockaddr_in_of(const uint8_t a[4], uint8_t *out)
{
	struct darwin_sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_len = sizeof(sin);
	sin.sin_family = DARWIN_AF_INET;
	memcpy(sin.sin_addr, a, 4);
	memcpy(out, &sin, sizeof(sin));
	return sizeof(sin);
}

static size_t sockaddr_in6_of(const uint8_t a[16], uint8_t *out)
{
	struct darwin_sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_len = sizeof(sin6);
	sin6.sin6_family = DARWIN_AF_INET6;
	memcpy(sin6.sin6_addr, a, 16);
	memcpy(out, &sin6, sizeof(sin6));
	return sizeof(sin6);
}

/*
 * ifconf() (if.c@11417:5132-5255): for every interface, for every address (the link-level
 * one first), a 16-byte name and then the sockaddr: a whole 32-byte ifreq when sa_len <= 16,
 * else the name followed by exactly sa_len bytes. Both loops run while more than 32 bytes are
 * left; a long entry that does not fit ends that interface's addresses only. ifc_len comes
 * back as the bytes used.
 */
static int ifconf(struct sim *sim, struct darwin_ifconf *ifc)
{
	uint8_t *out = ifc->ifc_buffer;
	size_t space, used = 0;
	const size_t ifr_size = sizeof(struct darwin_ifreq),
	             sa_size = sizeof(struct darwin_sockaddr);

	if (ifc->ifc_len < 0)
		return -EFAULT; /* an int turned into a huge size: the copyout faults */
	space = (size_t)ifc->ifc_len;
	if (space && !out)
		return -EFAULT;
	for (size_t i = 0; space > ifr_size && i < sim->n_ifs; i++) {
		const struct sim_ifnet *ifp = sim->ifs[i];
		int naddr = 1 + ifp->n_ipv4 + ifp->n_ipv6;

		for (int k = 0; k < naddr && space > ifr_size; k++) {
			uint8_t sa[256];
			size_t salen;

			if (k == 0)
				salen = lladdr(ifp, sa);
			else if (k <= ifp->n_ipv4)
				salen = sockaddr_in_of(ifp->ipv4[k - 1], sa);
			else
				salen = sockaddr_in6_of(ifp->ipv6[k - 1 - ifp->n_ipv4], sa);
			memset(out + used, 0, DARWIN_IFNAMSIZ);
			if (salen <= sa_size) {
				memcpy(out + used, ifp->name, strlen(ifp->name));
				memset(out + used + DARWIN_IFNAMSIZ, 0, sa_size);
				memcpy(out + used + DARWIN_IFNAMSIZ, sa, salen);
				used += ifr_size;
			} else {
				if (space < ifr_size + salen - sa_size)
					break;
				space -= salen - sa_size;
				memcpy(out + used, ifp->name, strlen(ifp->name));
				memcpy(out + used + DARWIN_IFNAMSIZ, sa, salen);
				used += DARWIN_IFNAMSIZ + salen;
			}
			space -= ifr_size;
		}
	}
	ifc->ifc_len = (int32_t)used;
	return 0;
}

/* ---- addresses (in_control, in6_control) ---------------------------------------------------- */

static int popcount8(uint8_t b)
{
	int n = 0;

	for (; b; b &= (uint8_t)(b - 1))
		n++;
	return n;
}

/* A contiguous netmask's length, or -1 (in6_mask2len refuses others with EINVAL). */
static int mask_len(const uint8_t *m, size_t len)
{
	int bits = 0;
	size_t i;

	for (i = 0; i < len && m[i] == 0xff; i++)
		bits += 8;
	if (i < len) {
		uint8_t b = m[i];

		/* Ones then zeros: the complement plus one is a power of two (or 0x100). */
		if ((uint8_t)~b & (uint8_t)(~b + 1))
			return -1;
		bits += popcount8(b);
		for (i++; i < len; i++)
			if (m[i])
				return -1;
	}
	return bits;
}

/* Adding an address sends SIOCSIFADDR down the interface (in_ifinit, in.c@11417:1696-1720;
 * in6_ifinit, in6.c@11417:2955-2961). The Ethernet protocol modules see it before the driver:
 * an interface that is not RUNNING gets IFF_UP and a SIOCSIFFLAGS, to which feth answers by
 * setting RUNNING (ether_inet_pr_module.c@11417:341-344, ether_inet6_pr_module.c@11417:
 * 234-237; feth_ioctl, if_fake.c@11417:4238-4249). */
static void address_added(struct sim_ifnet *ifp)
{
	if (!ifp->ether || (ifp->flags & DARWIN_IFF_RUNNING))
		return;
	ifp->flags |= DARWIN_IFF_UP;
	if (ifp->feth)
		ifp->flags |= DARWIN_IFF_RUNNING;
}

static int in_aifaddr(struct sim_ifnet *ifp, const struct darwin_ifaliasreq *ifra)
{
	struct darwin_sockaddr_in sin, mask;
	int i, plen;

	memcpy(&sin, &ifra->ifra_addr, sizeof(sin));
	memcpy(&mask, &ifra->ifra_mask, sizeof(mask));
	if (sin.sin_family != DARWIN_AF_INET)
		return -EINVAL; /* in_control, in.c@11417:1361-1364 */
	for (i = 0; i < ifp->n_ipv4 && memcmp(ifp->ipv4[i], sin.sin_addr, 4) != 0; i++)
		;
	if (i == ifp->n_ipv4) {
		if (i == SIM_MAX_ADDRS)
			return -ENOSPC;
		memcpy(ifp->ipv4[i], sin.sin_addr, 4);
		ifp->ipv4_prefix[i] = 32;
		ifp->n_ipv4++;
	}
	/* An IPv4 netmask need not be contiguous; the simulator records its bit count. An
	 * absent mask keeps the previous one (in_ifinit keeps ia_sockmask). */
	if (mask.sin_len) {
		plen = 0;
		for (int b = 0; b < 4; b++)
			plen += popcount8(mask.sin_addr[b]);
		ifp->ipv4_prefix[i] = (uint8_t)plen;
	}
	address_added(ifp);
	return 0;
}

static int in_difaddr(struct sim_ifnet *ifp, const struct darwin_ifreq *ifr)
{
	struct darwin_sockaddr_in sin;
	int i;

	memcpy(&sin, &ifr->ifr_ifru.ifru_addr, sizeof(sin));
	for (i = 0; i < ifp->n_ipv4 && memcmp(ifp->ipv4[i], sin.sin_addr, 4) != 0; i++)
		;
	if (i == ifp->n_ipv4 || sin.sin_family != DARWIN_AF_INET)
		return -EADDRNOTAVAIL; /* in.c@11417:1366-1372 */
	ifp->n_ipv4--;
	memmove(ifp->ipv4[i], ifp->ipv4[i + 1], (size_t)(ifp->n_ipv4 - i) * 4);
	memmove(&ifp->ipv4_prefix[i], &ifp->ipv4_prefix[i + 1], (size_t)(ifp->n_ipv4 - i));
	return 0;
}

static int find_ipv6(const struct sim_ifnet *ifp, const uint8_t a[16])
{
	int i;

	for (i = 0; i < ifp->n_ipv6 && memcmp(ifp->ipv6[i], a, 16) != 0; i++)
		;
	return i < ifp->n_ipv6 ? i : -1;
}

/*
 * in6_update_ifa's mask checks (in6.c@11417:2453-2467): sin6_len 0 or over 28 is EINVAL; the
 * length is counted over the mask bytes up to sin6_len (in6_mask2len, in6.c@11417:409-448,
 * whose limit falls back to the whole address when sin6_len ends before it starts, the
 * difference being compared unsigned), and a length of 0, an all-zero mask, is EINVAL. A
 * non-contiguous mask is refused here as well. Returns the prefix length or -1.
 */
static int in6_prefix_len(const struct darwin_sockaddr_in6 *mask)
{
	size_t at = offsetof(struct darwin_sockaddr_in6, sin6_addr), n = 16;
	int plen;

	if (mask->sin6_len == 0 || mask->sin6_len > sizeof(*mask))
		return -1;
	if (mask->sin6_len >= at && mask->sin6_len - at <= 16)
		n = mask->sin6_len - at;
	plen = mask_len(mask->sin6_addr, n);
	return plen <= 0 ? -1 : plen;
}

static int in6_aifaddr(struct sim_ifnet *ifp, const struct darwin_in6_aliasreq *ifra)
{
	const uint8_t *a = ifra->ifra_addr.sin6_addr;
	static const uint8_t zero[12];
	int i, plen;

	/* in6_control, in6.c@11417:1583-1610: family and length, then no unspecified,
	 * multicast, v4-mapped or v4-compatible address. */
	if (ifra->ifra_addr.sin6_family != DARWIN_AF_INET6 ||
	    ifra->ifra_addr.sin6_len != sizeof(struct darwin_sockaddr_in6))
		return -EAFNOSUPPORT;
	if (a[0] == 0xff || (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff))
		return -EINVAL;
	/* :: is unspecified, ::a.b.c.d (other than ::1) v4-compatible. */
	if (memcmp(a, zero, 12) == 0 && !(a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] == 1))
		return -EINVAL;
	plen = in6_prefix_len(&ifra->ifra_prefixmask);
	if (plen < 0)
		return -EINVAL;
	i = find_ipv6(ifp, a);
	if (i < 0) {
		if (ifp->n_ipv6 == SIM_MAX_ADDRS)
			return -ENOSPC;
		i = ifp->n_ipv6++;
		memcpy(ifp->ipv6[i], a, 16);
		/* The simulator does not add the link-local address that attaching IPv6 also
		 * configures (in6_ifattach_aliasreq); only explicit addresses exist here. */
		if (ifp->n_ipv6 == 1)
			address_added(ifp);
	}
	ifp->ipv6_prefix[i] = (uint8_t)plen;
	return 0;
}

static int in6_difaddr(struct sim_ifnet *ifp, const struct darwin_in6_ifreq *ifr)
{
	int i = find_ipv6(ifp, ifr->ifr_ifru.ifru_addr.sin6_addr);

	if (i < 0)
		return -EADDRNOTAVAIL; /* in6.c@11417:1583-1587 */
	if (ifr->ifr_ifru.ifru_addr.sin6_family != DARWIN_AF_INET6 ||
	    ifr->ifr_ifru.ifru_addr.sin6_len != sizeof(struct darwin_sockaddr_in6))
		return -EAFNOSUPPORT;
	ifp->n_ipv6--;
	memmove(ifp->ipv6[i], ifp->ipv6[i + 1], (size_t)(ifp->n_ipv6 - i) * 16);
	memmove(&ifp->ipv6_prefix[i], &ifp->ipv6_prefix[i + 1], (size_t)(ifp->n_ipv6 - i));
	return 0;
}

/*
 * Address requests are carried out by the socket's protocol (darwin-notes.md P1.2):
 * SIOCAIFADDR/SIOCDIFADDR by in_control on an AF_INET socket, the _IN6 forms by in6_control on
 * an AF_INET6 socket. Any other socket's protocol does not know them and the driver refuses them
 * (EOPNOTSUPP).
 */
static int addr_ioctl(struct sim *sim, int domain, unsigned long req, void *kbuf)
{
	char *name = kbuf; /* every one of these structs starts with the name */
	struct sim_ifnet *ifp;
	int want = (req == DARWIN_SIOCAIFADDR || req == DARWIN_SIOCDIFADDR) ? DARWIN_AF_INET
	                                                                    : DARWIN_AF_INET6;

	name[DARWIN_IFNAMSIZ - 1] = '\0';
	ifp = sim__ifunit(sim, name);
	if (!ifp)
		return -ENXIO;
	if (domain != want)
		return -EOPNOTSUPP;
	if (!sim->root)
		return -EPERM;
	switch (req) {
	case DARWIN_SIOCAIFADDR:
		return in_aifaddr(ifp, kbuf);
	case DARWIN_SIOCDIFADDR:
		return in_difaddr(ifp, kbuf);
	case DARWIN_SIOCAIFADDR_IN6:
		return in6_aifaddr(ifp, kbuf);
	default:
		return in6_difaddr(ifp, kbuf);
	}
}

/* ---- SIOCSIFDESC / SIOCGIFDESC ------------------------------------------------------------- */

/*
 * ifioctl looks the interface up by ifdr_name, copied into a zeroed IFNAMSIZ + 1 buffer (the
 * caller's bytes are left as they are), ENXIO when none has it (if.c@11417:3346, 3551-3556,
 * 3710-3713); then ifioctl_ifdesc (if.c@11417:1958-2003): setting needs root (proc_suser) and
 * at most IF_DESCSIZE bytes, and zeroes the old description before storing the new one;
 * getting needs nothing and returns the length and the bytes, the rest of ifdr_desc zeroed.
 */
static int desc_ioctl(struct sim *sim, unsigned long req, struct darwin_if_descreq *ifdr)
{
	char name[DARWIN_IFNAMSIZ + 1] = {0};
	struct sim_ifnet *ifp;

	memcpy(name, ifdr->ifdr_name, DARWIN_IFNAMSIZ);
	ifp = sim__ifunit(sim, name);
	if (!ifp)
		return -ENXIO;
	if (req == DARWIN_SIOCSIFDESC) {
		if (!sim->root)
			return -EPERM;
		if (ifdr->ifdr_len > DARWIN_IF_DESCSIZE)
			return -EINVAL;
		memset(ifp->desc, 0, sizeof(ifp->desc));
		ifp->desc_len = ifdr->ifdr_len;
		memcpy(ifp->desc, ifdr->ifdr_desc, ifp->desc_len);
		return 0;
	}
	ifdr->ifdr_len = ifp->desc_len;
	memset(ifdr->ifdr_desc, 0, sizeof(ifdr->ifdr_desc));
	memcpy(ifdr->ifdr_desc, ifp->desc, ifp->desc_len);
	return 0;
}

/* ---- ifreq requests --------------------------------------------------------------------- */

static int ifreq_ioctl(struct sim *sim, unsigned long req, struct darwin_ifreq *ifr)
{
	struct sim_ifnet *ifp;

	/* ifioctl forces the name's last byte to NUL (darwin-notes.md P3.1). */
	ifr->ifr_name[DARWIN_IFNAMSIZ - 1] = '\0';
	if (req == DARWIN_SIOCIFCREATE || req == DARWIN_SIOCIFCREATE2) {
		/* Root first (if.c@11417:3874-3882); feth ignores SIOCIFCREATE2's params. */
		if (!sim->root)
			return -EPERM;
		return sim__if_clone_create(sim, ifr->ifr_name);
	}
	if (req == DARWIN_SIOCIFDESTROY) {
		if (!sim->root)
			return -EPERM;
		return if_clone_destroy(sim, ifr->ifr_name);
	}
	/* Every other request needs the interface first (if.c@11417:3891-3901). */
	ifp = sim__ifunit(sim, ifr->ifr_name);
	if (!ifp)
		return -ENXIO;
	switch (req) {
	case DARWIN_SIOCGIFFLAGS:
		ifr->ifr_ifru.ifru_flags = (int16_t)ifp->flags;
		return 0;
	case DARWIN_SIOCSIFFLAGS:
		/* The generic layer applies what may change and ignores the driver's answer;
		 * feth then makes RUNNING follow UP (darwin-notes.md F7.1). */
		if (!sim->root)
			return -EPERM;
		ifp->flags = (uint16_t)((ifp->flags & IFF_CANTCHANGE) |
		                        ((uint16_t)ifr->ifr_ifru.ifru_flags & ~IFF_CANTCHANGE));
		if (ifp->feth) {
			if (ifp->flags & DARWIN_IFF_UP)
				ifp->flags |= DARWIN_IFF_RUNNING;
			else
				ifp->flags &= (uint16_t)~DARWIN_IFF_RUNNING;
		}
		return 0;
	case DARWIN_SIOCGIFMTU:
		ifr->ifr_ifru.ifru_mtu = ifp->mtu;
		return 0;
	case DARWIN_SIOCSIFMTU: {
		int32_t mtu = ifr->ifr_ifru.ifru_mtu;

		/* Root, then the generic bounds, then feth's (darwin-notes.md F3.1;
		 * if.c@11417:4038-4056). */
		if (!sim->root)
			return -EPERM;
		if (mtu < DARWIN_IF_MINMTU || mtu > DARWIN_IF_MAXMTU)
			return -EINVAL;
		if (ifp->feth && mtu > ifp->max_mtu)
			return -EINVAL;
		ifp->mtu = mtu;
		return 0;
	}
	case DARWIN_SIOCGIFDEVMTU:
		if (!ifp->feth)
			return -EOPNOTSUPP;
		ifr->ifr_ifru.ifru_devmtu.ifdm_current = ifp->mtu;
		ifr->ifr_ifru.ifru_devmtu.ifdm_min = DARWIN_IF_MINMTU;
		ifr->ifr_ifru.ifru_devmtu.ifdm_max = ifp->max_mtu;
		return 0;
	case DARWIN_SIOCSIFLLADDR: {
		uint8_t len = ifr->ifr_ifru.ifru_addr.sa_len;

		/* Root (if.c@11417:4177-4183); then ifnet_set_lladdr: length 6, or 0 to clear
		 * (darwin-notes.md F7.3). The value itself is not checked. */
		if (!sim->root)
			return -EPERM;
		if (!ifp->ether)
			return -EOPNOTSUPP;
		if (len != 0 && len != 6)
			return -EINVAL;
		memset(ifp->mac, 0, 6);
		memcpy(ifp->mac, ifr->ifr_ifru.ifru_addr.sa_data, len);
		ifp->addrlen = len;
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}

int sim__if_ioctl(struct sim *sim, int domain, unsigned long req, void *kbuf)
{
	switch (req) {
	case DARWIN_SIOCGIFCONF:
		return ifconf(sim, kbuf);
	case DARWIN_SIOCSDRVSPEC:
	case DARWIN_SIOCGDRVSPEC:
		return drvspec(sim, req == DARWIN_SIOCSDRVSPEC, kbuf);
	case DARWIN_SIOCAIFADDR:
	case DARWIN_SIOCDIFADDR:
	case DARWIN_SIOCAIFADDR_IN6:
	case DARWIN_SIOCDIFADDR_IN6:
		return addr_ioctl(sim, domain, req, kbuf);
	case DARWIN_SIOCSIFDESC:
	case DARWIN_SIOCGIFDESC:
		return desc_ioctl(sim, req, kbuf);
	case DARWIN_SIOCIFCREATE:
	case DARWIN_SIOCIFCREATE2:
	case DARWIN_SIOCIFDESTROY:
	case DARWIN_SIOCGIFFLAGS:
	case DARWIN_SIOCSIFFLAGS:
	case DARWIN_SIOCGIFMTU:
	case DARWIN_SIOCSIFMTU:
	case DARWIN_SIOCGIFDEVMTU:
	case DARWIN_SIOCSIFLLADDR:
		return ifreq_ioctl(sim, req, kbuf);
	default:
		return -EOPNOTSUPP;
	}
}

/* ---- what tests see and do ------------------------------------------------------------------ */

int sim_if_count(const struct sim *sim)
{
	int n = 0;

	for (size_t i = 0; i < sim->n_ifs; i++)
		n += sim->ifs[i]->feth;
	return n;
}

int sim_peer_count(const struct sim *sim)
{
	int sides = 0, self = 0;

	for (size_t i = 0; i < sim->n_ifs; i++) {
		if (sim->ifs[i]->peer == sim->ifs[i])
			self++;
		else if (sim->ifs[i]->peer)
			sides++;
	}
	return sides / 2 + self;
}

int sim_if_state(const struct sim *sim, const char *name, struct sim_if_state *out)
{
	const struct sim_ifnet *ifp = NULL;

	for (size_t i = 0; i < sim->n_ifs && !ifp; i++)
		if (strcmp(sim->ifs[i]->name, name) == 0)
			ifp = sim->ifs[i];
	if (!ifp)
		return -ENXIO;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", ifp->name);
	out->unit = ifp->unit;
	out->flags = ifp->flags;
	out->mtu = ifp->mtu;
	out->max_mtu = ifp->max_mtu;
	memcpy(out->mac, ifp->mac, 6);
	if (ifp->peer)
		snprintf(out->peer, sizeof(out->peer), "%s", ifp->peer->name);
	out->n_ipv4 = ifp->n_ipv4;
	memcpy(out->ipv4, ifp->ipv4, sizeof(out->ipv4));
	memcpy(out->ipv4_prefix, ifp->ipv4_prefix, sizeof(out->ipv4_prefix));
	out->n_ipv6 = ifp->n_ipv6;
	memcpy(out->ipv6, ifp->ipv6, sizeof(out->ipv6));
	memcpy(out->ipv6_prefix, ifp->ipv6_prefix, sizeof(out->ipv6_prefix));
	out->index = ifp->index;
	out->bsd_mode = ifp->bsd_mode;
	out->txstart = ifp->txstart;
	out->hwcsum = ifp->hwcsum;
	out->fcs = ifp->fcs;
	out->tso = ifp->tso;
	out->lro = ifp->lro;
	out->trailer_len = ifp->trailer_len;
	out->txq_len = (uint32_t)ifp->txq.count;
	out->txq_head_drops = ifp->txq.head_drops;
	out->txq_drops = ifp->txq.drops;
	out->stalled = ifp->stalled;
	out->wedged = ifp->parked.data != NULL;
	out->host_filtered = ifp->host_filtered;
	out->ndrv_attached = ifp->ndrv_attached;
	return 0;
}

int sim_if_desc(const struct sim *sim, const char *name, char *buf, size_t len)
{
	const struct sim_ifnet *ifp = sim__ifunit(sim, name);
	size_t n;

	if (!ifp)
		return -ENXIO;
	if (len) {
		n = ifp->desc_len < len - 1 ? ifp->desc_len : len - 1;
		memcpy(buf, ifp->desc, n);
		buf[n] = '\0';
	}
	return (int)ifp->desc_len;
}

int sim_if_set_desc(struct sim *sim, const char *name, const char *desc)
{
	size_t len = strlen(desc);
	struct sim_ifnet *ifp;
	int r = 0;

	pthread_mutex_lock(&sim->lock);
	ifp = sim__ifunit(sim, name);
	if (!ifp) {
		r = -ENXIO;
	} else if (len > DARWIN_IF_DESCSIZE) {
		r = -EINVAL;
	} else {
		memset(ifp->desc, 0, sizeof(ifp->desc));
		memcpy(ifp->desc, desc, len);
		ifp->desc_len = (uint32_t)len;
	}
	pthread_mutex_unlock(&sim->lock);
	return r;
}

bool sim_if_wedged(const struct sim *sim, const char *name)
{
	struct sim_if_state st;

	return sim_if_state(sim, name, &st) == 0 && st.wedged;
}

int sim_if_stall(struct sim *sim, const char *name, bool stall)
{
	struct sim_ifnet *ifp;
	int r;

	pthread_mutex_lock(&sim->lock);
	ifp = sim__ifunit(sim, name);
	r = !ifp ? -ENXIO : !ifp->feth ? -EINVAL : sim__if_set_stall(sim, ifp, stall);
	pthread_mutex_unlock(&sim->lock);
	return r;
}

int sim_if_detach_other(struct sim *sim, const char *name)
{
	struct sim_ifnet *ifp;
	int r = 0;

	pthread_mutex_lock(&sim->lock);
	ifp = sim__ifunit(sim, name);
	if (!ifp)
		r = -ENXIO;
	else if (ifp->feth)
		r = -EINVAL;
	else
		sim__if_detach(sim, ifp);
	pthread_mutex_unlock(&sim->lock);
	return r;
}

int sim_if_create_external(struct sim *sim, const char *name)
{
	char n[DARWIN_IFNAMSIZ];
	int r;

	if (strlen(name) >= sizeof(n))
		return -EINVAL;
	snprintf(n, sizeof(n), "%s", name);
	pthread_mutex_lock(&sim->lock);
	sim__run_detacher(sim, false);
	r = sim__if_clone_create(sim, n);
	pthread_mutex_unlock(&sim->lock);
	return r;
}

int sim_if_peer_external(struct sim *sim, const char *a, const char *b)
{
	struct sim_ifnet *x, *y;
	int r;

	pthread_mutex_lock(&sim->lock);
	x = sim__ifunit(sim, a);
	y = sim__ifunit(sim, b);
	r = !x || !y ? -ENXIO : !x->feth || !y->feth ? -EINVAL : feth_config(x, y);
	pthread_mutex_unlock(&sim->lock);
	return r;
}

static int host_send(struct sim *sim, const char *ifname, const void *frame, size_t len)
{
	struct sim_ifnet *ifp = sim__ifunit(sim, ifname);

	if (!ifp)
		return -ENXIO;
	return sim__if_send(sim, ifp, frame, len);
}

int sim_host_send(struct sim *sim, const char *ifname, const void *frame, size_t len)
{
	int r;

	pthread_mutex_lock(&sim->lock);
	sim__run_detacher(sim, false);
	r = host_send(sim, ifname, frame, len);
	pthread_mutex_unlock(&sim->lock);
	return r;
}

static ssize_t host_recv(struct sim *sim, const char *ifname, void *buf, size_t len)
{
	struct sim_ifnet *ifp = sim__ifunit(sim, ifname);
	struct sim_inbox *in;
	size_t n;

	if (!ifp)
		return -ENXIO;
	in = ifp->inbox;
	if (!in || in->count == 0)
		return -EAGAIN;
	n = in->len[in->head];
	memcpy(buf, in->frame[in->head], n < len ? n : len);
	free(in->frame[in->head]);
	in->head = (in->head + 1) % SIM_INBOX_CAP;
	in->count--;
	return (ssize_t)n;
}

ssize_t sim_host_recv(struct sim *sim, const char *ifname, void *buf, size_t len)
{
	ssize_t r;

	pthread_mutex_lock(&sim->lock);
	sim__run_detacher(sim, false);
	r = host_recv(sim, ifname, buf, len);
	pthread_mutex_unlock(&sim->lock);
	return r;
}

void sim_set_inbox(struct sim *sim, bool keep)
{
	sim->inbox_off = !keep;
}

uint64_t sim_host_dropped(const struct sim *sim, const char *ifname)
{
	struct sim_ifnet *ifp = sim__ifunit(sim, ifname);

	return ifp && ifp->inbox ? ifp->inbox->dropped : 0;
}

int sim_if_add_other(struct sim *sim, const char *name, bool ether)
{
	char family[DARWIN_IFNAMSIZ];
	size_t len = strlen(name), flen = len;
	struct sim_ifnet *ifp;
	int unit = 0;

	while (flen > 0 && name[flen - 1] >= '0' && name[flen - 1] <= '9')
		flen--;
	if (len >= DARWIN_IFNAMSIZ || flen == len || flen == 0 || strncmp(name, "feth", 4) == 0)
		return -EINVAL;
	if (sim__ifunit(sim, name))
		return -EEXIST;
	memcpy(family, name, flen);
	family[flen] = '\0';
	unit = atoi(name + flen);
	ifp = if_attach(sim, family, unit);
	if (!ifp)
		return -ENOMEM;
	if_set_index(sim, ifp);
	ifp->ether = ether;
	ifp->if_family = ether ? SIM_IFNET_FAMILY_ETHERNET : SIM_IFNET_FAMILY_LOOPBACK;
	ifp->flags = ether ? 0x8863 : 0x8049; /* en0 UP|BROADCAST|SMART|RUNNING|SIMPLEX|
	                                        MULTICAST; lo0 UP|LOOPBACK|RUNNING|MULTICAST */
	ifp->mtu = ether ? 1500 : 16384;
	ifp->max_mtu = ifp->mtu;
	if (ether) {
		ifp->mac[0] = 0x02;
		ifp->mac[5] = (uint8_t)ifp->index;
		ifp->addrlen = 6;
	}
	return 0;
}
