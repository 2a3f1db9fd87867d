/* SPDX-License-Identifier: MIT */
/*
 * The simulated Darwin kernel's world: the seam table, descriptors, files, fault injection,
 * crashes, the net.link.fake sysctls, processes, the clock and the detacher thread.
 * Interfaces live in sim_if.c, their send path in sim_tx.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2 */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sim_internal.h"

bool sim__reserve(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n <= *cap)
		return true;
	ncap = *cap ? *cap : 16;
	while (ncap < n)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

bool sim__macos_at_least(const struct sim *sim, int major, int minor)
{
	return sim->macos_major > major || (sim->macos_major == major && sim->macos_minor >= minor);
}

/* ---- the detacher thread ------------------------------------------------------------------- */

/*
 * ifnet_detach queues the interface for the detacher thread, which runs ifnet_detach_final
 * (bpfdetach first) soon after, on its own (dlil.c@11417:5588-5593, 5630-5701). Here that
 * thread runs when a test asks (sim_run_detacher), and otherwise when the simulated clock has
 * advanced teardown_us past the destroy: every seam call first finishes what has come due, and
 * a wait that would outlast the due time (sleep_us, a blocking BPF read, poll) lets it happen.
 */
unsigned sim__run_detacher(struct sim *sim, bool all)
{
	unsigned done = 0;

	for (size_t i = 0; i < sim->n_detaching;) {
		struct sim_ifnet *ifp = sim->detaching[i];

		if (!all &&
		    (ifp->detach_due_us == UINT64_MAX || ifp->detach_due_us > sim->now_us)) {
			i++;
			continue;
		}
		memmove(&sim->detaching[i], &sim->detaching[i + 1],
		        (sim->n_detaching - i - 1) * sizeof(*sim->detaching));
		sim->n_detaching--;
		sim__if_detach_final(sim, ifp);
		done++;
	}
	return done;
}

uint64_t sim__next_detach_us(const struct sim *sim)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < sim->n_detaching; i++)
		if (sim->detaching[i]->detach_due_us < due)
			due = sim->detaching[i]->detach_due_us;
	return due;
}

unsigned sim_run_detacher(struct sim *sim)
{
	unsigned n;

	pthread_mutex_lock(&sim->lock);
	n = sim__run_detacher(sim, true);
	pthread_mutex_unlock(&sim->lock);
	return n;
}

int sim_detaching(const struct sim *sim)
{
	return (int)sim->n_detaching;
}

/* ---- accounting and faults ------------------------------------------------------------------ */

static unsigned long *ioctl_counter(struct sim *sim, unsigned long req)
{
	for (size_t i = 0; i < sim->n_ioctls; i++)
		if (sim->ioctls[i].req == req)
			return &sim->ioctls[i].count;
	if (!sim__reserve((void **)&sim->ioctls, &sim->cap_ioctls, sim->n_ioctls + 1,
	                  sizeof(*sim->ioctls)))
		abort(); /* a test harness out of memory cannot go on meaningfully */
	sim->ioctls[sim->n_ioctls].req = req;
	sim->ioctls[sim->n_ioctls].count = 0;
	return &sim->ioctls[sim->n_ioctls++].count;
}

static int take_fault(struct sim_fault *f)
{
	int err;

	if (!f->active)
		return 0;
	err = f->err;
	if (f->remaining && --f->remaining == 0)
		f->active = false;
	return -err;
}

/*
 * Counts one fallible call and decides whether it fails: returns 0, or the -errno it must
 * return without any other effect.
 */
static int enter(struct sim *sim, enum sim_call kind, unsigned long req)
{
	int r;

	sim__run_detacher(sim, false);
	sim->calls++;
	sim->calls_of[kind]++;
	if (kind == SIM_CALL_IOCTL) {
		(*ioctl_counter(sim, req))++;
		if (!sim__reserve((void **)&sim->ioctl_log, &sim->cap_ioctl_log,
		                  sim->n_ioctl_log + 1, sizeof(*sim->ioctl_log)))
			abort();
		sim->ioctl_log[sim->n_ioctl_log++] = req;
	}
	/* The process dies after this call, whatever it returns (sim_set_crash). */
	if (sim->crash_at && sim->calls == sim->crash_at) {
		sim->crash_at = 0;
		sim->crash_due = true;
	}
	if (sim->fail_at && sim->calls == sim->fail_at) {
		sim->fail_at = 0;
		return -sim->fail_at_err;
	}
	r = take_fault(&sim->fail_kind[kind]);
	if (r)
		return r;
	if (kind == SIM_CALL_IOCTL)
		for (size_t i = 0; i < FETH_SIM_ARRAY_SIZE(sim->fail_ioctl); i++)
			if (sim->fail_ioctl[i].f.active && sim->fail_ioctl[i].req == req)
				return take_fault(&sim->fail_ioctl[i].f);
	return 0;
}

/* The crash hook due after the call just made, taken under the lock with that call, so that no
 * other thread's call can run it; {NULL, NULL} when none is due. */
static struct sim_crash crash_take(struct sim *sim)
{
	struct sim_crash c = {NULL, NULL};

	if (sim->crash_due) {
		sim->crash_due = false;
		c = sim->crash;
	}
	return c;
}

