/* SPDX-License-Identifier: MIT */
/*
 * feth-tunnel: an Ethernet-over-UDP tunnel, the reference for how a VPN uses libfeth. It opens
 * a tap (a new pair, or --adopt), gives the host side the addresses asked for, and carries
 * every frame the host side sends to one UDP peer, one frame per datagram, and every datagram
 * from that peer into the host side. Two of them, one at each end, join two hosts' stacks as if
 * by a cable. Written only against <feth/feth.h> and the platform's sockets.
 *
 *   feth-tunnel --listen PORT --peer HOST:PORT [--host-addr A.B.C.D/N] [--host-addr6 X::Y/N]
 *               [--mtu N] [--underlay-mtu N] [--adopt fethN] [--rx-mode MODE] [-q]
 *
 * What a VPN author would copy from here:
 * - The tap's MTU leaves room for the encapsulation: a frame of MTU + 14 bytes must fit in one
 *   datagram on the underlay, so MTU = underlay MTU - IP header (20, or 40 for IPv6) - UDP (8) -
 *   Ethernet (14). Frames that still do not fit (a VLAN tag, an adopted pair's larger MTU) are
 *   refused and counted, never fragmented.
 * - One poll() loop over the tap's descriptor and the socket. Both ways go in batches: the
 *   frames of one feth_tap_recv() leave in one sendmmsg(), and the datagrams of one recvmmsg()
 *   enter the tap in one feth_tap_send_batch() (Linux; one call per frame where the platform
 *   has no batch socket calls).
 * - Back-pressure without spinning and without silent loss: while the socket refuses frames
 *   (EAGAIN, ENOBUFS) the tap is not read (its ring holds them) and poll() waits for POLLOUT;
 *   frames that wait longer than a second are dropped and counted. A tap that refuses frames
 *   (-ENOBUFS) is waited for briefly, then the frame is dropped and counted.
 * - Only the peer is listened to: datagrams from any other address or port are counted and
 *   ignored; ones too short for an Ethernet header or too long for the tap are counted and
 *   dropped. Nothing a datagram holds can crash the loop: it is only ever a frame's bytes.
 * - A clean stop on SIGINT, SIGTERM, SIGHUP and SIGPIPE: the tap is closed (a pair it made is
 *   destroyed) and the counters are printed.
 *
 * Prints "ready <host side> mtu <MTU> peer <HOST:PORT>" on stdout once frames flow; everything
 * else goes to stderr. Exit status: 0 stopped by a signal, 1 failure, 2 bad usage.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <feth/feth.h>

#include "relay.h"
#include "stdio_fds.h"

#define EXIT_USAGE 2
#define UDP_HLEN   8
/* A drain of this many frames is a flood: the loop pauses this long before the next poll(). */
#define FLOOD_FRAMES   32
#define FLOOD_PAUSE_NS 200000L
/* Frames that waited this long for the socket are dropped. */
#define SOCKET_WAIT_MS 1000

static const char usage_text[] =
    "usage: feth-tunnel --listen PORT --peer HOST:PORT [--host-addr A.B.C.D/N]\n"
    "                   [--host-addr6 X::Y/N] [--mtu N] [--underlay-mtu N] [--adopt fethN]\n"
    "                   [--rx-mode auto|batch|low_latency] [-q]\n"
    "\n"
    "An Ethernet-over-UDP tunnel: every frame the tap's host side sends goes to PEER in one UDP\n"
    "datagram, and every datagram from PEER enters the host side. Run one at each end. Needs\n"
    "root (or CAP_NET_ADMIN and CAP_NET_RAW).\n"
    "\n"
    "  --listen PORT        the local UDP port (on every address of the peer's family)\n"
    "  --peer HOST:PORT     the other end: A.B.C.D:PORT or [X::Y]:PORT\n"
    "  --host-addr A.B.C.D/N, --host-addr6 X::Y/N\n"
    "                       addresses for the tap's host side\n"
    "  --mtu N              the tap's MTU (default: the underlay's path MTU to the peer, less\n"
    "                       20 or 40 (IP), 8 (UDP) and 14 (Ethernet): 1458 over IPv4 at 1500)\n"
    "  --underlay-mtu N     the underlay's MTU, when the system cannot tell it\n"
    "  --adopt fethN        use an existing pair (fethN its host side) instead of a new one\n"
    "  --rx-mode MODE       the tap's receive mode (default auto: low latency on Linux)\n"
    "  -q                   no line at start\n";

