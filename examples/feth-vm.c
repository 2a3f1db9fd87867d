/* SPDX-License-Identifier: MIT */
/*
 * feth-vm: one helper process per virtual machine. It opens a tap (a new pair, or --adopt), gives
 * the host side the addresses asked for, and relays frames between the tap and a datagram socket
 * whose other end the VM process holds, one Ethernet frame per datagram: what QEMU's
 * `-netdev dgram`, vfkit and krunkit speak. Written only against <feth/feth.h> and the
 * platform's system calls. See docs/vm.md.
 *
 *   feth-vm (--fd N | --socket PATH) [--host-addr A.B.C.D/N] [--host-addr6 X::Y/N] [--mtu N]
 *           [--adopt fethN] [--user USER[:GROUP]] [--check-confinement] [-q]
 *
 * Privileges. It starts as root and forks once the tap is open:
 * - The parent stays root and holds the tap only to destroy the pair when the relay ends. It
 *   reads nothing from anyone: its only input is the relay's exit (and the stop signals, which
 *   it passes on).
 * - The relay (the child) takes the invoking user's identity (SUDO_UID and SUDO_GID, or --user)
 *   before it touches a byte from the VM, sets no_new_privs, and on Linux installs a seccomp
 *   filter (install_filter()). What it holds then is the tap's descriptors and the VM's socket;
 *   the filter refuses every way of using the tap's descriptors beyond the tap (binding them to
 *   another interface, sending with an address, duplicating or passing them on). After the uid
 *   change the kernel makes the relay non-dumpable, so the user's other processes cannot trace
 *   it or take its descriptors. --check-confinement tries those ways and reports each.
 *
 * The relay:
 * - One poll() loop over the tap's descriptor, the VM's socket and a pipe from the parent (its
 *   end means the parent died: the relay stops). Both ways go in batches: a feth_tap_recv()
 *   batch leaves one datagram at a time (sendto(): sendmsg() and sendmmsg() could carry
 *   descriptors, so the filter refuses them), and the datagrams of one recvmmsg() enter the tap
 *   in one feth_tap_send_batch() (on Linux through the tap's TX ring: one send(2) per batch).
 * - Back-pressure without spinning and without silent loss: while the VM's socket is full the
 *   tap is not read (its ring holds the frames) and poll() waits for POLLOUT; frames that wait
 *   longer than a second are dropped and counted. A tap that refuses frames (-ENOBUFS) is
 *   waited for briefly, then the frame is dropped and counted.
 * - A datagram is only ever a frame's bytes: too short for an Ethernet header (malformed) or
 *   longer than the tap takes (oversized), it is dropped and counted. With --socket the first
 *   sender becomes the peer (vfkit's and krunkit's 4-byte "VFKT" hello only introduces it) and
 *   the socket is connected to it, so the kernel refuses everyone else's datagrams from then on;
 *   datagrams from others before that are counted and ignored.
 * - It stops when the VM closes its end (Linux: the socket's peer is looked up every second
 *   through sock_diag, as a datagram socket gets no hang-up; elsewhere the kernel reports it),
 *   on SIGINT, SIGTERM and SIGHUP, and when its parent dies. The parent then destroys the pair.
 *
 * Prints one JSON line on stdout once frames flow (the host side's name, MAC and addresses, the
 * MTU, the largest frame, the pids); everything else goes to stderr. Exit status: 0 stopped (the
 * VM closed its end, or a signal), 1 failure (also a relay that died), 2 bad usage.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* recvmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/inet_diag.h> /* INET_DIAG_NOCOOKIE */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/seccomp.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include <feth/feth.h>

#include "hints.h"
#include "relay.h"
#include "stdio_fds.h"

#define EXIT_USAGE 2
/* Frames that waited this long for the VM's socket are dropped. */
#define SOCKET_WAIT_MS 1000
/* How often the relay looks whether the VM's end still exists (Linux), and how long the parent
 * gives the relay to stop after passing a signal on before it kills it. */
#define PEER_CHECK_MS  1000
#define RELAY_GRACE_MS 3000
/* vfkit's and krunkit's hello: the first datagram of a client that connects by path. */
static const char vfkit_hello[4] = {'V', 'F', 'K', 'T'};

static const char usage_text[] =
    "usage: feth-vm (--fd N | --socket PATH) [--host-addr A.B.C.D/N] [--host-addr6 X::Y/N]\n"
    "               [--mtu N] [--adopt fethN] [--user USER[:GROUP]] [--check-confinement] [-q]\n"
    "\n"
    "Connects a virtual machine to a tap: every frame the VM sends on its datagram socket enters\n"
    "the tap's host side, and every frame the host side sends goes to the VM, one frame per\n"
    "datagram (QEMU -netdev dgram, vfkit, krunkit). Start it as root (sudo): the relay itself\n"
    "runs as the invoking user.\n"
    "\n"
    "  --fd N               an inherited unix datagram socket (the VM holds the other end of\n"
    "                       the socketpair)\n"
    "  --socket PATH        a unix datagram socket to bind at PATH (mode 0600, owned by the\n"
    "                       user); the VM end binds its own path and sends here\n"
    "  --host-addr A.B.C.D/N, --host-addr6 X::Y/N\n"
    "                       addresses for the tap's host side\n"
    "  --mtu N              the tap's MTU (default 1500)\n"
    "  --adopt fethN        use an existing pair (fethN its host side) instead of a new one\n"
    "  --user USER[:GROUP]  who the relay runs as (default: SUDO_UID and SUDO_GID)\n"
    "  --check-confinement  set up, drop privileges, try each way of using the tap beyond\n"
    "                       itself, report, and stop (0: all refused)\n"
    "  -q                   no JSON line\n";

