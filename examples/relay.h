/* SPDX-License-Identifier: MIT */
/*
 * What the relaying tools (feth-tunnel, feth-vm; and the benchmark's TAP relay that feth-tunnel
 * is measured against) share: argument parsing, socket setup, UDP peers, the stop signals, and
 * sending a batch of frames into a tap with the tap's back-pressure handled.
 * Written only against <feth/feth.h> and the platform's system calls.
 */
#ifndef FETH_EXAMPLES_RELAY_H
#define FETH_EXAMPLES_RELAY_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <feth/feth.h>

/* A datagram socket's send and receive buffers (see relay_set_buffers()). */
#define RELAY_SOCKET_BUFFER (4 << 20)
/* Tries of a frame the tap refused with -ENOBUFS, and the pause between them. */
#define RELAY_TAP_TRIES    4
#define RELAY_TAP_PAUSE_MS 1

/* One direction's counters. */
struct relay_way {
	uint64_t frames, bytes, dropped;
};

/* Why frames for the tap were dropped, or waited. */
struct relay_tap_drops {
	uint64_t malformed; /* shorter than an Ethernet header */
	uint64_t oversized; /* longer than the tap takes */
	uint64_t nobufs;    /* the tap stayed full */
	uint64_t waits;     /* pauses for a full tap */
};

#define RELAY_ETH_HLEN 14
/* Datagrams taken per receive, and a receive slot: the longest datagram there is, so that a
 * longer one is seen whole (and refused) rather than cut. */
#define RELAY_BATCH 64
#define RELAY_SLOT  65536

/* A batch of received datagrams: iov[i] holds datagram i (its iov_len is RELAY_SLOT + 1 when
 * it was longer than a slot), from[i] and from_len[i] its sender. */
struct relay_rx {
	struct iovec iov[RELAY_BATCH];
	struct sockaddr_storage from[RELAY_BATCH];
	socklen_t from_len[RELAY_BATCH];
	uint8_t *slots;
#ifdef __linux__
	struct mmsghdr msgs[RELAY_BATCH];
#endif
};

/* 0, or -ENOMEM. */
static inline int relay_rx_init(struct relay_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->slots = malloc((size_t)RELAY_BATCH * RELAY_SLOT);
	return rx->slots ? 0 : -ENOMEM;
}

/* Receives up to RELAY_BATCH datagrams without blocking (recvmmsg() where there is one): how
 * many, or -errno (-EAGAIN: none waits). */
static inline int relay_recv(int fd, struct relay_rx *rx)
{
#ifdef __linux__
	int k;

	for (int i = 0; i < RELAY_BATCH; i++) {
		struct msghdr *m = &rx->msgs[i].msg_hdr;

		rx->iov[i].iov_base = rx->slots + (size_t)i * RELAY_SLOT;
		rx->iov[i].iov_len = RELAY_SLOT;
		memset(m, 0, sizeof(*m));
		m->msg_iov = &rx->iov[i];
		m->msg_iovlen = 1;
		m->msg_name = &rx->from[i];
		m->msg_namelen = sizeof(rx->from[i]);
	}
	k = recvmmsg(fd, rx->msgs, RELAY_BATCH, MSG_DONTWAIT, NULL);
	if (k < 0)
		return -errno;
	for (int i = 0; i < k; i++) {
		rx->iov[i].iov_len = rx->msgs[i].msg_hdr.msg_flags & MSG_TRUNC
		                         ? RELAY_SLOT + 1
		                         : rx->msgs[i].msg_len;
		rx->from_len[i] = rx->msgs[i].msg_hdr.msg_namelen;
	}
	return k;
#else
	int k = 0;

	for (; k < RELAY_BATCH; k++) {
		struct msghdr m;
		ssize_t got;

		memset(&m, 0, sizeof(m));
		rx->iov[k].iov_base = rx->slots + (size_t)k * RELAY_SLOT;
		rx->iov[k].iov_len = RELAY_SLOT;
		m.msg_iov = &rx->iov[k];
		m.msg_iovlen = 1;
		m.msg_name = &rx->from[k];
		m.msg_namelen = sizeof(rx->from[k]);
		got = recvmsg(fd, &m, MSG_DONTWAIT);
		if (got < 0)
			return k ? k : -errno;
		rx->iov[k].iov_len = m.msg_flags & MSG_TRUNC ? RELAY_SLOT + 1 : (size_t)got;
		rx->from_len[k] = m.msg_namelen;
	}
	return k;
#endif
}

/* A datagram is only ever a frame's bytes: one that can be a frame (an Ethernet header at
 * least, max_frame at most) is added to frames[*n], any other is dropped and counted. */
static inline void relay_take(struct iovec *frames, size_t *n, void *data, size_t len,
                              uint32_t max_frame, struct relay_way *w, struct relay_tap_drops *d)
{
	if (len < RELAY_ETH_HLEN || len > max_frame) {
		w->dropped++;
		d->malformed += len < RELAY_ETH_HLEN;
		d->oversized += len > max_frame;
		return;
	}
	frames[*n].iov_base = data;
	frames[(*n)++].iov_len = len;
}

