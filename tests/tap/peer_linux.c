/* SPDX-License-Identifier: MIT */
/*
 * tap_suite.c's peer on the Linux backend over the real kernel. Each test runs in a network
 * namespace of its own (unshare(CLONE_NEWNET) in setup) with IPv6 off, so that the host stack
 * sends nothing of its own into the tap. The host side is reached through an AF_PACKET socket
 * bound to it that ignores what it sends itself: it receives what the tap sent. The library
 * runs over the real system calls through faulty_sys.c, so that any of them can be made to
 * fail.
 */
#define _GNU_SOURCE /* unshare */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "faulty_sys.h"
#include "internal.h"
#include "linux/tap.h"
#include "linux/procfs.h"
#include "peer.h"

#define MAX_HOSTS 4

struct peer {
	char dir[64]; /* the registry's */
	struct feth__env env;
	int fds_before;
	struct {
		char name[FETH_IFNAMSIZ];
		int fd;
	} host[MAX_HOSTS];
};

static const uint32_t paths[] = {FETH_TAP_SEND_AUTO, FETH_TAP_SEND_SENDTO, FETH_TAP_SEND_SENDMMSG,
                                 FETH_TAP_SEND_TX_RING, FETH_TAP_SEND_TX_RING_BYPASS};

static const uint32_t modes[] = {FETH_TAP_RX_AUTO, FETH_TAP_RX_BATCH, FETH_TAP_RX_LOW_LATENCY};

size_t peer_rx_modes(const uint32_t **ret)
{
	*ret = modes;
	return sizeof(modes) / sizeof(modes[0]);
}

uint32_t peer_foreign_rx_mode(void)
{
	return FETH_TAP_RX_AUTO; /* it has them all */
}

uint32_t peer_rx_mode_in_force(uint32_t asked)
{
	return asked == FETH_TAP_RX_AUTO ? FETH__LINUX_RX_AUTO : asked;
}

size_t peer_light_burst(const struct feth_tap_info *in)
{
	/* The geometry docs/linux-io.md gives: blocks of 64 KiB, or slots of the largest frame
	 * placed 80 bytes in, rounded to 16, in blocks of 128 KiB. */
	uint32_t slot = (80 + in->max_frame + 15) & ~15u;

	if (in->rx_mode == FETH_TAP_RX_BATCH)
		return in->rx_bufsize / 65536 + 6;
	return in->rx_bufsize / 131072 * (131072 / slot) + 45;
}

void peer_light_gap(const struct feth_tap_info *in)
{
	/* Blocks: long enough for the kernel's 1 ms retire timer to hand each one over alone. */
	if (in->rx_mode == FETH_TAP_RX_BATCH)
		usleep(5000);
}

int peer_slow_queue(struct peer *p, const char *ifname)
{
	char cmd[160];

	(void)p;
	/* 8 kbit/s: a 1500-byte frame leaves every 1.5 s; the queue holds some 60 of them, more
	 * than a batch of 32 (a send that waited for its frames to leave would take a minute). */
	snprintf(cmd, sizeof(cmd),
	         "tc qdisc add dev %s root tbf rate 8kbit burst 1600 limit 100000", ifname);
	return system(cmd) == 0 ? 0 : -EIO;
}

/* A network namespace of our own, without IPv6 (no neighbour discovery, no MLD). */
static int new_netns(void)
{
	if (unshare(CLONE_NEWNET) != 0)
		return -errno;
	if (write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1") < 0 ||
	    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1") < 0)
		return access("/proc/sys/net/ipv6", F_OK) == 0 ? -EIO
		                                               : 0; /* no IPv6 at all: fine */
	return 0;
}

int peer_init(void)
{
	int r;

	if (geteuid() != 0) {
		printf("SKIP: the Linux tap tests need root\n");
		return 77;
	}
	r = new_netns();
	if (r < 0) {
		printf("SKIP: no network namespace: %s\n", strerror(-r));
		return 77;
	}
	return 0;
}

const char *peer_platform(void)
{
	return "the Linux backend over the real kernel (veth, AF_PACKET)";
}

int peer_setup(void **state)
{
	struct peer *p = calloc(1, sizeof(*p));

	if (!p || new_netns() < 0) {
		free(p);
		return -1;
	}
	strcpy(p->dir, "/tmp/feth-tap-XXXXXX");
	if (!mkdtemp(p->dir)) {
		free(p);
		return -1;
	}
	p->env.be = &feth__backend_linux;
	p->env.sys = &faulty_sys; /* the real calls, which tests can make fail */
	p->env.registry_dir = p->dir;
	p->env.registry_per_netns = 1;
	for (int i = 0; i < MAX_HOSTS; i++)
		p->host[i].fd = -1;
	feth__env_set(&p->env);
	p->fds_before = count_fds();
	*state = p;
	return 0;
}

static void detach_all(struct peer *p)
{
	for (int i = 0; i < MAX_HOSTS; i++) {
		if (p->host[i].fd >= 0)
			close(p->host[i].fd);
		p->host[i].fd = -1;
		p->host[i].name[0] = 0;
	}
}

int peer_teardown(void **state)
{
	struct peer *p = *state;
	char cmd[128];

	detach_all(p);
	feth__env_set(NULL);
	/* The namespace goes with the next test's; interfaces a failed test left go with it. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", p->dir);
	if (system(cmd) != 0)
		return -1;
	free(p);
	return 0;
}

size_t peer_send_paths(const uint32_t **ret)
{
	*ret = paths;
	return sizeof(paths) / sizeof(paths[0]);
}

uint32_t peer_foreign_path(void)
{
	return FETH_TAP_SEND_NDRV;
}

uint32_t peer_path_in_force(uint32_t asked)
{
	return asked == FETH_TAP_SEND_AUTO ? FETH__LINUX_SEND_AUTO : asked;
}

int peer_path_batches(uint32_t path)
{
	return path != FETH_TAP_SEND_SENDTO;
}

size_t peer_untagged_max(uint32_t mtu)
{
	return mtu + 14u; /* packet_snd(): longer only with an 802.1Q tag */
}

int peer_cross_ms(void)
{
	return 2000;
}

uint32_t peer_if_index(struct peer *p, const char *name)
{
	(void)p;
	return if_nametoindex(name); /* the test runs in the namespace of its taps */
}

static int host_fd(struct peer *p, const char *host)
{
	for (int i = 0; i < MAX_HOSTS; i++)
		if (p->host[i].fd >= 0 && strcmp(p->host[i].name, host) == 0)
			return p->host[i].fd;
	return -1;
}

void peer_attach(struct peer *p, const char *host)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	int one = 1, buf = 8 << 20, fd, i;

	for (i = 0; i < MAX_HOSTS && p->host[i].fd >= 0; i++)
		;
	assert_true(i < MAX_HOSTS);
	if (i >= MAX_HOSTS)
		return; /* not reached: the assertion ends the test */
	sll.sll_ifindex = (int)if_nametoindex(host);
	assert_true(sll.sll_ifindex > 0);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)), 0);
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)), 0);
	/* Straight to the veth: when its peer was down and comes up again, the host side's queue
	 * discipline drops everything until the kernel's link watcher (up to a second later,
	 * asynchronously) reactivates it. */
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	p->host[i].fd = fd;
	snprintf(p->host[i].name, sizeof(p->host[i].name), "%s", host);
}

