/* SPDX-License-Identifier: MIT */
/*
 * tun_tunnel (a benchmark contender, built with the tests only, never installed): the loop of
 * examples/feth-tunnel.c with a kernel TAP device in place of the libfeth tap. An
 * Ethernet-over-UDP tunnel, one frame a datagram, between a TAP device and one UDP peer; it
 * exists so that tests/bench/tunnel.sh can set feth-tunnel beside the usual way of doing the
 * same thing. It does not link libfeth.
 *
 *   tun_tunnel --listen PORT --peer HOST:PORT --name tapN [--mtu N] [--underlay-mtu N]
 *              [--host-addr A.B.C.D/N] [-q]
 *
 * Everything but the tap is feth-tunnel's, line for line where it can be, so that the two
 * differ only in what carries frames between the host stack and the program:
 * - The UDP socket is bound to PORT on the wildcard address of the peer's family, not
 *   connected; every datagram is sent with the peer's address (sendmmsg), and those received
 *   from anyone else are counted and ignored. The underlay's path MTU is read from a connected
 *   socket of its own (IP_MTU / IPV6_MTU; 1500 if the system does not say, --underlay-mtu
 *   replaces it), and the TAP's MTU is that less 20 (40 over IPv6), 8 and 14: 1458 over an IPv4
 *   underlay of 1500, unless --mtu.
 * - The TAP device: /dev/net/tun, IFF_TAP | IFF_NO_PI, non-blocking, without offloads (no
 *   TUNSETOFFLOAD: the kernel checksums and segments before handing a frame over, as it does
 *   for a feth pair whose tap turned them off). Its MTU, IPv4 address and netmask and its up
 *   flag are set with ioctls (SIOCSIFMTU, SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFFLAGS) on an
 *   AF_INET socket; no `ip` program is run. The device goes with the descriptor at exit.
 * - One poll() loop over the TAP's descriptor and the socket. Both ways go in batches as far
 *   as a TAP allows: read() a frame at a time until it has none or BATCH are in hand, then one
 *   sendmmsg() (up to 64 batches a wake-up, as feth-tunnel's feth_tap_recv() rounds); one
 *   recvmmsg() of up to BATCH datagrams, then a write() per frame (up to 16 batches).
 * - Back-pressure as in feth-tunnel: while the socket refuses frames (EAGAIN, ENOBUFS) the TAP
 *   is not read (its queue holds them; what does not fit is its tx_dropped) and poll() waits
 *   for POLLOUT; frames that wait longer than a second are dropped and counted. A frame the
 *   TAP refuses (EAGAIN, ENOBUFS) is waited for (POLLOUT, 1 ms) up to 4 tries, then dropped and
 *   counted. Frames longer than the underlay carries are refused, never fragmented.
 *
 * Prints `ready <name> mtu <MTU> peer <HOST:PORT>` on stdout once running (-q: not), its
 * counters on stderr at exit. Exit status: 0 stopped by SIGINT or SIGTERM, 1 failure, 2 bad
 * usage.
 */
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../examples/relay.h" /* the helpers the feth-tunnel it is compared with uses */

#define EXIT_USAGE 2
#define BATCH      64
#define ETH_HLEN   14
#define UDP_HLEN   8
/* A slot: the longest datagram there is (feth-tunnel's receive slot), also for the TAP's
 * frames, which then are never cut short. */
#define SLOT 65536
/* Frames that waited this long for the socket are dropped. */
#define SOCKET_WAIT_MS 1000
/* Tries of a frame the TAP refused, and the wait between them. */
#define TAP_TRIES    4
#define TAP_PAUSE_MS 1
#define MTU_MIN      68
#define MTU_MAX      (65535 - 40 - 8 - 18)

struct way {
	uint64_t frames, bytes, dropped;
};

struct tunnel {
	int tap, sock;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint32_t max_datagram; /* what the underlay carries in one datagram */
	uint32_t max_frame;    /* what the TAP is given: MTU + 18, as a feth tap's max_frame */

	/* TAP -> peer: frames [at, n) of up_msgs still to send */
	struct mmsghdr up_msgs[BATCH];
	struct iovec up_iov[BATCH];
	uint8_t *up_slots;
	unsigned at, n;
	struct timespec wait_since;

