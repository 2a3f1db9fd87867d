/* SPDX-License-Identifier: MIT */
/* The real system calls behind the sys seam: thin wrappers that return -errno. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* pipe2, sendmmsg, setns */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/syscall.h>
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* include/uapi/asm-generic/socket.h, Linux 5.14 */
#endif
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

static int real_rmdir(void *ctx, const char *path)
{
	(void)ctx;
	return RET(rmdir(path));
}

static void stat_out(const struct stat *st, struct feth__stat *ret)
{
	ret->mode = (uint32_t)st->st_mode;
	ret->uid = (uint32_t)st->st_uid;
	ret->size = (uint64_t)st->st_size;
	ret->dev = (uint64_t)st->st_dev;
	ret->ino = (uint64_t)st->st_ino;
}

static int real_lstat(void *ctx, const char *path, struct feth__stat *ret)
{
	struct stat st;

	(void)ctx;
	if (lstat(path, &st) < 0)
		return -errno;
	stat_out(&st, ret);
	return 0;
}

static int real_fstat(void *ctx, int fd, struct feth__stat *ret)
{
	struct stat st;

	(void)ctx;
	if (fstat(fd, &st) < 0)
		return -errno;
	stat_out(&st, ret);
	return 0;
}

static int real_list_dir(void *ctx, const char *path, char *buf, size_t len)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t used = 0;
	int n = 0;

	(void)ctx;
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name) + 1;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (len - used < l) {
			closedir(d);
			return -ENOSPC;
		}
		memcpy(buf + used, de->d_name, l);
		used += l;
		n++;
	}
	closedir(d);
	return n;
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

#ifdef __linux__
/* A small file of /proc, read whole; -errno as open/read give it. */
static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	buf[n] = '\0';
	return (int)n;
}

/* The pid and start time (field 22, clock ticks since boot) in /proc/<pid>/stat. The command
 * name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'. */
static int proc_stat(const char *pid, long long *ret_pid, long long *ret_start)
{
	char path[64], buf[1024];
	const char *p;
	unsigned long long start;
	int r;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	r = read_small(path, buf, sizeof(buf));
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	*ret_pid = strtoll(buf, NULL, 10);
	p = strrchr(buf, ')');
	/* After ") ": state (3) then 18 fields up to starttime (22). */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
	                        "%*d %*d %llu", &start) != 1)
		return -EIO;
	*ret_start = (long long)start;
	return 0;
}

static int real_proc_id(void *ctx, pid_t pid, struct feth__proc_id *ret)
{
	char name[24];
	struct stat st;
	long long seen, start;
	int r;

	(void)ctx;
	/* Numbers in /proc are those of the PID namespace it was mounted for, which need not be
	 * ours (unshare -p without a new /proc): then no pid can be checked here. */
	r = proc_stat("self", &seen, &start);
	if (r < 0)
		return r == -ESRCH ? -EXDEV : r;
	if (seen != (long long)getpid())
		return -EXDEV;
	if (stat("/proc/self/ns/pid", &st) < 0)
		return -errno;
	ret->pidns = (uint64_t)st.st_ino;
	if (pid != 0) {
		snprintf(name, sizeof(name), "%ld", (long)pid);
		r = proc_stat(name, &seen, &start);
		if (r < 0)
			return r;
	}
	ret->start = (int64_t)start;
	return 0;
}

static int netns_cookie(uint64_t *ret)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*ret);
	int r;

	if (fd < 0)
		return -errno;
	r = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, ret, &len);
	r = r < 0 ? -errno : len == sizeof(*ret) ? 0 : -EIO;
	close(fd);
	return r;
}

static int real_netns_self(void *ctx, struct feth__netns_id *ret)
{
	struct stat st;
	int r;

	(void)ctx;
	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	ret->ino = (uint64_t)st.st_ino;
	/* Before Linux 5.14 there is no cookie (ENOPROTOOPT): the inode alone, reused. */
	r = netns_cookie(&ret->cookie);
	if (r == -ENOPROTOOPT)
		ret->cookie = 0;
	else if (r < 0)
		return r;
	return 0;
}

/* What a thread learns from inside another network namespace (setns() moves only the calling
 * thread, so the process stays where it is). */
struct ns_probe {
	int fd;
	int err;
	uint64_t cookie;
};

static void *ns_probe_run(void *arg)
{
	struct ns_probe *p = arg;

	if (setns(p->fd, CLONE_NEWNET) < 0)
		p->err = -errno;
	else
		p->err = netns_cookie(&p->cookie);
	return NULL;
}

/* The cookie of the namespace the nsfs file `path` stands for: 1 and *ret, 0 when it is gone,
 * -errno when it cannot be learnt. */
