/* SPDX-License-Identifier: MIT */
/*
 * feth-responder: a host at the far end of a libfeth tap. It opens a tap (a new pair), gives the
 * host side an address (10.77.0.1/24 by default) and, from the I/O side, answers ARP requests and
 * ICMP echo requests (ping) for a second address (10.77.0.2), so that `ping 10.77.0.2` on the
 * machine gets replies that crossed the tap both ways. Written only against <feth/feth.h>.
 *
 *   feth-responder [--host-addr A.B.C.D/N] [--addr A.B.C.D] [--mtu N] [-c COUNT] [-q]
 *
 * Exit status: 0 success (count reached, or interrupted), 1 failure, 2 bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <feth/feth.h>

#include "hints.h"
#include "stdio_fds.h"

#define EXIT_USAGE 2
#define BATCH      64
#define ETH_HLEN   14

static const char usage_text[] =
    "usage: feth-responder [--host-addr A.B.C.D/N] [--addr A.B.C.D] [--mtu N] [-c COUNT] [-q]\n"
    "\n"
    "Opens a libfeth tap (a new pair, destroyed on exit), gives its host side an IPv4 address\n"
    "and, from the I/O side, answers ARP and ICMP echo (ping) for a second address: ping that\n"
    "address and every reply has crossed the tap. Needs root.\n"
    "\n"
    "  --host-addr A.B.C.D/N  the host side's address (default 10.77.0.1/24)\n"
    "  --addr A.B.C.D         the address answered behind the tap (default 10.77.0.2); it must\n"
    "                         be in the host side's subnet\n"
    "  --mtu N                MTU of the pair (72..16370; default 1500)\n"
    "  -c COUNT               exit after answering COUNT echo requests (default: until\n"
    "                         interrupted)\n"
    "  -q                     no line per answer\n"
    "  --help                 print this text\n"
    "\n"
    "Prints 'ready' on standard output once the address is set and it answers. Stops cleanly\n"
    "on SIGINT (Ctrl-C), SIGTERM, SIGHUP and SIGPIPE (its output's reader gone).\n";

static volatile sig_atomic_t stop; /* the signal that stops it, or 0 */

static void on_signal(int sig)
{
	stop = sig;
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "feth-responder: %s\n\n", why);
	fputs(usage_text, why ? stderr : stdout);
	return why ? EXIT_USAGE : 0;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "feth-responder: %s: %s%s\n", what, strerror(-err), feth_example_hint(err));
	return EXIT_FAILURE;
}

/* "A.B.C.D" into a[4] when prefix is NULL; else "A.B.C.D/N", N from 1 to 30, with N into
 * *prefix. 0, or -1. */
static int parse_ipv4(const char *s, uint8_t a[4], unsigned *prefix)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long p = 0;

	if (!slash != !prefix || n >= sizeof(ip))
		return -1;
	if (prefix) {
		char *end;

		errno = 0;
		p = strtoul(slash + 1, &end, 10);
		if (errno || slash[1] < '0' || slash[1] > '9' || *end || p < 1 || p > 30)
			return -1;
	}
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, a) != 1)
		return -1;
	if (prefix)
		*prefix = (unsigned)p;
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The Internet checksum of len bytes. */
static uint16_t cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put_cksum(uint8_t *at, uint16_t sum)
{
	at[0] = (uint8_t)(sum >> 8);
	at[1] = (uint8_t)sum;
}

struct responder {
	struct feth_tap *tap;
	uint8_t addr[4];
	uint8_t mac[FETH_MAC_LEN]; /* the I/O side's: the answered address lives there */
	uint8_t *out;              /* the reply being built, max_frame bytes */
	uint32_t max_frame;
	int quiet;
	unsigned long long arp, echo, ignored, send_errors;
};

/* ARP request (Ethernet/IPv4) for our address: the reply's length, else 0. */
static size_t arp_reply(struct responder *rs, const uint8_t *d, uint32_t n)
{
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1}; /* Ethernet, IPv4, request */
	uint8_t *o = rs->out;

	if (n < 42 || memcmp(d + 14, hdr, sizeof(hdr)) != 0 || memcmp(d + 38, rs->addr, 4) != 0)
		return 0;
	memcpy(o, d + 6, 6); /* to the asker */
	memcpy(o + 6, rs->mac, 6);
	o[12] = 0x08;
	o[13] = 0x06;
	memcpy(o + 14, hdr, 7);
	o[21] = 2; /* reply */
	memcpy(o + 22, rs->mac, 6);
	memcpy(o + 28, rs->addr, 4);
	memcpy(o + 32, d + 22, 10); /* the asker's MAC and address */
	return 42;
}

