/* SPDX-License-Identifier: MIT */
/*
 * The Linux backend's interface control: veth pairs named feth<unit>, configured through
 * rtnetlink. Messages are built and parsed with libmnl; the socket I/O goes through the sys
 * seam like every other system call.
 *
 * Where Linux differs from feth: a veth is born with its peer and dies with it, so creating a
 * single interface and (un)peering are -EOPNOTSUPP, and destroying either side destroys both.
 * Only veth interfaces named feth<unit> are this backend's: any other is "no such interface".
 */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../internal.h"

#define NL_BUF     (64u << 10) /* more than the largest datagram a dump sends */
#define NL_REQ_MAX 1024u       /* the largest request built here is under 200 bytes */
/* A dump the kernel marked interrupted is asked again this many times in all (nl_dump()). */
#define DUMP_TRIES 10

struct nl {
	const struct feth__sys *s;
	int fd;
	uint32_t seq;
	uint8_t *buf;
};

static int nl_open(const struct feth__env *env, struct nl *nl)
{
	const struct feth__sys *s = env->sys;

	nl->s = s;
	nl->seq = 1;
	nl->buf = malloc(NL_BUF);
	if (!nl->buf)
		return -ENOMEM;
	nl->fd = s->socket(s->ctx, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (nl->fd < 0) {
		free(nl->buf);
		return nl->fd;
	}
	return 0;
}

static void nl_close(struct nl *nl)
{
	(void)nl->s->close(nl->s->ctx, nl->fd);
	free(nl->buf);
}

/* A request header in nl->buf: ready for attributes. Every request but a dump asks for an
 * acknowledgement, which is how nl_talk() knows the answer is complete. */
static struct nlmsghdr *nl_req(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h;

	/* libmnl leaves some alignment padding as it finds it: start from zeros, so no stale
	 * byte of the last answer goes to the kernel. Requests are far smaller than this. */
	memset(nl->buf, 0, NL_REQ_MAX);
	h = mnl_nlmsg_put_header(nl->buf);

	h->nlmsg_type = type;
	/* NLM_F_DUMP is two bits, one of which is NLM_F_EXCL: compare both. */
	h->nlmsg_flags =
	    NLM_F_REQUEST | flags | ((flags & NLM_F_DUMP) == NLM_F_DUMP ? 0 : NLM_F_ACK);
	h->nlmsg_seq = ++nl->seq;
	return h;
}

/*
 * Reads the next answer into nl->buf. The request has gone out, so the kernel has done (or is
 * doing) what it asked: a read that fails (ENOBUFS after an overrun, say) is tried again while
 * an answer comes within a second, rather than losing track of, for instance, a pair that was
 * created.
 */
static ssize_t nl_read(struct nl *nl)
{
	const struct feth__sys *s = nl->s;
	ssize_t n;

	for (int tries = 0;; tries++) {
		struct pollfd p = {.fd = nl->fd, .events = POLLIN};

		FETH_SYS_RETRY(n, s->read(s->ctx, nl->fd, nl->buf, NL_BUF));
		if (n >= 0 || tries == 2 || s->poll(s->ctx, &p, 1, 1000) <= 0)
			return n;
	}
}

/* Takes NLM_F_DUMP_INTR off the messages of one datagram: 1 if any carried it. */
static int nl_intr_clear(uint8_t *buf, size_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int left = (int)len, intr = 0;

	for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
		intr |= (h->nlmsg_flags & NLM_F_DUMP_INTR) != 0;
		h->nlmsg_flags &= (uint16_t)~NLM_F_DUMP_INTR;
	}
	return intr;
}

/*
 * Sends the request in nl->buf and reads the answer until the kernel's acknowledgement or the
 * end of a dump, handing every message to cb (may be NULL). 0, or the kernel's -errno; -EINTR
 * for a dump the kernel marked interrupted, read to its end all the same.
 *
 * mnl_cb_run() stops at the first message marked NLM_F_DUMP_INTR (errno EINTR), which would
 * leave the rest of the dump on the socket to be taken for the answer to the next request: the
 * mark is noted and taken off first, so the dump is always read to NLMSG_DONE.
 */
