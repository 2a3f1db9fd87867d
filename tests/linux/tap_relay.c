/* SPDX-License-Identifier: MIT */
/*
 * tap_relay (built with the tests only): a tap whose frames travel over a unix datagram socket,
 * a frame a datagram, both ways. Unix sockets are reached by path across network namespaces,
 * so two relays in two namespaces, each the other's --peer, join their taps' host sides by a
 * virtual wire that real clients (ping, iperf3) use. Written only against <feth/feth.h>.
 *
 *   tap_relay --socket PATH --peer PATH [--host fethN] [--io fethN] [--mtu N]
 *             [--addr A.B.C.D/LEN] [--rx-mode auto|batch|low_latency]
 *
 * One poll() loop: feth_tap_recv() views go out by sendmmsg() to the peer (the socket is
 * connected to it, so that poll() reports POLLOUT only while the peer's queue has room), and
 * what recvmmsg() gets goes into the tap by feth_tap_send_batch(). A full queue either way is
 * waited for, not spun on: the tap is not read while frames wait for the peer (its ring holds
 * them), and a frame the tap's I/O side refuses with -ENOBUFS is tried again after a short wait,
 * then dropped. Frames that cannot pass (no peer yet, too long) are dropped and counted.
 * Prints "ready" on stdout once frames flow, its counters on stderr at exit. Exit status: 0
 * stopped by SIGINT or SIGTERM (the tap closed, its pair destroyed), 1 failure, 2 bad usage.
 */
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <feth/feth.h>

#define EXIT_USAGE 2
#define BATCH      64
/* A datagram slot: the longest frame a host side can send (a 64 KiB GSO frame with a tag). */
#define SLOT (65535 + 18)
/* Frames that waited this long for the peer's queue are dropped. */
#define PEER_WAIT_MS 1000
/* Tries of a frame the I/O side refused with -ENOBUFS, and the pause between them. */
#define TAP_TRIES    4
#define TAP_PAUSE_NS 200000L

struct way {
	uint64_t frames, bytes, dropped;
};

struct relay {
	struct feth_tap *tap;
	int tap_fd, us, connected;
	struct sockaddr_un peer;
	struct timespec last_connect;

	/* tap -> peer: the views of the last receive, [at, n) still to send. */
	struct feth_frame views[BATCH];
	struct mmsghdr up_msgs[BATCH];
	struct iovec up_iov[BATCH];
	unsigned at, n;
	struct timespec wait_since;

	/* peer -> tap */
	struct mmsghdr down_msgs[BATCH];
	struct iovec down_iov[BATCH], frames[BATCH];
	uint8_t *slots;

	struct way up, down;
	uint64_t up_nopeer, up_peer_waits, down_oversized, down_nobufs, down_waits;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char usage_text[] =
    "usage: tap_relay --socket PATH --peer PATH [--host fethN] [--io fethN] [--mtu N]\n"
    "                 [--addr A.B.C.D/LEN] [--rx-mode auto|batch|low_latency]\n";

static int usage(const char *why)
{
	fprintf(stderr, "tap_relay: %s\n%s", why, usage_text);
	return EXIT_USAGE;
}

static int set_name(char dst[FETH_IFNAMSIZ], const char *src)
{
	if (strlen(src) >= FETH_IFNAMSIZ)
		return -1;
	strcpy(dst, src);
	return 0;
}

static int set_path(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	strcpy(sun->sun_path, path);
	return 0;
}

static int parse_addr(const char *s, uint8_t addr[4], uint32_t *ret_len)
{
	char ip[INET_ADDRSTRLEN], *end;
	const char *slash = strchr(s, '/');
	unsigned long len;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || len < 1 || len > 32 ||
	    inet_pton(AF_INET, ip, addr) != 1)
		return -1;
	*ret_len = (uint32_t)len;
	return 0;
}