void sim_set_crash(struct sim *sim, unsigned long n, void (*hook)(void *arg), void *arg)
{
	pthread_mutex_lock(&sim->lock);
	sim->crash_at = n && hook ? sim->calls + n : 0;
	sim->crash.hook = hook;
	sim->crash.arg = arg;
	sim->crash_due = false;
	pthread_mutex_unlock(&sim->lock);
}

void sim_fail_nth(struct sim *sim, unsigned long n, int err)
{
	sim->fail_at = n ? sim->calls + n : 0;
	sim->fail_at_err = err;
}

void sim_fail_kind(struct sim *sim, enum sim_call kind, int err, unsigned count)
{
	sim->fail_kind[kind].active = true;
	sim->fail_kind[kind].err = err;
	sim->fail_kind[kind].remaining = count;
}

void sim_fail_ioctl(struct sim *sim, unsigned long req, int err, unsigned count)
{
	for (size_t i = 0; i < FETH_SIM_ARRAY_SIZE(sim->fail_ioctl); i++) {
		if (!sim->fail_ioctl[i].f.active || sim->fail_ioctl[i].req == req) {
			sim->fail_ioctl[i].req = req;
			sim->fail_ioctl[i].f.active = true;
			sim->fail_ioctl[i].f.err = err;
			sim->fail_ioctl[i].f.remaining = count;
			return;
		}
	}
	abort(); /* more distinct ioctl faults than any test needs */
}

void sim_fail_clear(struct sim *sim)
{
	sim->fail_at = 0;
	sim->enq_fail_at = 0;
	memset(sim->fail_kind, 0, sizeof(sim->fail_kind));
	memset(sim->fail_ioctl, 0, sizeof(sim->fail_ioctl));
}

void sim_fail_enqueue(struct sim *sim, unsigned long k, int err)
{
	pthread_mutex_lock(&sim->lock);
	sim->enq_fail_at = k ? sim->enqueues + k : 0;
	sim->enq_fail_err = err;
	pthread_mutex_unlock(&sim->lock);
}

unsigned long sim_enqueues(const struct sim *sim)
{
	return sim->enqueues;
}

unsigned long sim_calls(const struct sim *sim)
{
	return sim->calls;
}

unsigned long sim_calls_of(const struct sim *sim, enum sim_call kind)
{
	return sim->calls_of[kind];
}

size_t sim_ioctl_log(const struct sim *sim, unsigned long *out, size_t max)
{
	for (size_t i = 0; i < sim->n_ioctl_log && i < max; i++)
		out[i] = sim->ioctl_log[i];
	return sim->n_ioctl_log;
}

unsigned long sim_ioctl_calls(const struct sim *sim, unsigned long req)
{
	for (size_t i = 0; i < sim->n_ioctls; i++)
		if (sim->ioctls[i].req == req)
			return sim->ioctls[i].count;
	return 0;
}

/* ---- descriptors ---------------------------------------------------------------------------- */

static struct sim_fd *fd_find(struct sim *sim, int fd)
{
	for (size_t i = 0; i < sim->n_fds; i++)
		if (sim->fds[i].fd == fd)
			return &sim->fds[i];
	return NULL;
}

static int fd_track(struct sim *sim, int hostfd, enum sim_fd_kind kind, int domain, int type,
                    int minor)
{
	if (!sim__reserve((void **)&sim->fds, &sim->cap_fds, sim->n_fds + 1, sizeof(*sim->fds))) {
		close(hostfd);
		return -ENOMEM;
	}
	memset(&sim->fds[sim->n_fds], 0, sizeof(sim->fds[sim->n_fds]));
	sim->fds[sim->n_fds].fd = hostfd;
	sim->fds[sim->n_fds].kind = kind;
	sim->fds[sim->n_fds].domain = domain;
	sim->fds[sim->n_fds].type = type;
	sim->fds[sim->n_fds].minor = minor;
	sim->fds[sim->n_fds].owner = sim->pid;
	sim->n_fds++;
	return hostfd;
}

static void fd_release(struct sim *sim, struct sim_fd *f)
{
	if (f->kind == SIM_FD_BPF)
		sim__bpf_close(sim, f->minor);
	if (f->kind == SIM_FD_SOCKET && f->domain == DARWIN_AF_NDRV)
		sim__ndrv_close(sim, f);
	close(f->fd);
	*f = sim->fds[--sim->n_fds];
}

int sim_open_fds(const struct sim *sim)
{
	return (int)sim->n_fds;
}

static int neg_errno(long r)
{
	return r < 0 ? -errno : (int)r;
}

static int k_open(void *ctx, const char *path, int flags, unsigned mode)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_OPEN, 0);

	if (r)
		return r;
	/* Device nodes are the kernel's: only /dev/bpfN is simulated. */
	if (strncmp(path, "/dev/", 5) == 0) {
		const char *d = path + 8;
		int minor = 0;

		if (strncmp(path, "/dev/bpf", 8) != 0 || !*d ||
		    strspn(d, "0123456789") != strlen(d) || (d[0] == '0' && d[1]) || strlen(d) > 3)
			return -ENOENT;
		minor = atoi(d);
		r = sim__bpf_open(sim, minor, flags);
		if (r < 0)
			return r;
		return fd_track(sim, r, SIM_FD_BPF, 0, 0, minor);
	}
	/* Regular files (the ownership registry) are the host's. */
	r = open(path, flags | O_CLOEXEC, (mode_t)mode);
	if (r < 0)
		return -errno;
	return fd_track(sim, r, SIM_FD_FILE, 0, 0, -1);
}

