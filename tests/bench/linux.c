/* SPDX-License-Identifier: MIT */
/*
 * feth-bench linux-rx and linux-tx: the Linux tap against the real kernel, in a network
 * namespace of the program's own (root needed). See README.md for what each figure means.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "internal.h"
#include "linux/tap.h"
#include "linux_env.h"

#define MAX_RUNS 32

/* ---- linux-rx: the receivers ------------------------------------------------------------- */

struct rx_ctx;

/* A way of receiving the I/O side. Each step waits at most BENCH_WAIT_MS for frames and takes
 * what it is built to take per wake-up: < 0 ends the measurement. */
struct rx_kind {
	const char *name;  /* in the metric names: linux_rx_<name>_... */
	const char *group; /* --only selects it by its name or this */
	uint32_t mode;     /* libfeth: FETH_TAP_RX_*; libpcap: 1 in immediate mode */
	int (*open)(struct rx_ctx *c);
	int (*step)(struct rx_ctx *c);
	uint64_t (*drops)(struct rx_ctx *c);
	void (*close)(struct rx_ctx *c);
};

struct rx_ctx {
	const struct rx_kind *kind;
	uint32_t bufsize; /* libfeth's rx_bufsize (0: the default) */
	struct feth_tap *tap;
	struct bench_pcap *pcap;
	int fd;
	struct feth_pair pair;
	int have_pair;
	char gen_if[IFNAMSIZ]; /* where the generators send */
	uint64_t frames;       /* every frame received */
	uint64_t marked;       /* those of the benchmark's ethertype (each frame is read) */
	uint64_t buf_size;     /* what holds frames while nobody reads, in buf_unit */
	const char *buf_unit;
	char buf_what[160];
	char why[256]; /* why it could not open */
};

static const char *mode_name(uint32_t mode)
{
	return mode == FETH_TAP_RX_BATCH         ? "batch"
	       : mode == FETH_TAP_RX_LOW_LATENCY ? "low_latency"
	                                         : "auto";
}

static void touch(struct rx_ctx *c, const uint8_t *d, uint32_t len)
{
	c->frames++;
	if (len >= 14 && d[12] == BENCH_ETHERTYPE_HI && d[13] == BENCH_ETHERTYPE_LO)
		c->marked++;
}

/* libfeth: feth_tap_wait(), then feth_tap_recv() of 256 views until none is left. */
static int lf_open(struct rx_ctx *c)
{
	struct feth_tap_opts o = {
	    .sz = sizeof(o), .rx_bufsize = c->bufsize, .rx_mode = c->kind->mode};
	struct feth_tap_info in = {.sz = sizeof(in)};
	int r = feth_tap_open(&o, &c->tap);

	if (r < 0) {
		snprintf(c->why, sizeof(c->why), "feth_tap_open (rx_mode %s): %s",
		         mode_name(c->kind->mode), strerror(-r));
		c->tap = NULL;
		return r;
	}
	r = feth_tap_get_info(c->tap, &in);
	if (r == 0 && in.rx_mode != c->kind->mode) {
		snprintf(c->why, sizeof(c->why), "asked rx_mode %s, the tap reports %s",
		         mode_name(c->kind->mode), mode_name(in.rx_mode));
		r = -EOPNOTSUPP;
	}
	if (r < 0) {
		(void)feth_tap_close(c->tap);
		c->tap = NULL;
		return r;
	}
	snprintf(c->gen_if, sizeof(c->gen_if), "%s", in.host_name);
	c->buf_size = in.rx_bufsize;
	c->buf_unit = "bytes";
	snprintf(c->buf_what, sizeof(c->buf_what),
	         "the tap's receive ring, rx_bufsize in force, %s",
	         c->kind->mode == FETH_TAP_RX_BATCH ? "TPACKET_V3 blocks" : "TPACKET_V2 slots");
	return 0;
}