static int nl_talk(struct nl *nl, mnl_cb_t cb, void *data)
{
	const struct feth__sys *s = nl->s;
	const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	uint32_t seq = h->nlmsg_seq;
	int r, intr = 0;
	ssize_t n;

	FETH_SYS_RETRY(
	    n, s->sendto(s->ctx, nl->fd, nl->buf, h->nlmsg_len, 0, &kernel, sizeof(kernel)));
	if (n < 0)
		return (int)n;
	for (;;) {
		n = nl_read(nl);
		if (n < 0)
			return (int)n;
		intr |= nl_intr_clear(nl->buf, (size_t)n);
		errno = 0;
		r = mnl_cb_run(nl->buf, (size_t)n, seq, 0, cb, data);
		if (r == MNL_CB_STOP)
			return intr ? -EINTR : 0;
		if (r == MNL_CB_ERROR)
			return errno ? -errno : -EPROTO;
	}
}

/*
 * Dumps every link (RTM_GETLINK) or every address of a family (RTM_GETADDR), handing each
 * message to cb, after start(data) has reset what cb gathers.
 *
 * A dump comes in several datagrams, and the list may change between two of them: the kernel
 * then marks the rest NLM_F_DUMP_INTR (include/net/netlink.h:nl_dump_check_consistent(), called
 * by net/core/rtnetlink.c:rtnl_dump_ifinfo(), net/ipv4/devinet.c:inet_dump_ifaddr() and
 * net/ipv6/addrconf.c:inet6_dump_addr()), and what was read may miss entries or hold one twice.
 * Such a dump is asked again, DUMP_TRIES times in all: a list that keeps changing under every one
 * of them is -EAGAIN.
 */
static int nl_dump(struct nl *nl, uint16_t type, uint8_t family, mnl_cb_t cb,
                   void (*start)(void *data), void *data)
{
	for (int tries = 1;; tries++) {
		struct nlmsghdr *h = nl_req(nl, type, NLM_F_DUMP);
		int r;

		if (type == RTM_GETLINK) {
			struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

			ifi->ifi_family = family;
		} else {
			struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));

			ifa->ifa_family = family;
		}
		start(data);
		r = nl_talk(nl, cb, data);
		if (r != -EINTR)
			return r;
		if (tries == DUMP_TRIES)
			return -EAGAIN;
	}
}

/* ---- links ----------------------------------------------------------------------------------- */

struct link {
	int index;
	int link;         /* IFLA_LINK: the peer's index, 0 if none */
	int link_netnsid; /* IFLA_LINK_NETNSID was there: the peer lives in another namespace */
	unsigned flags;
	uint32_t mtu, min_mtu, max_mtu;
	uint8_t mac[FETH_MAC_LEN];
	int has_mac;
	int veth;
	char name[IFNAMSIZ];
};

static int link_attr(const struct nlattr *a, void *data)
{
	struct link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			feth__name_copy(l->name, mnl_attr_get_str(a));
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->link = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINK_NETNSID:
		l->link_netnsid = 1;
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_MIN_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->min_mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_MAX_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->max_mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == FETH_MAC_LEN) {
			memcpy(l->mac, mnl_attr_get_payload(a), FETH_MAC_LEN);
			l->has_mac = 1;
		}
		break;
	case IFLA_LINKINFO: {
		const struct nlattr *i;

		mnl_attr_for_each_nested(i, a)
		{
			if (mnl_attr_get_type(i) == IFLA_INFO_KIND &&
			    mnl_attr_validate(i, MNL_TYPE_STRING) == 0 &&
			    strncmp(mnl_attr_get_str(i), "veth", mnl_attr_get_payload_len(i)) ==
			        0 &&
			    mnl_attr_get_payload_len(i) >= 4)
				l->veth = 1;
		}
		break;
	}
	default:
		break;
	}
	return MNL_CB_OK;
}

