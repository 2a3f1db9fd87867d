/* SPDX-License-Identifier: MIT */
/*
 * fethdump: opens a tap (a new feth pair, or an existing one adopted) and writes the frames it
 * receives to a pcap file, or prints a line per frame. Written only against <feth/feth.h>.
 *
 *   fethdump [-w FILE] [-c COUNT] [--mtu N] [--host fethN] [--io fethN] [--adopt fethN]
 *
 * Each option is known by its full name only, given once; anything else is bad usage. Exit
 * status: 0 success (count reached, interrupted, or the output's reader gone), 1 failure, 2 bad
 * usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <feth/feth.h>

#include "hints.h"
#include "stdio_fds.h"

#define EXIT_USAGE        2
#define BATCH             64
#define SNAPLEN           262144
#define LINKTYPE_ETHERNET 1

static const char usage_text[] =
    "usage: fethdump [-w FILE] [-c COUNT] [--mtu N] [--host fethN] [--io fethN]\n"
    "       fethdump [-w FILE] [-c COUNT] --adopt fethN\n"
    "\n"
    "Opens a libfeth tap and captures what the host sends into it: by default a new feth\n"
    "pair (destroyed on exit), whose host side you can give addresses with fethctl.\n"
    "Needs root.\n"
    "\n"
    "  -w FILE        write frames to FILE in pcap format ('-' for standard output)\n"
    "                 instead of printing a line per frame\n"
    "  -c COUNT       stop after COUNT frames (default: until interrupted)\n"
    "  --mtu N        MTU of a new pair (72..16370; default 1500)\n"
    "  --host fethN   host-side name of a new pair (default, or feth: the lowest free unit)\n"
    "  --io fethN     I/O-side name of a new pair (default, or feth: the next free unit)\n"
    "  --adopt fethN  capture on an existing pair whose host side is fethN\n"
    "  -h, --help     print this text\n"
    "\n"
    "Each option by its full name, once. Stops cleanly on SIGINT (Ctrl-C), SIGTERM, SIGHUP\n"
    "and SIGPIPE (the output's reader gone), and prints what it captured.\n";

static volatile sig_atomic_t stop; /* the signal that stops it, or 0 */

static void on_signal(int sig)
{
	stop = sig; /* the wait below returns (EINTR, or its timeout) and the loop ends */
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "fethdump: %s\n\n", why);
	fputs(usage_text, why ? stderr : stdout);
	return why ? EXIT_USAGE : 0;
}

/* Bad usage about one argument: "WHAT 'ARG'REST". */
static int usage_arg(const char *what, const char *arg, const char *rest)
{
	fprintf(stderr, "fethdump: %s '%s'%s\n\n", what, arg, rest);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "fethdump: %s: %s%s\n", what, strerror(-err), feth_example_hint(err));
	return EXIT_FAILURE;
}

