/* SPDX-License-Identifier: MIT */
/*
 * feth-bench linux-rx and linux-tx: the Linux tap against the real kernel, in a network
 * namespace of the program's own (root needed). See README.md for what each figure means.
 */
#define _GNU_SOURCE /* unshare, sendmmsg, CPU affinity */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "internal.h"
#include "linux/tap.h"

#define GEN_BATCH 256

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2)
		return; /* one core: nothing to spread */
	CPU_ZERO(&set);
	CPU_SET(cpu % (int)n, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int netns(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr,
		        "feth-bench: the Linux benchmarks need root and a network namespace "
		        "of their own: %s\n",
		        geteuid() ? "not root" : strerror(errno));
		return -1;
	}
	return 0;
}

/* A raw socket bound to `ifname`, sending only (protocol 0: it receives nothing). */
static int raw_socket(const char *ifname, int bypass)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    (bypass && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)) {
		perror("feth-bench: generator socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int link_up(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	r = fd < 0 ? -1 : ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (r == 0) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* ---- the flood: a thread sending 64-byte frames out of an interface as fast as it can ---- */

/* How many generator threads flood at once; the first runs on CPU 0, the next on CPU 1... */
static int n_gens = 2;

struct gen1 {
	struct gen *g;
	int cpu;
	uint64_t sent;
	pthread_t th;
};

struct gen {
	char ifname[IFNAMSIZ];
	uint32_t len;
	atomic_int run;
	struct gen1 t[4];
};

static void *gen_main(void *arg)
{
	struct gen1 *me = arg;
	struct gen *g = me->g;
	uint8_t frame[2048];
	struct mmsghdr m[GEN_BATCH];
	struct iovec v = {.iov_base = frame, .iov_len = 0};
	int fd = raw_socket(g->ifname, 1);

	pin(me->cpu);
	v.iov_len = g->len;
	memset(frame, 0xff, 6); /* broadcast, from a local address, of an unused ethertype */
	memcpy(frame + 6, (const uint8_t[]){2, 0, 0, 0, 0, 1}, 6);
	frame[12] = 0x88;
	frame[13] = 0xb5;
	memset(m, 0, sizeof(m));
	for (int i = 0; i < GEN_BATCH; i++) {
		m[i].msg_hdr.msg_iov = &v;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (fd >= 0 && atomic_load(&g->run)) {
		int r = sendmmsg(fd, m, GEN_BATCH, 0);

		if (r > 0)
			me->sent += (unsigned)r;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int gen_start(struct gen *g, const char *ifname, uint32_t len)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->ifname, sizeof(g->ifname), "%s", ifname);
	g->len = len;
	atomic_init(&g->run, 1);
	for (int i = 0; i < n_gens; i++) {
		g->t[i].g = g;
		g->t[i].cpu = i;
		if (pthread_create(&g->t[i].th, NULL, gen_main, &g->t[i]) != 0)
			return -1;
	}
	return 0;
}

static uint64_t gen_stop(struct gen *g)
{
	uint64_t sent = 0;

	atomic_store(&g->run, 0);
	for (int i = 0; i < n_gens; i++) {
		pthread_join(g->t[i].th, NULL);
		sent += g->t[i].sent;
	}
	return sent;
}

/* ---- the three receivers ------------------------------------------------------------------ */

struct rx_result {
	uint64_t frames, sent, drops;
	double secs;
	double cpu; /* CPU seconds the receiving thread used */
};

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libfeth: wait, then receive batches of 256 views until none is left. */
static int rx_libfeth(double secs, uint32_t len, uint32_t bufsize, struct rx_result *res)
{
	struct feth_tap_opts o = {.sz = sizeof(o), .rx_bufsize = bufsize};
	struct feth_tap_stats st = {.sz = sizeof(st)};
	struct feth_tap_info in = {.sz = sizeof(in)};
	static struct feth_frame fr[256];
	struct feth_tap *tap;
	struct gen g;
	uint64_t n = 0, sum = 0;
	double t0, t, c0;
	int r = feth_tap_open(&o, &tap);

	if (r < 0) {
		fprintf(stderr, "feth-bench: feth_tap_open: %s\n", strerror(-r));
		return -1;
	}
	if (feth_tap_get_info(tap, &in) < 0 || gen_start(&g, in.host_name, len) < 0)
		return -1;
	pin(1);
	t0 = now();
	c0 = thread_cpu();
	while ((t = now()) - t0 < secs) {
		if (feth_tap_wait(tap, 100) <= 0)
			continue;
		while ((r = feth_tap_recv(tap, fr, 256)) > 0) {
			for (int i = 0; i < r; i++)
				sum += fr[i].data[0] + fr[i].caplen; /* touch every frame */
			n += (unsigned)r;
		}
	}
	res->cpu = thread_cpu() - c0;
	res->sent = gen_stop(&g);
	res->secs = t - t0;
	res->frames = n;
	res->drops = feth_tap_get_stats(tap, &st) == 0 ? st.rx_kernel_drops : 0;
	(void)feth_tap_close(tap);
	return sum == 1 ? 1 : 0; /* sum is used: the loop is not optimised away */
}

/* A plain AF_PACKET socket on the I/O side of a pair, one blocking recv() per frame. */
static int rx_recv_loop(double secs, uint32_t len, struct rx_result *res)
{
	struct feth_pair_opts po = {.sz = sizeof(po)};
	struct feth_pair pair;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
	struct tpacket_stats ks;
	socklen_t kl = sizeof(ks);
	uint8_t buf[2048];
	struct gen g;
	uint64_t n = 0, sum = 0;
	double t0, t, c0;
	int fd, one = 1;

	if (feth_pair_create(&po, &pair) < 0)
		return -1;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	sll.sll_ifindex = (int)if_nametoindex(pair.io_name);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		perror("feth-bench: recv() socket");
		return -1;
	}
	pin(1);
	if (gen_start(&g, pair.host_name, len) < 0)
		return -1;
	t0 = now();
	c0 = thread_cpu();
	while ((t = now()) - t0 < secs) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r > 0) {
			sum += buf[0] + (size_t)r;
			n++;
		}
	}
	res->cpu = thread_cpu() - c0;
	res->sent = gen_stop(&g);
	res->secs = t - t0;
	res->frames = n;
	res->drops = getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ks, &kl) == 0 ? ks.tp_drops : 0;
	close(fd);
	return feth_if_destroy(pair.io_name) < 0 ? -1 : sum == 1;
}