static void link_parse(const struct nlmsghdr *h, struct link *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);

	memset(l, 0, sizeof(*l));
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	mnl_attr_parse(h, sizeof(*ifi), link_attr, l);
}

static int link_cb(const struct nlmsghdr *h, void *data)
{
	if (h->nlmsg_type == RTM_NEWLINK)
		link_parse(h, data);
	return MNL_CB_OK;
}

/* One link by name, or by index when name is NULL. -ENXIO: none, or not one of ours. */
static int link_get(struct nl *nl, const char *name, int index, struct link *ret)
{
	struct nlmsghdr *h = nl_req(nl, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	int r;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = name ? 0 : index;
	if (name)
		mnl_attr_put_strz(h, IFLA_IFNAME, name);
	memset(ret, 0, sizeof(*ret));
	ret->index = -1;
	r = nl_talk(nl, link_cb, ret);
	if (r == -ENODEV)
		return -ENXIO;
	if (r < 0)
		return r;
	if (ret->index <= 0 || !ret->veth || feth__unit(ret->name, 0) < 0)
		return -ENXIO;
	return 0;
}

/* Looks `name` up on a fresh socket: most operations start here. */
static int with_link(const struct feth__env *env, const char *name, struct nl *nl, struct link *l)
{
	int r = nl_open(env, nl);

	if (r < 0)
		return r;
	r = link_get(nl, name, 0, l);
	if (r < 0)
		nl_close(nl);
	return r;
}

/* RTM_SETLINK on the link's index with one attribute (or none) and flag changes. */
static int link_set(struct nl *nl, const struct link *l, unsigned flags, unsigned change,
                    uint16_t type, const void *val, size_t len)
{
	struct nlmsghdr *h = nl_req(nl, RTM_SETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = l->index;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (val)
		mnl_attr_put(h, type, len, val);
	return nl_talk(nl, NULL, NULL);
}

/* Reads `name`'s link on a socket of its own. */
static int link_read(const struct feth__env *env, const char *name, struct link *l)
{
	struct nl nl;
	int r = with_link(env, name, &nl, l);

	if (r == 0)
		nl_close(&nl);
	return r;
}

/* Changes one attribute (or flags) of `name` on a socket of its own. */
static int link_change(const struct feth__env *env, const char *name, unsigned flags,
                       unsigned change, uint16_t type, const void *val, size_t len)
{
	struct nl nl;
	struct link l;
	int r = with_link(env, name, &nl, &l);

	if (r < 0)
		return r;
	r = link_set(&nl, &l, flags, change, type, val, len);
	nl_close(&nl);
	return r;
}

/*
 * A new veth's mark is its interface index, which RTM_NEWLINK lets the creator choose
 * (net/core/rtnetlink.c:rtnl_create_link() takes ifi_index; drivers/net/veth.c:veth_newlink()
 * the peer's from the peer's own ifinfomsg). The kernel gives the indexes it chooses itself in
 * order from 1 (net/core/dev.c:dev_index_reserve(), cyclic over 31 bits), so one taken at
 * random from 2^24 up is not an index the kernel hands out to anyone else before billions of
 * interfaces have been made in the namespace; only a deliberate `ip link add ... index N` by
 * root could give another interface the same one, and never while ours exists (-EEXIST).
 */
#define MARK_INDEX_MIN 0x01000000u
#define MARK_INDEX_MAX 0x7fffffffu

static void linux_mark_new(uint64_t random, struct feth__mark *ret)
{
	ret->tag = random;
	ret->index = MARK_INDEX_MIN + (uint32_t)(random % (MARK_INDEX_MAX - MARK_INDEX_MIN + 1));
}

static int linux_if_check_mark(const struct feth__env *env, const char *name,
                               const struct feth__mark *mark)
{
	struct nl nl;
	struct link l;
	int r = with_link(env, name, &nl, &l);

	if (r < 0)
		return r;
	nl_close(&nl);
	return (uint32_t)l.index == mark->index ? FETH__MARK_MATCH : FETH__MARK_OTHER;
}

/* Destroys a veth (its peer goes with it): by its index, so exactly the one that index
 * stands for, whatever its name is now. */
static int link_del(struct nl *nl, int index)
{
	struct nlmsghdr *h = nl_req(nl, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	int r;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	r = nl_talk(nl, NULL, NULL);
	return r == -ENODEV ? -ENXIO : r;
}

static int linux_if_destroy(const struct feth__env *env, const char *name,
                            const struct feth__mark *mark)
{
	struct nl nl;
	struct link l;
	int r = nl_open(env, &nl);

	if (r < 0)
		return r;
	if (mark) {
		/* By the index: exactly the interface the mark stands for, never another that
		 * took its name meanwhile. */
		r = link_get(&nl, NULL, (int)mark->index, &l);
		if (r == -ENXIO && link_get(&nl, name, 0, &l) == 0)
			r = -ESTALE; /* the name is another interface's now */
		if (r == 0)
			r = link_del(&nl, (int)mark->index);
	} else {
		r = link_get(&nl, name, 0, &l);
		if (r == 0)
			r = link_del(&nl, l.index);
	}
	nl_close(&nl);
	return r;
}

static int linux_if_set_peer(const struct feth__env *env, const char *name, const char *peer)
{
	(void)env;
	(void)name;
	(void)peer;
	return -EOPNOTSUPP; /* veth peers are fixed at creation */
}

static int linux_if_get_peer(const struct feth__env *env, const char *name,
                             char ret_peer[FETH_IFNAMSIZ])
{
	struct nl nl;
	struct link l, p;
	int r = with_link(env, name, &nl, &l);

	if (r < 0)
		return r;
	memset(ret_peer, 0, FETH_IFNAMSIZ);
	/*
	 * IFLA_LINK is the peer's index in the peer's namespace. When that is not ours, the kernel
	 * says so with IFLA_LINK_NETNSID (net/core/rtnetlink.c:rtnl_fill_link_netnsid(), through
	 * drivers/net/veth.c:veth_get_link_net()), and the same index here may be any interface:
	 * a peer over there is no peer here.
	 */
	if (l.link > 0 && l.link != l.index && !l.link_netnsid &&
	    link_get(&nl, NULL, l.link, &p) == 0)
		feth__name_copy(ret_peer, p.name);
	nl_close(&nl);
	return 0;
}

static int linux_if_set_mtu(const struct feth__env *env, const char *name, uint32_t mtu)
{
	return link_change(env, name, 0, 0, IFLA_MTU, &mtu, sizeof(mtu));
}

static int linux_if_get_mtu(const struct feth__env *env, const char *name, struct feth_mtu *ret)
{
	struct link l;
	int r = link_read(env, name, &l);

	if (r < 0)
		return r;
	/* The kernel's range (68..65535 for a veth: net/ethernet/eth.c:ether_setup(),
	 * drivers/net/veth.c:veth_setup()); a maximum of 0 is no limit
	 * (net/core/dev.c:dev_validate_mtu()). lib/ifctl.c narrows it to what can be set. */
	ret->current = l.mtu;
	ret->min = l.min_mtu;
	ret->max = l.max_mtu;
	return 0;
}

static int linux_if_set_mac(const struct feth__env *env, const char *name,
                            const uint8_t mac[FETH_MAC_LEN])
{
	return link_change(env, name, 0, 0, IFLA_ADDRESS, mac, FETH_MAC_LEN);
}

static int linux_if_get_mac(const struct feth__env *env, const char *name,
                            uint8_t ret[FETH_MAC_LEN])
{
	struct link l;
	int r = link_read(env, name, &l);

	if (r < 0)
		return r;
	if (!l.has_mac)
		return -EADDRNOTAVAIL;
	memcpy(ret, l.mac, FETH_MAC_LEN);
	return 0;
}

static int linux_if_get_index(const struct feth__env *env, const char *name, uint32_t *ret)
{
	struct link l;
	int r = link_read(env, name, &l);

	if (r == 0)
		*ret = (uint32_t)l.index;
	return r;
}

static int linux_if_set_up(const struct feth__env *env, const char *name, int up)
{
	return link_change(env, name, up ? IFF_UP : 0, IFF_UP, 0, NULL, 0);
}

static int linux_if_get_flags(const struct feth__env *env, const char *name, uint32_t *ret)
{
	struct link l;
	int r = link_read(env, name, &l);

	if (r < 0)
		return r;
	/* A veth runs (has carrier) only while its peer is up too. */
	*ret =
	    ((l.flags & IFF_UP) ? FETH_IF_UP : 0) | ((l.flags & IFF_RUNNING) ? FETH_IF_RUNNING : 0);
	return 0;
}

/* ---- addresses ------------------------------------------------------------------------------- */

struct addr_find {
	int index;
	int family;
	const uint8_t *addr;
	int prefix; /* found: its prefix length, else -1 */
};

static int addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type == IFA_ADDRESS || type == IFA_LOCAL)
		tb[type] = a;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *h, void *data)
{
	struct addr_find *f = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *tb[IFA_MAX + 1] = {NULL};
	const struct nlattr *a;
	size_t len = f->family == AF_INET ? 4 : 16;

	if (h->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != f->index ||
	    ifa->ifa_family != f->family)
		return MNL_CB_OK;
	mnl_attr_parse(h, sizeof(*ifa), addr_attr, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a && mnl_attr_get_payload_len(a) == len &&
	    memcmp(mnl_attr_get_payload(a), f->addr, len) == 0)
		f->prefix = ifa->ifa_prefixlen;
	return MNL_CB_OK;
}

static void addr_start(void *data)
{
	((struct addr_find *)data)->prefix = -1;
}

static int linux_if_addr(const struct feth__env *env, const char *name, int add, int family,
                         const uint8_t *addr, uint32_t prefix_len)
{
	int af = family == 4 ? AF_INET : AF_INET6;
	size_t len = family == 4 ? 4 : 16;
	struct nlmsghdr *h;
	struct ifaddrmsg *ifa;
	struct nl nl;
	struct link l;
	int r = with_link(env, name, &nl, &l);

	if (r < 0)
		return r;
	if (!add) {
		/* Deleting an IPv6 address needs its prefix length: look it up. */
		struct addr_find f = {.index = l.index, .family = af, .addr = addr, .prefix = -1};

		r = nl_dump(&nl, RTM_GETADDR, (uint8_t)af, addr_cb, addr_start, &f);
		if (r == 0 && f.prefix < 0)
			r = -EADDRNOTAVAIL;
		prefix_len = (uint32_t)f.prefix;
	}
	if (r == 0) {
		h = nl_req(&nl, add ? RTM_NEWADDR : RTM_DELADDR,
		           add ? NLM_F_CREATE | NLM_F_EXCL : 0);
		ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
		ifa->ifa_family = (uint8_t)af;
		ifa->ifa_prefixlen = (uint8_t)prefix_len;
		ifa->ifa_index = (uint32_t)l.index;
		ifa->ifa_scope = RT_SCOPE_UNIVERSE;
		mnl_attr_put(h, IFA_LOCAL, len, addr);
		mnl_attr_put(h, IFA_ADDRESS, len, addr);
		if (af == AF_INET && add && prefix_len < 31) {
			uint8_t b[4];
			uint32_t host = prefix_len ? 0xffffffffu >> prefix_len : 0xffffffffu;

			for (int i = 0; i < 4; i++)
				b[i] = addr[i] | (uint8_t)(host >> (24 - 8 * i));
			mnl_attr_put(h, IFA_BROADCAST, 4, b);
		}
		r = nl_talk(&nl, NULL, NULL);
	}
	nl_close(&nl);
	return r;
}

/* ---- list and pairs ------------------------------------------------------------------------ */

struct names {
	char (*names)[FETH_IFNAMSIZ];
	size_t max, n;
};

static int list_cb(const struct nlmsghdr *h, void *data)
{
	struct names *ns = data;
	struct link l;

	if (h->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	link_parse(h, &l);
	if (!l.veth || feth__unit(l.name, 0) < 0)
		return MNL_CB_OK;
	if (ns->names && ns->n < ns->max) {
		feth__name_copy(ns->names[ns->n], l.name);
	} else if (ns->names && ns->max) {
		/* Full: the max lowest units are kept, as on macOS (the kernel's order is not the
		 * units'). The highest held gives way to a lower one. */
		size_t hi = 0;

		for (size_t i = 1; i < ns->max; i++)
			if (feth__unit_cmp(ns->names[i], ns->names[hi]) > 0)
				hi = i;
		if (feth__unit_cmp(l.name, ns->names[hi]) < 0)
			feth__name_copy(ns->names[hi], l.name);
	}
	ns->n++;
	return MNL_CB_OK;
}

static void list_start(void *data)
{
	((struct names *)data)->n = 0;
}

/* Every feth veth; the names of the lowest units (as many as fit), sorted by unit. */
static int list_all(struct nl *nl, struct names *ns)
{
	int r = nl_dump(nl, RTM_GETLINK, AF_UNSPEC, list_cb, list_start, ns);

	if (r < 0)
		return r;
	if (ns->names)
		qsort(ns->names, ns->n < ns->max ? ns->n : ns->max, FETH_IFNAMSIZ, feth__unit_cmp);
	return (int)ns->n;
}

static int linux_if_list(const struct feth__env *env, char (*ret_names)[FETH_IFNAMSIZ], size_t max)
{
	struct names ns = {.names = ret_names, .max = max};
	struct nl nl;
	int r = nl_open(env, &nl);

	if (r < 0)
		return r;
	r = list_all(&nl, &ns);
	nl_close(&nl);
	return r;
}

/* Units taken by an interface of any kind (a dummy named feth3 blocks feth3 too), by its name
 * or by an alternative name: the kernel refuses a name that is another's alternative name
 * (net/core/dev.c:netdev_name_in_use()). */
static void units_name(struct feth__units *u, const struct nlattr *a)
{
	long n;

	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return;
	n = feth__unit(mnl_attr_get_str(a), 0);
	if (n >= 0)
		feth__unit_take(u, n);
}

static int units_attr(const struct nlattr *a, void *data)
{
	const struct nlattr *i;

	if (mnl_attr_get_type(a) == IFLA_IFNAME)
		units_name(data, a);
	if (mnl_attr_get_type(a) != IFLA_PROP_LIST)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(i, a)
	{
		if (mnl_attr_get_type(i) == IFLA_ALT_IFNAME)
			units_name(data, i);
	}
	return MNL_CB_OK;
}

static int units_cb(const struct nlmsghdr *h, void *data)
{
	if (h->nlmsg_type == RTM_NEWLINK)
		mnl_attr_parse(h, sizeof(struct ifinfomsg), units_attr, data);
	return MNL_CB_OK;
}

static void units_start(void *data)
{
	memset(data, 0, sizeof(struct feth__units));
}

static int linux_units_taken(const struct feth__env *env, struct feth__units *ret)
{
	struct nl nl;
	int r = nl_open(env, &nl);

	if (r < 0)
		return r;
	r = nl_dump(&nl, RTM_GETLINK, AF_UNSPEC, units_cb, units_start, ret);
	nl_close(&nl);
	return r;
}

/*
 * Turns IPv6 off on the I/O side of a pair libfeth made, before anything brings it up. A veth
 * that comes up with IPv6 on is a host of its own (net/ipv6/addrconf.c:addrconf_notify() gives
 * it a link-local address, joins multicast groups, runs DAD and solicits routers): the MLD
 * reports and solicitations it sends would reach the host side as frames the tap never sent.
 * The I/O side is the tap's port, not a host. ENOENT: the kernel has no IPv6 (no
 * /proc/sys/net/ipv6), or this interface has none (its conf/<name> directory exists only while
 * it does, net/ipv6/addrconf.c:ipv6_add_dev()): nothing to turn off.
 */
static int linux_pair_io_setup(const struct feth__env *env, const char *io)
{
	const struct feth__sys *s = env->sys;
	char path[64];
	ssize_t w;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", io);
	FETH_SYS_RETRY(fd, s->open(s->ctx, path, O_WRONLY | O_CLOEXEC, 0));
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	FETH_SYS_RETRY(w, s->write(s->ctx, fd, "1", 1));
	/* The value is set within write() (fs/proc/proc_sysctl.c:proc_sys_call_handler()):
	 * close() has nothing to report, and the fd is gone either way. */
	(void)s->close(s->ctx, fd);
	if (w < 0)
		return (int)w;
	return w == 1 ? 0 : -EIO;
}

/* RTM_NEWLINK of a veth pair with both names and indexes given. */
static int veth_new(struct nl *nl, const char *host, const char *io, uint32_t host_index,
                    uint32_t io_index)
{
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	struct nlattr *info, *data, *peer;

	h = nl_req(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)host_index;
	mnl_attr_put_strz(h, IFLA_IFNAME, host);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi)); /* the peer's own ifinfomsg */
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)io_index;
	mnl_attr_put_strz(h, IFLA_IFNAME, io);
	mnl_attr_nest_end(h, peer);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	return nl_talk(nl, NULL, NULL);
}

