/* SPDX-License-Identifier: MIT */
/*
 * udp_gso (built with the tests only): one UDP send that the kernel segments (UDP_SEGMENT,
 * Linux 4.18+), and a receiver that checks every segment arrived as sent. The sender can drop
 * root before it makes anything, so that the send is an unprivileged user's.
 *
 *   udp_gso send --dst A.B.C.D --port N --bytes B --gso G [--user NAME]
 *   udp_gso recv --port N --bytes B --gso G [--timeout-ms T]
 *
 * Segment k of the send carries bytes [k * G, (k + 1) * G): its index k (4 bytes, big-endian)
 * and then a pattern of k. The receiver prints "ready" once bound, and exits 0 when all
 * ceil(B / G) segments arrived intact, 1 when one was damaged or the time ran out (default
 * 5000 ms). Exit status 2: bad usage.
 */
#define _GNU_SOURCE /* setgroups */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define BYTES_MAX  65507 /* the largest UDP payload over IPv4 */

struct args {
	const char *dst, *user;
	unsigned long port, bytes, gso, timeout_ms;
};

static int usage(const char *why)
{
	fprintf(stderr,
	        "udp_gso: %s\n"
	        "usage: udp_gso send --dst A.B.C.D --port N --bytes B --gso G [--user NAME]\n"
	        "       udp_gso recv --port N --bytes B --gso G [--timeout-ms T]\n",
	        why);
	return EXIT_USAGE;
}

static uint8_t pattern(unsigned long k, unsigned long i)
{
	return (uint8_t)(k * 31 + i * 7 + 1);
}

/* Segment k's content, `len` bytes. */
static void fill(uint8_t *p, unsigned long k, unsigned long len)
{
	uint32_t be = htonl((uint32_t)k);

	for (unsigned long i = 0; i < len; i++)
		p[i] = pattern(k, i);
	memcpy(p, &be, len < 4 ? len : 4);
}

static int drop_to(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		fprintf(stderr, "udp_gso: no user %s\n", user);
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		fprintf(stderr, "udp_gso: becoming %s: %s\n", user, strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		fprintf(stderr, "udp_gso: root could be regained\n");
		return -1;
	}
	return 0;
}

static int do_send(const struct args *a)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->port)};
	uint8_t *buf;
	int fd, gso = (int)a->gso;
	ssize_t r;

	if (!a->dst || inet_pton(AF_INET, a->dst, &to.sin_addr) != 1)
		return usage("send needs --dst A.B.C.D");
	if (a->user && drop_to(a->user) < 0)
		return EXIT_FAILURE;
	buf = malloc(a->bytes);
	if (!buf)
		return EXIT_FAILURE;
	for (unsigned long k = 0; k * a->gso < a->bytes; k++) {
		unsigned long off = k * a->gso, left = a->bytes - off;

		fill(buf + off, k, left < a->gso ? left : a->gso);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso)) < 0) {
		fprintf(stderr, "udp_gso: UDP_SEGMENT: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		free(buf);
		return EXIT_FAILURE;
	}
	r = sendto(fd, buf, a->bytes, 0, (const struct sockaddr *)&to, sizeof(to));
	if (r < 0)
		fprintf(stderr, "udp_gso: send: %s\n", strerror(errno));
	else
		printf("udp_gso: sent %zd bytes in one send (UDP_SEGMENT %lu) as uid %u\n", r,
		       a->gso, (unsigned)getuid());
	close(fd);
	free(buf);
	return r == (ssize_t)a->bytes ? EXIT_SUCCESS : EXIT_FAILURE;
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static int do_recv(const struct args *a)
{
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->port)};
	unsigned long segs = (a->bytes + a->gso - 1) / a->gso, got = 0, damaged = 0, dup = 0;
	unsigned long bytes = 0;
	uint8_t *seen = calloc(segs, 1), *buf = malloc(a->gso + 1), *want = malloc(a->gso);
	struct timespec deadline;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = EXIT_FAILURE;

	if (!seen || !buf || !want || fd < 0 ||
	    bind(fd, (const struct sockaddr *)&at, sizeof(at)) < 0) {
		fprintf(stderr, "udp_gso: port %lu: %s\n", a->port, strerror(errno));
		goto out;
	}
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)(a->timeout_ms / 1000);
	deadline.tv_nsec += (long)(a->timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	while (got < segs && ms_left(&deadline) > 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		unsigned long k, len;
		uint32_t be;
		ssize_t n;

		if (poll(&p, 1, (int)ms_left(&deadline)) <= 0)
			continue;
		n = recv(fd, buf, a->gso + 1, MSG_DONTWAIT);
		if (n < 4)
			continue;
		memcpy(&be, buf, 4);
		k = ntohl(be);
		len = k < segs && a->bytes - k * a->gso < a->gso ? a->bytes - k * a->gso : a->gso;
		if (k < segs)
			fill(want, k, len);
		if (k >= segs || (unsigned long)n != len || memcmp(buf, want, len) != 0) {
			damaged++;
			continue;
		}
		dup += seen[k];
		got += !seen[k];
		bytes += seen[k] ? 0 : len;
		seen[k] = 1;
	}
	printf("udp_gso: received %lu bytes in %lu of %lu segments (%lu damaged, %lu twice)\n",
	       bytes, got, segs, damaged, dup);
	rc = got == segs && damaged == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
	if (fd >= 0)
		close(fd);
	free(seen);
	free(buf);
	free(want);
	return rc;
}

static int number(const char *s, unsigned long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoul(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct args a = {.timeout_ms = 5000};
	int send;

	if (argc < 2 || (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "recv") != 0))
		return usage("send or recv?");
	send = argv[1][0] == 's';
	for (int i = 2; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (!v)
			return usage("an option needs a value");
		if (strcmp(o, "--dst") == 0)
			a.dst = v;
		else if (strcmp(o, "--user") == 0)
			a.user = v;
		else if (strcmp(o, "--port") == 0)
			bad = number(v, &a.port) < 0 || a.port == 0 || a.port > 65535;
		else if (strcmp(o, "--bytes") == 0)
			bad = number(v, &a.bytes) < 0 || a.bytes == 0 || a.bytes > BYTES_MAX;
		else if (strcmp(o, "--gso") == 0)
			bad = number(v, &a.gso) < 0 || a.gso < 8 || a.gso > 65000;
		else if (strcmp(o, "--timeout-ms") == 0)
			bad = number(v, &a.timeout_ms) < 0 || a.timeout_ms > 600000;
		else
			return usage("unknown option");
		if (bad)
			return usage("a number out of range");
	}
	if (!a.port || !a.bytes || !a.gso)
		return usage("--port, --bytes and --gso are needed");
	return send ? do_send(&a) : do_recv(&a);
}