/* Frames the TAP device's queue dropped (its interface's tx_dropped, from netlink). */
static uint64_t tap_drops(const char *ifname)
{
	struct ifaddrs *ifa, *i;
	uint64_t n = 0;

	if (getifaddrs(&ifa) != 0)
		return 0;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_PACKET && i->ifa_data &&
		    strcmp(i->ifa_name, ifname) == 0)
			n = ((const struct rtnl_link_stats *)i->ifa_data)->tx_dropped;
	freeifaddrs(ifa);
	return n;
}

/* A TAP device: the flood goes out of its interface, one blocking read() per frame. */
static int rx_tap_device(double secs, uint32_t len, struct rx_result *res)
{
	struct ifreq ifr;
	struct pollfd p;
	uint8_t buf[2048];
	struct gen g;
	uint64_t n = 0, sum = 0;
	double t0, t, c0;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "fbtap0");
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0 || link_up(ifr.ifr_name) < 0) {
		perror("feth-bench: TAP device");
		return -1;
	}
	pin(1);
	if (gen_start(&g, ifr.ifr_name, len) < 0)
		return -1;
	p.fd = fd;
	p.events = POLLIN;
	t0 = now();
	c0 = thread_cpu();
	while ((t = now()) - t0 < secs) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r > 0) {
			sum += buf[0] + (size_t)r;
			n++;
		} else {
			(void)poll(&p, 1, 100);
		}
	}
	res->cpu = thread_cpu() - c0;
	res->sent = gen_stop(&g);
	res->secs = t - t0;
	res->frames = n;
	res->drops = tap_drops(ifr.ifr_name);
	close(fd);
	return sum == 1 ? 1 : 0;
}