/* A decimal number in [min, max]: 0, or -1. */
static inline int relay_parse_uint(const char *s, unsigned long min, unsigned long max,
                                   unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

/* "ADDR/LEN" of a family: the address into addr (4 or 16 bytes). 0, or -1. */
static inline int relay_parse_prefix(const char *s, int family, uint8_t *addr, uint32_t *ret_len)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long len;

	if (!slash || slash == s || (size_t)(slash - s) >= sizeof(ip) ||
	    relay_parse_uint(slash + 1, 1, family == AF_INET ? 32 : 128, &len) < 0)
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	if (inet_pton(family, ip, addr) != 1)
		return -1;
	*ret_len = (uint32_t)len;
	return 0;
}

static inline int64_t relay_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/*
 * Room for bursts: a peer sends a batch of datagrams at once, and a TCP flow through the relay
 * sends whole windows. The default receive buffer (about 200 KiB on Linux) overflows under a
 * single TCP flow, and every datagram it drops is a retransmission. As root, SO_RCVBUFFORCE
 * goes past net.core.rmem_max (Linux); elsewhere the kernel's cap applies. Best effort: a
 * smaller buffer only costs speed.
 */
static inline void relay_set_buffers(int fd)
{
	int size = RELAY_SOCKET_BUFFER;

#ifdef SO_RCVBUFFORCE
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
#endif
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
#ifdef SO_SNDBUFFORCE
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
#endif
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* Non-blocking for the loop, close-on-exec for hygiene, and never SIGPIPE. 0, or -errno. */
static inline int relay_nonblock_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
#ifdef SO_NOSIGPIPE
	{
		int one = 1;

		(void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
	}
#endif
	return 0;
}

/* SIGINT, SIGTERM and SIGHUP to handler, without SA_RESTART: a signal ends poll() at once. */
static inline void relay_stop_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Gives the host side the addresses asked for (NULL: none). -EEXIST counts as done: an adopted
 * pair keeps what an earlier run gave it, as a restarted VPN or VM would want. 0, or -errno. */
static inline int relay_add_addrs(const char *host, const uint8_t *ip4, uint32_t len4,
                                  const uint8_t *ip6, uint32_t len6)
{
	int e = 0;

	if (ip4 && (e = feth_if_add_ipv4(host, ip4, len4)) == -EEXIST)
		e = 0;
	if (e == 0 && ip6 && (e = feth_if_add_ipv6(host, ip6, len6)) == -EEXIST)
		e = 0;
	return e;
}

/*
 * Sends frames[0, n) into the tap, in as few calls as it takes. A frame the tap refuses with
 * -ENOBUFS (the host side's backlog is full, which poll() does not watch) is tried a few times
 * with a short pause, then dropped and counted, as is a frame it refuses otherwise. 0, or the
 * error that says the pair is gone (-ENXIO, -ESHUTDOWN, -ENETDOWN).
 */
static inline int relay_to_tap(struct feth_tap *tap, int tap_fd, const struct iovec *frames,
                               size_t n, struct relay_way *w, struct relay_tap_drops *d)
{
	size_t i = 0;
	int tries = 0;

	while (i < n) {
		int k = feth_tap_send_batch(tap, frames + i, n - i);

		if (k > 0) {
			for (size_t j = i; j < i + (size_t)k; j++)
				w->bytes += frames[j].iov_len;
			w->frames += (unsigned)k;
			i += (size_t)k;
			tries = 0;
			continue;
		}
		if (k == -ENXIO || k == -ESHUTDOWN || k == -ENETDOWN)
			return k;
		if (k == -ENOBUFS && ++tries < RELAY_TAP_TRIES) {
			struct pollfd p = {.fd = tap_fd, .events = POLLOUT};

			d->waits++;
			(void)poll(&p, 1, RELAY_TAP_PAUSE_MS);
			continue;
		}
		w->dropped++;
		d->nobufs += k == -ENOBUFS;
		d->oversized += k == -EMSGSIZE;
		i++;
		tries = 0;
	}
	return 0;
}

/* Whether two IPv4 or IPv6 socket addresses are the same address and port. */
static inline int relay_same_peer(const struct sockaddr_storage *a,
                                  const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	{
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
}

/*
 * The underlay's path MTU towards the peer, as the routing table has it: a connected UDP socket
 * knows it (Linux: IP_MTU, IPV6_MTU). 0 where the system does not say.
 */
static inline uint32_t relay_path_mtu(const struct sockaddr_storage *peer, socklen_t len)
{
	uint32_t mtu = 0;
#if defined(IP_MTU) && defined(IPV6_MTU)
	int fd = socket(peer->ss_family, SOCK_DGRAM, 0), v = 0;
	socklen_t vl = sizeof(v);

	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)peer, len) == 0 &&
	    getsockopt(fd, peer->ss_family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
	               peer->ss_family == AF_INET ? IP_MTU : IPV6_MTU, &v, &vl) == 0 &&
	    v > 0)
		mtu = (uint32_t)v;
	close(fd);
#else
	(void)peer;
	(void)len;
#endif
	return mtu;
}

#endif