static int k_close(void *ctx, int fd)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_CLOSE, 0);
	struct sim_fd *f = fd_find(sim, fd);

	/* The descriptor is released even when close reports an error (as on Darwin). */
	if (!f)
		return -EBADF;
	fd_release(sim, f);
	return r;
}

static struct sim_fd *file_fd(struct sim *sim, int fd, int *err)
{
	struct sim_fd *f = fd_find(sim, fd);

	if (!f)
		*err = -EBADF;
	else if (f->kind != SIM_FD_FILE)
		*err = -EOPNOTSUPP; /* the simulator's sockets carry ioctls only */
	return f && f->kind == SIM_FD_FILE ? f : NULL;
}

static ssize_t k_read(void *ctx, int fd, void *buf, size_t len)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_READ, 0);
	struct sim_fd *f;
	ssize_t n;

	if (r)
		return r;
	f = fd_find(sim, fd);
	if (f && f->kind == SIM_FD_BPF)
		return sim__bpf_read(sim, f->minor, buf, len);
	f = file_fd(sim, fd, &r);
	if (!f)
		return r;
	n = read(f->fd, buf, len);
	return n < 0 ? -errno : n;
}

static ssize_t k_write(void *ctx, int fd, const void *buf, size_t len)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_WRITE, 0);
	struct sim_fd *f;
	ssize_t n;

	if (r)
		return r;
	f = fd_find(sim, fd);
	if (f && f->kind == SIM_FD_BPF) {
		struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};

		return sim__bpf_write(sim, f->minor, &iov, 1);
	}
	if (f && f->kind == SIM_FD_SOCKET && f->domain == DARWIN_AF_NDRV)
		return sim__ndrv_sendto(sim, f, buf, len, 0, NULL,
		                        0); /* write = send, no address */
	f = file_fd(sim, fd, &r);
	if (!f)
		return r;
	n = write(f->fd, buf, len);
	return n < 0 ? -errno : n;
}

static int k_flock(void *ctx, int fd, int op)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_FLOCK, 0);
	struct sim_fd *f;

	if (r)
		return r;
	f = file_fd(sim, fd, &r);
	if (!f)
		return r;
	return neg_errno(flock(f->fd, op));
}

static int k_mkdir(void *ctx, const char *path, unsigned mode)
{
	int r = enter(ctx, SIM_CALL_MKDIR, 0);

	if (r)
		return r;
	return neg_errno(mkdir(path, (mode_t)mode));
}

static int k_rename(void *ctx, const char *from, const char *to)
{
	int r = enter(ctx, SIM_CALL_RENAME, 0);

	if (r)
		return r;
	return neg_errno(rename(from, to));
}

static int k_unlink(void *ctx, const char *path)
{
	int r = enter(ctx, SIM_CALL_UNLINK, 0);

	if (r)
		return r;
	return neg_errno(unlink(path));
}

static int k_rmdir(void *ctx, const char *path)
{
	int r = enter(ctx, SIM_CALL_RMDIR, 0);

	if (r)
		return r;
	return neg_errno(rmdir(path));
}

static void stat_of(const struct stat *st, struct feth__stat *ret)
{
	ret->mode = (uint32_t)st->st_mode;
	ret->uid = (uint32_t)st->st_uid;
	ret->size = (uint64_t)st->st_size;
	ret->dev = (uint64_t)st->st_dev;
	ret->ino = (uint64_t)st->st_ino;
}

static int k_lstat(void *ctx, const char *path, struct feth__stat *ret)
{
	int r = enter(ctx, SIM_CALL_LSTAT, 0);
	struct stat st;

	if (r)
		return r;
	if (lstat(path, &st) < 0)
		return -errno;
	stat_of(&st, ret);
	return 0;
}

static int k_fstat(void *ctx, int fd, struct feth__stat *ret)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_FSTAT, 0);
	struct sim_fd *f;
	struct stat st;

	if (r)
		return r;
	/* Only the host's files have a status worth asking for here: the registry's. */
	f = fd_find(sim, fd);
	if (!f || f->kind != SIM_FD_FILE)
		return -EBADF;
	if (fstat(f->fd, &st) < 0)
		return -errno;
	stat_of(&st, ret);
	return 0;
}

