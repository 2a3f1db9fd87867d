/* SPDX-License-Identifier: MIT */
/*
 * feth-bench linux-latency: the round trip through a responder on the I/O side, for each way of
 * receiving there, interleaved in one run, in a network namespace of the program's own (root
 * needed). See README.md for what each figure means.
 */
#define _GNU_SOURCE /* ppoll */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h> /* SIOCGIFHWADDR */
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "internal.h"
#include "linux_env.h"

#define MAX_RUNS      32
#define CHUNK         50        /* round trips of one contender before the next one's turn */
#define WARMUP        10        /* round trips per contender before the runs, not counted */
#define REPLY_WAIT_NS 100000000 /* a request not answered by then is a loss */
#define MAGIC         "fbLT"    /* after the ethertype; then the sequence number */
#define SEQ_OFF       18
#define MIN_LEN       (SEQ_OFF + 8)

struct lat;

/* A responder: `open` makes the interfaces and says where the client sits, `serve` is the
 * responder's thread, `wake` hurries it out of its wait once `run` is 0. */
struct lat_kind {
	const char *name; /* in the metric names: linux_latency_<name>_... */
	uint32_t mode;    /* libfeth: FETH_TAP_RX_*; libpcap: 1 in immediate mode */
	int (*open)(struct lat *l);
	void *(*serve)(void *arg);
	void (*wake)(struct lat *l);
	void (*close)(struct lat *l);
};

struct lat {
	const struct lat_kind *kind;
	int ok; /* open, answered in the warm-up */
	char why[256];
	/* the responder */
	struct feth_tap *tap;
	struct bench_pcap *pcap;
	int fd; /* TAP device */
	struct feth_pair pair;
	int have_pair;
	uint8_t resp_mac[6]; /* the I/O side: where requests go */
	atomic_int run;
	pthread_t th;
	int started;
	uint64_t send_errors;
	/* the client */
	char client_if[IFNAMSIZ];
	uint8_t client_mac[6];
	int cfd;
	double *rtt; /* this run's round trips, microseconds */
	size_t n;
	uint64_t lost, lost_total, trips_total;
	double med[MAX_RUNS], p99[MAX_RUNS];
	unsigned runs_with_replies;
};

static int if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (bench_ifreq(ifname, SIOCGIFHWADDR, &ifr) < 0)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* Turns a request addressed to `own` into its reply, in place (the addresses swapped): 1, or 0
 * for any other frame. */
static int reply_in_place(uint8_t *f, size_t len, const uint8_t own[6])
{
	uint8_t t[6];

	if (len < MIN_LEN || f[12] != BENCH_ETHERTYPE_HI || f[13] != BENCH_ETHERTYPE_LO ||
	    memcmp(f, own, 6) != 0 || memcmp(f + 14, MAGIC, 4) != 0)
		return 0;
	memcpy(t, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, t, 6);
	return 1;
}

/* ---- libfeth: feth_tap_wait(), feth_tap_recv() until 0, feth_tap_send() of each reply -- */

static const char *mode_name(uint32_t mode)
{
	return mode == FETH_TAP_RX_BATCH ? "batch" : "low_latency";
}

static int lf_open(struct lat *l)
{
	struct feth_tap_opts o = {.sz = sizeof(o), .rx_mode = l->kind->mode};
	struct feth_tap_info in = {.sz = sizeof(in)};
	int r = feth_tap_open(&o, &l->tap);

	if (r < 0) {
		snprintf(l->why, sizeof(l->why), "feth_tap_open (rx_mode %s): %s",
		         mode_name(l->kind->mode), strerror(-r));
		l->tap = NULL;
		return r;
	}
	r = feth_tap_get_info(l->tap, &in);
	if (r == 0 && in.rx_mode != l->kind->mode) {
		snprintf(l->why, sizeof(l->why), "asked rx_mode %s, the tap reports mode %u",
		         mode_name(l->kind->mode), (unsigned)in.rx_mode);
		r = -EOPNOTSUPP;
	}
	if (r < 0) {
		(void)feth_tap_close(l->tap);
		l->tap = NULL;
		return r;
	}
	snprintf(l->client_if, sizeof(l->client_if), "%s", in.host_name);
	memcpy(l->client_mac, in.host_mac, 6);
	memcpy(l->resp_mac, in.io_mac, 6);
	return 0;
}

