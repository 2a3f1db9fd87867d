/* SPDX-License-Identifier: MIT */
/*
 * What feth-bench's Linux commands share: the network namespace, clocks and CPU pinning, a TAP
 * device, the frame generators, libpcap (when the program was built with it) and order
 * statistics.
 */
#ifndef FETH_BENCH_LINUX_ENV_H
#define FETH_BENCH_LINUX_ENV_H

#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The benchmarks' frames carry the IEEE local experimental ethertype. */
#define BENCH_ETHERTYPE_HI 0x88
#define BENCH_ETHERTYPE_LO 0xb5

/* How long any single wait of a benchmark may block before it looks at the clock again. */
#define BENCH_WAIT_MS 100

double bench_now(void);        /* CLOCK_MONOTONIC, seconds */
int64_t bench_now_ns(void);    /* CLOCK_MONOTONIC, nanoseconds */
double bench_thread_cpu(void); /* CPU time of the calling thread, seconds */
void bench_sleep(double secs); /* the whole time, also when interrupted */
/* Pins the calling thread to `cpu` (modulo the online cores; nothing on one core). */
void bench_pin(int cpu);
/* The receiver's CPU next to `gens` generators (on CPUs 0..gens-1): a core of its own when
 * there are more cores than generators, else CPU 1, shared with a generator. */
int bench_rx_cpu(int gens);
/* Moves the process into a network namespace of its own, with IPv6 off for every interface
 * made in it (no neighbour discovery or MLD frame then crosses a link). -1 with a message. */
int bench_netns(void);
/* One interface ioctl (SIOCGIFFLAGS, SIOCGIFHWADDR...) on a socket of its own, ifr_name set
 * from `ifname`: the ioctl's result (-1, errno set). */
int bench_ifreq(const char *ifname, unsigned long req, struct ifreq *ifr);

/* A TAP device (IFF_TAP | IFF_NO_PI) named after the pattern in `name` ("fbtap%d"), up,
 * non-blocking: the descriptor, and the name the kernel chose in `name`; -errno. */
int bench_tap_create(char name[IFNAMSIZ]);
/* The TAP queue's length in frames (the interface's tx_queue_len), 0 if unknown. */
uint32_t bench_if_txqlen(const char *ifname);
/* Frames the interface dropped on transmit (for a TAP device: its queue was full). */
uint64_t bench_if_tx_dropped(const char *ifname);

/* ---- generators: frames of the benchmark ethertype into the host side of an interface ---- */

struct bench_gen;

struct bench_gen_thread {
	struct bench_gen *g;
	int cpu, fd;
	uint64_t sent;    /* frames the kernel accepted */
	uint64_t refused; /* frames the interface refused at once (a full TAP queue) */
	pthread_t th;
};

struct bench_gen {
	char ifname[IFNAMSIZ];
	uint32_t len;
	uint32_t rate; /* frames per second; 0: flood */
	int threads;
	atomic_int run, started;
	struct bench_gen_thread t[4];
};

/* rate 0: `threads` threads (1..4, the first on CPU 0, the next on CPU 1...) each sending
 * sendmmsg() batches of 256 broadcast frames as fast as they can; rate > 0: one thread on
 * CPU 0 that sends `rate` frames per second, in bursts on a 1 ms tick. Returns once every
 * thread is sending: 0, or -1 with a message (nothing left running or open). */
int bench_gen_start(struct bench_gen *g, const char *ifname, uint32_t len, uint32_t rate,
                    int threads);
/* Stops the generator (within a millisecond) and returns the frames the kernel accepted; the
 * frames refused at once (only a TAP device with a full queue refuses: it counts them as its
 * tx_dropped) in *ret_refused if not NULL. A paced generator counts a refused frame as sent
 * and goes on with the next. */
uint64_t bench_gen_stop(struct bench_gen *g, uint64_t *ret_refused);

/* ---- order statistics ---------------------------------------------------------------------- */

void bench_sort(double *v, size_t n);
/* The nearest-rank quantile q (0..1] of n >= 1 sorted values. */
double bench_quantile(const double *sorted, size_t n, double q);
/* The median of n >= 1 sorted values (the mean of the middle two when n is even). */
double bench_median(const double *sorted, size_t n);
/* Median, smallest and largest of n values (sorted in place). */
struct bench_spread {
	double med, min, max;
};
struct bench_spread bench_spread_of(double *v, size_t n);
/* "name" or, when one of several runs, "name_run3". */
const char *bench_run_name(char *buf, size_t len, const char *name, unsigned run, unsigned runs);
/* A random number in [0, 1) (xorshift, seeded from the clock at first use; one thread). */
double bench_random(void);

/* ---- libpcap ------------------------------------------------------------------------------- */

struct bench_pcap;
typedef void bench_pcap_fn(void *user, const uint8_t *frame, uint32_t caplen);

struct bench_pcap_opts {
	int immediate;    /* pcap_set_immediate_mode(1) (TPACKET_V2 in libpcap 1.10) */
	int timeout_ms;   /* pcap_set_timeout() when not immediate (TPACKET_V3 block timeout) */
	int snaplen;      /* pcap_set_snaplen() */
	uint32_t bufsize; /* pcap_set_buffer_size(); 0: libpcap's default */
};

/* 1 when the program was built with libpcap. */
int bench_pcap_built(void);
/* libpcap's version string, or why there is none. */
const char *bench_pcap_version(void);
/* Activates a capture on `ifname` (incoming frames only, non-blocking). -errno, with the reason
 * in `why`. */
int bench_pcap_open(const char *ifname, const struct bench_pcap_opts *o, struct bench_pcap **ret,
                    char *why, size_t why_len);
/* pcap_get_selectable_fd(). */
int bench_pcap_fd(const struct bench_pcap *b);
/* One pcap_dispatch() of every frame waiting (never blocks): how many, or -1. */
int bench_pcap_dispatch(struct bench_pcap *b, bench_pcap_fn *fn, void *user);
/* pcap_inject(): 0 or -1. */
int bench_pcap_inject(struct bench_pcap *b, const void *frame, size_t len);
/* pcap_stats()'s ps_drop: frames the kernel dropped for want of ring space. */
uint64_t bench_pcap_drops(struct bench_pcap *b);
void bench_pcap_close(struct bench_pcap *b);

#endif
