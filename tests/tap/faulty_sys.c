/* SPDX-License-Identifier: MIT */
/* The real system calls with fault injection (faulty_sys.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faulty_sys.h"

static atomic_ulong calls;
static atomic_ulong fail_at; /* the call number that fails; 0: none */
static atomic_int fail_err;
static atomic_ulong fail_from; /* every call from this number on fails; 0: none */

unsigned long faulty_calls(void)
{
	return atomic_load(&calls);
}

void faulty_fail_nth(unsigned long n, int err)
{
	atomic_store(&fail_err, err);
	atomic_store(&fail_at, atomic_load(&calls) + n);
}

void faulty_fail_from(unsigned long n, int err)
{
	atomic_store(&fail_err, err);
	atomic_store(&fail_from, atomic_load(&calls) + n);
}

void faulty_clear(void)
{
	atomic_store(&fail_at, 0);
	atomic_store(&fail_from, 0);
}

/* 0 to make the call, or the injected -errno (the close() of a descriptor still releases it,
 * as the seam promises: the caller does not close it again). FETH_FAULT_TRACE in the
 * environment names each call that is made to fail. */
static int fault(const char *name)
{
	unsigned long n = atomic_fetch_add(&calls, 1) + 1;
	unsigned long at = n == atomic_load(&fail_at) ? n : 0, from = atomic_load(&fail_from);

	if ((at && atomic_compare_exchange_strong(&fail_at, &at, 0)) || (from && n >= from)) {
		if (getenv("FETH_FAULT_TRACE"))
			fprintf(stderr, "faulty_sys: call %lu (%s) fails: %s\n", n, name,
			        strerror(atomic_load(&fail_err)));
		return -atomic_load(&fail_err);
	}
	return 0;
}

