/* SPDX-License-Identifier: MIT */
/* What feth-bench's Linux commands share (see linux_env.h). */
#define _GNU_SOURCE /* unshare, sendmmsg, CPU affinity */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "linux_env.h"

#define GEN_BATCH 256

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double bench_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_sleep(double secs)
{
	struct timespec ts;
	int64_t ns = (int64_t)(secs * 1e9);

	if (ns <= 0)
		return;
	ts.tv_sec = (time_t)(ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

void bench_pin(int cpu)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2)
		return; /* one core: nothing to spread */
	CPU_ZERO(&set);
	CPU_SET(cpu % (int)n, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int bench_rx_cpu(int gens)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > gens ? gens : 1;
}

/* Writes "1" to a sysctl file of the current namespace; a kernel without IPv6 has none. */
static void sysctl_one(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		fprintf(stderr, "feth-bench: %s: %s\n", path, strerror(errno));
	close(fd);
}

int bench_netns(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr,
		        "feth-bench: the Linux benchmarks need root and a network namespace "
		        "of their own: %s\n",
		        geteuid() ? "not root" : strerror(errno));
		return -1;
	}
	/* /proc/sys/net answers for the namespace of whoever opens it: this new one. */
	sysctl_one("/proc/sys/net/ipv6/conf/all/disable_ipv6");
	sysctl_one("/proc/sys/net/ipv6/conf/default/disable_ipv6");
	return 0;
}

int bench_ifreq(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	r = fd < 0 ? -1 : ioctl(fd, req, ifr);
	if (fd >= 0)
		close(fd);
	return r;
}

/* A raw socket bound to `ifname` that receives nothing (protocol 0) and sends past the queueing
 * discipline; -1 with a message. */