static int k_list_dir(void *ctx, const char *path, char *buf, size_t len)
{
	int r = enter(ctx, SIM_CALL_LIST_DIR, 0), n = 0;
	size_t used = 0;
	DIR *d;

	if (r)
		return r;
	d = opendir(path);
	if (!d)
		return -errno;
	for (;;) {
		struct dirent *e;
		size_t l;

		errno = 0;
		e = readdir(d);
		if (!e) {
			r = errno ? -errno : n;
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		l = strlen(e->d_name) + 1;
		if (l > len - used) {
			r = -ENOSPC;
			break;
		}
		memcpy(buf + used, e->d_name, l);
		used += l;
		n++;
	}
	closedir(d);
	return r;
}

static ssize_t k_writev(void *ctx, int fd, const struct iovec *iov, int iovcnt)
{
	struct sim *sim = ctx;
	ssize_t r = enter(sim, SIM_CALL_WRITEV, 0);
	struct sim_fd *f;

	if (r)
		return r;
	f = fd_find(sim, fd);
	if (!f)
		return -EBADF;
	if (f->kind == SIM_FD_BPF)
		return sim__bpf_write(sim, f->minor, iov, iovcnt);
	if (f->kind == SIM_FD_FILE) {
		r = writev(f->fd, iov, iovcnt);
		return r < 0 ? -errno : r;
	}
	return -EOPNOTSUPP; /* gathered sends on sockets are not modelled */
}

static int k_pipe(void *ctx, int fds[2])
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_PIPE, 0);
	int hfd[2];

	if (r)
		return r;
	if (pipe2(hfd, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	r = fd_track(sim, hfd[0], SIM_FD_FILE, 0, 0, -1);
	if (r < 0) {
		close(hfd[1]);
		return r;
	}
	r = fd_track(sim, hfd[1], SIM_FD_FILE, 0, 0, -1);
	if (r < 0) {
		fd_release(sim, fd_find(sim, hfd[0]));
		return r;
	}
	fds[0] = hfd[0];
	fds[1] = hfd[1];
	return 0;
}

/* ---- sockets and ioctl ---------------------------------------------------------------------- */

static int k_socket(void *ctx, int domain, int type, int protocol)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_SOCKET, 0);
	int fd;

	if (r)
		return r;
	if (domain == DARWIN_AF_NDRV) {
		/* One protosw, SOCK_RAW protocol 0 (darwin-notes.md N1.1); ndrv_attach wants
		 * root (N1.2). */
		if (type != DARWIN_SOCK_RAW)
			return -EPROTOTYPE;
		if (protocol != 0)
			return -EPROTONOSUPPORT;
		if (!sim->root)
			return -EPERM;
	} else {
		/* The control sockets of darwin-notes.md P1. */
		if (domain != SIM_AF_UNIX && domain != DARWIN_AF_INET && domain != DARWIN_AF_INET6)
			return -EAFNOSUPPORT;
		if (type != SIM_SOCK_DGRAM && type != SIM_SOCK_STREAM)
			return -EPROTOTYPE;
		if (protocol != 0)
			return -EPROTONOSUPPORT;
	}
	/* A real descriptor stands for the socket, so fd numbers and leaks are real. */
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	r = fd_track(sim, fd, SIM_FD_SOCKET, domain, type, -1);
	if (r >= 0)
		fd_find(sim, r)->sndbuf = DARWIN_NDRV_SNDQ;
	return r;
}

/* Only NDRV sockets have options, addresses and datagrams here; the control sockets carry
 * ioctls. */
static struct sim_fd *ndrv_fd(struct sim *sim, int fd, int *err)
{
	struct sim_fd *f = fd_find(sim, fd);

	*err = !f ? -EBADF : f->kind != SIM_FD_SOCKET ? -ENOTSOCK : -EOPNOTSUPP;
	return f && f->kind == SIM_FD_SOCKET && f->domain == DARWIN_AF_NDRV ? f : NULL;
}

static int k_setsockopt(void *ctx, int fd, int level, int name, const void *val, size_t len)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_SETSOCKOPT, 0);
	struct sim_fd *f;

	if (r)
		return r;
	f = ndrv_fd(sim, fd, &r);
	return f ? sim__ndrv_setsockopt(sim, f, level, name, val, len) : r;
}

static int k_bind(void *ctx, int fd, const void *addr, size_t len)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_BIND, 0);
	struct sim_fd *f;

	if (r)
		return r;
	f = ndrv_fd(sim, fd, &r);
	return f ? sim__ndrv_bind(sim, f, addr, len) : r;
}

static ssize_t k_sendto(void *ctx, int fd, const void *buf, size_t len, int flags, const void *addr,
                        size_t addrlen)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_SENDTO, 0);
	struct sim_fd *f;

	if (r)
		return r;
	f = ndrv_fd(sim, fd, &r);
	return f ? sim__ndrv_sendto(sim, f, buf, len, flags, addr, addrlen) : r;
}

static int k_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_IOCTL, req);
	size_t len = DARWIN_IOCPARM_LEN(req);
	/* The kernel's copy of the argument, aligned for any struct (IOCPARM_MAX is 8192). */
	union {
		uint64_t align;
		unsigned char b[DARWIN_IOCPARM_LEN(~0ul) + 1];
	} k;
	unsigned char *kbuf = k.b;
	struct sim_fd *f;

	if (r)
		return r;
	f = fd_find(sim, fd);
	if (!f)
		return -EBADF;
	if (f->kind == SIM_FD_FILE)
		return -ENOTTY;
	/* ioctl(2): copy the argument in for _IOW/_IOWR, copy it out on success for _IOR/_IOWR
	 * (bsd/kern/sys_generic.c). */
	if (len && !arg)
		return -EFAULT;
	memset(kbuf, 0, len);
	if (req & DARWIN_IOC_IN)
		memcpy(kbuf, arg, len);
	if (f->kind == SIM_FD_BPF)
		r = sim__bpf_ioctl(sim, f->minor, req, kbuf);
	else if (((req >> 8) & 0xff) == 'i')
		r = sim__if_ioctl(sim, f->domain, req, kbuf);
	else
		r = -EOPNOTSUPP;
	if (r == 0 && (req & DARWIN_IOC_OUT))
		memcpy(arg, kbuf, len);
	return r;
}