	/* peer -> TAP */
	struct mmsghdr down_msgs[BATCH];
	struct iovec down_iov[BATCH];
	struct sockaddr_storage from[BATCH];
	uint8_t *down_slots;

	struct way up, down;
	uint64_t up_too_big, up_socket_waits;
	uint64_t down_foreign, down_malformed, down_oversized, down_refused, down_tap_waits;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static const char usage_text[] =
    "usage: tun_tunnel --listen PORT --peer HOST:PORT --name tapN [--mtu N] [--underlay-mtu N]\n"
    "                  [--host-addr A.B.C.D/N] [-q]\n";

static int usage(const char *why)
{
	fprintf(stderr, "tun_tunnel: %s\n%s", why, usage_text);
	return EXIT_USAGE;
}

/* A.B.C.D/N into the address and its netmask. */
static int parse_addr(const char *s, struct in_addr *addr, struct in_addr *mask)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long len;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	if (relay_parse_uint(slash + 1, 1, 32, &len) < 0 || inet_pton(AF_INET, ip, addr) != 1)
		return -1;
	mask->s_addr = htonl(len == 32 ? 0xffffffffu : ~(0xffffffffu >> len));
	return 0;
}

/* HOST:PORT or [V6HOST]:PORT, resolved (a name too) into `peer`. */
static int parse_peer(const char *s, struct sockaddr_storage *peer, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hl;
	struct addrinfo hints, *res;
	int e;

	if (!colon || colon == s)
		return -1;
	hl = (size_t)(colon - s);
	if (s[0] == '[' && colon[-1] == ']') {
		h = s + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	e = getaddrinfo(host, colon + 1, &hints, &res);
	if (e != 0) {
		fprintf(stderr, "tun_tunnel: %s: %s\n", s, gai_strerror(e));
		return -1;
	}
	memcpy(peer, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* One interface ioctl on a socket of its own. -1 with a message. */
static int if_ioctl(const char *name, unsigned long req, struct ifreq *ifr, const char *what)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), e = -1;

	if (fd >= 0) {
		strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
		ifr->ifr_name[IFNAMSIZ - 1] = '\0';
		e = ioctl(fd, req, ifr);
		if (e < 0)
			e = -errno;
		close(fd);
	} else {
		e = -errno;
	}
	if (e < 0) {
		fprintf(stderr, "tun_tunnel: %s: %s: %s\n", name, what, strerror(-e));
		return -1;
	}
	return 0;
}

static int if_set_ipv4(const char *name, const struct in_addr *addr, const struct in_addr *mask)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	sin->sin_family = AF_INET;
	sin->sin_addr = *addr;
	if (if_ioctl(name, SIOCSIFADDR, &ifr, "SIOCSIFADDR") < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	sin->sin_family = AF_INET;
	sin->sin_addr = *mask;
	return if_ioctl(name, SIOCSIFNETMASK, &ifr, "SIOCSIFNETMASK");
}

static int if_set_mtu_up(const char *name, unsigned mtu)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = (int)mtu;
	if (if_ioctl(name, SIOCSIFMTU, &ifr, "SIOCSIFMTU") < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	if (if_ioctl(name, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS") < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return if_ioctl(name, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS");
}

/* The TAP device, non-blocking; -1 with a message. */
static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "tun_tunnel: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tun_tunnel: TUNSETIFF %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends the waiting frames to the peer. 1 when none waits any more, 0 when the socket refuses
 * them for now (wait for POLLOUT). */
static int flush_up(struct tunnel *t)
{
	while (t->at < t->n) {
		int k = sendmmsg(t->sock, t->up_msgs + t->at, t->n - t->at,
		                 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k > 0) {
			for (unsigned i = t->at; i < t->at + (unsigned)k; i++)
				t->up.bytes += t->up_iov[i].iov_len;
			t->up.frames += (unsigned)k;
			t->at += (unsigned)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			if (relay_ms_since(&t->wait_since) < SOCKET_WAIT_MS)
				return 0;
			t->up.dropped += t->n - t->at; /* nothing moved for a second */
			break;
		}
		/* ECONNREFUSED (an ICMP error came back), EMSGSIZE, a route gone: this frame is
		 * lost, the next ones are tried. */
		t->up.dropped++;
		t->at++;
	}
	t->at = t->n = 0;
	return 1;
}

/* Reads frames from the TAP, BATCH at most, and sends them, until the TAP has none or the
 * socket refuses more. 0, or an error that ends the tunnel. */
static int pump_up(struct tunnel *t)
{
	for (int round = 0; round < 64 && t->n == 0; round++) {
		unsigned n = 0;

		while (n < BATCH) {
			uint8_t *slot = t->up_slots + (size_t)n * SLOT;
			ssize_t len = read(t->tap, slot, SLOT);

			if (len < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				return -errno;
			}
			/* A frame the underlay cannot carry in one datagram is refused here. */
			if ((size_t)len > t->max_datagram) {
				t->up.dropped++;
				t->up_too_big++;
				continue;
			}
			t->up_iov[n].iov_base = slot;
			t->up_iov[n++].iov_len = (size_t)len;
		}
		if (n == 0)
			return 0;
		t->at = 0;
		t->n = n;
		clock_gettime(CLOCK_MONOTONIC, &t->wait_since);
		if (!flush_up(t))
			t->up_socket_waits++;
		if (n < BATCH)
			return 0; /* the TAP is drained */
	}
	return 0;
}

/* Writes one frame into the TAP: 0, or an error that ends the tunnel. */
static int send_down(struct tunnel *t, const uint8_t *frame, size_t len)
{
	for (int tries = 0;;) {
		ssize_t k = write(t->tap, frame, len);

		if (k >= 0) {
			t->down.frames++;
			t->down.bytes += len;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EBADFD || errno == EIO)
			return -errno; /* the device is gone */
		if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) &&
		    ++tries < TAP_TRIES) {
			struct pollfd p = {.fd = t->tap, .events = POLLOUT};

			t->down_tap_waits++;
			(void)poll(&p, 1, TAP_PAUSE_MS);
			continue;
		}
		t->down.dropped++;
		t->down_refused++;
		return 0;
	}
}