static int parse_count(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

/* An interface name, not empty, not an option, at most 15 characters. For a new pair's side
 * "feth", the wildcard, goes as "" (the wildcard too), so that --host feth --io feth get two
 * different free units rather than one name twice. */
static int set_name(char dst[FETH_IFNAMSIZ], const char *src, int wildcard)
{
	if (!src[0] || src[0] == '-' || strlen(src) >= FETH_IFNAMSIZ)
		return -1;
	strcpy(dst, wildcard && strcmp(src, "feth") == 0 ? "" : src);
	return 0;
}

/* ---- the command line --------------------------------------------------------------------- */

enum opt { OPT_WRITE, OPT_COUNT, OPT_MTU, OPT_HOST, OPT_IO, OPT_ADOPT, OPT_HELP, OPT_N };

/* Every option, by its full name: an argument is one of these exactly, or bad usage. Each but
 * the help takes a value, the next argument. */
static const struct {
	const char *name;
	enum opt id;
} options[] = {
    {"-w", OPT_WRITE}, {"-c", OPT_COUNT},      {"--mtu", OPT_MTU}, {"--host", OPT_HOST},
    {"--io", OPT_IO},  {"--adopt", OPT_ADOPT}, {"-h", OPT_HELP},   {"--help", OPT_HELP},
};

/* 0 to go on, -1 after the help, or EXIT_USAGE. */
static int parse_args(int argc, char **argv, struct feth_tap_opts *o, const char **file,
                      unsigned long long *count)
{
	int seen[OPT_N] = {0};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		size_t k = 0;

		while (k < sizeof(options) / sizeof(options[0]) && strcmp(a, options[k].name) != 0)
			k++;
		if (k == sizeof(options) / sizeof(options[0]))
			return usage_arg(a[0] == '-' ? "unknown option" : "unexpected argument", a,
			                 "");
		if (options[k].id == OPT_HELP)
			return usage(NULL) - 1;
		if (seen[options[k].id]++)
			return usage_arg("option", a, " given twice");
		if (i + 1 >= argc)
			return usage_arg("option", a, " needs a value");
		v = argv[++i];
		switch (options[k].id) {
		case OPT_WRITE:
			if (!v[0] || (v[0] == '-' && v[1]))
				return usage("-w needs a file name, or - for standard output");
			*file = v;
			break;
		case OPT_COUNT:
			if (parse_count(v, count) < 0 || *count == 0)
				return usage("-c needs a number of frames, at least 1");
			break;
		case OPT_MTU: {
			unsigned long long m;

			if (parse_count(v, &m) < 0 || m < FETH_MTU_MIN || m > FETH_MTU_MAX)
				return usage("--mtu needs a number from 72 to 16370");
			o->mtu = (uint32_t)m;
			break;
		}
		case OPT_HOST:
		case OPT_ADOPT:
			if (set_name(o->host_name, v, options[k].id == OPT_HOST) < 0)
				return usage(
				    "--host, --io and --adopt need an interface name of at "
				    "most 15 characters");
			if (options[k].id == OPT_ADOPT)
				o->flags |= FETH_TAP_ADOPT;
			break;
		case OPT_IO:
			if (set_name(o->io_name, v, 1) < 0)
				return usage(
				    "--host, --io and --adopt need an interface name of at "
				    "most 15 characters");
			break;
		default:
			return usage("unknown option");
		}
	}
	if (seen[OPT_ADOPT] && (seen[OPT_MTU] || seen[OPT_HOST] || seen[OPT_IO]))
		return usage("--adopt uses the pair as it is: no --mtu, --host or --io");
	return 0;
}

/* ---- output ------------------------------------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* pcap is written in the host's byte order; the magic says which */
}

static int pcap_header(FILE *f)
{
	uint8_t h[24];
	uint16_t major = 2, minor = 4;

	put_u32(h, 0xa1b23c4du); /* nanosecond timestamps (libpcap's PCAP_NSEC_MAGIC) */
	memcpy(h + 4, &major, 2);
	memcpy(h + 6, &minor, 2);
	put_u32(h + 8, 0);  /* thiszone */
	put_u32(h + 12, 0); /* sigfigs */
	put_u32(h + 16, SNAPLEN);
	put_u32(h + 20, LINKTYPE_ETHERNET);
	return fwrite(h, sizeof(h), 1, f) == 1 ? 0 : -1;
}

static int pcap_record(FILE *f, const struct feth_frame *fr)
{
	uint8_t h[16];
	int64_t ns = fr->ts_nsec;

	put_u32(h, (uint32_t)(ns / 1000000000));
	put_u32(h + 4, (uint32_t)(ns % 1000000000));
	put_u32(h + 8, fr->caplen);
	put_u32(h + 12, fr->len);
	if (fwrite(h, sizeof(h), 1, f) != 1)
		return -1;
	return fr->caplen && fwrite(fr->data, fr->caplen, 1, f) != 1 ? -1 : 0;
}

static void print_mac(const uint8_t *m)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void print_ipv6(const uint8_t *a)
{
	for (int i = 0; i < 16; i += 2)
		printf("%s%x", i ? ":" : "", (unsigned)(a[i] << 8 | a[i + 1]));
}