/* Frames per second of the receiving thread's CPU time: what it could take at most. */
static double capacity(const struct rx_result *r)
{
	return r->cpu > 0 ? (double)r->frames / r->cpu : 0;
}

static void report(const char *name, const struct rx_result *r)
{
	printf("metric linux_rx_%s_rate %.0f frames/s\n", name, (double)r->frames / r->secs);
	printf("metric linux_rx_%s_cpu_per_frame %.1f ns\n", name,
	       r->frames ? r->cpu * 1e9 / (double)r->frames : 0.0);
	printf("metric linux_rx_%s_capacity %.0f frames/cpu-s\n", name, capacity(r));
	printf("metric linux_rx_%s_offered %.0f frames/s\n", name, (double)r->sent / r->secs);
	printf("metric linux_rx_%s_kernel_drops %llu frames\n", name, (unsigned long long)r->drops);
}

int feth_bench_linux_rx(int argc, char **argv)
{
	double secs = 3;
	uint32_t len = 64, bufsize = 0;
	struct rx_result lib, rcv, tap;
	const char *only = NULL;
	int r = 0;

	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--secs") == 0)
			secs = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--len") == 0)
			len = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--bufsize") == 0)
			bufsize = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[i + 1];
		else if (strcmp(argv[i], "--generators") == 0)
			n_gens = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--blocks") == 0)
			feth__linux_rx_blocks = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else
			return 2;
	}
	if (secs <= 0 || len < 14 || len > 1514 || n_gens < 1 || n_gens > 4)
		return 2;
	if (netns() < 0)
		return 1;
	memset(&lib, 0, sizeof(lib));
	memset(&rcv, 0, sizeof(rcv));
	memset(&tap, 0, sizeof(tap));
	if (only && strcmp(only, "libfeth") != 0)
		return 2;
	printf("metric linux_rx_flood %d generator threads of %u-byte frames, %.1f s each\n",
	       n_gens, (unsigned)len, secs);
	r |= rx_libfeth(secs, len, bufsize, &lib);
	if (r < 0)
		return 1;
	report("libfeth", &lib);
	if (only) /* a size sweep: libfeth alone */
		return 0;
	r |= rx_recv_loop(secs, len, &rcv);
	r |= rx_tap_device(secs, len, &tap);
	if (r < 0)
		return 1;
	report("recv_loop", &rcv);
	report("tap_device", &tap);
	printf("metric linux_rx_ratio_libfeth_over_recv_loop %.2f x (rate) %.2f x (capacity)\n",
	       ((double)lib.frames / lib.secs) / ((double)rcv.frames / rcv.secs),
	       capacity(&lib) / capacity(&rcv));
	printf("metric linux_rx_ratio_libfeth_over_tap_device %.2f x (rate) %.2f x (capacity)\n",
	       ((double)lib.frames / lib.secs) / ((double)tap.frames / tap.secs),
	       capacity(&lib) / capacity(&tap));
	return 0;
}

/* ---- linux-tx: each send path --------------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t path;
} tx_paths[] = {
    {"sendto", FETH_TAP_SEND_SENDTO},
    {"sendmmsg", FETH_TAP_SEND_SENDMMSG},
    {"tx_ring", FETH_TAP_SEND_TX_RING},
    {"tx_ring_bypass", FETH_TAP_SEND_TX_RING_BYPASS},
};

/* One run of a send path: its rate in frames per second, or < 0. Prints its figures when
 * `print`. */
