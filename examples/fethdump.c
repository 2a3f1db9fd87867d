/* SPDX-License-Identifier: MIT */
/*
 * fethdump: opens a tap (a new feth pair, or an existing one adopted) and writes the frames it
 * receives to a pcap file, or prints a line per frame. Written only against <feth/feth.h>.
 *
 *   fethdump [-w FILE] [-c COUNT] [--mtu N] [--host fethN] [--io fethN] [--adopt fethN]
 *
 * Exit status: 0 success (count reached, or interrupted), 1 failure, 2 bad usage.
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
    "  --host fethN   host-side name of a new pair (default: the lowest free unit)\n"
    "  --io fethN     I/O-side name of a new pair (default: the next free unit)\n"
    "  --adopt fethN  capture on an existing pair whose host side is fethN\n"
    "  --help         print this text\n"
    "\n"
    "Stops cleanly on SIGINT (Ctrl-C) or SIGTERM and prints what it captured.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1; /* the wait below returns (EINTR, or its timeout) and the loop ends */
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "fethdump: %s\n\n", why);
	fputs(usage_text, why ? stderr : stdout);
	return why ? EXIT_USAGE : 0;
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

static int set_name(char dst[FETH_IFNAMSIZ], const char *src)
{
	if (strlen(src) >= FETH_IFNAMSIZ)
		return -1;
	strcpy(dst, src);
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

	put_u32(h, 0xa1b2c3d4u);
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
	int64_t us = fr->ts_usec;

	put_u32(h, (uint32_t)(us / 1000000));
	put_u32(h + 4, (uint32_t)(us % 1000000));
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
	time_t sec = (time_t)(fr->ts_usec / 1000000);
	struct tm tm;
	uint16_t type;

	localtime_r(&sec, &tm);
	printf("%02d:%02d:%02d.%06ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	       (long)(fr->ts_usec % 1000000));
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
	int r, rc = 0;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return usage(NULL);
		if (!v)
			return usage(argv[i][0] == '-' ? "an option needs a value"
			                               : "unexpected argument");
		i++;
		if (strcmp(a, "-w") == 0) {
			file = v;
		} else if (strcmp(a, "-c") == 0) {
			if (parse_count(v, &count) < 0 || count == 0)
				return usage("-c needs a number of frames, at least 1");
		} else if (strcmp(a, "--mtu") == 0) {
			unsigned long long m;

			if (parse_count(v, &m) < 0 || m < FETH_MTU_MIN || m > FETH_MTU_MAX)
				return usage("--mtu needs a number from 72 to 16370");
			o.mtu = (uint32_t)m;
		} else if (strcmp(a, "--host") == 0 || strcmp(a, "--adopt") == 0) {
			if (set_name(o.host_name, v) < 0)
				return usage("interface names are at most 15 characters");
			if (a[2] == 'a')
				o.flags |= FETH_TAP_ADOPT;
		} else if (strcmp(a, "--io") == 0) {
			if (set_name(o.io_name, v) < 0)
				return usage("interface names are at most 15 characters");
		} else {
			return usage("unknown option");
		}
	}
	if ((o.flags & FETH_TAP_ADOPT) && (o.mtu || o.io_name[0]))
		return usage("--adopt uses the pair as it is: no --mtu or --io");

	stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the wait returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

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
	fprintf(stderr, "fethdump: writing %s: %s\n", file ? file : "output", strerror(errno));
	rc = EXIT_FAILURE;
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