static int64_t ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Connects to the peer's socket (at most every 100 ms while it is not there). */
static void try_connect(struct relay *r)
{
	if (r->connected || (r->last_connect.tv_sec && ms_since(&r->last_connect) < 100))
		return;
	clock_gettime(CLOCK_MONOTONIC, &r->last_connect);
	r->connected = connect(r->us, (const struct sockaddr *)&r->peer, sizeof(r->peer)) == 0;
}

/* Sends the waiting views to the peer. 1 when none waits any more, 0 when the peer's queue is
 * full (wait for POLLOUT). */
static int flush_up(struct relay *r)
{
	while (r->at < r->n) {
		int k =
		    sendmmsg(r->us, r->up_msgs + r->at, r->n - r->at, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k > 0) {
			for (unsigned i = r->at; i < r->at + (unsigned)k; i++)
				r->up.bytes += r->up_iov[i].iov_len;
			r->up.frames += (unsigned)k;
			r->at += (unsigned)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == ENOBUFS) {
			if (ms_since(&r->wait_since) < PEER_WAIT_MS)
				return 0;
			r->up.dropped += r->n - r->at; /* the peer stopped reading */
			break;
		}
		if (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT) {
			/* The peer went away: what waits is lost, a new peer is looked for. */
			r->connected = 0;
			r->up_nopeer += r->n - r->at;
			r->up.dropped += r->n - r->at;
			break;
		}
		r->up.dropped++; /* EMSGSIZE or the like: this frame cannot go */
		r->at++;
	}
	r->at = r->n = 0;
	return 1;
}

/* Receives from the tap and sends to the peer until the tap has nothing or the peer's queue is
 * full. 0, or the tap's error. */
static int pump_up(struct relay *r)
{
	for (int round = 0; round < 64 && r->n == 0; round++) {
		int n = feth_tap_recv(r->tap, r->views, BATCH);

		if (n <= 0)
			return n;
		try_connect(r);
		if (!r->connected) {
			r->up_nopeer += (unsigned)n;
			r->up.dropped += (unsigned)n;
			continue;
		}
		for (int i = 0; i < n; i++) {
			r->up_iov[i].iov_base = (void *)(uintptr_t)r->views[i].data;
			r->up_iov[i].iov_len = r->views[i].caplen;
		}
		r->at = 0;
		r->n = (unsigned)n;
		clock_gettime(CLOCK_MONOTONIC, &r->wait_since);
		if (!flush_up(r))
			r->up_peer_waits++;
	}
	return 0;
}

/* Waits until the tap's socket may send, and a little more: the queue that refused the frame
 * is the host side's receive backlog, which poll() does not watch. */
static void wait_tap(struct relay *r)
{
	struct pollfd p = {.fd = r->tap_fd, .events = POLLOUT};
	struct timespec pause = {0, TAP_PAUSE_NS};

	r->down_waits++;
	if (poll(&p, 1, 10) >= 0)
		nanosleep(&pause, NULL);
}

/* Sends frames[0, n) into the tap. 0, or an error that ends the relay. */
static int send_down(struct relay *r, size_t n)
{
	size_t i = 0;
	int tries = 0;

	while (i < n) {
		int k = feth_tap_send_batch(r->tap, r->frames + i, n - i);

		if (k > 0) {
			for (size_t j = i; j < i + (size_t)k; j++)
				r->down.bytes += r->frames[j].iov_len;
			r->down.frames += (unsigned)k;
			i += (size_t)k;
			tries = 0;
			continue;
		}
		if (k == -ENXIO || k == -ESHUTDOWN)
			return k;
		if (k == -ENOBUFS && ++tries < TAP_TRIES) {
			wait_tap(r);
			continue;
		}
		/* Longer than the tap's max_frame, refused again and again, or another error. */
		r->down.dropped++;
		r->down_oversized += k == -EMSGSIZE;
		r->down_nobufs += k == -ENOBUFS;
		i++;
		tries = 0;
	}
	return 0;
}