struct tunnel {
	struct feth_tap *tap;
	int tap_fd, sock;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint32_t max_datagram; /* what the underlay carries in one datagram */
	uint32_t max_frame;    /* what the tap accepts */

	/* tap -> peer: the views of the last receive, [at, n) still to send. */
	struct feth_frame views[RELAY_BATCH];
	struct iovec up_iov[RELAY_BATCH];
	unsigned at, n;
	struct timespec wait_since;
	unsigned drained; /* frames the last pump_up() took from the tap */

	/* peer -> tap */
	struct relay_rx rx;
	struct iovec frames[RELAY_BATCH];
#ifdef __linux__
	struct mmsghdr up_msgs[RELAY_BATCH];
#endif

	struct relay_way up, down;
	uint64_t up_too_big, up_socket_waits;
	struct relay_tap_drops tap_drops;
	uint64_t down_foreign;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int usage(const char *why)
{
	fprintf(stderr, "feth-tunnel: %s\n\n%s", why, usage_text);
	return EXIT_USAGE;
}

/* "A.B.C.D:PORT" or "[X::Y]:PORT". */
static int parse_peer(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h = s;
	size_t hl;
	unsigned long port;

	memset(ret, 0, sizeof(*ret));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host) || relay_parse_uint(colon + 1, 1, 65535, &port) < 0)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (s[0] != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)ret;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*in);
		return inet_pton(AF_INET, host, &in->sin_addr) == 1 ? 0 : -1;
	}
	{
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ret;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*in6);
		return inet_pton(AF_INET6, host, &in6->sin6_addr) == 1 ? 0 : -1;
	}
}

/* Sends up_iov[at, n) to the peer: how many went, or -errno for the first that did not. */
static int send_datagrams(struct tunnel *t)
{
#ifdef __linux__
	int k = sendmmsg(t->sock, t->up_msgs + t->at, t->n - t->at, MSG_DONTWAIT | MSG_NOSIGNAL);

	return k >= 0 ? k : -errno;
#else
	unsigned i;

	for (i = t->at; i < t->n; i++) {
		if (sendto(t->sock, t->up_iov[i].iov_base, t->up_iov[i].iov_len, 0,
		           (const struct sockaddr *)&t->peer, t->peer_len) < 0) {
			if (i == t->at)
				return -errno;
			break;
		}
	}
	return (int)(i - t->at);
#endif
}

/* Sends the waiting frames to the peer. 1 when none waits any more, 0 when the socket refuses
 * them for now (wait for POLLOUT). */
static int flush_up(struct tunnel *t)
{
	while (t->at < t->n) {
		int k = send_datagrams(t);

		if (k > 0) {
			for (unsigned i = t->at; i < t->at + (unsigned)k; i++)
				t->up.bytes += t->up_iov[i].iov_len;
			t->up.frames += (unsigned)k;
			t->at += (unsigned)k;
			continue;
		}
		if (k == -EINTR)
			continue;
		if (k == -EAGAIN || k == -EWOULDBLOCK || k == -ENOBUFS) {
			if (relay_ms_since(&t->wait_since) < SOCKET_WAIT_MS)
				return 0;
			t->up.dropped += t->n - t->at; /* nothing moved for a second */
			break;
		}
		/* ECONNREFUSED (the peer's port is closed: an ICMP error came back), EMSGSIZE, a
		 * route gone: this frame is lost, the next ones are tried. */
		t->up.dropped++;
		t->at++;
	}
	t->at = t->n = 0;
	return 1;
}

/* Receives from the tap and sends to the peer until the tap has nothing or the socket refuses
 * more. 0, or the tap's error. */
static int pump_up(struct tunnel *t)
{
	t->drained = 0;
	for (int round = 0; round < 64 && t->n == 0; round++) {
		int n = feth_tap_recv(t->tap, t->views, RELAY_BATCH);
		unsigned k = 0;

		if (n <= 0)
			return n;
		t->drained += (unsigned)n;
		for (int i = 0; i < n; i++) {
			/* A frame the underlay cannot carry in one datagram is refused here rather
			 * than fragmented (or truncated: a view shorter than the frame). */
			if (t->views[i].caplen > t->max_datagram ||
			    t->views[i].caplen < t->views[i].len) {
				t->up.dropped++;
				t->up_too_big++;
				continue;
			}
			t->up_iov[k].iov_base = (void *)(uintptr_t)t->views[i].data;
			t->up_iov[k++].iov_len = t->views[i].caplen;
		}
		t->at = 0;
		t->n = k;
		clock_gettime(CLOCK_MONOTONIC, &t->wait_since);
		if (!flush_up(t))
			t->up_socket_waits++;
	}
	return 0;
}

