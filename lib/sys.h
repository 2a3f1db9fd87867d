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

/* What the ownership registry needs to know of a file (lstat/fstat). */
struct feth__stat {
	uint32_t mode; /* type and permission bits, the host's S_IF* and 0777 values */
	uint32_t uid;
	uint64_t size;
	uint64_t dev, ino;
};

/* Who a process is, beyond its pid (which the system reuses): the ownership registry's owner. */
struct feth__proc_id {
	/* When it started, in a unit of the platform's that never goes backwards while the
	 * system runs (Linux: clock ticks since boot; Darwin: microseconds since the epoch). */
	int64_t start;
	/* Linux: the inode of its PID namespace, which gives its pid a meaning; 0 elsewhere. */
	uint64_t pidns;
};

/* Which network namespace the caller is in (Linux). */
struct feth__netns_id {
	uint64_t cookie; /* SO_NETNS_COOKIE: never reused while the system runs; 0 if unknown */
	uint64_t ino;    /* the inode of its nsfs file, reused once it is gone */
};

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
	int (*rmdir)(void *ctx, const char *path);
	/* File status: lstat() of a path (a symlink is reported as one), fstat() of a descriptor. */
	int (*lstat)(void *ctx, const char *path, struct feth__stat *ret);
	int (*fstat)(void *ctx, int fd, struct feth__stat *ret);
	/* The names in a directory but "." and "..", each NUL-terminated, one after another in
	 * buf; returns how many, or -ENOSPC when they do not fit. */
	int (*list_dir)(void *ctx, const char *path, char *buf, size_t len);
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

	/* Processes: the identity of process `pid` (0: the caller) as the caller sees it; -ESRCH
	 * when no process has that pid where the caller looks, any other -errno when it cannot
	 * tell (on Linux -EXDEV when the mounted /proc belongs to another PID namespace). */
	int (*proc_id)(void *ctx, pid_t pid, struct feth__proc_id *ret);

	/* Network namespaces (Linux; NULL elsewhere). netns_self: the caller's. netns_alive: 1
	 * while a namespace with this identity exists anywhere the caller can find one (a
	 * process's or thread's, a bind mount), 0 when none does, -errno when it cannot tell. */
	int (*netns_self)(void *ctx, struct feth__netns_id *ret);
	int (*netns_alive)(void *ctx, const struct feth__netns_id *id);

	/* The caller's effective uid, and (Linux) its own runtime directory: $XDG_RUNTIME_DIR
	 * where the environment may be trusted (secure_getenv()), else /run/user/<euid>; -ENOENT
	 * when neither is set or exists. NULL: uid 0, no such directory. */
	uint32_t (*geteuid)(void *ctx);
	int (*user_runtime_dir)(void *ctx, char *buf, size_t len);
	/* (Linux) 1 when the caller holds CAP_NET_ADMIN (effective), 0 when not, -errno. */
	int (*net_admin)(void *ctx);

	/* Infallible helpers: not counted as seam calls by the simulator's fault injection. */
	pid_t (*getpid)(void *ctx);
	int64_t (*time_now)(void *ctx); /* seconds since the epoch */
	void (*sleep_us)(void *ctx, uint32_t usec);
	/* Unpredictable bytes (the system's random source). */
	void (*random)(void *ctx, void *buf, size_t len);
};

/* The real system calls of the host (sys_real.c). */
extern const struct feth__sys feth__sys_real;

/* Call EXPR (a seam call yielding >= 0 or -errno) until it does not fail with EINTR. */
#define FETH_SYS_RETRY(var, expr)                                                                  \
	do {                                                                                       \
		(var) = (expr);                                                                    \
	} while ((var) == -EINTR)

#endif /* FETH_SYS_H */
