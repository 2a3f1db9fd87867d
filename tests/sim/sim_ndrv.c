/* SPDX-License-Identifier: MIT */
/*
 * Simulated AF_NDRV raw sockets (darwin-notes.md N): root-only creation, bind and its
 * poisoning, SO_SNDBUF and SO_NOSIGPIPE, sendto rules (EDESTADDRREQ, EMSGSIZE against the send
 * buffer, EINVAL, ENETDOWN), and EPIPE (with the SIGPIPE it would raise) after an interface of
 * the bound one's family and unit went away. A sent frame leaves the bound interface as it is,
 * header included.
 */
#include <errno.h>
#include <string.h>

#include "sim_internal.h"

#define MSG_NOSIGNAL_DARWIN 0x80000 /* darwin-notes.md A4.1 */
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
	/* A size below 1 is EINVAL (uipc_socket.c@11417:4976-4983), then sbreserve. Up to
	 * macOS 14.3 it refuses more than sb_max * MCLBYTES / (MSIZE + MCLBYTES), 7456540 bytes
	 * of the 8 MiB default (uipc_socket2.c@8796.141.3 sbreserve; SB_MAX_ADJUST,
	 * socketvar.h@10002.1.13:190, 360): ENOBUFS. From 14.4 (xnu-10063) it clamps to sb_max,
	 * refusing only when the buffer is already that large (uipc_socket2.c@11417:804-822). */
	if (v < 1)
		return -EINVAL;
	if (!sim__macos_at_least(sim, 14, 4)) {
		if ((uint64_t)v > (uint64_t)DARWIN_MAXSOCKBUF_DEFAULT * 2048u / (256u + 2048u))
			return -ENOBUFS;
	} else if ((uint32_t)v > DARWIN_MAXSOCKBUF_DEFAULT) {
		if (f->sndbuf == DARWIN_MAXSOCKBUF_DEFAULT)
			return -ENOBUFS;
		v = (int32_t)DARWIN_MAXSOCKBUF_DEFAULT;
	}
	f->sndbuf = (uint32_t)v;
	return 0;
}

/* Binds f to ifp: PF_NDRV is attached to the interface (EEXIST tolerated), and the socket
 * records its family and unit (ndrv.c@11417:413-436). */
static void ndrv_latch(struct sim_fd *f, struct sim_ifnet *ifp)
{
	f->nd_if = ifp;
	f->nd_family = ifp->if_family;
	f->nd_unit = ifp->unit;
	ifp->ndrv_attached = true;
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
	/* ndrv_bind: no interface at all is EADDRNOTAVAIL before anything is recorded; then a
	 * socket with an address is EINVAL; then the address is recorded before the name is
	 * validated, so a bind that fails from here on poisons the socket: every later one is
	 * EINVAL (darwin-notes.md N2.4; ndrv.c@11417:372-411). */
	if (sim->n_ifs == 0)
		return -EADDRNOTAVAIL;
	if (poisoned)
		return -EINVAL;
	f->nd_addr_set = true;
	if (sa.snd_name[0] == '\0')
		return -EINVAL;
	/* Exact names only: strlcmp against if_xname, no unit parsing. */
	for (size_t i = 0; i < sim->n_ifs; i++) {
		if (strncmp(sim->ifs[i]->name, sa.snd_name, DARWIN_IFNAMSIZ) == 0) {
			ndrv_latch(f, sim->ifs[i]);
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

int sim_ndrv_bind_external(struct sim *sim, const char *ifname)
{
	struct sim_fd *f;
	int r = -EADDRNOTAVAIL;

	pthread_mutex_lock(&sim->lock);
	for (size_t i = 0; i < sim->n_ifs; i++) {
		if (strncmp(sim->ifs[i]->name, ifname, DARWIN_IFNAMSIZ) != 0)
			continue;
		if (!sim__reserve((void **)&sim->ndrv_ext, &sim->cap_ndrv_ext, sim->n_ndrv_ext + 1,
		                  sizeof(*sim->ndrv_ext))) {
			r = -ENOMEM;
			break;
		}
		f = &sim->ndrv_ext[sim->n_ndrv_ext++];
		memset(f, 0, sizeof(*f));
		f->fd = -1;
		f->kind = SIM_FD_SOCKET;
		f->domain = DARWIN_AF_NDRV;
		f->nd_addr_set = true;
		ndrv_latch(f, sim->ifs[i]);
		r = 0;
		break;
	}
	pthread_mutex_unlock(&sim->lock);
	return r;
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
	/* ifnet_output_raw -> dlil_output (ndrv.c@11417:142-180): ENETDOWN, ENOBUFS... */
	{
		int r = sim__if_send(sim, f->nd_if, buf, len);

		return r < 0 ? r : (ssize_t)len;
	}
}

/* Every NDRV control block: this process's sockets, then other processes'. */
static struct sim_fd *ndrv_cb(struct sim *sim, size_t i)
{
	if (i < sim->n_fds)
		return sim->fds[i].kind == SIM_FD_SOCKET && sim->fds[i].domain == DARWIN_AF_NDRV
		           ? &sim->fds[i]
		           : NULL;
	return &sim->ndrv_ext[i - sim->n_fds];
}

/*
 * ndrv_event on KEV_DL_IF_DETACHING, which reaches NDRV only through a PF_NDRV attached to the
 * detaching interface (ndrv.c@11417:345-356; dlil_event_internal passes events to the attached
 * protocols, dlil.c@11417:3724-3805). ndrv_handle_ifp_detach then matches sockets by family
 * and unit, not by interface (ndrv.c@11417:906-943, 914): every socket bound to an interface
 * of the same family and unit loses it and can send no more (socantsendmore: EPIPE), and
 * PF_NDRV is detached from the interface of the last one it matched.
 */
void sim__ndrv_ifdetach(struct sim *sim, struct sim_ifnet *ifp)
{
	struct sim_ifnet *last = NULL;

	for (size_t i = 0; i < sim->n_fds + sim->n_ndrv_ext; i++) {
		struct sim_fd *f = ndrv_cb(sim, i);

		if (!f || f->nd_family == 0 || f->nd_family != ifp->if_family ||
		    f->nd_unit != ifp->unit)
			continue;
		last = f->nd_if;
		f->nd_if = NULL;
		f->nd_family = f->nd_unit = 0;
		f->nd_cantsend = true;
	}
	if (last)
		last->ndrv_attached = false;
}

void sim__ndrv_close(struct sim *sim, struct sim_fd *f)
{
	if (!f->nd_if)
		return;
	for (size_t i = 0; i < sim->n_fds + sim->n_ndrv_ext; i++) {
		struct sim_fd *o = ndrv_cb(sim, i);

		if (o && o != f && o->nd_family == f->nd_family && o->nd_unit == f->nd_unit)
			return;
	}
	f->nd_if->ndrv_attached = false;
}

uint64_t sim_sigpipes(const struct sim *sim)
{
	return sim->sigpipes;
}