static int lf_step(struct rx_ctx *c)
{
	static struct feth_frame fr[256];
	int r = feth_tap_wait(c->tap, BENCH_WAIT_MS);

	if (r <= 0)
		return r;
	while ((r = feth_tap_recv(c->tap, fr, 256)) > 0)
		for (int i = 0; i < r; i++)
			touch(c, fr[i].data, fr[i].caplen);
	return r;
}

static uint64_t lf_drops(struct rx_ctx *c)
{
	struct feth_tap_stats st = {.sz = sizeof(st)};

	return feth_tap_get_stats(c->tap, &st) == 0 ? st.rx_kernel_drops : 0;
}

static void lf_close(struct rx_ctx *c)
{
	(void)feth_tap_close(c->tap);
}

/* The contenders that receive a pair of their own make it with feth_pair_create(). */
static int make_pair(struct rx_ctx *c)
{
	struct feth_pair_opts po = {.sz = sizeof(po)};
	int r = feth_pair_create(&po, &c->pair);

	if (r < 0) {
		snprintf(c->why, sizeof(c->why), "feth_pair_create: %s", strerror(-r));
		return r;
	}
	c->have_pair = 1;
	snprintf(c->gen_if, sizeof(c->gen_if), "%s", c->pair.host_name);
	return 0;
}

static void drop_pair(struct rx_ctx *c)
{
	if (c->have_pair && feth_if_destroy(c->pair.io_name) < 0)
		fprintf(stderr, "feth-bench: could not destroy %s\n", c->pair.io_name);
	c->have_pair = 0;
}

/* A plain AF_PACKET socket on the I/O side of a pair, one blocking recv() per frame. */
static int rl_open(struct rx_ctx *c)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct timeval tv = {.tv_sec = 0, .tv_usec = BENCH_WAIT_MS * 1000};
	int one = 1, rcvbuf = 0, r = make_pair(c);
	socklen_t l = sizeof(rcvbuf);

	if (r < 0)
		return r;
	c->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	sll.sll_ifindex = (int)if_nametoindex(c->pair.io_name);
	if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(c->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    getsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &l) < 0) {
		r = -errno;
		snprintf(c->why, sizeof(c->why), "recv() socket: %s", strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		drop_pair(c);
		return r;
	}
	c->buf_size = (uint64_t)rcvbuf;
	c->buf_unit = "bytes";
	snprintf(c->buf_what, sizeof(c->buf_what),
	         "SO_RCVBUF, from net.core.rmem_default; each frame is charged its skb's "
	         "truesize, not its length");
	return 0;
}

/* Up to STEP_FRAMES frames a step, as libfeth and libpcap take a batch a step: the clock is read
 * once a step whatever the contender. */
#define STEP_FRAMES 256

static int rl_step(struct rx_ctx *c)
{
	uint8_t buf[2048];
	int n = 0;

	while (n < STEP_FRAMES) {
		/* The first waits at most BENCH_WAIT_MS (SO_RCVTIMEO); the rest do not wait. */
		ssize_t r = recv(c->fd, buf, sizeof(buf), n ? MSG_DONTWAIT : 0);

		if (r <= 0) {
			if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -1;
			break;
		}
		touch(c, buf, (uint32_t)r);
		n++;
	}
	return n;
}

static uint64_t rl_drops(struct rx_ctx *c)
{
	struct tpacket_stats ks;
	socklen_t kl = sizeof(ks);

	return getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &kl) == 0 ? ks.tp_drops : 0;
}

static void rl_close(struct rx_ctx *c)
{
	close(c->fd);
	drop_pair(c);
}

/* A TAP device: the generators send out of its interface, one read() per frame. */
static int td_open(struct rx_ctx *c)
{
	char name[IFNAMSIZ] = "fbtap%d";

	c->fd = bench_tap_create(name);
	if (c->fd < 0) {
		snprintf(c->why, sizeof(c->why), "TAP device: %s", strerror(-c->fd));
		return c->fd;
	}
	snprintf(c->gen_if, sizeof(c->gen_if), "%s", name);
	c->buf_size = bench_if_txqlen(name);
	c->buf_unit = "frames";
	snprintf(c->buf_what, sizeof(c->buf_what),
	         "the TAP device's queue, tx_queue_len of %s; it refuses more, counted as "
	         "its tx_dropped",
	         name);
	return 0;
}