static void *lf_serve(void *arg)
{
	struct lat *l = arg;
	struct feth_frame f[64];
	uint8_t buf[2048];

	bench_pin(1);
	while (atomic_load(&l->run)) {
		int r = feth_tap_wait(l->tap, BENCH_WAIT_MS);

		if (r < 0)
			break;
		if (r == 0)
			continue;
		while ((r = feth_tap_recv(l->tap, f, 64)) > 0)
			for (int i = 0; i < r; i++) {
				size_t n = f[i].caplen < sizeof(buf) ? f[i].caplen : sizeof(buf);

				memcpy(buf, f[i].data, n); /* the view is the kernel's ring */
				if (reply_in_place(buf, n, l->resp_mac) &&
				    feth_tap_send(l->tap, buf, n) < 0)
					l->send_errors++;
			}
	}
	return NULL;
}

static void lf_wake(struct lat *l)
{
	(void)feth_tap_wake(l->tap);
}

static void lf_close(struct lat *l)
{
	(void)feth_tap_close(l->tap);
}

/* ---- libpcap in immediate mode on the I/O side of a pair ---------------------------------- */

static void drop_pair(struct lat *l)
{
	if (l->have_pair && feth_if_destroy(l->pair.io_name) < 0)
		fprintf(stderr, "feth-bench: could not destroy %s\n", l->pair.io_name);
	l->have_pair = 0;
}

static int pc_open(struct lat *l)
{
	struct feth_pair_opts po = {.sz = sizeof(po)};
	struct bench_pcap_opts o = {.immediate = 1, .snaplen = 1518};
	int r;

	if (!bench_pcap_built()) {
		snprintf(l->why, sizeof(l->why), "%s", bench_pcap_version());
		return -ENOSYS;
	}
	r = feth_pair_create(&po, &l->pair);
	if (r < 0) {
		snprintf(l->why, sizeof(l->why), "feth_pair_create: %s", strerror(-r));
		return r;
	}
	l->have_pair = 1;
	if (if_mac(l->pair.host_name, l->client_mac) < 0 ||
	    if_mac(l->pair.io_name, l->resp_mac) < 0) {
		snprintf(l->why, sizeof(l->why), "SIOCGIFHWADDR: %s", strerror(errno));
		drop_pair(l);
		return -EIO;
	}
	r = bench_pcap_open(l->pair.io_name, &o, &l->pcap, l->why, sizeof(l->why));
	if (r < 0) {
		drop_pair(l);
		return r;
	}
	snprintf(l->client_if, sizeof(l->client_if), "%s", l->pair.host_name);
	return 0;
}

static void pc_frame(void *user, const uint8_t *frame, uint32_t caplen)
{
	struct lat *l = user;
	uint8_t buf[2048];
	size_t n = caplen < sizeof(buf) ? caplen : sizeof(buf);

	memcpy(buf, frame, n);
	if (reply_in_place(buf, n, l->resp_mac) && bench_pcap_inject(l->pcap, buf, n) < 0)
		l->send_errors++;
}

static void *pc_serve(void *arg)
{
	struct lat *l = arg;
	struct pollfd p = {.fd = bench_pcap_fd(l->pcap), .events = POLLIN};

	bench_pin(1);
	while (atomic_load(&l->run)) {
		if (poll(&p, 1, BENCH_WAIT_MS) < 0 && errno != EINTR)
			break;
		while (bench_pcap_dispatch(l->pcap, pc_frame, l) > 0)
			;
	}
	return NULL;
}

static void pc_close(struct lat *l)
{
	bench_pcap_close(l->pcap);
	drop_pair(l);
}

/* ---- a TAP device: read() -> write() back; the client sits on its interface -------------- */