/* Both sides at once, each with the index of its mark. -EEXIST: a name or an index is
 * taken (the caller tries others). */
static int linux_pair_create(const struct feth__env *env, const char *host, const char *io,
                             const struct feth__mark *host_mark, const struct feth__mark *io_mark)
{
	struct nl nl;
	int r = nl_open(env, &nl);

	if (r < 0)
		return r;
	r = veth_new(&nl, host, io, host_mark->index, io_mark->index);
	/* Before Linux 6.6 a taken index is -EBUSY (net/core/dev.c:register_netdevice()). */
	if (r == -EBUSY)
		r = -EEXIST;
	nl_close(&nl);
	return r;
}

static int linux_mtu_prepare(const struct feth__env *env, uint32_t mtu, struct feth__mtu_token *tok)
{
	(void)env;
	(void)mtu;
	*tok = (struct feth__mtu_token){0, 0, -1}; /* a veth's MTU range is fixed: nothing to do */
	return 0;
}

static void linux_mtu_restore(const struct feth__env *env, struct feth__mtu_token *tok)
{
	(void)env;
	(void)tok;
}

const struct feth__backend feth__backend_linux = {
    .name = "linux",
    .supported = 1,
    .pairs_only = 1,
    .mark_new = linux_mark_new,
    .if_check_mark = linux_if_check_mark,
    .if_destroy = linux_if_destroy,
    .if_set_peer = linux_if_set_peer,
    .if_get_peer = linux_if_get_peer,
    .if_set_mtu = linux_if_set_mtu,
    .if_get_mtu = linux_if_get_mtu,
    .if_set_mac = linux_if_set_mac,
    .if_get_mac = linux_if_get_mac,
    .if_get_index = linux_if_get_index,
    .if_set_up = linux_if_set_up,
    .if_get_flags = linux_if_get_flags,
    .if_addr = linux_if_addr,
    .if_list = linux_if_list,
    .units_taken = linux_units_taken,
    .pair_create = linux_pair_create,
    .pair_io_setup = linux_pair_io_setup,
    .mtu_prepare = linux_mtu_prepare,
    .mtu_restore = linux_mtu_restore,
    .tap = &feth__tap_ops_linux,
};