/* ---- sysctl --------------------------------------------------------------------------------- */

/* How the kernel handles a sysctl's value. */
enum fake_kind {
	FAKE_INT,     /* SYSCTL_INT, CTLFLAG_RW: any int (sysctl_handle_int) */
	FAKE_MAX_MTU, /* feth_max_mtu_sysctl (if_fake.c@11417:351-373) */
	FAKE_TRAILER, /* feth_trailer_length_sysctl (if_fake.c@11417:284-308) */
};

/* net.link.fake.*: name, the first macOS that has it (the SYSCTL_* lines of if_fake.c in
 * xnu-4570.71.2, -6153.141.1, -7195.141.2, -8792.41.9, -10002.1.13, -11215.1.10), default, handler.
 */
static const struct fake_sysctl {
	const char *name;
	int major, minor;
	int32_t def;
	enum fake_kind kind;
} fake_sysctls[SIM_FAKE__COUNT] = {
    [SIM_FAKE_BSD_MODE] = {"net.link.fake.bsd_mode", 10, 13, 1, FAKE_INT},
    [SIM_FAKE_TXSTART] = {"net.link.fake.txstart", 10, 13, 1, FAKE_INT},
    [SIM_FAKE_HWCSUM] = {"net.link.fake.hwcsum", 10, 13, 0, FAKE_INT},
    [SIM_FAKE_FCS] = {"net.link.fake.fcs", 11, 0, 0, FAKE_INT},
    [SIM_FAKE_TRAILER_LENGTH] = {"net.link.fake.trailer_length", 11, 0, 0, FAKE_TRAILER},
    [SIM_FAKE_TSO_SUPPORT] = {"net.link.fake.tso_support", 13, 0, 0, FAKE_INT},
    [SIM_FAKE_LRO] = {"net.link.fake.lro", 14, 0, 0, FAKE_INT},
    [SIM_FAKE_VLAN_TAGGING] = {DARWIN_FETH_SYSCTL_VLAN_TAGGING, 15, 0, 1, FAKE_INT},
    [SIM_FAKE_MAX_MTU] = {DARWIN_FETH_SYSCTL_MAX_MTU, 10, 15, DARWIN_FETH_SYSCTL_MAX_MTU_DEFAULT,
                          FAKE_MAX_MTU},
};

static int fake_find(const struct sim *sim, const char *name)
{
	for (int i = 0; i < SIM_FAKE__COUNT; i++)
		if (strcmp(name, fake_sysctls[i].name) == 0)
			return sim__macos_at_least(sim, fake_sysctls[i].major,
			                           fake_sysctls[i].minor)
			           ? i
			           : -ENOENT;
	return -ENOENT;
}

/* A handler's range check on a new value: 0, or the errno it returns. */
static int fake_check(enum fake_kind kind, int32_t v)
{
	/* feth_max_mtu_sysctl: 1500 <= v <= 16384 - 14 and v > buflet_size (512); the trailer:
	 * at most FETH_TRAILER_LENGTH_MAX, compared unsigned. */
	if (kind == FAKE_MAX_MTU &&
	    ((uint32_t)v > DARWIN_FETH_MTU_CEILING || (uint32_t)v < DARWIN_FETH_SYSCTL_MAX_MTU_MIN))
		return EINVAL;
	if (kind == FAKE_TRAILER && (uint32_t)v > SIM_FETH_TRAILER_MAX)
		return EINVAL;
	return 0;
}

/*
 * One net.link.fake value through sysctl_io_number (kern_newsysctl.c@11417:428-492): the
 * old value out, 4 bytes or ENOMEM; the new one in, 4 bytes (EINVAL when fewer) or 8 checked
 * to fit (ERANGE). The two SYSCTL_PROC handlers return 0 whatever sysctl_io_number said, so
 * with them a short buffer is no error: nothing is copied, nothing is set
 * (if_fake.c@11417:288-304, 351-369).
 */
static int fake_sysctl(struct sim *sim, int k, void *oldp, size_t *oldlenp, const void *newp,
                       size_t newlen)
{
	const struct fake_sysctl *fs = &fake_sysctls[k];
	size_t oldlen = oldlenp ? *oldlenp : 0, oldidx = 0;
	int32_t v = sim->fake[k];
	int err = 0;

	/* sysctl_root: a write to a CTLFLAG_RW node without CTLFLAG_ANYBODY needs root
	 * (kern_newsysctl.c@11417:1821-1860). */
	if (newp && !sim->root)
		return -EPERM;
	if (oldp) {
		if (oldlen < sizeof(v)) {
			err = ENOMEM; /* sysctl_old_user refuses before it counts anything */
		} else {
			memcpy(oldp, &v, sizeof(v));
			oldidx = sizeof(v);
		}
	} else {
		oldidx = sizeof(v);
	}
	if (!err && newp) {
		if (newlen == sizeof(int64_t)) {
			int64_t big;

			memcpy(&big, newp, sizeof(big));
			if (big != (int32_t)big)
				err = ERANGE;
			v = (int32_t)big;
		} else if (newlen < sizeof(v)) {
			err = EINVAL;
		} else {
			memcpy(&v, newp, sizeof(v));
		}
		if (!err && fs->kind != FAKE_INT) {
			int bad = fake_check(fs->kind, v);

			if (bad)
				return -bad;
		}
		if (!err)
			sim->fake[k] = v;
	}
	if (fs->kind != FAKE_INT)
		err = 0;
	/* userland_sysctl reports the bytes counted, also with ENOMEM
	 * (kern_newsysctl.c@11417:2147-2177); sysctl_old_user counts nothing it refused
	 * (kern_newsysctl.c@11417:1636-1660). */
	if (oldlenp && (!err || err == ENOMEM))
		*oldlenp = oldidx;
	return -err;
}