static int td_open(struct lat *l)
{
	char name[IFNAMSIZ] = "fbtap%d";

	l->fd = bench_tap_create(name);
	if (l->fd < 0) {
		snprintf(l->why, sizeof(l->why), "TAP device: %s", strerror(-l->fd));
		return l->fd;
	}
	if (if_mac(name, l->client_mac) < 0) {
		snprintf(l->why, sizeof(l->why), "SIOCGIFHWADDR: %s", strerror(errno));
		close(l->fd);
		return -EIO;
	}
	/* The far end of a TAP is the program itself: any unicast address of its choosing. */
	memcpy(l->resp_mac, (const uint8_t[]){2, 0, 0, 0, 0, 2}, 6);
	snprintf(l->client_if, sizeof(l->client_if), "%s", name);
	return 0;
}

static void *td_serve(void *arg)
{
	struct lat *l = arg;
	struct pollfd p = {.fd = l->fd, .events = POLLIN};
	uint8_t buf[2048];

	bench_pin(1);
	while (atomic_load(&l->run)) {
		ssize_t r;

		if (poll(&p, 1, BENCH_WAIT_MS) < 0 && errno != EINTR)
			break;
		while ((r = read(l->fd, buf, sizeof(buf))) > 0)
			if (reply_in_place(buf, (size_t)r, l->resp_mac) &&
			    write(l->fd, buf, (size_t)r) != r)
				l->send_errors++;
	}
	return NULL;
}

static void td_close(struct lat *l)
{
	close(l->fd);
}

static void no_wake(struct lat *l)
{
	(void)l; /* its wait ends within BENCH_WAIT_MS */
}

static const struct lat_kind lat_kinds[] = {
    {"libfeth_batch", FETH_TAP_RX_BATCH, lf_open, lf_serve, lf_wake, lf_close},
    {"libfeth_lowlat", FETH_TAP_RX_LOW_LATENCY, lf_open, lf_serve, lf_wake, lf_close},
    {"libpcap_immediate", 1, pc_open, pc_serve, no_wake, pc_close},
    {"tap_device", 0, td_open, td_serve, no_wake, td_close},
};
#define NL (sizeof(lat_kinds) / sizeof(lat_kinds[0]))

/* ---- the client ---------------------------------------------------------------------------- */

/* An AF_PACKET socket on the client's interface that receives the benchmark's ethertype only,
 * not what it sends itself. */