#define REAL feth__sys_real
static int f_open(void *ctx, const char *path, int flags, unsigned mode)
{
	int e = fault("open");

	(void)ctx;
	return e ? e : REAL.open(REAL.ctx, path, flags, mode);
}
static int f_close(void *ctx, int fd)
{
	int e = fault("close");
	int r = REAL.close(REAL.ctx, fd);

	(void)ctx;
	return e ? e : r;
}
static ssize_t f_read(void *ctx, int fd, void *buf, size_t len)
{
	int e = fault("read");

	(void)ctx;
	return e ? e : REAL.read(REAL.ctx, fd, buf, len);
}
static ssize_t f_write(void *ctx, int fd, const void *buf, size_t len)
{
	int e = fault("write");

	(void)ctx;
	return e ? e : REAL.write(REAL.ctx, fd, buf, len);
}
static int f_flock(void *ctx, int fd, int op)
{
	int e = fault("flock");

	(void)ctx;
	return e ? e : REAL.flock(REAL.ctx, fd, op);
}
static int f_mkdir(void *ctx, const char *path, unsigned mode)
{
	int e = fault("mkdir");

	(void)ctx;
	return e ? e : REAL.mkdir(REAL.ctx, path, mode);
}
static int f_rename(void *ctx, const char *from, const char *to)
{
	int e = fault("rename");

	(void)ctx;
	return e ? e : REAL.rename(REAL.ctx, from, to);
}
static int f_unlink(void *ctx, const char *path)
{
	int e = fault("unlink");

	(void)ctx;
	return e ? e : REAL.unlink(REAL.ctx, path);
}
static int f_pipe(void *ctx, int fds[2])
{
	int e = fault("pipe");

	(void)ctx;
	return e ? e : REAL.pipe(REAL.ctx, fds);
}
static int f_poll(void *ctx, struct pollfd *fds, unsigned nfds, int timeout_ms)
{
	int e = fault("poll");

	(void)ctx;
	return e ? e : REAL.poll(REAL.ctx, fds, nfds, timeout_ms);
}
static int f_socket(void *ctx, int domain, int type, int protocol)
{
	int e = fault("socket");

	(void)ctx;
	return e ? e : REAL.socket(REAL.ctx, domain, type, protocol);
}
static int f_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	int e = fault("ioctl");

	(void)ctx;
	return e ? e : REAL.ioctl(REAL.ctx, fd, req, arg);
}
static int f_setsockopt(void *ctx, int fd, int level, int name, const void *val, size_t len)
{
	int e = fault("setsockopt");

	(void)ctx;
	return e ? e : REAL.setsockopt(REAL.ctx, fd, level, name, val, len);
}
static int f_bind(void *ctx, int fd, const void *addr, size_t len)
{
	int e = fault("bind");

	(void)ctx;
	return e ? e : REAL.bind(REAL.ctx, fd, addr, len);
}
static ssize_t f_sendto(void *ctx, int fd, const void *buf, size_t len, int flags, const void *addr,
                        size_t addrlen)
{
	int e = fault("sendto");

	(void)ctx;
	return e ? e : REAL.sendto(REAL.ctx, fd, buf, len, flags, addr, addrlen);
}
static ssize_t f_writev(void *ctx, int fd, const struct iovec *iov, int iovcnt)
{
	int e = fault("writev");

	(void)ctx;
	return e ? e : REAL.writev(REAL.ctx, fd, iov, iovcnt);
}
static int f_getsockopt(void *ctx, int fd, int level, int name, void *val, size_t *len)
{
	int e = fault("getsockopt");

	(void)ctx;
	return e ? e : REAL.getsockopt(REAL.ctx, fd, level, name, val, len);
}
static int f_getsockname(void *ctx, int fd, void *addr, size_t *len)
{
	int e = fault("getsockname");

	(void)ctx;
	return e ? e : REAL.getsockname(REAL.ctx, fd, addr, len);
}
static int f_sendmmsg(void *ctx, int fd, struct mmsghdr *msgs, unsigned n, int flags)
{
	int e = fault("sendmmsg");

	(void)ctx;
	return e ? e : REAL.sendmmsg(REAL.ctx, fd, msgs, n, flags);
}
static int f_mmap_shared(void *ctx, int fd, size_t len, void **ret)
{
	int e = fault("mmap_shared");

	(void)ctx;
	return e ? e : REAL.mmap_shared(REAL.ctx, fd, len, ret);
}
static int f_munmap(void *ctx, void *addr, size_t len)
{
	int e = fault("munmap");

	(void)ctx;
	return e ? e : REAL.munmap(REAL.ctx, addr, len);
}
static int f_sysctlbyname(void *ctx, const char *name, void *oldp, size_t *oldlenp,
                          const void *newp, size_t newlen)
{
	int e = fault("sysctlbyname");

	(void)ctx;
	return e ? e : REAL.sysctlbyname(REAL.ctx, name, oldp, oldlenp, newp, newlen);
}
static int f_rmdir(void *ctx, const char *path)
{
	int e = fault("rmdir");

	(void)ctx;
	return e ? e : REAL.rmdir(REAL.ctx, path);
}
static int f_lstat(void *ctx, const char *path, struct feth__stat *ret)
{
	int e = fault("lstat");

	(void)ctx;
	return e ? e : REAL.lstat(REAL.ctx, path, ret);
}
static int f_fstat(void *ctx, int fd, struct feth__stat *ret)
{
	int e = fault("fstat");

	(void)ctx;
	return e ? e : REAL.fstat(REAL.ctx, fd, ret);
}
static int f_list_dir(void *ctx, const char *path, char *buf, size_t len)
{
	int e = fault("list_dir");

	(void)ctx;
	return e ? e : REAL.list_dir(REAL.ctx, path, buf, len);
}
static int f_proc_id(void *ctx, pid_t pid, struct feth__proc_id *ret)
{
	int e = fault("proc_id");

	(void)ctx;
	return e ? e : REAL.proc_id(REAL.ctx, pid, ret);
}
static int f_netns_self(void *ctx, struct feth__netns_id *ret)
{
	int e = fault("netns_self");

	(void)ctx;
	return e ? e : REAL.netns_self(REAL.ctx, ret);
}
static int f_netns_alive(void *ctx, const struct feth__netns_id *id)
{
	int e = fault("netns_alive");

	(void)ctx;
	return e ? e : REAL.netns_alive(REAL.ctx, id);
}
static void f_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	REAL.random(REAL.ctx, buf, len);
}
static pid_t f_getpid(void *ctx)
{
	(void)ctx;
	return REAL.getpid(REAL.ctx);
}

static int64_t f_time_now(void *ctx)
{
	(void)ctx;
	return REAL.time_now(REAL.ctx);
}

static void f_sleep_us(void *ctx, uint32_t usec)
{
	(void)ctx;
	REAL.sleep_us(REAL.ctx, usec);
}

const struct feth__sys faulty_sys = {
    .ctx = NULL,
    .open = f_open,
    .close = f_close,
    .read = f_read,
    .write = f_write,
    .flock = f_flock,
    .mkdir = f_mkdir,
    .rename = f_rename,
    .unlink = f_unlink,
    .rmdir = f_rmdir,
    .lstat = f_lstat,
    .fstat = f_fstat,
    .list_dir = f_list_dir,
    .pipe = f_pipe,
    .poll = f_poll,
    .socket = f_socket,
    .ioctl = f_ioctl,
    .setsockopt = f_setsockopt,
    .bind = f_bind,
    .sendto = f_sendto,
    .writev = f_writev,
    .getsockopt = f_getsockopt,
    .getsockname = f_getsockname,
    .sendmmsg = f_sendmmsg,
    .mmap_shared = f_mmap_shared,
    .munmap = f_munmap,
    .sysctlbyname = f_sysctlbyname,
    .proc_id = f_proc_id,
    .netns_self = f_netns_self,
    .netns_alive = f_netns_alive,
    .getpid = f_getpid,
    .time_now = f_time_now,
    .sleep_us = f_sleep_us,
    .random = f_random,
};
