/* SPDX-License-Identifier: MIT */
/*
 * The ownership registry: which interfaces libfeth created, with what mark, for which process
 * (docs/ownership.md).
 *
 * One text file, <dir>/owned, a line per interface:
 *
 *   v2 <name> <state> <index> <tag> <pid> <start> <pidns> <time>
 *
 * state 'c' (being created) or 'o' (complete); index and tag the interface's mark (tag in 16 hex
 * digits); pid, start and pidns its creator (struct feth__owner); time when the record was made.
 *
 * <dir> is made 0700 and the files 0600 by root, on a file system the system empties at boot
 * (/var/run on macOS, /run on Linux), as boot also removes every interface. On Linux it is one
 * directory per network namespace, net-<cookie>-<inode> (net-i<inode> on kernels without
 * namespace cookies). Writers hold an exclusive flock() on <dir>/lock, waiting at most 3 s, and
 * replace the file whole (write a temporary, rename it); readers need no lock.
 *
 * Damage costs only itself: a file that is not a regular file owned by the directory's owner is
 * refused without being opened for reading (O_NONBLOCK: a FIFO never blocks); at most
 * REG_MAX_SIZE bytes are read; a line that cannot be read is counted and skipped, and the next
 * write copies the file aside as owned.damaged.<time>.<pid>.<n> before writing the readable records.
 * All I/O goes through the sys seam, so tests can fail any of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define REG_FILE         "owned"
#define REG_TMP          "owned.tmp"
#define REG_LOCK         "lock"
#define REG_DAMAGED      "owned.damaged"
#define REG_MAX_SIZE     (4u << 20) /* 32768 interfaces x 128 bytes */
#define REG_LINE_MAX     200        /* a record is at most about 110 bytes */
#define REG_LOCK_WAIT_US 3000000u   /* how long a writer waits for the lock */
#define REG_LOCK_POLL_US 2000u
#define REG_LOCK_REOPENS 8 /* a lock file found removed once we held it: opened again */
#define REG_NETNS_PREFIX "net-"
#define REG_LIST_MAX     (256u << 10) /* names in a directory: thousands of namespaces */

/* ---- where ----------------------------------------------------------------------------- */