struct relay {
	struct feth_tap *tap;
	int tap_fd, vm, parent_pipe, diag;
	int lo_index; /* --check-confinement's other interface, looked up before the filter */
	uint32_t max_frame;
	int path_mode; /* --socket: the peer is learnt from the first datagram */
	int have_peer; /* --fd: always; --socket: once learnt (and connected to) */
	ino_t vm_ino;  /* the VM socket's inode, for the sock_diag lookups */
	struct timespec peer_checked;

	/* tap -> vm: the views of the last receive, [at, n) still to send. */
	struct feth_frame views[RELAY_BATCH];
	unsigned at, n;
	struct timespec wait_since;

	/* vm -> tap */
	struct relay_rx rx;
	struct iovec frames[RELAY_BATCH];

	struct relay_way up, down;
	uint64_t up_too_big, up_no_peer, up_vm_full, up_vm_waits;
	struct relay_tap_drops tap_drops;
	uint64_t down_foreign;
	uint64_t hellos;
	const char *end; /* why the relay stopped, when not by a signal */
};

static volatile sig_atomic_t stop_signal, child_exited;

static void on_signal(int sig)
{
	if (sig == SIGCHLD)
		child_exited = 1;
	else
		stop_signal = sig;
}

static int usage(const char *why)
{
	fprintf(stderr, "feth-vm: %s\n\n%s", why, usage_text);
	return EXIT_USAGE;
}

/* ==== The VM's end ========================================================================= */

/* Errors of a send or receive that mean the VM's end is gone. */
static int vm_gone_error(int e)
{
	return e == ECONNREFUSED || e == ECONNRESET || e == ENOTCONN || e == EPIPE || e == ENOENT ||
	       e == EDESTADDRREQ;
}

#ifdef __linux__
/*
 * Whether the VM's end of the socket still exists. A unix datagram socket gets no hang-up when
 * its peer closes (af_unix.c's unix_release_sock() shuts down only stream and seqpacket peers),
 * so the relay asks sock_diag for the peer of its own socket: UNIX_DIAG_PEER gives the peer's
 * inode, 0 once the peer was closed (its struct sock lingers, orphaned, until this socket sends
 * to it). 1 alive, 0 gone, -1 unknown (no sock_diag: the relay then finds out when it sends).
 */
static int vm_alive(struct relay *r)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} q;
	union {
		struct nlmsghdr nlh;
		uint8_t buf[1024];
	} a;
	ssize_t got;

	if (r->diag < 0 || !r->have_peer)
		return -1;
	memset(&q, 0, sizeof(q));
	q.nlh.nlmsg_len = sizeof(q);
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST;
	q.req.sdiag_family = AF_UNIX;
	q.req.udiag_ino = (uint32_t)r->vm_ino;
	q.req.udiag_show = UDIAG_SHOW_PEER;
	q.req.udiag_cookie[0] = q.req.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (send(r->diag, &q, sizeof(q), 0) < 0)
		return -1;
	got = recv(r->diag, &a, sizeof(a), 0);
	if (got < (ssize_t)NLMSG_LENGTH(sizeof(struct unix_diag_msg)) ||
	    a.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY || a.nlh.nlmsg_len > (size_t)got)
		return -1;
	{
		struct rtattr *at =
		    (struct rtattr *)(void *)((uint8_t *)NLMSG_DATA(&a.nlh) +
		                              NLMSG_ALIGN(sizeof(struct unix_diag_msg)));
		int left = (int)a.nlh.nlmsg_len -
		           (int)NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct unix_diag_msg)));

		for (; RTA_OK(at, left); at = RTA_NEXT(at, left))
			if (at->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(at) >= sizeof(uint32_t))
				return *(uint32_t *)RTA_DATA(at) != 0;
	}
	return 0; /* no peer at all: disconnected */
}
#else
static int vm_alive(struct relay *r)
{
	(void)r;
	/* macOS tells by itself: xnu's unp_detach() (bsd/kern/uipc_usrreq.c) drops every datagram
	 * socket connected to the one being closed with unp_drop(..., ECONNRESET), so the next
	 * receive fails with ECONNRESET (vm_gone_error()). Read in the source, not run. */
	return -1;
}
#endif

/* ==== tap -> VM ============================================================================ */

/* Sends the waiting frames to the VM. 1 when none waits any more, 0 when the socket refuses
 * them for now (wait for POLLOUT), -1 when the VM is gone. */