static int k_sysctlbyname(void *ctx, const char *name, void *oldp, size_t *oldlenp,
                          const void *newp, size_t newlen)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_SYSCTLBYNAME, 0);

	if (r)
		return r;
	r = fake_find(sim, name);
	if (r < 0)
		return r;
	return fake_sysctl(sim, r, oldp, oldlenp, newp, newlen);
}

/* What someone else's sysctl write does: at once, or (race) just before the next create. */
static int fake_set_external(struct sim *sim, const char *name, int32_t value, bool race)
{
	int k, r;

	pthread_mutex_lock(&sim->lock);
	k = fake_find(sim, name);
	r = k < 0 ? k : -fake_check(fake_sysctls[k].kind, value);
	if (r == 0 && race) {
		sim->fake_race[k].armed = true;
		sim->fake_race[k].value = value;
	} else if (r == 0) {
		sim->fake[k] = value;
	}
	pthread_mutex_unlock(&sim->lock);
	return r;
}

int sim_set_fake_sysctl(struct sim *sim, const char *name, int32_t value)
{
	return fake_set_external(sim, name, value, false);
}

int sim_race_fake_sysctl(struct sim *sim, const char *name, int32_t value)
{
	return fake_set_external(sim, name, value, true);
}

int32_t sim_fake_sysctl(const struct sim *sim, const char *name)
{
	for (int i = 0; i < SIM_FAKE__COUNT; i++)
		if (strcmp(name, fake_sysctls[i].name) == 0)
			return sim->fake[i];
	return -1;
}

/* ---- processes and time ------------------------------------------------------------------- */

/* A pid as the test functions and proc_id take it: 0 is the caller. */
static pid_t proc_pid(const struct sim *sim, pid_t pid)
{
	return pid == 0 ? sim->pid : pid;
}

/* Every process starts alive, at a time its pid tells apart (Darwin's p_start, in
 * microseconds since the epoch). */
static int64_t default_start(pid_t pid)
{
	return (int64_t)SIM_EPOCH_S * 1000000 + pid;
}

static struct sim_proc *proc_find(const struct sim *sim, pid_t pid)
{
	for (size_t i = 0; i < sim->n_procs; i++)
		if (sim->procs[i].pid == pid)
			return &sim->procs[i];
	return NULL;
}

/* The process's entry, made in its default state if it has none. */
static struct sim_proc *proc_entry(struct sim *sim, pid_t pid)
{
	struct sim_proc *p = proc_find(sim, pid);

	if (p)
		return p;
	if (!sim__reserve((void **)&sim->procs, &sim->cap_procs, sim->n_procs + 1,
	                  sizeof(*sim->procs)))
		abort();
	p = &sim->procs[sim->n_procs++];
	p->pid = pid;
	p->dead = false;
	p->start = default_start(pid);
	return p;
}

static int k_proc_id(void *ctx, pid_t pid, struct feth__proc_id *ret)
{
	struct sim *sim = ctx;
	int r = enter(sim, SIM_CALL_PROC_ID, 0);
	const struct sim_proc *p;

	if (r)
		return r;
	/* No process has a negative pid (pid 0 is the caller, as the seam defines it). */
	if (pid < 0)
		return -ESRCH;
	pid = proc_pid(sim, pid);
	p = proc_find(sim, pid);
	if (p && p->dead)
		return -ESRCH;
	ret->start = p ? p->start : default_start(pid);
	ret->pidns = 0; /* Darwin has no PID namespaces */
	return 0;
}

static pid_t k_getpid(void *ctx)
{
	return ((struct sim *)ctx)->pid;
}

static int64_t k_time_now(void *ctx)
{
	return SIM_EPOCH_S + (int64_t)(((struct sim *)ctx)->now_us / 1000000u);
}

static void k_sleep_us(void *ctx, uint32_t usec)
{
	struct sim *sim = ctx;

	sim->now_us += usec;
	sim__run_detacher(sim, false);
}

/* Not random at all: xorshift64 (Marsaglia, 2003) from the same seed in every world, so a test
 * that depends on the bytes (a temporary file's name) runs the same way every time. */
static void k_random(void *ctx, void *buf, size_t len)
{
	struct sim *sim = ctx;
	uint8_t *out = buf;

	for (size_t i = 0; i < len; i += sizeof(uint64_t)) {
		uint64_t x = sim->rng;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sim->rng = x;
		memcpy(out + i, &x, len - i < sizeof(x) ? len - i : sizeof(x));
	}
}