/* Receives from the peer and sends into the tap, a bounded number of batches. */
static int pump_down(struct relay *r)
{
	for (int round = 0; round < 16; round++) {
		size_t n = 0;
		int k;

		for (int i = 0; i < BATCH; i++) {
			r->down_iov[i].iov_base = r->slots + (size_t)i * SLOT;
			r->down_iov[i].iov_len = SLOT;
			r->down_msgs[i].msg_hdr.msg_flags = 0;
		}
		k = recvmmsg(r->us, r->down_msgs, BATCH, MSG_DONTWAIT, NULL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == ECONNREFUSED)
				return 0;
			return -errno;
		}
		for (int i = 0; i < k; i++) {
			if (r->down_msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				r->down.dropped++;
				r->down_oversized++;
				continue;
			}
			r->frames[n].iov_base = r->down_iov[i].iov_base;
			r->frames[n++].iov_len = r->down_msgs[i].msg_len;
		}
		k = n ? send_down(r, n) : 0;
		if (k < 0)
			return k;
		if (n < BATCH)
			break;
	}
	return 0;
}

static int run(struct relay *r)
{
	while (!stop) {
		struct pollfd p[2] = {{.fd = r->tap_fd, .events = r->n ? 0 : POLLIN},
		                      {.fd = r->us, .events = POLLIN | (r->n ? POLLOUT : 0)}};
		int e;

		try_connect(r);
		e = poll(p, 2, r->connected ? 500 : 100);
		if (e < 0 && errno != EINTR)
			return -errno;
		if (r->n)
			flush_up(r);
		e = pump_up(r);
		if (e == 0)
			e = pump_down(r);
		if (e < 0)
			return e;
	}
	return 0;
}

static void report(const struct relay *r)
{
	struct feth_tap_stats st;

	fprintf(stderr,
	        "tap_relay: tap->peer %" PRIu64 " frames %" PRIu64 " bytes, %" PRIu64
	        " dropped (%" PRIu64 " without a peer), %" PRIu64 " waits for the peer\n",
	        r->up.frames, r->up.bytes, r->up.dropped, r->up_nopeer, r->up_peer_waits);
	fprintf(stderr,
	        "tap_relay: peer->tap %" PRIu64 " frames %" PRIu64 " bytes, %" PRIu64
	        " dropped (%" PRIu64 " oversized, %" PRIu64 " queue full), %" PRIu64
	        " waits for the tap\n",
	        r->down.frames, r->down.bytes, r->down.dropped, r->down_oversized, r->down_nobufs,
	        r->down_waits);
	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	if (feth_tap_get_stats(r->tap, &st) == 0)
		fprintf(stderr,
		        "tap_relay: tap rx_frames %" PRIu64 " rx_kernel_drops %" PRIu64
		        " rx_oversized %" PRIu64 " rx_csum_completed %" PRIu64 " tx_frames %" PRIu64
		        " tx_err_nobufs %" PRIu64 "\n",
		        st.rx_frames, st.rx_kernel_drops, st.rx_oversized, st.rx_csum_completed,
		        st.tx_frames, st.tx_err_nobufs);
}