static int flush_up(struct relay *r)
{
	while (r->at < r->n) {
		const struct feth_frame *f = &r->views[r->at];
		ssize_t k = send(r->vm, f->data, f->caplen, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k >= 0) {
			r->up.frames++;
			r->up.bytes += f->caplen;
			r->at++;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			if (relay_ms_since(&r->wait_since) < SOCKET_WAIT_MS)
				return 0;
			r->up.dropped += r->n - r->at; /* nothing moved for a second */
			r->up_vm_full += r->n - r->at;
			break;
		}
		if (vm_gone_error(errno)) {
			r->end = "the VM closed its end";
			return -1;
		}
		r->up.dropped++; /* EMSGSIZE and the like: this frame is lost, not the next */
		r->at++;
	}
	r->at = r->n = 0;
	return 1;
}

/* Receives from the tap and sends to the VM until the tap has nothing or the socket refuses
 * more. 0, 1 when the VM is gone, or the tap's error. */
static int pump_up(struct relay *r)
{
	for (int round = 0; round < 64 && r->n == 0; round++) {
		int n = feth_tap_recv(r->tap, r->views, RELAY_BATCH);
		unsigned k = 0;

		if (n <= 0)
			return n;
		for (int i = 0; i < n; i++) {
			/* A frame cut short (a view shorter than the frame) is never passed on. */
			if (r->views[i].caplen < r->views[i].len ||
			    r->views[i].caplen > RELAY_SLOT) {
				r->up.dropped++;
				r->up_too_big++;
				continue;
			}
			if (!r->have_peer) {
				r->up.dropped++;
				r->up_no_peer++;
				continue;
			}
			r->views[k++] = r->views[i];
		}
		r->at = 0;
		r->n = k;
		clock_gettime(CLOCK_MONOTONIC, &r->wait_since);
		k = (unsigned)flush_up(r);
		if ((int)k < 0)
			return 1;
		if (k == 0)
			r->up_vm_waits++;
	}
	return 0;
}

/* ==== VM -> tap ============================================================================ */

/* --socket: the first sender with an address becomes the peer, and the socket is connected to
 * it. 1 when datagram i is the peer's (or now is), 0 when it is someone else's. */
static int learn_peer(struct relay *r, int i)
{
	const struct sockaddr_un *from = (const struct sockaddr_un *)&r->rx.from[i];
	size_t path = offsetof(struct sockaddr_un, sun_path);

	if (r->have_peer)
		return 1; /* connected: the kernel passes the peer's datagrams only */
	if (r->rx.from_len[i] <= path || from->sun_family != AF_UNIX)
		return 0; /* an unbound sender cannot be answered */
	if (connect(r->vm, (const struct sockaddr *)&r->rx.from[i], r->rx.from_len[i]) < 0) {
		fprintf(stderr, "feth-vm: connecting to the VM's socket: %s\n", strerror(errno));
		return 0;
	}
	r->have_peer = 1;
	fprintf(stderr, "feth-vm: the VM's socket is %.*s\n", (int)(r->rx.from_len[i] - path),
	        from->sun_path);
	return 1;
}

/* Receives from the VM and sends into the tap, a bounded number of batches. 0, 1 when the VM
 * is gone, or the tap's error. */
static int pump_down(struct relay *r)
{
	for (int round = 0; round < 16; round++) {
		size_t n = 0;
		int got = relay_recv(r->vm, &r->rx), k = got;

		if (k == -EINTR)
			continue;
		if (k == -EAGAIN || k == -EWOULDBLOCK)
			return 0;
		if (k < 0 && vm_gone_error(-k)) {
			r->end = "the VM closed its end";
			return 1;
		}
		if (k < 0)
			return k;
		for (int i = 0; i < k; i++) {
			size_t len = r->rx.iov[i].iov_len;

			if (r->path_mode && !learn_peer(r, i)) {
				r->down_foreign++;
				continue;
			}
			if (len == sizeof(vfkit_hello) &&
			    memcmp(r->rx.iov[i].iov_base, vfkit_hello, sizeof(vfkit_hello)) == 0) {
				r->hellos++;
				continue;
			}
			relay_take(r->frames, &n, r->rx.iov[i].iov_base, len, r->max_frame,
			           &r->down, &r->tap_drops);
		}
		k = n ? relay_to_tap(r->tap, r->tap_fd, r->frames, n, &r->down, &r->tap_drops) : 0;
		if (k < 0)
			return k;
		if (got < RELAY_BATCH)
			break; /* the socket is drained */
	}
	return 0;
}

static int run(struct relay *r)
{
	clock_gettime(CLOCK_MONOTONIC, &r->peer_checked);
	while (!stop_signal) {
		struct pollfd p[3] = {{.fd = r->tap_fd, .events = r->n ? 0 : POLLIN},
		                      {.fd = r->vm, .events = POLLIN | (r->n ? POLLOUT : 0)},
		                      {.fd = r->parent_pipe, .events = POLLIN}};
		int e = poll(p, 3, r->n ? 10 : PEER_CHECK_MS);

		if (e < 0 && errno != EINTR)
			return -errno;
		if (e > 0 && p[2].revents) {
			r->end = "the privileged helper is gone";
			return 0;
		}
		if (r->n && flush_up(r) < 0)
			return 0;
		e = pump_up(r);
		if (e == 0)
			e = pump_down(r);
		if (e < 0)
			return e;
		if (e > 0)
			return 0; /* the VM is gone */
		/* A closed end that the kernel reports (macOS), once its datagrams were taken. */
		if (p[1].revents & (POLLHUP | POLLERR) && !(p[1].revents & POLLIN)) {
			r->end = "the VM closed its end";
			return 0;
		}
		if (relay_ms_since(&r->peer_checked) >= PEER_CHECK_MS) {
			clock_gettime(CLOCK_MONOTONIC, &r->peer_checked);
			if (vm_alive(r) == 0) {
				r->end = "the VM closed its end";
				return 0;
			}
		}
	}
	return 0;
}