/* ---- the seam table: every call under the world's lock ------------------------------------ */

/* Each entry point runs the call under the lock, then, with the lock released and the world
 * consistent, the crash hook when the process is to die after this call (sim_set_crash): the
 * hook longjmps out of the library, so nothing may be left to do after it but returning. */
#define LOCKED(type, call, params, args)                                                           \
	static type s_##call params                                                                \
	{                                                                                          \
		struct sim *sim_ = ctx;                                                            \
		struct sim_crash crash_;                                                           \
		type r_;                                                                           \
                                                                                                   \
		pthread_mutex_lock(&sim_->lock);                                                   \
		r_ = k_##call args;                                                                \
		crash_ = crash_take(sim_);                                                         \
		pthread_mutex_unlock(&sim_->lock);                                                 \
		if (crash_.hook)                                                                   \
			crash_.hook(crash_.arg);                                                   \
		return r_;                                                                         \
	}
LOCKED(int, open, (void *ctx, const char *path, int flags, unsigned mode), (ctx, path, flags, mode))
LOCKED(int, close, (void *ctx, int fd), (ctx, fd))
LOCKED(ssize_t, read, (void *ctx, int fd, void *buf, size_t len), (ctx, fd, buf, len))
LOCKED(ssize_t, write, (void *ctx, int fd, const void *buf, size_t len), (ctx, fd, buf, len))
LOCKED(int, flock, (void *ctx, int fd, int op), (ctx, fd, op))
LOCKED(int, mkdir, (void *ctx, const char *path, unsigned mode), (ctx, path, mode))
LOCKED(int, rename, (void *ctx, const char *from, const char *to), (ctx, from, to))
LOCKED(int, unlink, (void *ctx, const char *path), (ctx, path))
LOCKED(int, rmdir, (void *ctx, const char *path), (ctx, path))
LOCKED(int, lstat, (void *ctx, const char *path, struct feth__stat *ret), (ctx, path, ret))
LOCKED(int, fstat, (void *ctx, int fd, struct feth__stat *ret), (ctx, fd, ret))
LOCKED(int, list_dir, (void *ctx, const char *path, char *buf, size_t len), (ctx, path, buf, len))
LOCKED(int, pipe, (void *ctx, int fds[2]), (ctx, fds))
LOCKED(int, socket, (void *ctx, int domain, int type, int protocol), (ctx, domain, type, protocol))
LOCKED(int, ioctl, (void *ctx, int fd, unsigned long req, void *arg), (ctx, fd, req, arg))
LOCKED(int, setsockopt, (void *ctx, int fd, int level, int name, const void *val, size_t len),
       (ctx, fd, level, name, val, len))
LOCKED(int, bind, (void *ctx, int fd, const void *addr, size_t len), (ctx, fd, addr, len))
LOCKED(ssize_t, sendto,
       (void *ctx, int fd, const void *buf, size_t len, int flags, const void *addr,
        size_t addrlen),
       (ctx, fd, buf, len, flags, addr, addrlen))
LOCKED(ssize_t, writev, (void *ctx, int fd, const struct iovec *iov, int iovcnt),
       (ctx, fd, iov, iovcnt))
LOCKED(int, sysctlbyname,
       (void *ctx, const char *name, void *oldp, size_t *oldlenp, const void *newp, size_t newlen),
       (ctx, name, oldp, oldlenp, newp, newlen))
LOCKED(int, proc_id, (void *ctx, pid_t pid, struct feth__proc_id *ret), (ctx, pid, ret))
LOCKED(pid_t, getpid, (void *ctx), (ctx))
LOCKED(int64_t, time_now, (void *ctx), (ctx))

static void s_sleep_us(void *ctx, uint32_t usec)
{
	struct sim *sim = ctx;

	pthread_mutex_lock(&sim->lock);
	k_sleep_us(ctx, usec);
	pthread_mutex_unlock(&sim->lock);
}

static void s_random(void *ctx, void *buf, size_t len)
{
	struct sim *sim = ctx;

	pthread_mutex_lock(&sim->lock);
	k_random(ctx, buf, len);
	pthread_mutex_unlock(&sim->lock);
}

/* Counted and faulted under the lock; the wait itself is the host's poll() on the host
 * descriptors that stand for the simulated ones (BPF readiness follows darwin-notes.md B6.1 and
 * B6.2 through them). A wait that would last past the time a pending detach comes due lets the
 * detacher run at that time first (the simulated clock moves there), as it would while the
 * caller sleeps. */
static int s_poll(void *ctx, struct pollfd *fds, unsigned nfds, int timeout_ms)
{
	struct sim *sim = ctx;
	struct sim_crash crash;
	int r;

	pthread_mutex_lock(&sim->lock);
	r = enter(sim, SIM_CALL_POLL, 0);
	crash = crash_take(sim); /* run once the wait is over, when poll would return */
	pthread_mutex_unlock(&sim->lock);
	if (r) {
		if (crash.hook)
			crash.hook(crash.arg);
		return r;
	}
	for (;;) {
		uint64_t due, waited;

		r = poll(fds, (nfds_t)nfds, 0);
		if (r != 0 || timeout_ms == 0)
			break;
		pthread_mutex_lock(&sim->lock);
		due = sim__next_detach_us(sim);
		waited = due > sim->now_us ? due - sim->now_us : 0;
		if (due == UINT64_MAX || (timeout_ms > 0 && waited > (uint64_t)timeout_ms * 1000)) {
			pthread_mutex_unlock(&sim->lock);
			r = poll(fds, (nfds_t)nfds, timeout_ms);
			break;
		}
		sim->now_us += waited;
		sim__run_detacher(sim, false);
		pthread_mutex_unlock(&sim->lock);
		if (timeout_ms > 0) {
			int ms = (int)((waited + 999) / 1000);

			timeout_ms = ms < timeout_ms ? timeout_ms - ms : 0;
		}
	}
	r = r < 0 ? -errno : r;
	if (crash.hook)
		crash.hook(crash.arg);
	return r;
}