/* ICMP echo request to our address: the reply's length, else 0. */
static size_t echo_reply(struct responder *rs, const uint8_t *d, uint32_t n)
{
	const uint8_t *ip = d + ETH_HLEN;
	uint8_t *o = rs->out;
	size_t ihl, total;

	if (n < ETH_HLEN + 20 || (ip[0] >> 4) != 4 || ip[9] != 1 || memcmp(ip + 16, rs->addr, 4))
		return 0;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	total = (size_t)(ip[2] << 8 | ip[3]);
	/* Whole, unfragmented, with a correct header checksum and room for the ICMP header. */
	if (ihl < 20 || total < ihl + 8 || ETH_HLEN + total > n || (ip[6] & 0x3f) || ip[7] ||
	    cksum(ip, ihl) != 0 || ip[ihl] != 8 || ETH_HLEN + total > rs->max_frame)
		return 0;
	memcpy(o, d + 6, 6);
	memcpy(o + 6, rs->mac, 6);
	memcpy(o + 12, d + 12, 2);
	memcpy(o + ETH_HLEN, ip, total);
	ip = o + ETH_HLEN;
	o[ETH_HLEN + 8] = 64; /* TTL */
	memcpy(o + ETH_HLEN + 12, rs->addr, 4);
	memcpy(o + ETH_HLEN + 16, d + ETH_HLEN + 12, 4);
	put_cksum(o + ETH_HLEN + 10, 0);
	put_cksum(o + ETH_HLEN + 10, cksum(ip, ihl));
	o[ETH_HLEN + ihl] = 0; /* echo reply */
	put_cksum(o + ETH_HLEN + ihl + 2, 0);
	put_cksum(o + ETH_HLEN + ihl + 2, cksum(ip + ihl, total - ihl));
	return ETH_HLEN + total;
}

static void answer(struct responder *rs, const struct feth_frame *f)
{
	const uint8_t *d = f->data;
	size_t len = 0;
	int r;

	if (f->caplen >= ETH_HLEN && d[12] == 0x08 && d[13] == 0x06)
		len = arp_reply(rs, d, f->caplen);
	else if (f->caplen >= ETH_HLEN && d[12] == 0x08 && d[13] == 0x00)
		len = echo_reply(rs, d, f->caplen);
	if (len == 0) {
		rs->ignored++;
		return;
	}
	r = feth_tap_send(rs->tap, rs->out, len);
	if (r < 0) {
		rs->send_errors++;
		fprintf(stderr, "feth-responder: sending a reply: %s\n", strerror(-r));
		return;
	}
	if (d[13] == 0x06) {
		rs->arp++;
		if (!rs->quiet)
			printf("feth-responder: ARP reply: %u.%u.%u.%u is at "
			       "%02x:%02x:%02x:%02x:%02x:%02x\n",
			       rs->addr[0], rs->addr[1], rs->addr[2], rs->addr[3], rs->mac[0],
			       rs->mac[1], rs->mac[2], rs->mac[3], rs->mac[4], rs->mac[5]);
	} else {
		const uint8_t *ip = d + ETH_HLEN, *icmp = ip + (ip[0] & 0xf) * 4;

		rs->echo++;
		if (!rs->quiet)
			printf(
			    "feth-responder: echo reply to %u.%u.%u.%u, id %u seq %u, %zu bytes\n",
			    ip[12], ip[13], ip[14], ip[15], (unsigned)(icmp[4] << 8 | icmp[5]),
			    (unsigned)(icmp[6] << 8 | icmp[7]), len);
	}
	fflush(stdout);
}