/* Receives from the peer and writes into the TAP, a bounded number of batches. */
static int pump_down(struct tunnel *t)
{
	for (int round = 0; round < 16; round++) {
		int k;

		for (int i = 0; i < BATCH; i++) {
			t->down_iov[i].iov_base = t->down_slots + (size_t)i * SLOT;
			t->down_iov[i].iov_len = SLOT;
			t->down_msgs[i].msg_hdr.msg_name = &t->from[i];
			t->down_msgs[i].msg_hdr.msg_namelen = sizeof(t->from[i]);
			t->down_msgs[i].msg_hdr.msg_flags = 0;
		}
		k = recvmmsg(t->sock, t->down_msgs, BATCH, MSG_DONTWAIT, NULL);
		if (k < 0 && errno == EINTR)
			continue;
		/* ECONNREFUSED and the like: an ICMP error for an earlier send, not a datagram. */
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED ||
		              errno == EHOSTUNREACH || errno == ENETUNREACH))
			return 0;
		if (k < 0)
			return -errno;
		for (int i = 0; i < k; i++) {
			size_t len = t->down_msgs[i].msg_hdr.msg_flags & MSG_TRUNC
			                 ? SLOT + 1
			                 : t->down_msgs[i].msg_len;
			int e;

			if (!relay_same_peer(&t->from[i], &t->peer)) {
				t->down_foreign++;
				continue;
			}
			if (len < ETH_HLEN) {
				t->down.dropped++;
				t->down_malformed++;
				continue;
			}
			if (len > t->max_frame) {
				t->down.dropped++;
				t->down_oversized++;
				continue;
			}
			e = send_down(t, t->down_iov[i].iov_base, len);
			if (e < 0)
				return e;
		}
		if (k < BATCH)
			break; /* the socket is drained */
	}
	return 0;
}

static int run(struct tunnel *t)
{
	while (!stop_signal) {
		struct pollfd p[2] = {{.fd = t->tap, .events = t->n ? 0 : POLLIN},
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
	}
	return 0;
}

/* The TAP interface's drop counters, from /proc/net/dev (this network namespace's):
 * rx_dropped (frames written that the stack did not take) and tx_dropped (frames the stack
 * sent that the TAP's queue had no room for). */
static void if_drops(const char *name, uint64_t *rx_dropped, uint64_t *tx_dropped)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512];
	size_t nl = strlen(name);

	*rx_dropped = *tx_dropped = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		uint64_t v[16];

		while (*p == ' ')
			p++;
		if (strncmp(p, name, nl) != 0 || p[nl] != ':')
			continue;
		if (sscanf(p + nl + 1,
		           "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		           " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
		           &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
		           &v[10], &v[11]) == 12) {
			*rx_dropped = v[3];
			*tx_dropped = v[11];
		}
		break;
	}
	fclose(f);
}