static int netns_cookie_of(const char *path, uint64_t *ret)
{
	struct ns_probe p = {.fd = open(path, O_RDONLY | O_CLOEXEC), .err = 0, .cookie = 0};
	pthread_t t;
	int r;

	if (p.fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -errno;
	r = pthread_create(&t, NULL, ns_probe_run, &p);
	if (r == 0)
		pthread_join(t, NULL);
	close(p.fd);
	if (r != 0)
		return -r;
	if (p.err < 0)
		return p.err;
	*ret = p.cookie;
	return 1;
}

/* 1 when the nsfs file at path is the namespace `id`, 0 when not, -errno when unknown. */
static int netns_is(const char *path, const struct feth__netns_id *id)
{
	struct stat st;
	uint64_t cookie = 0;
	int r;

	if (stat(path, &st) < 0 || (uint64_t)st.st_ino != id->ino)
		return 0;
	if (!id->cookie)
		return 1; /* no cookies on this kernel: the inode is all there is */
	r = netns_cookie_of(path, &cookie);
	return r <= 0 ? r : cookie == id->cookie;
}

/* Every place a network namespace can be held from that this process can see: processes and
 * their threads (/proc/<pid>/task/<tid>/ns/net) and bind mounts (nsfs entries of mountinfo).
 * Open descriptors are not searched: a namespace held only through one is taken as gone. */
static int real_netns_alive(void *ctx, const struct feth__netns_id *id)
{
	char path[600], line[1024], want[40];
	DIR *procs = opendir("/proc");
	struct dirent *pe;
	FILE *mi;
	int unknown = 0, r;

	(void)ctx;
	if (!procs)
		return -errno;
	while ((pe = readdir(procs)) != NULL) {
		DIR *tasks;
		struct dirent *te;

		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", pe->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue; /* gone meanwhile */
		while ((te = readdir(tasks)) != NULL) {
			if (te->d_name[0] < '1' || te->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/ns/net", pe->d_name,
			         te->d_name);
			r = netns_is(path, id);
			if (r == 1) {
				closedir(tasks);
				closedir(procs);
				return 1;
			}
			unknown |= r < 0;
		}
		closedir(tasks);
	}
	closedir(procs);
	/* A bind mount of a namespace (ip netns add) shows in mountinfo as an nsfs mount whose
	 * root is "net:[<inode>]" (field 4), mounted at field 5. */
	mi = fopen("/proc/self/mountinfo", "re");
	if (!mi)
		return -errno;
	snprintf(want, sizeof(want), "net:[%" PRIu64 "]", id->ino);
	while (fgets(line, sizeof(line), mi)) {
		char root[64], mnt[256];

		if (sscanf(line, "%*s %*s %*s %63s %255s", root, mnt) != 2 || strcmp(root, want) != 0)
			continue;
		r = netns_is(mnt, id);
		if (r == 1) {
			fclose(mi);
			return 1;
		}
		unknown |= r < 0;
	}
	fclose(mi);
	return unknown ? -EAGAIN : 0;
}
#endif /* __linux__ */

#ifdef __APPLE__
static int real_proc_id(void *ctx, pid_t pid, struct feth__proc_id *ret)
{
	int mib[4] = {CTL_KERN, KERN_PROC, KERN_PROC_PID, pid ? pid : getpid()};
	struct kinfo_proc kp;
	size_t len = sizeof(kp);

	(void)ctx;
	memset(&kp, 0, sizeof(kp));
	if (sysctl(mib, 4, &kp, &len, NULL, 0) < 0)
		return -errno;
	/* No such process: success with nothing returned. */
	if (len == 0 || kp.kp_proc.p_pid != mib[3])
		return -ESRCH;
	ret->start = (int64_t)kp.kp_proc.p_starttime.tv_sec * 1000000 +
	             (int64_t)kp.kp_proc.p_starttime.tv_usec;
	ret->pidns = 0;
	return 0;
}
#endif

#if !defined(__linux__) && !defined(__APPLE__)
static int real_proc_id(void *ctx, pid_t pid, struct feth__proc_id *ret)
{
	(void)ctx;
	(void)pid;
	(void)ret;
	return -ENOSYS; /* no backend here: nothing is ever recorded */
}
#endif

static uint32_t real_geteuid(void *ctx)
{
	(void)ctx;
	return (uint32_t)geteuid();
}

#ifdef __linux__
static int real_user_runtime_dir(void *ctx, char *buf, size_t len)
{
	/* NULL in a program run with raised privileges (setuid, file capabilities): its
	 * environment is the invoker's, not to be trusted with where records go. */
	const char *x = secure_getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int n;

	(void)ctx;
	if (x && x[0] == '/')
		n = snprintf(buf, len, "%s", x);
	else
		n = snprintf(buf, len, "/run/user/%u", (unsigned)geteuid());
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (stat(buf, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int real_net_admin(void *ctx)
{
	/* capget(2) version 3: two 32-bit words per set; CAP_NET_ADMIN is 12, in the first. */
	struct {
		uint32_t version;
		int pid;
	} hdr = {0x20080522, 0};
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];

	(void)ctx;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	return (data[0].effective >> 12) & 1;
}
#endif

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

static void real_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
#ifdef __APPLE__
	arc4random_buf(buf, len);
#else
	uint8_t *p = buf;

	while (len > 0) {
#ifdef __linux__
		ssize_t n = getrandom(p, len, 0);
#else
		ssize_t n = -1;
#endif

		if (n <= 0) {
			/* No getrandom (before Linux 3.17) and no /dev/urandom handled here: a clock
			 * and pid mix, unique enough for an interface mark. */
			struct timespec ts;
			uint64_t x;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			x = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
			    ((uint64_t)getpid() << 40);
			x ^= x >> 31;
			x *= 0x9e3779b97f4a7c15u;
			n = len < sizeof(x) ? (ssize_t)len : (ssize_t)sizeof(x);
			memcpy(p, &x, (size_t)n);
		}
		p += n;
		len -= (size_t)n;
	}
#endif
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
    .rmdir = real_rmdir,
    .lstat = real_lstat,
    .fstat = real_fstat,
    .list_dir = real_list_dir,
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
    .proc_id = real_proc_id,
#ifdef __linux__
    .netns_self = real_netns_self,
    .netns_alive = real_netns_alive,
#endif
    .geteuid = real_geteuid,
#ifdef __linux__
    .user_runtime_dir = real_user_runtime_dir,
    .net_admin = real_net_admin,
#endif
    .getpid = real_getpid,
    .time_now = real_time_now,
    .sleep_us = real_sleep_us,
    .random = real_random,
};