static int gen_socket(const char *ifname)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = 0};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), one = 1;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
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

	memset(&ifr, 0, sizeof(ifr));
	if (bench_ifreq(ifname, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return bench_ifreq(ifname, SIOCSIFFLAGS, &ifr);
}

int bench_tap_create(char name[IFNAMSIZ])
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK), e;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || link_up(ifr.ifr_name) < 0) {
		e = errno;
		close(fd); /* the device goes with its last descriptor */
		return -e;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

uint32_t bench_if_txqlen(const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	return bench_ifreq(ifname, SIOCGIFTXQLEN, &ifr) == 0 && ifr.ifr_qlen > 0
	           ? (uint32_t)ifr.ifr_qlen
	           : 0;
}

uint64_t bench_if_tx_dropped(const char *ifname)
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

/* ---- generators ------------------------------------------------------------------------------ */

/* Broadcast, from a local address, of the benchmark ethertype. */
static void gen_frame(uint8_t *frame, uint32_t len)
{
	memset(frame, 0, len);
	memset(frame, 0xff, 6);
	memcpy(frame + 6, (const uint8_t[]){2, 0, 0, 0, 0, 1}, 6);
	frame[12] = BENCH_ETHERTYPE_HI;
	frame[13] = BENCH_ETHERTYPE_LO;
}

static void *gen_main(void *arg)
{
	struct bench_gen_thread *me = arg;
	struct bench_gen *g = me->g;
	uint8_t frame[2048];
	struct mmsghdr m[GEN_BATCH];
	struct iovec v = {.iov_base = frame, .iov_len = g->len};
	int fd = me->fd;
	struct timespec tick;
	int64_t t0;

	bench_pin(me->cpu);
	gen_frame(frame, g->len);
	memset(m, 0, sizeof(m));
	for (int i = 0; i < GEN_BATCH; i++) {
		m[i].msg_hdr.msg_iov = &v;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	atomic_fetch_add(&g->started, 1);
	t0 = bench_now_ns();
	clock_gettime(CLOCK_MONOTONIC, &tick);
	while (atomic_load(&g->run)) {
		uint64_t due = GEN_BATCH, owed = 0, offered = me->sent + me->refused;
		int r;

		if (g->rate) {
			/* Paced: what is due by now (the first frame at once)... */
			owed = (uint64_t)((double)(bench_now_ns() - t0) * 1e-9 * g->rate) + 1;
			owed = owed > offered ? owed - offered : 0;
			due = owed < GEN_BATCH ? owed : GEN_BATCH;
		}
		r = due ? sendmmsg(fd, m, (unsigned)due, MSG_DONTWAIT) : 0;
		if (r > 0)
			me->sent += (unsigned)r;
		/* A frame the interface refused stops the batch there: a TAP device whose queue is
		 * full (ENOBUFS; sendmmsg reports it only when it is the first). A veth takes
		 * every frame and drops on the receiving side. */
		if (due && ((r >= 0 && (uint64_t)r < due) || (r < 0 && errno == ENOBUFS)))
			me->refused++;
		if (g->rate && (r <= 0 || (uint64_t)(r + 1) >= owed)) {
			/* ...then sleep to the next millisecond. */
			tick.tv_nsec += 1000000;
			if (tick.tv_nsec >= 1000000000) {
				tick.tv_nsec -= 1000000000;
				tick.tv_sec++;
			}
			(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
		}
	}
	return NULL;
}

int bench_gen_start(struct bench_gen *g, const char *ifname, uint32_t len, uint32_t rate,
                    int threads)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->ifname, sizeof(g->ifname), "%s", ifname);
	g->len = len;
	g->rate = rate;
	g->threads = rate ? 1 : threads;
	atomic_init(&g->run, 1);
	atomic_init(&g->started, 0);
	for (int i = 0; i < g->threads; i++) {
		g->t[i].fd = gen_socket(ifname);
		if (g->t[i].fd < 0) {
			while (i-- > 0)
				close(g->t[i].fd);
			return -1;
		}
	}
	for (int i = 0; i < g->threads; i++) {
		g->t[i].g = g;
		g->t[i].cpu = i;
		if (pthread_create(&g->t[i].th, NULL, gen_main, &g->t[i]) != 0) {
			fprintf(stderr, "feth-bench: generator thread: cannot create\n");
			for (int j = i; j < g->threads; j++)
				close(g->t[j].fd);
			g->threads = i;
			(void)bench_gen_stop(g, NULL);
			return -1;
		}
	}
	/* Timing starts once every thread is sending. */
	while (atomic_load(&g->started) < g->threads)
		bench_sleep(1e-4);
	return 0;
}

uint64_t bench_gen_stop(struct bench_gen *g, uint64_t *ret_refused)
{
	uint64_t sent = 0, refused = 0;

	atomic_store(&g->run, 0);
	for (int i = 0; i < g->threads; i++) {
		pthread_join(g->t[i].th, NULL);
		close(g->t[i].fd);
		sent += g->t[i].sent;
		refused += g->t[i].refused;
	}
	g->threads = 0;
	if (ret_refused)
		*ret_refused = refused;
	return sent;
}

/* ---- order statistics ---------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(double), cmp_double);
}

double bench_quantile(const double *sorted, size_t n, double q)
{
	/* ceil(q * n), the nearest rank, but 0.95 * 20 = 19.000000000000004 is rank 19. */
	size_t rank = (size_t)(q * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

double bench_median(const double *sorted, size_t n)
{
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

struct bench_spread bench_spread_of(double *v, size_t n)
{
	struct bench_spread s = {0, 0, 0};

	if (n == 0)
		return s;
	bench_sort(v, n);
	s.med = bench_median(v, n);
	s.min = v[0];
	s.max = v[n - 1];
	return s;
}

const char *bench_run_name(char *buf, size_t len, const char *name, unsigned run, unsigned runs)
{
	if (runs > 1)
		snprintf(buf, len, "%s_run%u", name, run + 1);
	else
		snprintf(buf, len, "%s", name);
	return buf;
}

double bench_random(void)
{
	static uint64_t s;

	if (s == 0)
		s = (uint64_t)bench_now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15u;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (double)(s >> 11) / 9007199254740992.0; /* 2^53 */
}
