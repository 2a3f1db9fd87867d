/* SPDX-License-Identifier: MIT */
/*
 * The sys seam: every system call the library's platform code makes goes through this table.
 *
 * In the shipped library the table holds the real calls (sys_real.c). The test suite supplies a
 * simulator of the Darwin kernel (tests/sim/) that implements the same table on Linux, so the
 * Darwin backend runs unchanged against it, and can be made to fail any call.
 *
 * Conventions, for every member:
 * - returns >= 0 on success and -errno on failure (never -1 with errno);
 * - errno values are the host's symbolic values (the simulator returns host errnos too), so
 *   the code compares against EBUSY etc., never against numbers;
 * - ioctl requests, socket domains/types and the structs passed through ioctl are Darwin's
 *   (lib/darwin/abi.h) when the Darwin backend calls them;
 * - POSIX-level arguments (open flags, flock operations, file modes, signal numbers) are the
 *   host's symbolic constants;
 * - EINTR is returned as is: callers retry where the call is restartable (sys_retry below).
 */
#ifndef FETH_SYS_H
#define FETH_SYS_H

#include <stddef.h>
#include <poll.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct mmsghdr;

struct feth__sys {
	void *ctx; /* passed to every call; the simulator's world, NULL for the real table */

	/* Files and descriptors. */
	int (*open)(void *ctx, const char *path, int flags, unsigned mode);
	int (*close)(void *ctx, int fd); /* the fd is released even when an error is returned */
	ssize_t (*read)(void *ctx, int fd, void *buf, size_t len);
	ssize_t (*write)(void *ctx, int fd, const void *buf, size_t len);
	int (*flock)(void *ctx, int fd, int op);
	int (*mkdir)(void *ctx, const char *path, unsigned mode);
	int (*rename)(void *ctx, const char *from, const char *to);
	int (*unlink)(void *ctx, const char *path);
	/* A pipe whose two ends are non-blocking and close-on-exec: fds[0] reads, fds[1] writes. */
	int (*pipe)(void *ctx, int fds[2]);
	/* poll(2): how many descriptors are ready, 0 on timeout; timeout_ms < 0 waits for ever. */
	int (*poll)(void *ctx, struct pollfd *fds, unsigned nfds, int timeout_ms);

	/* Sockets and interface control. The socket is close-on-exec (on Darwin, which has no
	 * SOCK_CLOEXEC, the real table sets FD_CLOEXEC right after creating it). */
	int (*socket)(void *ctx, int domain, int type, int protocol);
	int (*ioctl)(void *ctx, int fd, unsigned long req, void *arg);
	/* Socket options: level and name are the platform's (Darwin's for the Darwin backend). */
	int (*setsockopt)(void *ctx, int fd, int level, int name, const void *val, size_t len);
	int (*bind)(void *ctx, int fd, const void *addr, size_t len);
	/* Returns the bytes sent. */
	ssize_t (*sendto)(void *ctx, int fd, const void *buf, size_t len, int flags,
	                  const void *addr, size_t addrlen);
	/* Gathered write; returns the bytes written. */
	ssize_t (*writev)(void *ctx, int fd, const struct iovec *iov, int iovcnt);

	/* Used by the Linux backend only (the Darwin simulator leaves them NULL). */
	int (*getsockopt)(void *ctx, int fd, int level, int name, void *val, size_t *len);
	int (*getsockname)(void *ctx, int fd, void *addr, size_t *len);
	/* sendmmsg(2): how many messages were sent; -ENOSYS where the host has no sendmmsg. */
	int (*sendmmsg)(void *ctx, int fd, struct mmsghdr *msgs, unsigned n, int flags);
	/* mmap(2) of a descriptor, shared, read and write: *ret receives the address. */
	int (*mmap_shared)(void *ctx, int fd, size_t len, void **ret);
	int (*munmap)(void *ctx, void *addr, size_t len);

	/* sysctlbyname(3): -ENOENT when the name does not exist. */
	int (*sysctlbyname)(void *ctx, const char *name, void *oldp, size_t *oldlenp,
	                    const void *newp, size_t newlen);

	/* Processes: kill(pid, 0) answers whether a process exists (0, or -EPERM: it exists but is
	 * not ours) or not (-ESRCH). */
	int (*kill)(void *ctx, pid_t pid, int sig);

	/* Infallible helpers: not counted as seam calls by the simulator's fault injection. */
	pid_t (*getpid)(void *ctx);
	int64_t (*time_now)(void *ctx); /* seconds since the epoch */
	void (*sleep_us)(void *ctx, uint32_t usec);
};

/* The real system calls of the host (sys_real.c). */
extern const struct feth__sys feth__sys_real;

/* Call EXPR (a seam call yielding >= 0 or -errno) until it does not fail with EINTR. */
#define FETH_SYS_RETRY(var, expr)                                                                  \
	do {                                                                                       \
		(var) = (expr);                                                                    \
	} while ((var) == -EINTR)

#endif /* FETH_SYS_H */