static void report(const struct relay *r)
{
	struct feth_tap_stats st;

	fprintf(stderr,
	        "feth-vm: vm->tap %" PRIu64 " frames %" PRIu64 " bytes, %" PRIu64
	        " dropped (%" PRIu64 " malformed, %" PRIu64 " oversized, %" PRIu64
	        " tap full), %" PRIu64 " from others ignored, %" PRIu64 " hellos, %" PRIu64
	        " waits for the tap\n",
	        r->down.frames, r->down.bytes, r->down.dropped, r->tap_drops.malformed,
	        r->tap_drops.oversized, r->tap_drops.nobufs, r->down_foreign, r->hellos,
	        r->tap_drops.waits);
	fprintf(stderr,
	        "feth-vm: tap->vm %" PRIu64 " frames %" PRIu64 " bytes, %" PRIu64
	        " dropped (%" PRIu64 " too big, %" PRIu64 " before the VM was known, %" PRIu64
	        " vm full), %" PRIu64 " waits for the vm\n",
	        r->up.frames, r->up.bytes, r->up.dropped, r->up_too_big, r->up_no_peer,
	        r->up_vm_full, r->up_vm_waits);
	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	if (feth_tap_get_stats(r->tap, &st) == 0)
		fprintf(stderr,
		        "feth-vm: tap rx_frames %" PRIu64 " rx_kernel_drops %" PRIu64
		        " tx_frames %" PRIu64 " tx_err_nobufs %" PRIu64 "\n",
		        st.rx_frames, st.rx_kernel_drops, st.tx_frames, st.tx_err_nobufs);
}

/* ==== Arguments ============================================================================ */

struct args {
	const char *addr4, *addr6, *adopt, *path, *user;
	unsigned long mtu;
	int fd, quiet, check;
	uint8_t ip4[4], ip6[16];
	uint32_t len4, len6;
	uid_t uid;
	gid_t gid;
	const char *user_name; /* for the supplementary groups; NULL: none */
};

/* "USER[:GROUP]", names or numbers. */
static int parse_user(const char *s, struct args *a)
{
	char name[256];
	const char *colon = strchr(s, ':');
	size_t nl = colon ? (size_t)(colon - s) : strlen(s);
	struct passwd *pw;
	unsigned long v;

	if (nl == 0 || nl >= sizeof(name))
		return -1;
	memcpy(name, s, nl);
	name[nl] = '\0';
	pw = getpwnam(name);
	if (pw) {
		a->uid = pw->pw_uid;
		a->gid = pw->pw_gid;
		a->user_name = pw->pw_name;
	} else if (relay_parse_uint(name, 0, (uid_t)-2, &v) == 0) {
		a->uid = (uid_t)v;
		pw = getpwuid(a->uid);
		a->gid = pw ? pw->pw_gid : (gid_t)v;
		a->user_name = pw ? pw->pw_name : NULL;
	} else {
		return -1;
	}
	if (colon) {
		struct group *gr = getgrnam(colon + 1);

		if (gr)
			a->gid = gr->gr_gid;
		else if (relay_parse_uint(colon + 1, 0, (gid_t)-2, &v) == 0)
			a->gid = (gid_t)v;
		else
			return -1;
	}
	return 0;
}

/* The invoking user, as sudo tells it. */
static int sudo_user(struct args *a)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	unsigned long uv, gv;
	struct passwd *pw;

	if (!u || relay_parse_uint(u, 0, (uid_t)-2, &uv) < 0)
		return -1;
	a->uid = (uid_t)uv;
	pw = getpwuid(a->uid);
	if (g && relay_parse_uint(g, 0, (gid_t)-2, &gv) == 0)
		a->gid = (gid_t)gv;
	else if (pw)
		a->gid = pw->pw_gid;
	else
		return -1;
	a->user_name = pw ? pw->pw_name : NULL;
	return 0;
}

/* A descriptor that is a unix datagram socket. */
static int check_vm_fd(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0;
	socklen_t tl = sizeof(type);

	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
		return -ENOTSOCK;
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 || ss.ss_family != AF_UNIX ||
	    type != SOCK_DGRAM)
		return -EPROTOTYPE;
	return 0;
}

