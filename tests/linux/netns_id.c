/* SPDX-License-Identifier: MIT */
/*
 * netns_id (built with the tests only): the identity of network namespaces as libfeth's
 * registry names them (lib/registry.c), for tests/linux/ownership.sh.
 *
 *   netns_id            this process's namespace: "<cookie hex>-<inode>"
 *   netns_id FILE...    each namespace FILE stands for (/proc/PID/ns/net, /run/netns/NAME):
 *                       "<cookie hex>-<inode> FILE", or "- FILE" when it cannot be entered
 *
 * The cookie (SO_NETNS_COOKIE, Linux 5.14) is never reused while the system runs; the inode of
 * the nsfs file is, as soon as the namespace is gone. A kernel without cookies prints
 * "i<inode>". Exit status: 0, 1 an error (the message on stderr).
 */
#define _GNU_SOURCE /* setns */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* The current namespace's identity into buf: 0, or -errno. */
static int self_id(char *buf, size_t len)
{
	uint64_t cookie = 0;
	socklen_t clen = sizeof(cookie);
	struct stat st;
	int fd, r = 0;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &clen) < 0) {
		r = errno == ENOPROTOOPT ? 0 : -errno;
		cookie = 0;
	}
	close(fd);
	if (r < 0)
		return r;
	if (cookie)
		snprintf(buf, len, "%" PRIx64 "-%" PRIu64, cookie, (uint64_t)st.st_ino);
	else
		snprintf(buf, len, "i%" PRIu64, (uint64_t)st.st_ino);
	return 0;
}

int main(int argc, char **argv)
{
	char id[64];
	int r, home, rc = 0;

	if (argc < 2) {
		r = self_id(id, sizeof(id));
		if (r < 0) {
			fprintf(stderr, "netns_id: %s\n", strerror(-r));
			return 1;
		}
		puts(id);
		return 0;
	}
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		fprintf(stderr, "netns_id: /proc/self/ns/net: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);

		/* Gone meanwhile (a process that exited), or not a namespace: "-". */
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0 || self_id(id, sizeof(id)) < 0)
			strcpy(id, "-");
		if (fd >= 0)
			close(fd);
		printf("%s %s\n", id, argv[i]);
		if (setns(home, CLONE_NEWNET) < 0) {
			fprintf(stderr, "netns_id: back home: %s\n", strerror(errno));
			rc = 1;
			break;
		}
	}
	close(home);
	return rc;
}