/* One line: time, addresses, what the frame carries. */
static void summary(const struct feth_frame *fr)
{
	const uint8_t *d = fr->data;
	uint32_t n = fr->caplen;
	time_t sec = (time_t)(fr->ts_nsec / 1000000000);
	struct tm tm;
	uint16_t type;

	localtime_r(&sec, &tm);
	printf("%02d:%02d:%02d.%06ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	       (long)(fr->ts_nsec % 1000000000 / 1000));
	if (n < 14) {
		printf("runt, %" PRIu32 " bytes\n", fr->len);
		return;
	}
	print_mac(d + 6);
	fputs(" > ", stdout);
	print_mac(d);
	type = (uint16_t)(d[12] << 8 | d[13]);
	if (type == 0x0800 && n >= 34) {
		printf(", IPv4 %u.%u.%u.%u > %u.%u.%u.%u proto %u", d[26], d[27], d[28], d[29],
		       d[30], d[31], d[32], d[33], d[23]);
	} else if (type == 0x86dd && n >= 54) {
		fputs(", IPv6 ", stdout);
		print_ipv6(d + 22);
		fputs(" > ", stdout);
		print_ipv6(d + 38);
		printf(" next %u", d[20]);
	} else if (type == 0x0806 && n >= 42) {
		printf(", ARP %s %u.%u.%u.%u tell %u.%u.%u.%u",
		       d[21] == 1   ? "who-has"
		       : d[21] == 2 ? "reply for"
		                    : "op?",
		       d[38], d[39], d[40], d[41], d[28], d[29], d[30], d[31]);
	} else {
		printf(", ethertype 0x%04x", type);
	}
	printf(", %" PRIu32 " bytes%s\n", fr->len, fr->caplen < fr->len ? " (truncated)" : "");
}

/* ---- main ----------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct feth_tap_opts o;
	struct feth_tap *tap = NULL;
	struct feth_tap_info info;
	struct feth_tap_stats st;
	struct feth_frame fr[BATCH];
	struct sigaction sa;
	unsigned long long count = 0, got = 0;
	const char *file = NULL;
	FILE *out = stdout;
	int r, rc = 0, err;

	feth_example_fill_std_fds(); /* closed ones on /dev/null: never the tap's socket */
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	r = parse_args(argc, argv, &o, &file, &count);
	if (r)
		return r < 0 ? 0 : r;

	/* No SA_RESTART: the wait returns at once. A hangup, and a write to an output whose reader
	 * is gone (SIGPIPE: fethdump -w - | head), are stops like the others: never a death that
	 * leaves the pair. */
	stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	/* The file first: a bad path costs no interface. */
	if (file) {
		out = strcmp(file, "-") == 0 ? stdout : fopen(file, "wb");
		if (!out) {
			fprintf(stderr, "fethdump: %s: %s\n", file, strerror(errno));
			return EXIT_FAILURE;
		}
	}
	r = feth_tap_open(&o, &tap);
	if (r < 0) {
		if (out != stdout)
			fclose(out);
		return fail("opening the tap", r);
	}
	memset(&info, 0, sizeof(info));
	info.sz = sizeof(info);
	if (feth_tap_get_info(tap, &info) < 0)
		strcpy(info.io_name, "?");
	fprintf(stderr, "fethdump: capturing on %s (host side %s, MTU %u)%s; Ctrl-C stops\n",
	        info.io_name, info.host_name, (unsigned)info.mtu,
	        info.flags & FETH_TAP_ADOPT ? ", adopted" : "");

	if (file && pcap_header(out) < 0)
		goto write_error;

	while (!stop && (!count || got < count)) {
		r = feth_tap_wait(tap, 500);
		if (r < 0) {
			rc = fail("waiting", r);
			break;
		}
		while (!stop && (!count || got < count)) {
			size_t want = count && count - got < BATCH ? (size_t)(count - got) : BATCH;

			r = feth_tap_recv(tap, fr, want);
			if (r <= 0)
				break;
			for (int k = 0; k < r; k++) {
				if (file && pcap_record(out, &fr[k]) < 0)
					goto write_error;
				if (!file)
					summary(&fr[k]);
			}
			got += (unsigned long long)r;
		}
		if (r < 0) {
			rc = fail("receiving", r);
			break;
		}
		/* Whole batches reach the file (or pipe) at once: a reader sees complete records.
		 */
		if (fflush(out) != 0)
			goto write_error;
	}
	goto done;

write_error:
	err = errno;
	if (err == EPIPE) {
		/* The reader went away (the write raised SIGPIPE too): a clean stop. */
		fprintf(stderr, "fethdump: the reader of %s is gone: stopping\n",
		        file && strcmp(file, "-") != 0 ? file : "standard output");
	} else {
		fprintf(stderr, "fethdump: writing %s: %s\n", file ? file : "output",
		        strerror(err));
		rc = EXIT_FAILURE;
	}
done:
	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	fprintf(stderr, "fethdump: %llu frame%s captured", got, got == 1 ? "" : "s");
	if (feth_tap_get_stats(tap, &st) == 0)
		fprintf(stderr, ", %" PRIu64 " dropped by the kernel", st.rx_kernel_drops);
	fputc('\n', stderr);
	if (out != stdout && fclose(out) != 0 && rc == 0) {
		fprintf(stderr, "fethdump: closing %s: %s\n", file, strerror(errno));
		rc = EXIT_FAILURE;
	}
	r = feth_tap_close(tap);
	if (r < 0 && rc == 0)
		rc = fail("closing the tap", r);
	return rc;
}