static void report(const struct tunnel *t, const char *name)
{
	uint64_t rx_dropped, tx_dropped;

	if_drops(name, &rx_dropped, &tx_dropped);
	fprintf(stderr,
	        "tun_tunnel: tap->peer %" PRIu64 " frames %" PRIu64 " bytes, %" PRIu64
	        " dropped (%" PRIu64 " too big for the underlay), %" PRIu64
	        " waits for the socket\n",
	        t->up.frames, t->up.bytes, t->up.dropped, t->up_too_big, t->up_socket_waits);
	fprintf(stderr,
	        "tun_tunnel: peer->tap %" PRIu64 " frames %" PRIu64 " bytes, %" PRIu64
	        " dropped (%" PRIu64 " malformed, %" PRIu64 " oversized, %" PRIu64
	        " tap full), %" PRIu64 " from others ignored, %" PRIu64 " waits for the tap\n",
	        t->down.frames, t->down.bytes, t->down.dropped, t->down_malformed,
	        t->down_oversized, t->down_refused, t->down_foreign, t->down_tap_waits);
	fprintf(stderr,
	        "tun_tunnel: %s tx_dropped %" PRIu64 " (frames its queue had no room for) "
	        "rx_dropped %" PRIu64 "\n",
	        name, tx_dropped, rx_dropped);
}