/* The options that take a value. */
static int is_valued_option(const char *o)
{
	static const char *const valued[] = {"--fd",  "--socket", "--host-addr", "--host-addr6",
	                                     "--mtu", "--adopt",  "--user"};

	for (size_t i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
		if (strcmp(o, valued[i]) == 0)
			return 1;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int have_user = 0;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long n;

		if (strcmp(o, "-q") == 0) {
			a->quiet = 1;
			continue;
		}
		if (strcmp(o, "--check-confinement") == 0) {
			a->check = 1;
			continue;
		}
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			fputs(usage_text, stdout);
			exit(EXIT_SUCCESS);
		}
		if (!is_valued_option(o))
			return usage("unknown option");
		if (!v)
			return usage("an option is missing its value");
		i++;
		if (strcmp(o, "--fd") == 0) {
			if (relay_parse_uint(v, 0, 1 << 20, &n) < 0)
				return usage("--fd needs a descriptor number");
			a->fd = (int)n;
		} else if (strcmp(o, "--socket") == 0) {
			if (!v[0] || strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				return usage(
				    "--socket needs a path shorter than a unix socket's limit");
			a->path = v;
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
		} else if (strcmp(o, "--adopt") == 0) {
			if (!v[0] || strlen(v) >= FETH_IFNAMSIZ)
				return usage("--adopt needs an interface name");
			a->adopt = v;
		} else if (strcmp(o, "--user") == 0) {
			if (parse_user(v, a) < 0)
				return usage(
				    "--user needs USER[:GROUP], names or numbers that exist");
			have_user = 1;
		} else {
			return usage("unknown option");
		}
	}
	if ((a->fd >= 0) == (a->path != NULL))
		return usage("give one of --fd and --socket");
	if (a->adopt && a->mtu)
		return usage("--mtu is the adopted pair's own business: not with --adopt");
	if (!have_user && sudo_user(a) < 0)
		return usage("who should the relay run as? Start it with sudo, or give --user");
	if (a->uid == 0 || a->gid == 0)
		return usage("the relay never runs as root or group 0: give another --user");
	if (a->fd >= 0) {
		int e = check_vm_fd(a->fd);

		if (e < 0) {
			fprintf(stderr, "feth-vm: --fd %d: %s\n", a->fd,
			        e == -EBADF      ? "not an open descriptor"
			        : e == -ENOTSOCK ? "not a socket"
			                         : "not a unix datagram socket");
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* ==== The relay's confinement ============================================================== */

/* Takes the user's identity for good. 0, or -errno. */
static int drop_privileges(const struct args *a)
{
	if (a->user_name ? initgroups(a->user_name, a->gid) < 0 : setgroups(0, NULL) < 0)
		return -errno;
	if (setgid(a->gid) < 0 || setuid(a->uid) < 0)
		return -errno;
	/* Never again: a uid that can be switched back was not dropped. */
	if (setuid(0) == 0 || getuid() != a->uid || geteuid() != a->uid || getegid() != a->gid)
		return -EPERM;
#ifdef __linux__
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* The uid change already made it non-dumpable (suid_dumpable 0); made sure of here, as
	 * it is what keeps the user's other processes from tracing the relay or taking its
	 * descriptors (ptrace, /proc/PID/fd, pidfd_getfd). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
#endif
	return 0;
}

#ifdef __linux__
#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define FILTER_ARCH AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FILTER_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define FILTER_ARCH AUDIT_ARCH_S390X
#endif

#ifdef FILTER_ARCH
#define DENY(nr)                                                                                   \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                                           \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n)*8)
#define ARG_HI(n) (offsetof(struct seccomp_data, args) + (n)*8 + 4)

/*
 * The relay's seccomp filter: everything it needs stays, and what would use the tap's
 * descriptors beyond the tap is refused with EPERM. Linux checks CAP_NET_RAW only when an
 * AF_PACKET socket is created (af_packet.c packet_create()); after that, bind() would move it
 * to another interface, an address given to sendto() (or in a msghdr) would send out of
 * another one, PACKET_ADD_MEMBERSHIP would make another one promiscuous, and a duplicate
 * passed over a unix socket (SCM_RIGHTS in sendmsg()/sendmmsg()) would give it to another
 * process. So: no bind, listen, setsockopt, socket, socketpair, sendmsg, sendmmsg, no sendto
 * with an address, no dup/dup2/dup3/F_DUPFD (a duplicate at the VM socket's number would slip
 * past a rule on numbers), no socketcall (the multiplexer some architectures keep), no
 * io_uring (its operations bypass seccomp), no exec, no ptrace or process_vm_*, no
 * pidfd_getfd, no prctl that would make the relay traceable again (PR_SET_DUMPABLE,
 * PR_SET_PTRACER, PR_SET_SECUREBITS). The relay sends to the VM on a connected socket, without
 * addresses, and the tap's TX ring sends with send(2).
 */
static int install_filter(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
	    /* x32 numbers: another table, refused whole. */
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
#endif
#ifdef __NR_dup2
	    DENY(__NR_dup2),
#endif
#ifdef __NR_socketcall
	    /* The old multiplexer (still on ppc64le and s390x): its arguments are out of reach. */
	    DENY(__NR_socketcall),
#endif
	    DENY(__NR_bind),
	    DENY(__NR_listen),
	    DENY(__NR_setsockopt),
	    DENY(__NR_socket),
	    DENY(__NR_socketpair),
	    DENY(__NR_sendmsg),
	    DENY(__NR_sendmmsg),
	    DENY(__NR_dup),
	    DENY(__NR_dup3),
	    DENY(__NR_execve),
	    DENY(__NR_execveat),
	    DENY(__NR_ptrace),
	    DENY(__NR_process_vm_readv),
	    DENY(__NR_process_vm_writev),
	    DENY(__NR_io_uring_setup),
	    DENY(__NR_io_uring_enter),
	    DENY(__NR_io_uring_register),
	    DENY(__NR_pidfd_getfd),
	    /* fcntl(fd, F_DUPFD or F_DUPFD_CLOEXEC, ...) */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fcntl, 0, 5),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD, 2, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_DUPFD_CLOEXEC, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
	    /* prctl(PR_SET_DUMPABLE, PR_SET_PTRACER or PR_SET_SECUREBITS, ...): becoming
	     * traceable again would give the descriptors to the user's other processes. */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 0, 6),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_DUMPABLE, 3, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_PTRACER, 2, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_SECUREBITS, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
	    /* sendto(fd, buf, len, flags, addr, addrlen) with an address */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendto, 0, 5),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(4)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(4)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = (unsigned short)(sizeof(f) / sizeof(f[0])), .filter = f};

	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 &&
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
}
#else
static int install_filter(void)
{
	return -EOPNOTSUPP;
}
#endif