static int td_step(struct rx_ctx *c)
{
	uint8_t buf[2048];
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	int n = 0;

	while (n < STEP_FRAMES) {
		ssize_t r = read(c->fd, buf, sizeof(buf));

		if (r <= 0) {
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				return -1;
			break;
		}
		touch(c, buf, (uint32_t)r);
		n++;
	}
	if (n == 0)
		(void)poll(&p, 1, BENCH_WAIT_MS);
	return n;
}

static uint64_t td_drops(struct rx_ctx *c)
{
	return bench_if_tx_dropped(c->gen_if);
}

static void td_close(struct rx_ctx *c)
{
	close(c->fd); /* the device goes with it */
}

/* libpcap on the I/O side of a pair: pcap_dispatch() of all that waits, poll() when none. */
static int pc_open(struct rx_ctx *c)
{
	struct bench_pcap_opts o = {.immediate = (int)c->kind->mode,
	                            .timeout_ms = 1,
	                            .snaplen = 1518,
	                            .bufsize = FETH__LINUX_RX_BUFSIZE};
	int r;

	if (!bench_pcap_built()) {
		snprintf(c->why, sizeof(c->why), "%s", bench_pcap_version());
		return -ENOSYS;
	}
	r = make_pair(c);
	if (r < 0)
		return r;
	r = bench_pcap_open(c->pair.io_name, &o, &c->pcap, c->why, sizeof(c->why));
	if (r < 0) {
		drop_pair(c);
		return r;
	}
	c->buf_size = o.bufsize;
	c->buf_unit = "bytes";
	snprintf(c->buf_what, sizeof(c->buf_what), "libpcap's ring, pcap_set_buffer_size; %s",
	         o.immediate ? "immediate mode, TPACKET_V2 slots for snaplen 1518"
	                     : "TPACKET_V3 blocks retired after 1 ms");
	return 0;
}

static void pc_frame(void *user, const uint8_t *frame, uint32_t caplen)
{
	touch(user, frame, caplen);
}

static int pc_step(struct rx_ctx *c)
{
	int n = bench_pcap_dispatch(c->pcap, pc_frame, c);
	struct pollfd p = {.fd = bench_pcap_fd(c->pcap), .events = POLLIN};

	if (n == 0)
		(void)poll(&p, 1, BENCH_WAIT_MS);
	return n < 0 ? -1 : n;
}

static uint64_t pc_drops(struct rx_ctx *c)
{
	return bench_pcap_drops(c->pcap);
}

static void pc_close(struct rx_ctx *c)
{
	bench_pcap_close(c->pcap);
	drop_pair(c);
}

static const struct rx_kind rx_kinds[] = {
    {"libfeth_batch", "libfeth", FETH_TAP_RX_BATCH, lf_open, lf_step, lf_drops, lf_close},
    {"libfeth_lowlat", "libfeth", FETH_TAP_RX_LOW_LATENCY, lf_open, lf_step, lf_drops, lf_close},
    {"recv_loop", "recv_loop", 0, rl_open, rl_step, rl_drops, rl_close},
    {"tap_device", "tap_device", 0, td_open, td_step, td_drops, td_close},
    {"libpcap_timeout", "libpcap", 0, pc_open, pc_step, pc_drops, pc_close},
    {"libpcap_immediate", "libpcap", 1, pc_open, pc_step, pc_drops, pc_close},
};
#define NK (sizeof(rx_kinds) / sizeof(rx_kinds[0]))

static int is_libfeth(const struct rx_kind *k)
{
	return k->open == lf_open;
}

/* ---- linux-rx: the measurements ------------------------------------------------------------ */