static double tx_one(const char *name, uint32_t path, double secs, uint32_t len, size_t batch,
                     int print)
{
	struct feth_tap_opts o = {.sz = sizeof(o), .send_path = path};
	struct feth_tap_stats st = {.sz = sizeof(st)};
	struct feth_tap_info in = {.sz = sizeof(in)};
	static uint8_t frame[2048];
	struct iovec v[256];
	struct feth_tap *tap;
	uint64_t sent = 0, full = 0;
	double t0, t, c0;
	int r = feth_tap_open(&o, &tap);

	if (r < 0) {
		fprintf(stderr, "feth-bench: feth_tap_open (%s): %s\n", name, strerror(-r));
		return -1;
	}
	if (feth_tap_get_info(tap, &in) < 0) {
		(void)feth_tap_close(tap);
		return -1;
	}
	memcpy(frame, in.host_mac, 6);
	memcpy(frame + 6, in.io_mac, 6);
	frame[12] = 0x88;
	frame[13] = 0xb5;
	for (size_t i = 0; i < batch; i++)
		v[i] = (struct iovec){.iov_base = frame, .iov_len = len};
	pin(1);
	t0 = now();
	c0 = thread_cpu();
	while ((t = now()) - t0 < secs) {
		r = batch == 1 ? (feth_tap_send(tap, frame, len) == 0 ? 1 : -ENOBUFS)
		               : feth_tap_send_batch(tap, v, batch);
		if (r > 0)
			sent += (unsigned)r;
		else if (r == -ENOBUFS)
			full++;
		else
			break;
	}
	c0 = thread_cpu() - c0;
	if (feth_tap_get_stats(tap, &st) < 0)
		st.tx_syscalls = 0;
	(void)feth_tap_close(tap);
	if (r < 0 && r != -ENOBUFS) {
		fprintf(stderr, "feth-bench: send (%s): %s\n", name, strerror(-r));
		return -1;
	}
	if (!print)
		return (double)sent / (t - t0);
	printf("metric linux_tx_%s_b%zu_rate %.0f frames/s\n", name, batch,
	       (double)sent / (t - t0));
	printf("metric linux_tx_%s_b%zu_cpu_per_frame %.1f ns\n", name, batch,
	       sent ? c0 * 1e9 / (double)sent : 0.0);
	printf("metric linux_tx_%s_b%zu_syscalls_per_frame %.4f calls\n", name, batch,
	       sent ? (double)st.tx_syscalls / (double)sent : 0.0);
	printf("metric linux_tx_%s_b%zu_queue_full %llu times\n", name, batch,
	       (unsigned long long)full);
	return (double)sent / (t - t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int feth_bench_linux_tx(int argc, char **argv)
{
	enum { NP = sizeof(tx_paths) / sizeof(tx_paths[0]) };
	double secs = 2, rates[NP][16];
	uint32_t len = 64;
	size_t batch = 64;
	unsigned rounds = 1;
	const char *only = NULL;

	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--secs") == 0)
			secs = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--len") == 0)
			len = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--batch") == 0)
			batch = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--path") == 0)
			only = argv[i + 1];
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else
			return 2;
	}
	if (secs <= 0 || len < 14 || len > 1514 || batch < 1 || batch > 256 || rounds < 1 ||
	    rounds > 16)
		return 2;
	if (netns() < 0)
		return 1;
	if (rounds == 1) {
		for (size_t k = 0; k < NP; k++)
			if (!only || strcmp(only, tx_paths[k].name) == 0)
				if (tx_one(tx_paths[k].name, tx_paths[k].path, secs, len, batch,
				           1) < 0)
					return 1;
		return 0;
	}
	/* Rounds interleave the paths, so that drifts of the machine hit them all alike. */
	for (unsigned r = 0; r < rounds; r++)
		for (size_t k = 0; k < NP; k++)
			if ((rates[k][r] = tx_one(tx_paths[k].name, tx_paths[k].path, secs, len,
			                          batch, 0)) < 0)
				return 1;
	for (size_t k = 0; k < NP; k++) {
		qsort(rates[k], rounds, sizeof(double), cmp_double);
		printf("metric linux_tx_%s_b%zu_median_rate %.0f frames/s (%u rounds of %.1f s, "
		       "min %.0f, max %.0f)\n",
		       tx_paths[k].name, batch, rates[k][rounds / 2], rounds, secs, rates[k][0],
		       rates[k][rounds - 1]);
	}
	return 0;
}