/* The sock_diag socket for vm_alive(), opened before the filter forbids new sockets. */
static int open_diag(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}
#endif /* __linux__ */

/* One attempt of --check-confinement: 1 when it was refused. */
static int attempt(const char *what, int r)
{
	int e = errno;

	if (r < 0)
		printf("confinement: %s: refused (%s)\n", what, strerror(e));
	else
		printf("confinement: %s: ALLOWED\n", what);
	return r < 0;
}

/*
 * --check-confinement: each way of using the tap's descriptor beyond the tap, tried from the
 * relay as it runs. 0 when all were refused, 1 otherwise.
 */
static int check_confinement(struct relay *r)
{
	int ok = 1;

	ok &= attempt("become root again", setuid(0));
#ifdef __linux__
	{
		struct sockaddr_ll ll;
		struct packet_mreq mr;
		uint8_t frame[60];
		struct iovec iov = {frame, sizeof(frame)};
		struct msghdr m;
		struct mmsghdr mm;
		int fd;

		memset(&ll, 0, sizeof(ll));
		ll.sll_family = AF_PACKET;
		ll.sll_protocol = htons(0x0003); /* ETH_P_ALL */
		ll.sll_ifindex = r->lo_index;
		ll.sll_halen = 6;
		memset(frame, 0xff, sizeof(frame));
		ok &= attempt("bind the tap's socket to another interface (lo)",
		              bind(r->tap_fd, (struct sockaddr *)&ll, sizeof(ll)));
		ok &= attempt("send out of another interface (sendto with an address)",
		              (int)sendto(r->tap_fd, frame, sizeof(frame), 0,
		                          (struct sockaddr *)&ll, sizeof(ll)));
		memset(&m, 0, sizeof(m));
		m.msg_name = &ll;
		m.msg_namelen = sizeof(ll);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		ok &= attempt("send out of another interface (sendmsg with an address)",
		              (int)sendmsg(r->tap_fd, &m, 0));
		memset(&mm, 0, sizeof(mm));
		mm.msg_hdr = m;
		ok &= attempt("send out of another interface (sendmmsg with an address)",
		              sendmmsg(r->tap_fd, &mm, 1, 0));
		memset(&mr, 0, sizeof(mr));
		mr.mr_ifindex = ll.sll_ifindex;
		mr.mr_type = PACKET_MR_PROMISC;
		ok &= attempt(
		    "make another interface promiscuous (PACKET_ADD_MEMBERSHIP)",
		    setsockopt(r->tap_fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)));
		fd = dup(r->tap_fd);
		ok &= attempt("duplicate the tap's socket (dup)", fd);
		fd = fcntl(r->tap_fd, F_DUPFD_CLOEXEC, 100);
		ok &= attempt("duplicate the tap's socket (F_DUPFD_CLOEXEC)", fd);
		fd = dup3(r->tap_fd, 200, O_CLOEXEC);
		ok &= attempt("duplicate the tap's socket (dup3)", fd);
		fd = socket(AF_PACKET, SOCK_RAW, htons(0x0003));
		ok &= attempt("open a new packet socket", fd);
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		ok &= attempt("open a socket to pass the descriptor on", fd);
		{
			char *argv[] = {(char *)"/bin/true", NULL};

			ok &= attempt("run a program", execve(argv[0], argv, NULL));
		}
		ok &= attempt("become traceable again (PR_SET_DUMPABLE)",
		              prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
		ok &= attempt("let another process trace it (PR_SET_PTRACER)",
		              prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0));
		ok &= attempt("trace another process",
		              (int)syscall(__NR_ptrace, 16 /* ATTACH */, (long)getppid(), 0, 0));
		ok &= attempt("set up io_uring", (int)syscall(__NR_io_uring_setup, 1, NULL));
	}
#else
	(void)r;
	printf("confinement: the tap's descriptors beyond the tap: not checked on this platform "
	       "(no seccomp: see docs/vm.md)\n");
	ok = 0;
#endif
	fflush(stdout);
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ==== Setup ================================================================================ */

/*
 * --socket PATH: binds it as the user (who owns it, mode 0600 by the umask: nobody else may send to
 * it). A socket file left by a run that was killed is taken over; anything else at PATH is refused.
 */
