/* SPDX-License-Identifier: MIT */
/*
 * Simulated AF_NDRV raw sockets (docs/darwin-kernel.md §4): root-only creation, bind and its
 * poisoning, SO_SNDBUF and SO_NOSIGPIPE, sendto rules (EDESTADDRREQ, EMSGSIZE against the send
 * buffer, EINVAL, ENETDOWN), and EPIPE (with the SIGPIPE it would raise) after the bound
 * interface is destroyed. A sent frame leaves the bound interface as it is, header included.
 */
#include <errno.h>
#include <string.h>

#include "sim_internal.h"

#define MSG_NOSIGNAL_DARWIN 0x80000 /* darwin-abi.md §3 */
#define ETHER_HDR_LEN       14

int sim__ndrv_setsockopt(struct sim *sim, struct sim_fd *f, int level, int name, const void *val,
                         size_t len)
{
	int32_t v;

	(void)sim;
	if (level != DARWIN_SOL_SOCKET)
		return -ENOPROTOOPT; /* ndrv's own options (SOL_NDRVPROTO) are not modelled */
	if (name != DARWIN_SO_SNDBUF && name != DARWIN_SO_NOSIGPIPE)
		return -ENOPROTOOPT;
	/* sooptcopyin: an int, no shorter. */
	if (!val || len < sizeof(v))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (name == DARWIN_SO_NOSIGPIPE) {
		f->nosigpipe = v != 0;
		return 0;
	}
	/* sbreserve fails beyond kern.ipc.maxsockbuf (ENOBUFS); a size below 1 is EINVAL. */
	if (v < 1)
		return -EINVAL;
	if ((uint32_t)v > DARWIN_MAXSOCKBUF_DEFAULT)
		return -ENOBUFS;
	f->sndbuf = (uint32_t)v;
	return 0;
}

int sim__ndrv_bind(struct sim *sim, struct sim_fd *f, const void *addr, size_t len)
{
	struct darwin_sockaddr_ndrv sa;
	bool poisoned = f->nd_addr_set;

	if (!addr)
		return -EFAULT;
	/* getsockaddr: a sockaddr of at least its header, at most 255 bytes. */
	if (len < 2)
		return -EINVAL;
	if (len > 255)
		return -ENAMETOOLONG;
	memset(&sa, 0, sizeof(sa));
	memcpy(&sa, addr, len < sizeof(sa) ? len : sizeof(sa));
	/* ndrv_bind records the address before it validates the name, so once a bind has been
	 * tried, every later one is EINVAL (§4.2). */
	f->nd_addr_set = true;
	if (poisoned)
		return -EINVAL;
	if (sim->n_ifs == 0)
		return -EADDRNOTAVAIL;
	if (sa.snd_name[0] == '\0')
		return -EINVAL;
	/* Exact names only: strlcmp against if_xname, no unit parsing. */
	for (size_t i = 0; i < sim->n_ifs; i++) {
		if (strncmp(sim->ifs[i]->name, sa.snd_name, DARWIN_IFNAMSIZ) == 0) {
			f->nd_if = sim->ifs[i];
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

ssize_t sim__ndrv_sendto(struct sim *sim, struct sim_fd *f, const void *buf, size_t len, int flags,
                         const void *addr, size_t addrlen)
{
	(void)addrlen; /* the address is ignored: the frame goes out of the bound interface */
	/* After the interface went away: socantsendmore, EPIPE, and SIGPIPE unless suppressed. */
	if (f->nd_cantsend) {
		if (!f->nosigpipe && !(flags & MSG_NOSIGNAL_DARWIN))
			sim->sigpipes++;
		return -EPIPE;
	}
	/* No PR_CONNREQUIRED and no address: sosend's EDESTADDRREQ. */
	if (!addr)
		return -EDESTADDRREQ;
	/* PR_ATOMIC: the whole datagram must fit the send buffer. */
	if (len > f->sndbuf)
		return -EMSGSIZE;
	if (!f->nd_if)
		return -EINVAL;
	/* The kernel does not check for a whole Ethernet header; feth would misbehave. The
	 * doc's recommended simulator answer: EINVAL. */
	if (len < ETHER_HDR_LEN)
		return -EINVAL;
	if (!(f->nd_if->flags & DARWIN_IFF_UP))
		return -ENETDOWN;
	sim__if_output(sim, f->nd_if, buf, len);
	return (ssize_t)len;
}

void sim__ndrv_ifdetach(struct sim *sim, struct sim_ifnet *ifp)
{
	for (size_t i = 0; i < sim->n_fds; i++) {
		if (sim->fds[i].kind == SIM_FD_SOCKET && sim->fds[i].nd_if == ifp) {
			sim->fds[i].nd_if = NULL;
			sim->fds[i].nd_cantsend = true;
		}
	}
}

uint64_t sim_sigpipes(const struct sim *sim)
{
	return sim->sigpipes;
}