struct rx_result {
	uint64_t frames; /* received (stall: kept, of the benchmark's ethertype) */
	uint64_t sent;   /* accepted by the generators' sends (stall: or refused at once) */
	uint64_t drops;  /* the kernel's count for the receiver */
	double secs;
	double cpu; /* CPU seconds the receiving thread used */
};

/* Throughput: the generators flood while the receiver takes what it can for `secs`. */
static int rx_flood(struct rx_ctx *c, double secs, uint32_t len, int gens, struct rx_result *res)
{
	struct bench_gen g;
	double t0, t, c0;

	if (bench_gen_start(&g, c->gen_if, len, 0, gens) < 0)
		return -1;
	t0 = bench_now();
	c0 = bench_thread_cpu();
	while ((t = bench_now()) - t0 < secs)
		if (c->kind->step(c) < 0)
			break;
	res->cpu = bench_thread_cpu() - c0;
	res->drops = c->kind->drops(c); /* at the end of the window, as the frames */
	res->sent = bench_gen_stop(&g, NULL);
	res->secs = t - t0;
	res->frames = c->frames;
	return 0;
}

/* Stall: frames come for stall_ms while the receiver, open, does not read; then it drains
 * until nothing has come for 200 ms (10 s at most). */
static int rx_stall(struct rx_ctx *c, unsigned stall_ms, uint32_t len, uint32_t rate, int gens,
                    struct rx_result *res)
{
	struct bench_gen g;
	uint64_t refused;
	double t0, t, last;

	if (bench_gen_start(&g, c->gen_if, len, rate, gens) < 0)
		return -1;
	bench_sleep(stall_ms / 1e3);
	res->sent = bench_gen_stop(&g, &refused);
	res->sent += refused; /* offered: a TAP device refuses what its queue cannot take */
	t0 = last = bench_now();
	while ((t = bench_now()) - last < 0.2 && t - t0 < 10) {
		uint64_t before = c->marked;

		if (c->kind->step(c) < 0)
			break;
		if (c->marked != before)
			last = bench_now();
	}
	res->secs = stall_ms / 1e3;
	res->frames = c->marked;
	res->drops = c->kind->drops(c);
	return 0;
}

/* Frames per second of the receiving thread's CPU time: what it could take at most. */
static double capacity(const struct rx_result *r)
{
	return r->cpu > 0 ? (double)r->frames / r->cpu : 0;
}

static double rate_of(const struct rx_result *r)
{
	return r->secs > 0 ? (double)r->frames / r->secs : 0;
}

static void report(const char *name, const struct rx_result *r)
{
	printf("metric linux_rx_%s_rate %.0f frames/s\n", name, rate_of(r));
	printf("metric linux_rx_%s_cpu_per_frame %.1f ns\n", name,
	       r->frames ? r->cpu * 1e9 / (double)r->frames : 0.0);
	printf("metric linux_rx_%s_capacity %.0f frames/cpu-s\n", name, capacity(r));
	printf("metric linux_rx_%s_offered %.0f frames/s\n", name, (double)r->sent / r->secs);
	printf("metric linux_rx_%s_kernel_drops %llu frames\n", name, (unsigned long long)r->drops);
}

static void report_stall(const char *name, const struct rx_result *r, const struct rx_ctx *c)
{
	int64_t rest = (int64_t)r->sent - (int64_t)r->frames - (int64_t)r->drops;

	printf("metric linux_rx_stall_%s_sent %llu frames\n", name, (unsigned long long)r->sent);
	printf("metric linux_rx_stall_%s_kept %llu frames (%.1f %% of those sent)\n", name,
	       (unsigned long long)r->frames,
	       r->sent ? 100.0 * (double)r->frames / (double)r->sent : 0.0);
	printf("metric linux_rx_stall_%s_kernel_drops %llu frames\n", name,
	       (unsigned long long)r->drops);
	printf("metric linux_rx_stall_%s_unaccounted %lld frames (sent - kept - kernel drops)\n",
	       name, (long long)rest);
	printf("metric linux_rx_stall_%s_buffer %llu %s (%s)\n", name,
	       (unsigned long long)c->buf_size, c->buf_unit, c->buf_what);
}