static int bind_path(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0), e;

	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	if (e == EADDRINUSE && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		/* Stale when nobody is bound there: a connect is refused. */
		int probe = socket(AF_UNIX, SOCK_DGRAM, 0);
		int stale = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
		            errno == ECONNREFUSED;

		if (probe >= 0)
			close(probe);
		if (stale && unlink(path) == 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
	}
	close(fd);
	return -e;
}

/* Opens the tap and gives its host side the addresses. As root, before the fork. */
static int open_tap(struct relay *r, const struct args *a, struct feth_tap_info *info)
{
	struct feth_tap_opts o;
	int e;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
#ifdef __linux__
	/* send(2) without an address, which the relay's filter allows (sendmmsg it refuses). */
	o.send_path = FETH_TAP_SEND_TX_RING;
#endif
	if (a->adopt) {
		o.flags = FETH_TAP_ADOPT;
		strcpy(o.host_name, a->adopt);
	} else {
		o.mtu = (uint32_t)a->mtu;
	}
	e = feth_tap_open(&o, &r->tap);
	if (e < 0) {
		fprintf(stderr, "feth-vm: opening the tap: %s%s\n", strerror(-e),
		        feth_example_hint(e));
		return e;
	}
	memset(info, 0, sizeof(*info));
	info->sz = sizeof(*info);
	e = feth_tap_get_info(r->tap, info);
	r->tap_fd = feth_tap_fd(r->tap);
	if (e == 0 && r->tap_fd < 0)
		e = r->tap_fd;
	if (e == 0)
		e = relay_add_addrs(info->host_name, a->addr4 ? a->ip4 : NULL, a->len4,
		                    a->addr6 ? a->ip6 : NULL, a->len6);
	if (e < 0) {
		fprintf(stderr, "feth-vm: setting up %s: %s\n", info->host_name, strerror(-e));
		return e;
	}
	r->max_frame = info->max_frame;
	return 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_mac(const char *key, const uint8_t *m)
{
	printf("\"%s\":\"%02x:%02x:%02x:%02x:%02x:%02x\",", key, m[0], m[1], m[2], m[3], m[4],
	       m[5]);
}

/* The one line a launcher reads. */
static void print_ready(const struct args *a, const struct feth_tap_info *info, pid_t parent)
{
	int first = 1;

	printf("{\"host_name\":");
	json_string(info->host_name);
	printf(",\"io_name\":");
	json_string(info->io_name);
	printf(",");
	json_mac("host_mac", info->host_mac);
	json_mac("io_mac", info->io_mac);
	printf("\"mtu\":%u,\"max_frame\":%u,\"host_addrs\":[", (unsigned)info->mtu,
	       (unsigned)info->max_frame);
	if (a->addr4) {
		json_string(a->addr4);
		first = 0;
	}
	if (a->addr6) {
		if (!first)
			putchar(',');
		json_string(a->addr6);
	}
	printf("],\"fd\":");
	if (a->path) {
		printf("null,\"socket\":");
		json_string(a->path);
	} else {
		printf("%d,\"socket\":null", a->fd);
	}
	printf(",\"pid\":%ld,\"relay_pid\":%ld}\n", (long)parent, (long)getpid());
	fflush(stdout);
}

/* ==== The two processes ==================================================================== */

/* The relay, in the child: never returns. */
static void relay_main(struct relay *r, const struct args *a, const struct feth_tap_info *info,
                       pid_t parent)
{
	struct sigaction sa;
	struct stat st;
	int e, rc = EXIT_SUCCESS;

	relay_stop_signals(on_signal);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);

	e = drop_privileges(a);
	if (e < 0) {
		fprintf(stderr, "feth-vm: taking uid %ld gid %ld: %s\n", (long)a->uid, (long)a->gid,
		        strerror(-e));
		_exit(EXIT_FAILURE);
	}
	umask(0177); /* --socket: the user's alone, rw------- */
	if (a->path) {
		r->vm = bind_path(a->path);
		if (r->vm < 0) {
			fprintf(stderr, "feth-vm: --socket %s: %s\n", a->path, strerror(-r->vm));
			_exit(EXIT_FAILURE);
		}
		r->path_mode = 1;
		relay_set_buffers(r->vm);
	} else {
		r->have_peer = 1;
	}
	if (relay_nonblock_cloexec(r->vm) < 0 || fstat(r->vm, &st) < 0) {
		fprintf(stderr, "feth-vm: the VM's socket: %s\n", strerror(errno));
		rc = EXIT_FAILURE;
		goto out;
	}
	r->vm_ino = st.st_ino;
#ifdef __linux__
	r->diag = open_diag();
	r->lo_index = (int)if_nametoindex("lo"); /* glibc asks a socket: not after the filter */
	e = install_filter();
	if (e < 0) {
		fprintf(stderr,
		        "feth-vm: the relay's seccomp filter: %s: not relaying unconfined\n",
		        strerror(-e));
		rc = EXIT_FAILURE;
		goto out;
	}
#endif
	if (a->check) {
		rc = check_confinement(r);
		goto out;
	}
	if (a->path)
		fprintf(stderr, "feth-vm: %s (host side %s, mtu %u) <-> socket %s", info->io_name,
		        info->host_name, (unsigned)info->mtu, a->path);
	else
		fprintf(stderr, "feth-vm: %s (host side %s, mtu %u) <-> fd %d", info->io_name,
		        info->host_name, (unsigned)info->mtu, a->fd);
	fprintf(stderr, ", relay pid %ld as uid %ld\n", (long)getpid(), (long)getuid());
	if (!a->quiet)
		print_ready(a, info, parent);
	e = run(r);
	if (e < 0) {
		fprintf(stderr, "feth-vm: %s\n", strerror(-e));
		rc = EXIT_FAILURE;
	}
	if (stop_signal)
		fprintf(stderr, "feth-vm: stopped by signal %d\n", (int)stop_signal);
	else if (r->end)
		fprintf(stderr, "feth-vm: stopped: %s\n", r->end);
	report(r);
out:
	if (a->path)
		(void)unlink(a->path);
	/* The tap is the parent's to close (it destroys the pair): the relay only leaves. */
	fflush(stdout);
	fflush(stderr);
	_exit(rc);
}