/* ---- the world ------------------------------------------------------------------------------ */

struct sim *sim_new(void)
{
	struct sim *sim = calloc(1, sizeof(*sim));

	if (!sim)
		return NULL;
	sim->sys = (struct feth__sys){
	    .ctx = sim,
	    .open = s_open,
	    .close = s_close,
	    .read = s_read,
	    .write = s_write,
	    .flock = s_flock,
	    .mkdir = s_mkdir,
	    .rename = s_rename,
	    .unlink = s_unlink,
	    .rmdir = s_rmdir,
	    .lstat = s_lstat,
	    .fstat = s_fstat,
	    .list_dir = s_list_dir,
	    .pipe = s_pipe,
	    .poll = s_poll,
	    .socket = s_socket,
	    .ioctl = s_ioctl,
	    .setsockopt = s_setsockopt,
	    .bind = s_bind,
	    .sendto = s_sendto,
	    .writev = s_writev,
	    .sysctlbyname = s_sysctlbyname,
	    .proc_id = s_proc_id,
	    /* netns_self, netns_alive: Linux only */
	    .getpid = s_getpid,
	    .time_now = s_time_now,
	    .sleep_us = s_sleep_us,
	    .random = s_random,
	};
	pthread_mutex_init(&sim->lock, NULL);
	sim->root = true;
	sim->macos_major = 15;
	sim->macos_minor = 0;
	sim->pid = 4242;
	sim->rng = 0x9e3779b97f4a7c15u; /* any seed but 0, the same in every world */
	sim->teardown_us = 30000;
	for (int i = 0; i < SIM_FAKE__COUNT; i++)
		sim->fake[i] = fake_sysctls[i].def;
	sim->next_index = 1;
	sim->bpf_nodes = SIM_BPF_BOOT_NODES;
	for (int i = 0; i < SIM_BPF_MAX_DEVICES; i++)
		sim->bpf[i].fd = -1;
	return sim;
}

void sim_free(struct sim *sim)
{
	if (!sim)
		return;
	sim__if_free_all(sim);
	sim__bpf_free_all(sim);
	free(sim->ioctl_log);
	free(sim->wbuf);
	free(sim->wlens);
	free(sim->obuf);
	free(sim->ndrv_ext);
	free(sim->fds); /* host descriptors still open are the test's to report, not to close */
	free(sim->ioctls);
	free(sim->procs);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

const struct feth__sys *sim_sys(struct sim *sim)
{
	return &sim->sys;
}

void sim_set_root(struct sim *sim, bool root)
{
	sim->root = root;
}

void sim_set_macos(struct sim *sim, int major, int minor)
{
	sim->macos_major = major;
	sim->macos_minor = minor;
}

void sim_set_pid(struct sim *sim, pid_t pid)
{
	sim->pid = pid;
}

void sim_set_pid_alive(struct sim *sim, pid_t pid, bool alive)
{
	pthread_mutex_lock(&sim->lock);
	pid = proc_pid(sim, pid);
	if (!alive || proc_find(sim, pid))
		proc_entry(sim, pid)->dead = !alive;
	pthread_mutex_unlock(&sim->lock);
}

void sim_set_pid_start(struct sim *sim, pid_t pid, int64_t start)
{
	struct sim_proc *p;

	pthread_mutex_lock(&sim->lock);
	p = proc_entry(sim, proc_pid(sim, pid));
	p->dead = false;
	p->start = start;
	pthread_mutex_unlock(&sim->lock);
}

/*
 * proc_exit closes the dying process's descriptors (fdt_invalidate, kern_exit.c@11417:2225),
 * the highest first (kern_descrip.c@11417:1045-1057), each as a close() would: what the last
 * reference to a file, socket or device does on close is what happens here (fd_release).
 */
void sim_kill_process(struct sim *sim, pid_t pid)
{
	pthread_mutex_lock(&sim->lock);
	pid = proc_pid(sim, pid);
	for (;;) {
		struct sim_fd *last = NULL;

		for (size_t i = 0; i < sim->n_fds; i++)
			if (sim->fds[i].owner == pid && (!last || sim->fds[i].fd > last->fd))
				last = &sim->fds[i];
		if (!last)
			break;
		fd_release(sim, last);
	}
	proc_entry(sim, pid)->dead = true;
	pthread_mutex_unlock(&sim->lock);
}

void sim_set_teardown_us(struct sim *sim, uint64_t usec)
{
	sim->teardown_us = usec;
}

uint64_t sim_now_us(const struct sim *sim)
{
	return sim->now_us;
}