/* The figures of several runs of one contender. */
struct rx_summary {
	unsigned n;
	struct bench_spread rate, cpu, offered, kept_share, kept;
	double capacity;
	uint64_t drops;
};

static struct rx_summary summarise(const struct rx_result *res, const int *have, unsigned runs)
{
	double rate[MAX_RUNS], cpu[MAX_RUNS], off[MAX_RUNS], share[MAX_RUNS], kept[MAX_RUNS],
	    cap[MAX_RUNS];
	struct rx_summary s;
	unsigned n = 0;

	memset(&s, 0, sizeof(s));
	for (unsigned r = 0; r < runs; r++) {
		if (!have[r])
			continue;
		rate[n] = rate_of(&res[r]);
		cpu[n] = res[r].frames ? res[r].cpu * 1e9 / (double)res[r].frames : 0;
		off[n] = (double)res[r].sent / res[r].secs;
		share[n] = res[r].sent ? 100.0 * (double)res[r].frames / (double)res[r].sent : 0;
		kept[n] = (double)res[r].frames;
		cap[n] = capacity(&res[r]);
		s.drops += res[r].drops;
		n++;
	}
	s.n = n;
	s.rate = bench_spread_of(rate, n);
	s.cpu = bench_spread_of(cpu, n);
	s.offered = bench_spread_of(off, n);
	s.kept_share = bench_spread_of(share, n);
	s.kept = bench_spread_of(kept, n);
	s.capacity = bench_spread_of(cap, n).med;
	return s;
}

static void report_summary(const char *name, const struct rx_summary *s, double secs)
{
	if (s->n == 0)
		return;
	printf("metric linux_rx_%s_median_rate %.0f frames/s (%u runs of %.1f s, min %.0f, max "
	       "%.0f)\n",
	       name, s->rate.med, s->n, secs, s->rate.min, s->rate.max);
	printf("metric linux_rx_%s_median_cpu_per_frame %.1f ns (min %.1f, max %.1f)\n", name,
	       s->cpu.med, s->cpu.min, s->cpu.max);
	printf("metric linux_rx_%s_median_capacity %.0f frames/cpu-s\n", name, s->capacity);
	printf("metric linux_rx_%s_median_offered %.0f frames/s (min %.0f, max %.0f)\n", name,
	       s->offered.med, s->offered.min, s->offered.max);
	printf("metric linux_rx_%s_kernel_drops_total %llu frames (%u runs)\n", name,
	       (unsigned long long)s->drops, s->n);
}

static void report_stall_summary(const char *name, const struct rx_summary *s)
{
	if (s->n == 0)
		return;
	printf("metric linux_rx_stall_%s_median_kept %.0f frames (%u runs, min %.0f, max %.0f)\n",
	       name, s->kept.med, s->n, s->kept.min, s->kept.max);
	printf("metric linux_rx_stall_%s_median_kept_share %.1f %% (min %.1f, max %.1f)\n", name,
	       s->kept_share.med, s->kept_share.min, s->kept_share.max);
	printf("metric linux_rx_stall_%s_kernel_drops_total %llu frames (%u runs)\n", name,
	       (unsigned long long)s->drops, s->n);
}