/* Receives from the peer and sends into the tap, a bounded number of batches. */
static int pump_down(struct tunnel *t)
{
	for (int round = 0; round < 16; round++) {
		size_t n = 0;
		int got = relay_recv(t->sock, &t->rx), k = got;

		if (k == -EINTR)
			continue;
		/* ECONNREFUSED and the like: an ICMP error for an earlier send, not a datagram. */
		if (k == -EAGAIN || k == -EWOULDBLOCK || k == -ECONNREFUSED || k == -EHOSTUNREACH ||
		    k == -ENETUNREACH)
			return 0;
		if (k < 0)
			return k;
		for (int i = 0; i < k; i++) {
			size_t len = t->rx.iov[i].iov_len;

			if (!relay_same_peer(&t->rx.from[i], &t->peer)) {
				t->down_foreign++;
				continue;
			}
			relay_take(t->frames, &n, t->rx.iov[i].iov_base, len, t->max_frame,
			           &t->down, &t->tap_drops);
		}
		k = n ? relay_to_tap(t->tap, t->tap_fd, t->frames, n, &t->down, &t->tap_drops) : 0;
		if (k < 0)
			return k;
		if (got < RELAY_BATCH)
			break; /* the socket is drained */
	}
	return 0;
}

static int run(struct tunnel *t)
{
	while (!stop_signal) {
		struct pollfd p[2] = {{.fd = t->tap_fd, .events = t->n ? 0 : POLLIN},
		                      {.fd = t->sock, .events = POLLIN | (t->n ? POLLOUT : 0)}};
		int e = poll(p, 2, t->n ? 10 : 1000);

		if (e < 0 && errno != EINTR)
			return -errno;
		if (t->n)
			flush_up(t);
		e = pump_up(t);
		if (e == 0)
			e = pump_down(t);
		if (e < 0)
			return e;
		/* Under a flood (a large drain), let frames gather for a moment before the next
		 * wake-up, as feth_tap_wait() does: one wake-up then carries a batch. A quiet link
		 * (a ping) never drains that much, and keeps its latency. */
		if (t->drained >= FLOOD_FRAMES && !t->n) {
			struct timespec pause = {0, FLOOD_PAUSE_NS};

			nanosleep(&pause, NULL);
		}
	}
	return 0;
}

static void report(const struct tunnel *t)
{
	struct feth_tap_stats st;

	fprintf(stderr,
	        "feth-tunnel: tap->peer %" PRIu64 " frames %" PRIu64 " bytes, %" PRIu64
	        " dropped (%" PRIu64 " too big for the underlay), %" PRIu64
	        " waits for the socket\n",
	        t->up.frames, t->up.bytes, t->up.dropped, t->up_too_big, t->up_socket_waits);
	fprintf(stderr,
	        "feth-tunnel: peer->tap %" PRIu64 " frames %" PRIu64 " bytes, %" PRIu64
	        " dropped (%" PRIu64 " malformed, %" PRIu64 " oversized, %" PRIu64
	        " tap full), %" PRIu64 " from others ignored, %" PRIu64 " waits for the tap\n",
	        t->down.frames, t->down.bytes, t->down.dropped, t->tap_drops.malformed,
	        t->tap_drops.oversized, t->tap_drops.nobufs, t->down_foreign, t->tap_drops.waits);
	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	if (feth_tap_get_stats(t->tap, &st) == 0)
		fprintf(stderr,
		        "feth-tunnel: tap rx_frames %" PRIu64 " rx_kernel_drops %" PRIu64
		        " rx_oversized %" PRIu64 " tx_frames %" PRIu64 " tx_err_nobufs %" PRIu64
		        "\n",
		        st.rx_frames, st.rx_kernel_drops, st.rx_oversized, st.tx_frames,
		        st.tx_err_nobufs);
}

struct args {
	const char *peer, *addr4, *addr6, *adopt;
	unsigned long listen, mtu, underlay_mtu;
	uint32_t rx_mode;
	int quiet;
	uint8_t ip4[4], ip6[16];
	uint32_t len4, len6;
};