int main(int argc, char **argv)
{
	struct feth_tap_opts o;
	struct feth_tap_info info;
	struct sockaddr_un self;
	struct relay *r;
	struct sigaction sa;
	const char *sock = NULL, *peer = NULL, *addr = NULL;
	uint8_t ip[4];
	uint32_t prefix = 0;
	int e, rc = EXIT_SUCCESS;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return usage("an option needs a value");
		if (strcmp(a, "--socket") == 0) {
			sock = v;
		} else if (strcmp(a, "--peer") == 0) {
			peer = v;
		} else if (strcmp(a, "--host") == 0 || strcmp(a, "--io") == 0) {
			if (set_name(a[2] == 'h' ? o.host_name : o.io_name, v) < 0)
				return usage("interface names are at most 15 characters");
		} else if (strcmp(a, "--mtu") == 0) {
			char *end;
			unsigned long m = strtoul(v, &end, 10);

			if (*end || m < FETH_MTU_MIN || m > FETH_MTU_MAX)
				return usage("--mtu needs a number from 72 to 16370");
			o.mtu = (uint32_t)m;
		} else if (strcmp(a, "--addr") == 0) {
			if (parse_addr(v, ip, &prefix) < 0)
				return usage("--addr needs A.B.C.D/LEN");
			addr = v;
		} else if (strcmp(a, "--rx-mode") == 0) {
			if (strcmp(v, "auto") == 0)
				o.rx_mode = FETH_TAP_RX_AUTO;
			else if (strcmp(v, "batch") == 0)
				o.rx_mode = FETH_TAP_RX_BATCH;
			else if (strcmp(v, "low_latency") == 0)
				o.rx_mode = FETH_TAP_RX_LOW_LATENCY;
			else
				return usage("--rx-mode is auto, batch or low_latency");
		} else {
			return usage("unknown option");
		}
	}
	if (!sock || !peer)
		return usage("--socket and --peer are needed");
	r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "tap_relay: out of memory\n");
		return EXIT_FAILURE;
	}
	if (set_path(&self, sock) < 0 || set_path(&r->peer, peer) < 0) {
		free(r);
		return usage("socket paths are at most 107 bytes");
	}
	r->slots = malloc((size_t)BATCH * SLOT);
	if (!r->slots) {
		free(r);
		fprintf(stderr, "tap_relay: out of memory\n");
		return EXIT_FAILURE;
	}
	for (int i = 0; i < BATCH; i++) {
		r->up_msgs[i].msg_hdr.msg_iov = &r->up_iov[i];
		r->up_msgs[i].msg_hdr.msg_iovlen = 1;
		r->down_msgs[i].msg_hdr.msg_iov = &r->down_iov[i];
		r->down_msgs[i].msg_hdr.msg_iovlen = 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: poll() returns at once */
	sigaction(SIGTERM, &sa, NULL);

	r->us = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(sock); /* a relay's leftover */
	if (r->us < 0 || bind(r->us, (const struct sockaddr *)&self, sizeof(self)) < 0) {
		fprintf(stderr, "tap_relay: %s: %s\n", sock, strerror(errno));
		rc = EXIT_FAILURE;
		goto out_socket;
	}
	e = feth_tap_open(&o, &r->tap);
	if (e < 0) {
		fprintf(stderr, "tap_relay: opening the tap: %s\n", strerror(-e));
		rc = EXIT_FAILURE;
		goto out_bound;
	}
	memset(&info, 0, sizeof(info));
	info.sz = sizeof(info);
	r->tap_fd = feth_tap_fd(r->tap);
	e = feth_tap_get_info(r->tap, &info);
	if (e == 0 && addr)
		e = feth_if_add_ipv4(info.host_name, ip, prefix);
	if (e < 0 || r->tap_fd < 0) {
		fprintf(stderr, "tap_relay: setting up %s: %s\n", info.host_name,
		        strerror(e < 0 ? -e : -r->tap_fd));
		rc = EXIT_FAILURE;
		goto out_tap;
	}
	fprintf(stderr, "tap_relay: %s (host side %s%s%s, max_frame %u, rx_mode %u) <-> %s\n",
	        info.io_name, info.host_name, addr ? " " : "", addr ? addr : "",
	        (unsigned)info.max_frame, (unsigned)info.rx_mode, peer);
	printf("ready\n");
	fflush(stdout);

	e = run(r);
	if (e < 0) {
		fprintf(stderr, "tap_relay: %s\n", strerror(-e));
		rc = EXIT_FAILURE;
	}
	report(r);
out_tap:
	e = feth_tap_close(r->tap);
	if (e < 0) {
		fprintf(stderr, "tap_relay: closing the tap: %s\n", strerror(-e));
		rc = EXIT_FAILURE;
	}
out_bound:
	unlink(sock);
out_socket:
	if (r->us >= 0)
		close(r->us);
	free(r->slots);
	free(r);
	return rc;
}