/* Whether --only (a comma-separated list of names or groups) and --mode select kind k. */
static int selected(const struct rx_kind *k, const char *only, const char *mode)
{
	if (is_libfeth(k) && strcmp(mode, "all") != 0 && strcmp(mode, mode_name(k->mode)) != 0)
		return 0;
	if (!only)
		return 1;
	for (const char *p = only; *p;) {
		size_t n = strcspn(p, ",");

		if ((strlen(k->name) == n && strncmp(p, k->name, n) == 0) ||
		    (strlen(k->group) == n && strncmp(p, k->group, n) == 0))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

/* The receive mode FETH_TAP_RX_AUTO stands for (what linux_rx_libfeth_* report), or 0. */
static uint32_t libfeth_default_mode(void)
{
	struct feth_tap_opts o = {.sz = sizeof(o)};
	struct feth_tap_info in = {.sz = sizeof(in)};
	struct feth_tap *tap;
	uint32_t mode = 0;

	if (feth_tap_open(&o, &tap) < 0)
		return 0;
	if (feth_tap_get_info(tap, &in) == 0)
		mode = in.rx_mode;
	(void)feth_tap_close(tap);
	return mode;
}

static void ratio(const char *other, double lib_rate, double lib_cap, double rate, double cap)
{
	if (rate <= 0 || cap <= 0)
		return;
	printf("metric linux_rx_ratio_libfeth_over_%s %.2f x (rate) %.2f x (capacity)\n", other,
	       lib_rate / rate, lib_cap / cap);
}

int feth_bench_linux_rx(int argc, char **argv)
{
	static struct rx_result res[NK][MAX_RUNS];
	static int have[NK][MAX_RUNS];
	int unavailable[NK] = {0};
	double secs = 3;
	uint32_t len = 64, bufsize = 0, rate = 1000;
	unsigned runs = 1, stall_ms = 0;
	const char *only = NULL, *mode = "all";
	int gens = 2, rate_set = 0, alias = -1, any = 0;
	uint32_t def_mode = 0;

	for (int i = 2; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return 2;
		if (strcmp(argv[i], "--secs") == 0)
			secs = atof(v);
		else if (strcmp(argv[i], "--len") == 0)
			len = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(argv[i], "--bufsize") == 0)
			bufsize = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(argv[i], "--only") == 0)
			only = v;
		else if (strcmp(argv[i], "--mode") == 0)
			mode = v;
		else if (strcmp(argv[i], "--generators") == 0)
			gens = atoi(v);
		else if (strcmp(argv[i], "--blocks") == 0)
			feth__linux_rx_blocks = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(argv[i], "--runs") == 0)
			runs = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(argv[i], "--stall-ms") == 0)
			stall_ms = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(argv[i], "--rate") == 0) {
			rate = (uint32_t)strtoul(v, NULL, 10);
			rate_set = 1;
		} else
			return 2;
	}
	if (secs <= 0 || len < 14 || len > 1514 || gens < 1 || gens > 4 || runs < 1 ||
	    runs > MAX_RUNS || stall_ms > 60000 || (rate_set && !stall_ms) || rate > 10000000 ||
	    (strcmp(mode, "all") != 0 && strcmp(mode, "batch") != 0 &&
	     strcmp(mode, "low_latency") != 0))
		return 2;
	for (size_t k = 0; k < NK; k++)
		any |= selected(&rx_kinds[k], only, mode);
	if (!any)
		return 2;
	if (bench_netns() < 0)
		return 1;
	bench_pin(bench_rx_cpu(gens));
	if (stall_ms) {
		if (rate)
			printf("# linux-rx stall: %u frames/s of %u bytes for %u ms while the "
			       "receiver "
			       "does not read, then it drains\n",
			       (unsigned)rate, (unsigned)len, stall_ms);
		else
			printf(
			    "# linux-rx stall: a flood from %d threads of %u-byte frames for %u ms "
			    "while the receiver does not read, then it drains\n",
			    gens, (unsigned)len, stall_ms);
	} else {
		printf(
		    "metric linux_rx_flood %d generator threads of %u-byte frames, %.1f s each\n",
		    gens, (unsigned)len, secs);
		def_mode = libfeth_default_mode();
		for (size_t k = 0; k < NK; k++)
			if (is_libfeth(&rx_kinds[k]) && rx_kinds[k].mode == def_mode &&
			    selected(&rx_kinds[k], only, mode))
				alias = (int)k;
		if (alias >= 0)
			printf("# libfeth's default receive mode is %s: linux_rx_libfeth_* are "
			       "linux_rx_%s_*\n",
			       mode_name(def_mode), rx_kinds[alias].name);
		else if (!def_mode)
			printf("# libfeth's default receive mode: unknown (a tap with rx_mode auto "
			       "did not open)\n");
	}
	if (runs > 1)
		printf("# %u runs, the contenders interleaved in each\n", runs);
	printf("# libpcap: %s\n", bench_pcap_version());
	for (unsigned run = 0; run < runs; run++) {
		for (size_t k = 0; k < NK; k++) {
			const struct rx_kind *kind = &rx_kinds[k];
			struct rx_ctx c;
			char name[64];
			int r;

			if (!selected(kind, only, mode) || unavailable[k])
				continue;
			memset(&c, 0, sizeof(c));
			c.kind = kind;
			c.fd = -1;
			c.bufsize = is_libfeth(kind) ? bufsize : 0;
			if (kind->open(&c) < 0) {
				printf("# %s: unavailable: %s\n", kind->name, c.why);
				unavailable[k] = 1;
				continue;
			}
			r = stall_ms ? rx_stall(&c, stall_ms, len, rate, gens, &res[k][run])
			             : rx_flood(&c, secs, len, gens, &res[k][run]);
			kind->close(&c);
			if (r < 0)
				return 1;
			have[k][run] = 1;
			bench_run_name(name, sizeof(name), kind->name, run, runs);
			if (stall_ms) {
				report_stall(name, &res[k][run], &c);
				continue;
			}
			report(name, &res[k][run]);
			if ((int)k == alias)
				report(bench_run_name(name, sizeof(name), "libfeth", run, runs),
				       &res[k][run]);
		}
	}
	{
		struct rx_summary s[NK];
		unsigned measured = 0;

		for (size_t k = 0; k < NK; k++)
			for (unsigned run = 0; run < runs; run++)
				measured += (unsigned)have[k][run];
		if (measured == 0) {
			fprintf(stderr, "feth-bench: no contender could be measured\n");
			return 1;
		}

		for (size_t k = 0; k < NK; k++) {
			s[k] = summarise(res[k], have[k], runs);
			if (runs == 1)
				continue;
			if (stall_ms) {
				report_stall_summary(rx_kinds[k].name, &s[k]);
				continue;
			}
			report_summary(rx_kinds[k].name, &s[k], secs);
			if ((int)k == alias)
				report_summary("libfeth", &s[k], secs);
		}
		if (stall_ms || alias < 0 || s[alias].n == 0)
			return 0;
		for (size_t k = 0; k < NK; k++)
			if (!is_libfeth(&rx_kinds[k]) && s[k].n > 0)
				ratio(rx_kinds[k].name, s[alias].rate.med, s[alias].capacity,
				      s[k].rate.med, s[k].capacity);
	}
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
	frame[12] = BENCH_ETHERTYPE_HI;
	frame[13] = BENCH_ETHERTYPE_LO;
	for (size_t i = 0; i < batch; i++)
		v[i] = (struct iovec){.iov_base = frame, .iov_len = len};
	bench_pin(1);
	t0 = bench_now();
	c0 = bench_thread_cpu();
	while ((t = bench_now()) - t0 < secs) {
		r = batch == 1 ? (feth_tap_send(tap, frame, len) == 0 ? 1 : -ENOBUFS)
		               : feth_tap_send_batch(tap, v, batch);
		if (r > 0)
			sent += (unsigned)r;
		else if (r == -ENOBUFS)
			full++;
		else
			break;
	}
	c0 = bench_thread_cpu() - c0;
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
	if (bench_netns() < 0)
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
		struct bench_spread sp = bench_spread_of(rates[k], rounds);

		printf("metric linux_tx_%s_b%zu_median_rate %.0f frames/s (%u rounds of %.1f s, "
		       "min %.0f, max %.0f)\n",
		       tx_paths[k].name, batch, sp.med, rounds, secs, sp.min, sp.max);
	}
	return 0;
}