int main(int argc, char **argv)
{
	struct tunnel *t;
	struct sockaddr_storage self;
	socklen_t self_len;
	struct sigaction sa;
	struct in_addr addr = {0}, mask = {0};
	const char *peer_arg = NULL, *name = NULL, *host_addr = NULL;
	unsigned long port = 0, mtu = 0, underlay_mtu = 0;
	int quiet = 0, rc = EXIT_SUCCESS, e;

	t = calloc(1, sizeof(*t));
	if (!t) {
		fprintf(stderr, "tun_tunnel: out of memory\n");
		return EXIT_FAILURE;
	}
	t->tap = t->sock = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-q") == 0) {
			quiet = 1;
			continue;
		}
		if (!v) {
			rc = usage("an option needs a value");
			goto out;
		}
		i++;
		if (strcmp(a, "--listen") == 0) {
			if (relay_parse_uint(v, 1, 65535, &port) < 0) {
				rc = usage("--listen needs a port, 1..65535");
				goto out;
			}
		} else if (strcmp(a, "--peer") == 0) {
			if (parse_peer(v, &t->peer, &t->peer_len) < 0) {
				rc = usage("--peer needs HOST:PORT or [X::Y]:PORT");
				goto out;
			}
			peer_arg = v;
		} else if (strcmp(a, "--name") == 0) {
			if (strlen(v) >= IFNAMSIZ || strchr(v, '%') || !*v) {
				rc = usage("--name is an interface name of at most 15 characters");
				goto out;
			}
			name = v;
		} else if (strcmp(a, "--mtu") == 0) {
			if (relay_parse_uint(v, MTU_MIN, MTU_MAX, &mtu) < 0) {
				rc = usage("--mtu is out of range");
				goto out;
			}
		} else if (strcmp(a, "--underlay-mtu") == 0) {
			if (relay_parse_uint(v, 128, 65535, &underlay_mtu) < 0) {
				rc = usage("--underlay-mtu needs a number from 128 to 65535");
				goto out;
			}
		} else if (strcmp(a, "--host-addr") == 0) {
			if (parse_addr(v, &addr, &mask) < 0) {
				rc = usage("--host-addr needs A.B.C.D/N");
				goto out;
			}
			host_addr = v;
		} else {
			rc = usage("unknown option");
			goto out;
		}
	}
	if (!port || !peer_arg || !name) {
		rc = usage("--listen, --peer and --name are needed");
		goto out;
	}

	/* No SA_RESTART: a signal ends poll() at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	/* The limits: the underlay's datagram, and the TAP's MTU. */
	{
		uint32_t ip_hlen = t->peer.ss_family == AF_INET ? 20 : 40;
		uint32_t underlay = (uint32_t)underlay_mtu;

		if (!underlay)
			underlay = relay_path_mtu(&t->peer, t->peer_len);
		if (!underlay) {
			underlay = 1500;
			fprintf(stderr,
			        "tun_tunnel: the underlay's MTU is not known: taking 1500\n");
		}
		if (underlay < ip_hlen + UDP_HLEN + ETH_HLEN + MTU_MIN) {
			fprintf(stderr,
			        "tun_tunnel: an underlay MTU of %u leaves no room for frames\n",
			        (unsigned)underlay);
			rc = EXIT_FAILURE;
			goto out;
		}
		t->max_datagram = underlay - ip_hlen - UDP_HLEN;
		if (!mtu)
			mtu = t->max_datagram - ETH_HLEN;
		t->max_frame = (uint32_t)mtu + 18;
	}

	/* The socket: PORT on the wildcard address of the peer's family, not connected. */
	memset(&self, 0, sizeof(self));
	self.ss_family = t->peer.ss_family;
	if (t->peer.ss_family == AF_INET6) {
		int one = 1;

		((struct sockaddr_in6 *)&self)->sin6_port = htons((uint16_t)port);
		self_len = sizeof(struct sockaddr_in6);
		t->sock = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (t->sock >= 0)
			(void)setsockopt(t->sock, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	} else {
		((struct sockaddr_in *)&self)->sin_port = htons((uint16_t)port);
		self_len = sizeof(struct sockaddr_in);
		t->sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (t->sock >= 0) {
		/* The same buffers as feth-tunnel's (its set_buffers()). */
		int size = 4 << 20;

		if (setsockopt(t->sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
			(void)setsockopt(t->sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		if (setsockopt(t->sock, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
			(void)setsockopt(t->sock, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	}
	if (t->sock < 0 || bind(t->sock, (const struct sockaddr *)&self, self_len) < 0) {
		fprintf(stderr, "tun_tunnel: UDP port %lu: %s\n", port, strerror(errno));
		rc = EXIT_FAILURE;
		goto out;
	}

	t->up_slots = malloc((size_t)BATCH * SLOT);
	t->down_slots = malloc((size_t)BATCH * SLOT);
	if (!t->up_slots || !t->down_slots) {
		fprintf(stderr, "tun_tunnel: out of memory\n");
		rc = EXIT_FAILURE;
		goto out;
	}
	for (int i = 0; i < BATCH; i++) {
		t->up_msgs[i].msg_hdr.msg_iov = &t->up_iov[i];
		t->up_msgs[i].msg_hdr.msg_iovlen = 1;
		t->up_msgs[i].msg_hdr.msg_name = &t->peer;
		t->up_msgs[i].msg_hdr.msg_namelen = t->peer_len;
		t->down_msgs[i].msg_hdr.msg_iov = &t->down_iov[i];
		t->down_msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t->tap = tap_open(name);
	if (t->tap < 0 || if_set_mtu_up(name, (unsigned)mtu) < 0 ||
	    (host_addr && if_set_ipv4(name, &addr, &mask) < 0)) {
		rc = EXIT_FAILURE;
		goto out;
	}
	fprintf(stderr, "tun_tunnel: %s%s%s mtu %lu <-> udp %s from port %lu\n", name,
	        host_addr ? " " : "", host_addr ? host_addr : "", mtu, peer_arg, port);
	if (!quiet) {
		printf("ready %s mtu %lu peer %s\n", name, mtu, peer_arg);
		fflush(stdout);
	}

	e = run(t);
	if (e < 0) {
		fprintf(stderr, "tun_tunnel: %s\n", strerror(-e));
		rc = EXIT_FAILURE;
	}
	if (stop_signal)
		fprintf(stderr, "tun_tunnel: stopped by signal %d\n", (int)stop_signal);
	report(t, name);
out:
	if (t->tap >= 0)
		close(t->tap);
	if (t->sock >= 0)
		close(t->sock);
	free(t->up_slots);
	free(t->down_slots);
	free(t);
	return rc;
}