static int client_open(struct lat *l)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
	                          .sll_protocol =
	                              htons((BENCH_ETHERTYPE_HI << 8) | BENCH_ETHERTYPE_LO)};
	int one = 1;

	l->cfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	sll.sll_ifindex = (int)if_nametoindex(l->client_if);
	if (l->cfd < 0 ||
	    setsockopt(l->cfd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    bind(l->cfd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		snprintf(l->why, sizeof(l->why), "client socket on %s: %s", l->client_if,
		         strerror(errno));
		if (l->cfd >= 0)
			close(l->cfd);
		l->cfd = -1;
		return -1;
	}
	return 0;
}

/* One round trip: 1 with its time in *ret_us; 0 when no reply came within REPLY_WAIT_NS or
 * the request could not be sent. */
static int round_trip(struct lat *l, uint8_t *frame, size_t len, uint64_t seq, double *ret_us)
{
	struct pollfd p = {.fd = l->cfd, .events = POLLIN};
	uint8_t buf[2048];
	int64_t t0, t, deadline;

	memcpy(frame, l->resp_mac, 6);
	memcpy(frame + 6, l->client_mac, 6);
	memcpy(frame + SEQ_OFF, &seq, sizeof(seq));
	t0 = bench_now_ns();
	if (send(l->cfd, frame, len, 0) != (ssize_t)len)
		return 0;
	deadline = t0 + REPLY_WAIT_NS;
	while ((t = bench_now_ns()) < deadline) {
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(deadline - t)};
		ssize_t r;

		if (ppoll(&p, 1, &ts, NULL) < 0 && errno != EINTR)
			return 0;
		while ((r = recv(l->cfd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			uint64_t got;

			if (r < MIN_LEN || memcmp(buf, l->client_mac, 6) != 0 ||
			    memcmp(buf + 14, MAGIC, 4) != 0)
				continue;
			memcpy(&got, buf + SEQ_OFF, sizeof(got));
			if (got == seq) { /* an earlier, late reply is not this one */
				*ret_us = (double)(bench_now_ns() - t0) / 1e3;
				return 1;
			}
		}
	}
	return 0;
}

static void gap(double min_ms, double max_ms)
{
	bench_sleep((min_ms + (max_ms - min_ms) * bench_random()) / 1e3);
}

static void stop(struct lat *l)
{
	if (l->started) {
		atomic_store(&l->run, 0);
		l->kind->wake(l);
		pthread_join(l->th, NULL);
		l->started = 0;
	}
	if (l->cfd >= 0)
		close(l->cfd);
	l->cfd = -1;
}

/* Opens a contender, starts its responder and checks that it answers; 0, or -1 with the reason
 * in l->why (nothing left open). */
static int setup(struct lat *l, uint8_t *frame, size_t len, uint64_t *seq)
{
	unsigned answered = 0;
	double us;

	l->fd = l->cfd = -1;
	if (l->kind->open(l) < 0)
		return -1;
	if (client_open(l) < 0) {
		l->kind->close(l);
		return -1;
	}
	atomic_init(&l->run, 1);
	if (pthread_create(&l->th, NULL, l->kind->serve, l) != 0) {
		snprintf(l->why, sizeof(l->why), "cannot create the responder thread");
		stop(l);
		l->kind->close(l);
		return -1;
	}
	l->started = 1;
	for (int i = 0; i < WARMUP; i++) {
		answered += (unsigned)round_trip(l, frame, len, ++*seq, &us);
		bench_sleep(1e-3);
	}
	if (answered == 0) {
		snprintf(l->why, sizeof(l->why), "no reply to %d requests", WARMUP);
		stop(l);
		l->kind->close(l);
		return -1;
	}
	return 0;
}

static void report_run(struct lat *l, unsigned run, unsigned runs, unsigned count)
{
	char name[64];

	bench_run_name(name, sizeof(name), l->kind->name, run, runs);
	if (l->n > 0) {
		bench_sort(l->rtt, l->n);
		l->med[l->runs_with_replies] = bench_median(l->rtt, l->n);
		l->p99[l->runs_with_replies] = bench_quantile(l->rtt, l->n, 0.99);
		l->runs_with_replies++;
		printf("metric linux_latency_%s_median %.1f us\n", name,
		       bench_median(l->rtt, l->n));
		printf("metric linux_latency_%s_p95 %.1f us\n", name,
		       bench_quantile(l->rtt, l->n, 0.95));
		printf("metric linux_latency_%s_p99 %.1f us\n", name,
		       bench_quantile(l->rtt, l->n, 0.99));
		printf("metric linux_latency_%s_max %.1f us\n", name, l->rtt[l->n - 1]);
	}
	printf("metric linux_latency_%s_losses %llu of %u round trips\n", name,
	       (unsigned long long)l->lost, count);
	l->lost_total += l->lost;
	l->trips_total += count;
}

static void report_summary(struct lat *l)
{
	double m[MAX_RUNS], p[MAX_RUNS];
	unsigned n = l->runs_with_replies;
	struct bench_spread sm, sp;

	if (n == 0)
		return;
	memcpy(m, l->med, n * sizeof(double));
	memcpy(p, l->p99, n * sizeof(double));
	sm = bench_spread_of(m, n);
	sp = bench_spread_of(p, n);
	printf("metric linux_latency_%s_median_of_medians %.1f us (%u runs, min %.1f, max %.1f)\n",
	       l->kind->name, sm.med, n, sm.min, sm.max);
	printf("metric linux_latency_%s_median_of_p99 %.1f us (min %.1f, max %.1f)\n",
	       l->kind->name, sp.med, sp.min, sp.max);
	printf("metric linux_latency_%s_losses_total %llu of %llu round trips\n", l->kind->name,
	       (unsigned long long)l->lost_total, (unsigned long long)l->trips_total);
}

int feth_bench_linux_latency(int argc, char **argv)
{
	static struct lat lats[NL];
	static uint8_t frame[2048];
	unsigned count = 1000, runs = 1, live = 0;
	double gap_min = 5, gap_max = 15;
	size_t len = 64;
	uint64_t seq = 0;

	for (int i = 2; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return 2;
		if (strcmp(argv[i], "--count") == 0)
			count = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(argv[i], "--runs") == 0)
			runs = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(argv[i], "--gap-min") == 0)
			gap_min = atof(v);
		else if (strcmp(argv[i], "--gap-max") == 0)
			gap_max = atof(v);
		else if (strcmp(argv[i], "--len") == 0)
			len = strtoul(v, NULL, 10);
		else
			return 2;
	}
	if (count < 1 || count > 1000000 || runs < 1 || runs > MAX_RUNS || gap_min < 0 ||
	    gap_max < gap_min || gap_max > 10000 || len < 60 || len > 1514)
		return 2;
	if (bench_netns() < 0)
		return 1;
	bench_pin(0);
	memcpy(frame + 14, MAGIC, 4);
	frame[12] = BENCH_ETHERTYPE_HI;
	frame[13] = BENCH_ETHERTYPE_LO;
	printf("# linux-latency: %u round trips of %zu-byte frames per contender and run, %u "
	       "run(s), in turns of %d; gaps %.1f-%.1f ms; responders on CPU 1, client on CPU 0\n",
	       count, len, runs, CHUNK, gap_min, gap_max);
	printf("# libpcap: %s\n", bench_pcap_version());
	/* Every buffer first: a failure then leaves nothing open or made. */
	for (size_t k = 0; k < NL; k++) {
		lats[k].kind = &lat_kinds[k];
		lats[k].rtt = calloc(count, sizeof(double));
		if (!lats[k].rtt) {
			fprintf(stderr, "feth-bench: out of memory\n");
			for (size_t j = 0; j < k; j++)
				free(lats[j].rtt);
			return 1;
		}
	}
	for (size_t k = 0; k < NL; k++) {
		struct lat *l = &lats[k];

		if (setup(l, frame, len, &seq) < 0) {
			printf("# %s: unavailable: %s\n", l->kind->name, l->why);
			continue;
		}
		l->ok = 1;
		live++;
	}
	if (live == 0) {
		fprintf(stderr, "feth-bench: no contender could be measured\n");
		for (size_t k = 0; k < NL; k++)
			free(lats[k].rtt);
		return 1;
	}
	for (unsigned run = 0; run < runs; run++) {
		for (size_t k = 0; k < NL; k++)
			lats[k].n = lats[k].lost = 0;
		/* Turns of CHUNK round trips, round-robin: drifts of the machine hit them all. */
		for (unsigned done = 0; done < count; done += CHUNK)
			for (size_t k = 0; k < NL; k++) {
				struct lat *l = &lats[k];
				unsigned m = count - done < CHUNK ? count - done : CHUNK;

				for (unsigned j = 0; l->ok && j < m; j++) {
					double us;

					if (round_trip(l, frame, len, ++seq, &us))
						l->rtt[l->n++] = us;
					else
						l->lost++;
					gap(gap_min, gap_max);
				}
			}
		for (size_t k = 0; k < NL; k++)
			if (lats[k].ok)
				report_run(&lats[k], run, runs, count);
	}
	if (runs > 1)
		for (size_t k = 0; k < NL; k++)
			if (lats[k].ok)
				report_summary(&lats[k]);
	for (size_t k = 0; k < NL; k++) {
		struct lat *l = &lats[k];

		if (l->ok) {
			stop(l);
			if (l->send_errors)
				printf("# %s: %llu replies could not be sent\n", l->kind->name,
				       (unsigned long long)l->send_errors);
			l->kind->close(l);
		}
		free(l->rtt);
	}
	return 0;
}