/* The directory name of a network namespace (without the registry_dir). */
static int netns_dir_name(const struct feth__netns_id *id, char *buf, size_t len)
{
	int n = id->cookie ? snprintf(buf, len, REG_NETNS_PREFIX "%" PRIx64 "-%" PRIu64, id->cookie,
	                              id->ino)
	                   : snprintf(buf, len, REG_NETNS_PREFIX "i%" PRIu64, id->ino);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int dir_check(const struct feth__env *env, const char *dir, struct feth__stat *ret);

/* The caller's effective uid (0 where the seam does not say). */
static uint32_t euid(const struct feth__env *env)
{
	return env->sys->geteuid ? env->sys->geteuid(env->sys->ctx) : 0;
}

/*
 * Where the registry's directories are: registry_dir for root. On Linux a process that is not
 * root but holds CAP_NET_ADMIN (a VPN daemon run as its own user) keeps its records in its own
 * runtime directory, <XDG_RUNTIME_DIR or /run/user/<uid>>/libfeth: root's registry is never
 * written by anyone but root, and nobody's records are trusted by a process of another uid
 * (dir_check()). -EACCES when no such directory exists.
 */
static int reg_base(const struct feth__env *env, char *buf, size_t len)
{
	const struct feth__sys *s = env->sys;
	char run[300];
	int n, r;

	if (!env->registry_per_netns || euid(env) == 0 || !s->user_runtime_dir) {
		n = snprintf(buf, len, "%s", env->registry_dir);
		return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
	}
	/* Without the capability nothing here could change an interface: the privilege, not a
	 * directory, is what is missing. */
	if (s->net_admin && s->net_admin(s->ctx) == 0)
		return -EPERM;
	r = s->user_runtime_dir(s->ctx, run, sizeof(run));
	if (r < 0)
		return r == -ENAMETOOLONG ? r : -EACCES;
	n = snprintf(buf, len, "%s/libfeth", run);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The registry's directory: the base, or its subdirectory for this network namespace. */
static int reg_dir(const struct feth__env *env, char *buf, size_t len)
{
	const struct feth__sys *s = env->sys;
	struct feth__stat st;
	char base[400];
	int n, b = reg_base(env, base, sizeof(base));

	/* The base is trusted as the directories in it are (an existing one). */
	if (b == 0)
		b = dir_check(env, base, &st);
	if (b < 0 && b != -ENOENT)
		return b;

	if (env->registry_per_netns && s->netns_self) {
		struct feth__netns_id id;
		char sub[64];
		int r = s->netns_self(s->ctx, &id);

		/* Without /proc no namespace can be told from another: refuse rather than mix
		 * the records of all of them. */
		if (r < 0)
			return r;
		r = netns_dir_name(&id, sub, sizeof(sub));
		if (r < 0)
			return r;
		n = snprintf(buf, len, "%s/%s", base, sub);
	} else {
		n = snprintf(buf, len, "%s", base);
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int join(char *buf, size_t len, const char *dir, const char *file)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void reg_close(const struct feth__env *env, int fd)
{
	/* A close error cannot be acted on here: the fd is gone either way. */
	(void)env->sys->close(env->sys->ctx, fd);
}

/* A directory we may trust: a directory (not a link to one), the caller's own (root's for
 * root), writable by its owner only. */
static int dir_check(const struct feth__env *env, const char *dir, struct feth__stat *ret)
{
	const struct feth__sys *s = env->sys;
	int r = s->lstat(s->ctx, dir, ret);

	if (r < 0)
		return r;
	if ((ret->mode & S_IFMT) != S_IFDIR)
		return -ENOTDIR;
	return (ret->mode & 022) || ret->uid != euid(env) ? -EPERM : 0;
}

/*
 * Opens dir/file, never blocking and never through a symlink, and checks what it is: a regular
 * file owned by the directory's owner (root), not writable by others. Anything else is -EINVAL
 * (-ELOOP for a symlink) and is never read; a directory that is not one we may trust, -EPERM or
 * -ENOTDIR.
 */
static int reg_open(const struct feth__env *env, const char *dir, const char *file, int flags)
{
	const struct feth__sys *s = env->sys;
	struct feth__stat ds, fs;
	char path[512];
	int fd, r;

	r = join(path, sizeof(path), dir, file);
	if (r == 0)
		r = dir_check(env, dir, &ds);
	if (r < 0)
		return r;
	FETH_SYS_RETRY(fd, s->open(s->ctx, path, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	                           0600));
	if (fd < 0)
		return fd;
	r = s->fstat(s->ctx, fd, &fs);
	if (r == 0 && ((fs.mode & S_IFMT) != S_IFREG || fs.uid != ds.uid || (fs.mode & 022)))
		r = -EINVAL; /* not a file of ours (callers tell it from -EPERM, the directory's) */
	if (r < 0) {
		reg_close(env, fd);
		return r;
	}
	return fd;
}

static int mkdir_checked(const struct feth__env *env, const char *dir)
{
	const struct feth__sys *s = env->sys;
	int r;

	FETH_SYS_RETRY(r, s->mkdir(s->ctx, dir, 0700));
	return r < 0 && r != -EEXIST ? r : 0;
}

/*
 * Takes an exclusive flock on dir/file, a file that is never replaced (the registry itself is,
 * by rename, so a lock on it would be lost with the old inode). The lock file is made when
 * missing; the directories only with `mkdir_too` (otherwise a missing one is -ENOENT). A lock
 * file that was removed (a sweep of an empty directory) while we waited for it is opened again.
 * Returns the fd that holds the lock; closing it releases it.
 */
static int lock_in(const struct feth__env *env, const char *dir, const char *file, int mkdir_too)
{
	const struct feth__sys *s = env->sys;
	uint32_t waited = 0;
	char path[512];
	int r = join(path, sizeof(path), dir, file);

	if (r < 0)
		return r;
	/* Bounded too: a lock file removed under us again and again is someone's loop, not a
	 * sweep (which removes a directory once). */
	for (int reopen = 0;; reopen++) {
		struct feth__stat held, now;
		int fd;

		if (reopen == REG_LOCK_REOPENS)
			return -ETIMEDOUT;

		if (mkdir_too) {
			char base[400];

			r = reg_base(env, base, sizeof(base));
			if (r == 0)
				r = mkdir_checked(env, base);
			if (r == 0 && strcmp(dir, base) != 0)
				r = mkdir_checked(env, dir);
			if (r < 0)
				return r;
		}
		fd = reg_open(env, dir, file, O_RDWR | O_CREAT);
		/* A lock file that is not a regular file of ours cannot be trusted, nor replaced
		 * (two writers could each make their own): root must remove it. */
		if (fd == -EINVAL || fd == -ELOOP)
			return -EPERM;
		if (fd < 0)
			return fd;
		/* Bounded: a writer holds the lock for one small read-modify-write (or one
		 * interface creation), so a lock held for seconds belongs to a stopped or stuck
		 * process, and waiting for it for ever would make feth_tap_close() unbounded. */
		for (;; waited += REG_LOCK_POLL_US) {
			FETH_SYS_RETRY(r, s->flock(s->ctx, fd, LOCK_EX | LOCK_NB));
			if (r != -EWOULDBLOCK && r != -EAGAIN)
				break;
			if (waited >= REG_LOCK_WAIT_US) {
				r = -ETIMEDOUT;
				break;
			}
			s->sleep_us(s->ctx, REG_LOCK_POLL_US);
		}
		if (r == 0)
			r = s->fstat(s->ctx, fd, &held);
		if (r == 0) {
			int l = s->lstat(s->ctx, path, &now);

			if (l == 0 && now.dev == held.dev && now.ino == held.ino)
				return fd;
			/* Removed or replaced while we waited: ours is a lock nobody else sees. */
			r = l < 0 && l != -ENOENT ? l : -EAGAIN;
		}
		reg_close(env, fd);
		if (r != -EAGAIN)
			return r;
		if (!mkdir_too)
			return -ENOENT;
	}
}

int feth__registry_lock(const struct feth__env *env, const char *name)
{
	char dir[400];
	int r = reg_dir(env, dir, sizeof(dir));

	return r < 0 ? r : lock_in(env, dir, name, 1);
}

static int write_all(const struct feth__env *env, int fd, const char *buf, size_t len)
{
	const struct feth__sys *s = env->sys;

	for (size_t done = 0; done < len;) {
		ssize_t w;

		FETH_SYS_RETRY(w, s->write(s->ctx, fd, buf + done, len - done));
		if (w < 0)
			return (int)w;
		if (w == 0)
			return -EIO;
		done += (size_t)w;
	}
	return 0;
}

int feth__registry_note(const struct feth__env *env, const char *name, const char *text)
{
	const struct feth__sys *s = env->sys;
	char dir[400], path[512];
	int r = reg_dir(env, dir, sizeof(dir)), fd, c;

	if (r == 0)
		r = join(path, sizeof(path), dir, name);
	if (r < 0)
		return r;
	if (!text) {
		FETH_SYS_RETRY(r, s->unlink(s->ctx, path));
		return r == -ENOENT ? 0 : r;
	}
	FETH_SYS_RETRY(r, s->unlink(s->ctx, path));
	if (r < 0 && r != -ENOENT)
		return r;
	fd = reg_open(env, dir, name, O_WRONLY | O_CREAT | O_EXCL);
	if (fd < 0)
		return fd;
	r = write_all(env, fd, text, strlen(text));
	c = s->close(s->ctx, fd);
	return r < 0 ? r : c;
}

int feth__registry_note_get(const struct feth__env *env, const char *name, char *buf,
                            size_t len)
{
	const struct feth__sys *s = env->sys;
	char dir[400];
	ssize_t got;
	int r = reg_dir(env, dir, sizeof(dir)), fd;

	if (r < 0)
		return r;
	fd = reg_open(env, dir, name, O_RDONLY);
	if (fd == -EINVAL || fd == -ELOOP)
		return -EBADMSG; /* no note of ours: to be removed */
	if (fd < 0)
		return fd;
	FETH_SYS_RETRY(got, s->read(s->ctx, fd, buf, len - 1));
	reg_close(env, fd);
	if (got < 0)
		return (int)got;
	buf[got] = '\0';
	return 0;
}

/* ---- records --------------------------------------------------------------------------- */

static int valid_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= FETH_IFNAMSIZ)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~' || name[i] == '/')
			return 0;
	return 1;
}

/* Parses one line (len bytes, no newline); 1 if it is a valid record. */
static int parse_line(const char *line, size_t len, struct feth__reg_entry *e)
{
	char buf[REG_LINE_MAX + 1], name[FETH_IFNAMSIZ + 1], state, extra;
	unsigned long long index, tag, pidns;
	long long pid, start, when;

	if (len == 0 || len > REG_LINE_MAX || memchr(line, '\0', len))
		return 0;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (sscanf(buf, "v2 %16s %c %llu %16llx %lld %lld %llu %lld %c", name, &state, &index, &tag,
	           &pid, &start, &pidns, &when, &extra) != 8)
		return 0;
	if (!valid_name(name) || (state != FETH__REC_CREATING && state != FETH__REC_OWNED))
		return 0;
	if (index > UINT32_MAX || pid <= 0 || pid > INT32_MAX || start < -1)
		return 0;
	memset(e, 0, sizeof(*e));
	feth__name_copy(e->name, name);
	e->state = state;
	e->mark.index = (uint32_t)index;
	e->mark.tag = (uint64_t)tag;
	e->owner.pid = (int32_t)pid;
	e->owner.start = (int64_t)start;
	e->owner.pidns = (uint64_t)pidns;
	e->time = (int64_t)when;
	return 1;
}

int feth__reg_append(struct feth__reg *reg, const struct feth__reg_entry *rec)
{
	if (reg->n == reg->cap) {
		int cap = reg->cap ? reg->cap * 2 : 8;
		struct feth__reg_entry *e = realloc(reg->e, (size_t)cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		reg->e = e;
		reg->cap = cap;
	}
	reg->e[reg->n++] = *rec;
	reg->changed = 1;
	return 0;
}

void feth__reg_drop(struct feth__reg *reg, int i)
{
	reg->e[i] = reg->e[--reg->n];
	reg->changed = 1;
}

int feth__reg_find(const struct feth__reg *reg, const char *name)
{
	for (int i = 0; i < reg->n; i++)
		if (strcmp(reg->e[i].name, name) == 0)
			return i;
	return -1;
}

/* Reads at most REG_MAX_SIZE bytes of fd and parses them line by line into reg. */
static int reg_parse_fd(const struct feth__env *env, int fd, struct feth__reg *reg)
{
	const struct feth__sys *s = env->sys;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t got;

		if (len == cap) {
			char *nb;

			if (cap >= REG_MAX_SIZE) {
				char probe;

				/* Anything past the cap is damage: counted, never read. */
				FETH_SYS_RETRY(got, s->read(s->ctx, fd, &probe, 1));
				reg->bad += got > 0;
				break;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		FETH_SYS_RETRY(got, s->read(s->ctx, fd, buf + len, cap - len));
		if (got < 0) {
			r = (int)got;
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (buf + at)) : len - at;
		struct feth__reg_entry e;

		/* A torn last line (a crash mid-write of a file not written by rename) or any
		 * line that does not parse costs only itself. */
		if (nl && parse_line(buf + at, l, &e)) {
			r = feth__reg_append(reg, &e);
			if (r < 0)
				goto out;
		} else {
			reg->bad++;
		}
		at += l + 1;
	}
	reg->changed = 0;
	if (reg->bad) {
		/* Kept for the next write to copy aside before replacing the file. */
		reg->damaged = buf;
		reg->damaged_len = len;
		buf = NULL;
	}
out:
	free(buf);
	return r;
}

static int reg_load_in(const struct feth__env *env, const char *dir, struct feth__reg *reg)
{
	int fd = reg_open(env, dir, REG_FILE, O_RDONLY);
	int r;

	if (fd == -ENOENT)
		return 0;
	if (fd == -EINVAL || fd == -ELOOP) {
		/* A FIFO, a symlink, someone else's file: damage, holding no record we can read;
		 * the next write sets it aside. */
		reg->bad++;
		return 0;
	}
	if (fd < 0)
		return fd;
	r = reg_parse_fd(env, fd, reg);
	reg_close(env, fd);
	return r;
}

static void reg_init(struct feth__reg *reg)
{
	memset(reg, 0, sizeof(*reg));
	reg->lock = -1;
}

int feth__reg_read(const struct feth__env *env, struct feth__reg *reg)
{
	int r;

	reg_init(reg);
	r = reg_dir(env, reg->dir, sizeof(reg->dir));
	if (r == 0)
		r = reg_load_in(env, reg->dir, reg);
	if (r == -ENOENT || r == -ENOTDIR)
		r = 0; /* no registry (yet) */
	return r;
}

static int begin_in(const struct feth__env *env, const char *dir, int create, struct feth__reg *reg)
{
	int r;

	reg_init(reg);
	if (strlen(dir) >= sizeof(reg->dir))
		return -ENAMETOOLONG;
	strcpy(reg->dir, dir);
	reg->lock = lock_in(env, dir, REG_LOCK, create);
	if (reg->lock < 0) {
		r = reg->lock;
		reg->lock = -1;
		return r;
	}
	r = reg_load_in(env, dir, reg);
	if (r < 0)
		feth__reg_end(env, reg);
	return r;
}

int feth__reg_begin(const struct feth__env *env, int create, struct feth__reg *reg)
{
	char dir[400];
	int r = reg_dir(env, dir, sizeof(dir));

	if (r < 0) {
		reg_init(reg);
		return r;
	}
	return begin_in(env, dir, create, reg);
}

void feth__reg_end(const struct feth__env *env, struct feth__reg *reg)
{
	if (reg->lock >= 0)
		reg_close(env, reg->lock);
	free(reg->e);
	free(reg->damaged);
	reg_init(reg);
}

/*
 * Keeps what a damaged registry held, under a name no other damage uses: a copy of its bytes
 * (the file itself is then replaced whole, as always, so no instant is without a registry), or,
 * for what is no regular file of ours, the thing itself moved aside.
 */
static int set_aside(const struct feth__env *env, const char *dir, const char *path,
                     const struct feth__reg *reg)
{
	const struct feth__sys *s = env->sys;
	char aside[512], name[80];
	int r = -EEXIST;

	/* Never over an earlier one: the same process may set two aside within a second. */
	for (int n = 0; r == -EEXIST && n < 100; n++) {
		struct feth__stat st;
		int fd, c;

		snprintf(name, sizeof(name), REG_DAMAGED ".%" PRId64 ".%ld.%d", s->time_now(s->ctx),
		         (long)s->getpid(s->ctx), n);
		r = join(aside, sizeof(aside), dir, name);
		if (r < 0)
			return r;
		if (!reg->damaged) {
			/* Under the lock, no libfeth writer makes this name meanwhile. */
			r = s->lstat(s->ctx, aside, &st);
			if (r == 0) {
				r = -EEXIST;
				continue;
			}
			if (r != -ENOENT)
				return r;
			FETH_SYS_RETRY(r, s->rename(s->ctx, path, aside));
			return r == -ENOENT ? 0 : r;
		}
		fd = r = reg_open(env, dir, name, O_WRONLY | O_CREAT | O_EXCL);
		if (fd < 0)
			continue;
		r = write_all(env, fd, reg->damaged, reg->damaged_len);
		c = s->close(s->ctx, fd);
		r = r < 0 ? r : c;
	}
	return r;
}

/*
 * Replaces the registry with reg's records: written whole to <dir>/owned.tmp, then renamed
 * over <dir>/owned. A failure at any step leaves the old file as it was, so a record is never
 * lost with another's update. Call with the writers' lock held.
 */
static int commit_in(const struct feth__env *env, const char *dir, struct feth__reg *reg)
{
	const struct feth__sys *s = env->sys;
	char *buf;
	char tmp[512], path[512];
	size_t len = 0;
	int fd, r;

	if (!reg->changed && !reg->bad)
		return 0;
	buf = malloc((size_t)reg->n * (REG_LINE_MAX + 1) + 1);
	if (!buf)
		return -ENOMEM;
	for (int i = 0; i < reg->n; i++) {
		const struct feth__reg_entry *e = &reg->e[i];

		len += (size_t)snprintf(buf + len, REG_LINE_MAX + 1,
		                        "v2 %s %c %" PRIu32 " %016" PRIx64 " %" PRId32 " %" PRId64
		                        " %" PRIu64 " %" PRId64 "\n",
		                        e->name, e->state, e->mark.index, e->mark.tag, e->owner.pid,
		                        e->owner.start, e->owner.pidns, e->time);
	}
	r = join(tmp, sizeof(tmp), dir, REG_TMP);
	if (r == 0)
		r = join(path, sizeof(path), dir, REG_FILE);
	if (r == 0 && reg->bad)
		r = set_aside(env, dir, path, reg);
	if (r < 0)
		goto out;
	reg->bad = 0;
	free(reg->damaged);
	reg->damaged = NULL;
	/* A leftover temporary (a writer killed mid-write, or anything put there) goes first:
	 * with the lock held, the temporary is ours alone, made new. */
	FETH_SYS_RETRY(r, s->unlink(s->ctx, tmp));
	if (r < 0 && r != -ENOENT)
		goto out;
	fd = r = reg_open(env, dir, REG_TMP, O_WRONLY | O_CREAT | O_EXCL);
	if (r < 0)
		goto out;
	r = write_all(env, fd, buf, len);
	/* close() is where some file systems report a failed write: it counts. */
	{
		int c = s->close(s->ctx, fd);

		r = r < 0 ? r : c < 0 ? c : 0;
	}
	if (r == 0)
		FETH_SYS_RETRY(r, s->rename(s->ctx, tmp, path));
	if (r < 0) {
		int u;

		FETH_SYS_RETRY(
		    u, s->unlink(s->ctx, tmp)); /* best effort: the next writer truncates it */
		(void)u;
	} else {
		reg->changed = 0;
	}
out:
	free(buf);
	return r;
}

int feth__reg_commit(const struct feth__env *env, struct feth__reg *reg)
{
	return commit_in(env, reg->dir, reg);
}

/* ---- owners ---------------------------------------------------------------------------- */

/* This process's identity, learnt once: it cannot change while the process runs, and a close
 * must not fail to recognise its own records because /proc is briefly unreadable. Keyed by the
 * seam and pid (a fork, or a test's simulated process, is another). */
static pthread_mutex_t self_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	const struct feth__sys *sys;
	struct feth__owner owner;
} self_cache;

int feth__owner_self(const struct feth__env *env, struct feth__owner *ret)
{
	const struct feth__sys *s = env->sys;
	struct feth__proc_id id;
	int32_t pid = (int32_t)s->getpid(s->ctx);
	int r, cached;

	pthread_mutex_lock(&self_lock);
	cached = self_cache.sys == s && self_cache.owner.pid == pid;
	if (cached)
		*ret = self_cache.owner;
	pthread_mutex_unlock(&self_lock);
	if (cached)
		return 0;
	/* Learnt without the lock held: no system call ever waits on it. */
	r = s->proc_id(s->ctx, 0, &id);
	if (r < 0)
		return r;
	ret->pid = pid;
	ret->start = id.start;
	ret->pidns = id.pidns;
	pthread_mutex_lock(&self_lock);
	self_cache.sys = s;
	self_cache.owner = *ret;
	pthread_mutex_unlock(&self_lock);
	return 0;
}

int feth__owner_equal(const struct feth__owner *a, const struct feth__owner *b)
{
	return a->pid == b->pid && a->start == b->start && a->pidns == b->pidns;
}

int feth__owner_state(const struct feth__env *env, const struct feth__owner *o)
{
	const struct feth__sys *s = env->sys;
	struct feth__proc_id self, id;
	int r;

	if (o->start < 0)
		return FETH__OWNER_UNKNOWN;
	/* A pid means something only in its PID namespace: one we cannot look into (or a /proc
	 * of another: -EXDEV) hides the owner, which is then taken as alive. */
	r = s->proc_id(s->ctx, 0, &self);
	if (r == -EXDEV || (r == 0 && self.pidns != o->pidns))
		return FETH__OWNER_UNKNOWN;
	if (r == 0)
		r = s->proc_id(s->ctx, (pid_t)o->pid, &id);
	if (r == -ESRCH)
		return FETH__OWNER_GONE;
	if (r == -EXDEV)
		return FETH__OWNER_UNKNOWN;
	if (r < 0)
		return r;
	/* Another start time: the pid was reused by a new process. */
	return id.start == o->start ? FETH__OWNER_ALIVE : FETH__OWNER_GONE;
}

/* ---- directories of namespaces that are gone -------------------------------------------- */

/* Removes every file of dir, then dir; the caller holds dir's lock (whose file goes too). */
static int remove_dir(const struct feth__env *env, const char *dir)
{
	const struct feth__sys *s = env->sys;
	char *names = malloc(REG_LIST_MAX), path[512];
	int n = names ? s->list_dir(s->ctx, dir, names, REG_LIST_MAX) : -ENOMEM;
	const char *p = names;
	int r = 0;

	if (n < 0) {
		free(names);
		return n;
	}
	for (int i = 0; i < n; p += strlen(p) + 1, i++) {
		int u = join(path, sizeof(path), dir, p);

		if (u == 0)
			FETH_SYS_RETRY(u, s->unlink(s->ctx, path));
		if (u < 0 && u != -ENOENT)
			r = r ? r : u;
	}
	free(names);
	if (r == 0)
		FETH_SYS_RETRY(r, s->rmdir(s->ctx, dir));
	return r;
}

/* Parses "net-<cookie hex>-<inode>", "net-i<inode>", or the "net-<inode>" of libfeth before
 * records identified their interfaces (whose lines no longer parse); 0 when it is none. */
static int parse_netns_dir(const char *name, struct feth__netns_id *ret)
{
	char again[64];

	if (strncmp(name, REG_NETNS_PREFIX, strlen(REG_NETNS_PREFIX)) != 0)
		return 0;
	name += strlen(REG_NETNS_PREFIX);
	if (name[0] && strspn(name, "0123456789") == strlen(name)) {
		ret->cookie = 0;
		return sscanf(name, "%" SCNu64, &ret->ino) == 1 && name[0] != '0';
	}
	if (name[0] == 'i') {
		ret->cookie = 0;
		if (sscanf(name + 1, "%" SCNu64, &ret->ino) != 1)
			return 0;
	} else if (sscanf(name, "%" SCNx64 "-%" SCNu64, &ret->cookie, &ret->ino) != 2 ||
	           !ret->cookie) {
		return 0;
	}
	/* Only the canonical spelling, so that no two names stand for one namespace. */
	return netns_dir_name(ret, again, sizeof(again)) == 0 &&
	       strcmp(again + strlen(REG_NETNS_PREFIX), name) == 0;
}

/* Whether a directory's records allow removing it: none, or only owners that are gone. */
static int only_gone_owners(const struct feth__env *env, const struct feth__reg *reg)
{
	for (int i = 0; i < reg->n; i++)
		if (feth__owner_state(env, &reg->e[i].owner) != FETH__OWNER_GONE)
			return 0; /* alive, unknown, or cannot tell */
	return 1;
}

int feth__reg_sweep_dirs(const struct feth__env *env)
{
	const struct feth__sys *s = env->sys;
	struct feth__netns_id id;
	char *names, dir[400], own[400];
	const char *p;
	char base[400];
	int n, removed = 0;

	if (!env->registry_per_netns || !s->netns_self || !s->netns_alive)
		return 0;
	if (reg_dir(env, own, sizeof(own)) < 0 || reg_base(env, base, sizeof(base)) < 0)
		return 0;
	p = names = malloc(REG_LIST_MAX);
	if (!names)
		return -ENOMEM;
	n = s->list_dir(s->ctx, base, names, REG_LIST_MAX);
	if (n < 0) {
		free(names);
		return n == -ENOENT ? 0 : n;
	}
	for (int i = 0; i < n; p += strlen(p) + 1, i++) {
		struct feth__reg reg;

		if (!parse_netns_dir(p, &id) || join(dir, sizeof(dir), base, p) < 0)
			continue;
		/* Ours lives (we are in it); another's, only once it is gone. */
		if (strcmp(dir, own) == 0 || s->netns_alive(s->ctx, &id) != 0)
			continue;
		if (begin_in(env, dir, 0, &reg) < 0)
			continue;
		/* A namespace that is gone took its interfaces along; its records' owners may
		 * still run (in another namespace) and close their taps: then it stays. */
		if (only_gone_owners(env, &reg) && remove_dir(env, dir) == 0)
			removed++;
		feth__reg_end(env, &reg);
	}
	free(names);
	return removed;
}