/*
 * The parent: waits for the relay, passing a stop signal on, and kills it if it does not stop
 * in time. Returns the exit status for the helper.
 */
static int wait_relay(pid_t child)
{
	struct timespec asked;
	int status, asked_it = 0, killed = 0;

	for (;;) {
		pid_t w = waitpid(child, &status, WNOHANG);

		if (w == child)
			break;
		if (w < 0 && errno != EINTR)
			return EXIT_FAILURE;
		if (stop_signal && !asked_it) {
			(void)kill(child, SIGTERM);
			clock_gettime(CLOCK_MONOTONIC, &asked);
			asked_it = 1;
		}
		if (asked_it && !killed && relay_ms_since(&asked) > RELAY_GRACE_MS) {
			fprintf(stderr, "feth-vm: the relay did not stop: killing it\n");
			(void)kill(child, SIGKILL);
			killed = 1;
		}
		/* A signal (SIGCHLD, a stop) ends the pause early. */
		if (!child_exited)
			(void)poll(NULL, 0, asked_it ? 50 : 1000);
		child_exited = 0;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == EXIT_SUCCESS && !killed ? EXIT_SUCCESS : EXIT_FAILURE;
	if (!asked_it || WTERMSIG(status) != SIGKILL || !killed)
		fprintf(stderr, "feth-vm: the relay died of signal %d\n", WTERMSIG(status));
	return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	struct feth_tap_info info;
	struct relay *r;
	struct sigaction sa;
	struct args a;
	int e, rc, pp[2];
	pid_t child;

	feth_example_fill_std_fds(); /* closed ones on /dev/null: never a tap socket */
	e = parse_args(argc, argv, &a);
	if (e)
		return e;
	if (geteuid() != 0) {
		fprintf(stderr,
		        "feth-vm: needs root to open the tap (it then drops to uid %ld): run "
		        "it with sudo\n",
		        (long)a.uid);
		return EXIT_FAILURE;
	}
	r = calloc(1, sizeof(*r));
	if (!r || relay_rx_init(&r->rx) < 0) {
		free(r);
		fprintf(stderr, "feth-vm: out of memory\n");
		return EXIT_FAILURE;
	}
	r->vm = a.fd;
	r->diag = -1;

	/* No SA_RESTART: a signal ends the parent's pause at once. SIGPIPE is ignored: a write to
	 * a closed stdout or stderr fails with EPIPE and never kills a process that holds the
	 * pair. */
	relay_stop_signals(on_signal);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (a.fd >= 0)
		relay_set_buffers(a.fd); /* as root: past the system's cap where it allows */
	rc = open_tap(r, &a, &info) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	if (rc == EXIT_SUCCESS && pipe(pp) < 0) {
		fprintf(stderr, "feth-vm: pipe: %s\n", strerror(errno));
		rc = EXIT_FAILURE;
	}
	if (rc == EXIT_SUCCESS && stop_signal)
		rc = EXIT_SUCCESS; /* stopped before the relay began: only the pair to undo */
	else if (rc == EXIT_SUCCESS) {
		fflush(stdout);
		fflush(stderr);
		child = fork();
		if (child == 0) {
			close(pp[1]);
			r->parent_pipe = pp[0];
			relay_main(r, &a, &info, getppid());
		}
		close(pp[0]);
		if (child < 0) {
			fprintf(stderr, "feth-vm: fork: %s\n", strerror(errno));
			rc = EXIT_FAILURE;
		} else {
			/* The parent keeps nothing of the VM's: only the tap, to close it, and the
			 * pipe whose end tells the relay that the parent died. */
			if (a.fd >= 0)
				close(a.fd);
			rc = wait_relay(child);
		}
		close(pp[1]);
	}
	if (r->tap) {
		e = feth_tap_close(r->tap);
		if (e < 0) {
			fprintf(stderr, "feth-vm: closing the tap: %s\n", strerror(-e));
			rc = EXIT_FAILURE;
		}
	}
	if (stop_signal)
		fprintf(stderr, "feth-vm: stopped by signal %d\n", (int)stop_signal);
	free(r->rx.slots);
	free(r);
	return rc;
}