int peer_host_send(struct peer *p, const char *host, const void *frame, size_t len)
{
	int fd = host_fd(p, host);

	assert_true(fd >= 0);
	return send(fd, frame, len, 0) == (ssize_t)len ? 0 : -errno;
}

ssize_t peer_host_recv(struct peer *p, const char *host, void *buf, size_t cap)
{
	struct pollfd pf = {.fd = host_fd(p, host), .events = POLLIN};
	ssize_t n;

	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov = {.iov_base = (uint8_t *)buf + 4, .iov_len = cap - 4};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof(ctl)};
	struct tpacket_auxdata aux;
	struct cmsghdr *c;
	uint8_t *f = buf;

	assert_true(pf.fd >= 0 && cap >= 18);
	if (poll(&pf, 1, peer_cross_ms()) <= 0)
		return -EAGAIN;
	/* MSG_TRUNC: the frame's own length, even when it did not fit (then the test fails). */
	n = recvmsg(pf.fd, &m, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return -errno;
	if ((size_t)n > cap - 4)
		return -EMSGSIZE; /* did not fit (with room for a tag): a test's mistake */
	/* The kernel took the frame's 802.1Q tag out: put it back where it was (as libpcap). */
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || n < 12)
			break;
		if (!(aux.tp_status & TP_STATUS_VLAN_TPID_VALID))
			aux.tp_vlan_tpid = 0x8100;
		memmove(f, f + 4, 12);
		f[12] = (uint8_t)(aux.tp_vlan_tpid >> 8);
		f[13] = (uint8_t)aux.tp_vlan_tpid;
		f[14] = (uint8_t)(aux.tp_vlan_tci >> 8);
		f[15] = (uint8_t)aux.tp_vlan_tci;
		return n + 4;
	}
	memmove(f, f + 4, (size_t)n);
	return n;
}

int peer_host_quiet(struct peer *p, const char *host)
{
	/* A frame the tap sent is in the host side's queue before the send returns (veth hands
	 * it on in the same call); 100 ms is ample for anything late. */
	struct pollfd pf = {.fd = host_fd(p, host), .events = POLLIN};

	assert_true(pf.fd >= 0);
	return poll(&pf, 1, 100) == 0;
}

unsigned long peer_calls(struct peer *p)
{
	(void)p;
	return faulty_calls();
}

void peer_fail_nth(struct peer *p, unsigned long n, int err)
{
	(void)p;
	faulty_fail_nth(n, err);
}

int peer_fail_from(struct peer *p, unsigned long n, int err)
{
	(void)p;
	faulty_fail_from(n, err);
	return 1;
}

int peer_fork_holds_rings(void)
{
	return 1;
}

void peer_fail_clear(struct peer *p)
{
	(void)p;
	faulty_clear();
}

void peer_assert_nothing_left(struct peer *p)
{
	struct feth__reg reg;
	int r, n;

	detach_all(p);
	assert_int_equal(feth_if_list(NULL, 0), 0);
	r = feth__reg_read(&p->env, &reg);
	n = reg.n;
	feth__reg_end(&p->env, &reg);
	assert_int_equal(r, 0);
	assert_int_equal(n, 0);
	assert_int_equal(count_fds(), p->fds_before);
}