/* 0 to go on, -1 after --help, or EXIT_USAGE. */
static int parse_args(int argc, char **argv, struct feth_tap_opts *o, uint8_t host[4],
                      unsigned *prefix, struct responder *rs, unsigned long long *count)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return usage(NULL) - 1; /* -1: the help is all there is to do */
		if (strcmp(a, "-q") == 0) {
			rs->quiet = 1;
			continue;
		}
		if (!v)
			return usage(a[0] == '-' ? "an option needs a value"
			                         : "unexpected argument");
		i++;
		if (strcmp(a, "--host-addr") == 0) {
			if (parse_ipv4(v, host, prefix) < 0)
				return usage("--host-addr needs A.B.C.D/N with N from 1 to 30");
		} else if (strcmp(a, "--addr") == 0) {
			if (parse_ipv4(v, rs->addr, NULL) < 0)
				return usage("--addr needs A.B.C.D");
		} else if (strcmp(a, "--mtu") == 0) {
			unsigned long m;

			errno = 0;
			m = strtoul(v, &end, 10);
			if (errno || *end || v[0] == '-' || m < FETH_MTU_MIN || m > FETH_MTU_MAX)
				return usage("--mtu needs a number from 72 to 16370");
			o->mtu = (uint32_t)m;
		} else if (strcmp(a, "-c") == 0) {
			errno = 0;
			*count = strtoull(v, &end, 10);
			if (errno || *end || v[0] == '-' || *count == 0)
				return usage("-c needs a number of requests, at least 1");
		} else {
			return usage("unknown option");
		}
	}
	{
		uint32_t mask = ~0u << (32 - *prefix);

		if ((be32(host) & mask) != (be32(rs->addr) & mask) || be32(host) == be32(rs->addr))
			return usage("--addr must be another address in --host-addr's subnet");
		if ((be32(rs->addr) & ~mask) == 0 || (be32(rs->addr) & ~mask) == ~mask ||
		    (be32(host) & ~mask) == 0 || (be32(host) & ~mask) == ~mask)
			return usage("neither address may be its subnet's network or broadcast");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t def_host[4] = {10, 77, 0, 1}, def_addr[4] = {10, 77, 0, 2};
	struct responder rs;
	struct feth_tap_opts o;
	struct feth_tap_info info;
	struct feth_frame fr[BATCH];
	struct sigaction sa;
	unsigned long long count = 0;
	uint8_t host[4];
	unsigned prefix = 24;
	int r, rc = 0;

	feth_example_fill_std_fds(); /* closed ones on /dev/null: never the tap's socket */
	memset(&rs, 0, sizeof(rs));
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	memcpy(host, def_host, 4);
	memcpy(rs.addr, def_addr, 4);
	r = parse_args(argc, argv, &o, host, &prefix, &rs, &count);
	if (r)
		return r < 0 ? 0 : r;

	/* No SA_RESTART: the wait returns at once. A hangup, and a write to an output whose reader
	 * is gone (SIGPIPE), are stops like the others: never a death that leaves the pair. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	r = feth_tap_open(&o, &rs.tap);
	if (r < 0)
		return fail("opening the tap", r);
	memset(&info, 0, sizeof(info));
	info.sz = sizeof(info);
	r = feth_tap_get_info(rs.tap, &info);
	if (r == 0) {
		memcpy(rs.mac, info.io_mac, FETH_MAC_LEN);
		rs.max_frame = info.max_frame;
		rs.out = malloc(info.max_frame);
		r = rs.out ? 0 : -ENOMEM;
	}
	if (r == 0)
		r = feth_if_add_ipv4(info.host_name, host, prefix);
	if (r < 0) {
		rc = fail("setting up the host side", r);
		goto done;
	}
	printf("feth-responder: host side %s has %u.%u.%u.%u/%u; answering ARP and ping for "
	       "%u.%u.%u.%u from %s\nready\n",
	       info.host_name, host[0], host[1], host[2], host[3], prefix, rs.addr[0], rs.addr[1],
	       rs.addr[2], rs.addr[3], info.io_name);
	fflush(stdout);

	while (!stop && (!count || rs.echo < count)) {
		r = feth_tap_wait(rs.tap, 500);
		while (r >= 0 && !stop && (r = feth_tap_recv(rs.tap, fr, BATCH)) > 0)
			for (int k = 0; k < r; k++)
				answer(&rs, &fr[k]);
		if (r < 0) {
			rc = fail("receiving", r);
			break;
		}
	}
	printf("feth-responder: answered %llu ARP and %llu echo requests, ignored %llu frames\n",
	       rs.arp, rs.echo, rs.ignored);
	if (rs.send_errors)
		rc = EXIT_FAILURE;
done:
	r = feth_tap_close(rs.tap);
	if (r < 0 && rc == 0)
		rc = fail("closing the tap", r);
	free(rs.out);
	return rc;
}