static int parse_args(int argc, char **argv, struct args *a, struct tunnel *t)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "-q") == 0) {
			a->quiet = 1;
			continue;
		}
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			fputs(usage_text, stdout);
			exit(EXIT_SUCCESS);
		}
		if (!v)
			return usage("an option is missing its value");
		i++;
		if (strcmp(o, "--listen") == 0) {
			if (relay_parse_uint(v, 1, 65535, &a->listen) < 0)
				return usage("--listen needs a port, 1..65535");
		} else if (strcmp(o, "--peer") == 0) {
			if (parse_peer(v, &t->peer, &t->peer_len) < 0)
				return usage("--peer needs A.B.C.D:PORT or [X::Y]:PORT");
			a->peer = v;
		} else if (strcmp(o, "--host-addr") == 0) {
			if (relay_parse_prefix(v, AF_INET, a->ip4, &a->len4) < 0)
				return usage("--host-addr needs A.B.C.D/N");
			a->addr4 = v;
		} else if (strcmp(o, "--host-addr6") == 0) {
			if (relay_parse_prefix(v, AF_INET6, a->ip6, &a->len6) < 0)
				return usage("--host-addr6 needs X::Y/N");
			a->addr6 = v;
		} else if (strcmp(o, "--mtu") == 0) {
			if (relay_parse_uint(v, FETH_MTU_MIN, FETH_MTU_MAX, &a->mtu) < 0)
				return usage("--mtu needs a number from 72 to 16370");
		} else if (strcmp(o, "--underlay-mtu") == 0) {
			if (relay_parse_uint(v, 128, 65535, &a->underlay_mtu) < 0)
				return usage("--underlay-mtu needs a number from 128 to 65535");
		} else if (strcmp(o, "--adopt") == 0) {
			if (strlen(v) >= FETH_IFNAMSIZ)
				return usage("--adopt needs an interface name");
			a->adopt = v;
		} else if (strcmp(o, "--rx-mode") == 0) {
			if (strcmp(v, "auto") == 0)
				a->rx_mode = FETH_TAP_RX_AUTO;
			else if (strcmp(v, "batch") == 0)
				a->rx_mode = FETH_TAP_RX_BATCH;
			else if (strcmp(v, "low_latency") == 0)
				a->rx_mode = FETH_TAP_RX_LOW_LATENCY;
			else
				return usage("--rx-mode is auto, batch or low_latency");
		} else {
			return usage("unknown option");
		}
	}
	if (!a->listen || !a->peer)
		return usage("--listen and --peer are needed");
	if (a->adopt && a->mtu)
		return usage("--mtu is the adopted pair's own business: not with --adopt");
	return 0;
}

