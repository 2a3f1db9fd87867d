/* SPDX-License-Identifier: MIT */
/* The real system calls behind the sys seam: thin wrappers that return -errno. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* pipe2, sendmmsg */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#ifdef __APPLE__
#include <sys/sysctl.h>
#endif

#include "sys.h"

#define RET(expr) ((expr) < 0 ? -errno : 0)

static int real_open(void *ctx, const char *path, int flags, unsigned mode)
{
	int fd = open(path, flags, (mode_t)mode);

	(void)ctx;
	return fd < 0 ? -errno : fd;
}

static int real_close(void *ctx, int fd)
{
	(void)ctx;
	return RET(close(fd));
}

static ssize_t real_read(void *ctx, int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	(void)ctx;
	return n < 0 ? -errno : n;
}

static ssize_t real_write(void *ctx, int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	(void)ctx;
	return n < 0 ? -errno : n;
}

static int real_flock(void *ctx, int fd, int op)
{
	(void)ctx;
	return RET(flock(fd, op));
}

static int real_mkdir(void *ctx, const char *path, unsigned mode)
{
	(void)ctx;
	return RET(mkdir(path, (mode_t)mode));
}

static int real_rename(void *ctx, const char *from, const char *to)
{
	(void)ctx;
	return RET(rename(from, to));
}

static int real_unlink(void *ctx, const char *path)
{
	(void)ctx;
	return RET(unlink(path));
}

static int real_pipe(void *ctx, int fds[2])
{
	(void)ctx;
#ifdef __linux__
	return RET(pipe2(fds, O_CLOEXEC | O_NONBLOCK));
#else
	/* Darwin has no pipe2: set the flags at once. */
	if (pipe(fds) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		int fl = fcntl(fds[i], F_GETFL);

		if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) < 0 ||
		    fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) {
			int e = errno;

			close(fds[0]);
			close(fds[1]);
			return -e;
		}
	}
	return 0;
#endif
}

static int real_poll(void *ctx, struct pollfd *fds, unsigned nfds, int timeout_ms)
{
	int n = poll(fds, (nfds_t)nfds, timeout_ms);

	(void)ctx;
	return n < 0 ? -errno : n;
}

static int real_socket(void *ctx, int domain, int type, int protocol)
{
	int fd;

	(void)ctx;
#ifdef SOCK_CLOEXEC
	fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -errno;
#else
	/* Darwin has no SOCK_CLOEXEC: set the flag at once. */
	fd = socket(domain, type, protocol);
	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
#endif
	return fd;
}

static int real_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	(void)ctx;
	return RET(ioctl(fd, req, arg));
}

static int real_setsockopt(void *ctx, int fd, int level, int name, const void *val, size_t len)
{
	(void)ctx;
	return RET(setsockopt(fd, level, name, val, (socklen_t)len));
}

static int real_bind(void *ctx, int fd, const void *addr, size_t len)
{
	(void)ctx;
	return RET(bind(fd, (const struct sockaddr *)addr, (socklen_t)len));
}

static ssize_t real_sendto(void *ctx, int fd, const void *buf, size_t len, int flags,
                           const void *addr, size_t addrlen)
{
	ssize_t n = sendto(fd, buf, len, flags, (const struct sockaddr *)addr, (socklen_t)addrlen);

	(void)ctx;
	return n < 0 ? -errno : n;
}

static ssize_t real_writev(void *ctx, int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t n = writev(fd, iov, iovcnt);

	(void)ctx;
	return n < 0 ? -errno : n;
}

static int real_getsockopt(void *ctx, int fd, int level, int name, void *val, size_t *len)
{
	socklen_t l = (socklen_t)*len;
	int r = getsockopt(fd, level, name, val, &l);

	(void)ctx;
	*len = l;
	return RET(r);
}

static int real_getsockname(void *ctx, int fd, void *addr, size_t *len)
{
	socklen_t l = (socklen_t)*len;
	int r = getsockname(fd, (struct sockaddr *)addr, &l);

	(void)ctx;
	*len = l;
	return RET(r);
}

static int real_sendmmsg(void *ctx, int fd, struct mmsghdr *msgs, unsigned n, int flags)
{
	(void)ctx;
#ifdef __linux__
	int r = sendmmsg(fd, msgs, n, flags);

	return r < 0 ? -errno : r;
#else
	(void)fd;
	(void)msgs;
	(void)n;
	(void)flags;
	return -ENOSYS;
#endif
}

static int real_mmap_shared(void *ctx, int fd, size_t len, void **ret)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	(void)ctx;
	if (p == MAP_FAILED)
		return -errno;
	*ret = p;
	return 0;
}

static int real_munmap(void *ctx, void *addr, size_t len)
{
	(void)ctx;
	return RET(munmap(addr, len));
}

static int real_sysctlbyname(void *ctx, const char *name, void *oldp, size_t *oldlenp,
                             const void *newp, size_t newlen)
{
	(void)ctx;
#ifdef __APPLE__
	return RET(sysctlbyname(name, oldp, oldlenp, (void *)(uintptr_t)newp, newlen));
#else
	(void)name;
	(void)oldp;
	(void)oldlenp;
	(void)newp;
	(void)newlen;
	return -ENOSYS;
#endif
}

static int real_kill(void *ctx, pid_t pid, int sig)
{
	(void)ctx;
	return RET(kill(pid, sig));
}

static pid_t real_getpid(void *ctx)
{
	(void)ctx;
	return getpid();
}

static int64_t real_time_now(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static void real_sleep_us(void *ctx, uint32_t usec)
{
	struct timespec ts = {.tv_sec = usec / 1000000u, .tv_nsec = (long)(usec % 1000000u) * 1000};

	(void)ctx;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const struct feth__sys feth__sys_real = {
    .ctx = NULL,
    .open = real_open,
    .close = real_close,
    .read = real_read,
    .write = real_write,
    .flock = real_flock,
    .mkdir = real_mkdir,
    .rename = real_rename,
    .unlink = real_unlink,
    .pipe = real_pipe,
    .poll = real_poll,
    .socket = real_socket,
    .ioctl = real_ioctl,
    .setsockopt = real_setsockopt,
    .bind = real_bind,
    .sendto = real_sendto,
    .writev = real_writev,
    .getsockopt = real_getsockopt,
    .getsockname = real_getsockname,
    .sendmmsg = real_sendmmsg,
    .mmap_shared = real_mmap_shared,
    .munmap = real_munmap,
    .sysctlbyname = real_sysctlbyname,
    .kill = real_kill,
    .getpid = real_getpid,
    .time_now = real_time_now,
    .sleep_us = real_sleep_us,
};