/* The UDP socket: bound to the port on every address of the peer's family, non-blocking. */
static int open_socket(struct tunnel *t, unsigned long port)
{
	struct sockaddr_storage self;
	socklen_t len;
	int fd = socket(t->peer.ss_family, SOCK_DGRAM, 0), one = 1;

	memset(&self, 0, sizeof(self));
	if (t->peer.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&self;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		in->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&self;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		in6->sin6_addr = in6addr_any;
		len = sizeof(*in6);
	}
	if (fd < 0)
		return -errno;
	if (t->peer.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	relay_set_buffers(fd);
	if (bind(fd, (const struct sockaddr *)&self, len) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	/* Non-blocking for the loop, close-on-exec for hygiene; and never SIGPIPE. */
	if (relay_nonblock_cloexec(fd) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* Opens the tap and gives its host side the addresses; fills t's limits. */
static int open_tap(struct tunnel *t, const struct args *a, struct feth_tap_info *info)
{
	struct feth_tap_opts o;
	uint32_t ip_hlen = t->peer.ss_family == AF_INET ? 20 : 40;
	uint32_t underlay = (uint32_t)a->underlay_mtu;
	int e;

	if (!underlay)
		underlay = relay_path_mtu(&t->peer, t->peer_len);
	if (!underlay) {
		underlay = 1500;
		fprintf(stderr, "feth-tunnel: the underlay's MTU is not known here: taking 1500 "
		                "(--underlay-mtu says otherwise)\n");
	}
	if (underlay < ip_hlen + UDP_HLEN + RELAY_ETH_HLEN + FETH_MTU_MIN) {
		fprintf(stderr, "feth-tunnel: an underlay MTU of %u leaves no room for frames\n",
		        (unsigned)underlay);
		return -EINVAL;
	}
	t->max_datagram = underlay - ip_hlen - UDP_HLEN;
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.rx_mode = a->rx_mode;
	if (a->adopt) {
		o.flags = FETH_TAP_ADOPT;
		strcpy(o.host_name, a->adopt);
	} else {
		o.mtu = a->mtu ? (uint32_t)a->mtu : t->max_datagram - RELAY_ETH_HLEN;
		if (o.mtu > FETH_MTU_MAX)
			o.mtu = FETH_MTU_MAX;
	}
	e = feth_tap_open(&o, &t->tap);
	if (e < 0) {
		fprintf(stderr, "feth-tunnel: opening the tap: %s\n", strerror(-e));
		return e;
	}
	memset(info, 0, sizeof(*info));
	info->sz = sizeof(*info);
	e = feth_tap_get_info(t->tap, info);
	t->tap_fd = feth_tap_fd(t->tap);
	if (e == 0 && t->tap_fd < 0)
		e = t->tap_fd;
	if (e == 0)
		e = relay_add_addrs(info->host_name, a->addr4 ? a->ip4 : NULL, a->len4,
		                    a->addr6 ? a->ip6 : NULL, a->len6);
	if (e < 0) {
		fprintf(stderr, "feth-tunnel: setting up %s: %s\n", info->host_name, strerror(-e));
		return e;
	}
	t->max_frame = info->max_frame;
	if (info->mtu + RELAY_ETH_HLEN > t->max_datagram)
		fprintf(stderr,
		        "feth-tunnel: %s's MTU %u is more than the underlay carries (%u): "
		        "longer frames will be dropped\n",
		        info->host_name, (unsigned)info->mtu,
		        (unsigned)(t->max_datagram - RELAY_ETH_HLEN));
	return 0;
}

int main(int argc, char **argv)
{
	struct feth_tap_info info;
	struct tunnel *t = calloc(1, sizeof(*t));
	struct sigaction sa;
	struct args a;
	int e, rc = EXIT_SUCCESS;

	feth_example_fill_std_fds(); /* closed ones on /dev/null: never the tap's or the socket */
	if (!t) {
		fprintf(stderr, "feth-tunnel: out of memory\n");
		return EXIT_FAILURE;
	}
	t->sock = -1;
	e = parse_args(argc, argv, &a, t);
	if (e) {
		free(t);
		return e;
	}
	if (relay_rx_init(&t->rx) < 0) {
		free(t);
		fprintf(stderr, "feth-tunnel: out of memory\n");
		return EXIT_FAILURE;
	}
#ifdef __linux__
	for (int i = 0; i < RELAY_BATCH; i++) {
		t->up_msgs[i].msg_hdr.msg_iov = &t->up_iov[i];
		t->up_msgs[i].msg_hdr.msg_iovlen = 1;
		t->up_msgs[i].msg_hdr.msg_name = &t->peer;
		t->up_msgs[i].msg_hdr.msg_namelen = t->peer_len;
	}
#endif
	/* No SA_RESTART: a signal ends poll() at once. SIGPIPE would come from a write to a
	 * closed stdout or stderr: a stop like the others, never a death that leaves the pair. */
	relay_stop_signals(on_signal);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGPIPE, &sa, NULL);

	t->sock = open_socket(t, a.listen);
	if (t->sock < 0) {
		fprintf(stderr, "feth-tunnel: UDP port %lu: %s\n", a.listen, strerror(-t->sock));
		rc = EXIT_FAILURE;
		goto out;
	}
	if (open_tap(t, &a, &info) < 0) {
		rc = EXIT_FAILURE;
		goto out;
	}
	fprintf(stderr, "feth-tunnel: %s (host side %s, mtu %u) <-> udp %s from port %lu\n",
	        info.io_name, info.host_name, (unsigned)info.mtu, a.peer, a.listen);
	if (!a.quiet) {
		printf("ready %s mtu %u peer %s\n", info.host_name, (unsigned)info.mtu, a.peer);
		fflush(stdout);
	}
	e = run(t);
	if (e < 0) {
		fprintf(stderr, "feth-tunnel: %s\n", strerror(-e));
		rc = EXIT_FAILURE;
	}
	if (stop_signal)
		fprintf(stderr, "feth-tunnel: stopped by signal %d\n", (int)stop_signal);
	report(t);
out:
	if (t->tap) {
		e = feth_tap_close(t->tap);
		if (e < 0) {
			fprintf(stderr, "feth-tunnel: closing the tap: %s\n", strerror(-e));
			rc = EXIT_FAILURE;
		}
	}
	if (t->sock >= 0)
		close(t->sock);
	free(t->rx.slots);
	free(t);
	return rc;
}
