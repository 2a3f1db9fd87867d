/* SPDX-License-Identifier: MIT */
/*
 * The ownership registry: which interfaces libfeth created, for which process, and when.
 *
 * One text file, <dir>/owned, a line per interface: "<name> <pid> <unix time>\n". The directory
 * is created 0700 and the files 0600, so only root (who alone can create interfaces) reads or
 * writes them. <dir> is on a file system the system empties at boot (/var/run on macOS, /run on
 * Linux), as boot also removes every interface. Writers hold an exclusive flock() on <dir>/lock
 * (waiting at most 3 s for it) for the whole read-modify-write and replace the file whole (write a
 * temporary, rename it); readers need no lock. Malformed lines are ignored and dropped on the next
 * write. All I/O goes through the sys seam, so tests can fail any of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
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
#define REG_MAX_SIZE     (4u << 20) /* far above 32768 interfaces x 40 bytes */
#define REG_LOCK_WAIT_US 3000000u   /* how long a writer waits for the lock */
#define REG_LOCK_POLL_US 2000u

/* The registry's directory: registry_dir, or its subdirectory for this network namespace. */
static int reg_dir(const struct feth__env *env, char *buf, size_t len)
{
	int n = -1;

	if (env->registry_per_netns) {
#ifdef __linux__
		struct stat st;

		/* The namespace's identity: the inode of its nsfs file (stable while it lives). A
		 * system without /proc shows one namespace as far as we can tell. */
		if (stat("/proc/self/ns/net", &st) == 0)
			n = snprintf(buf, len, "%s/net-%llu", env->registry_dir,
			             (unsigned long long)st.st_ino);
#endif
	}
	if (n < 0)
		n = snprintf(buf, len, "%s", env->registry_dir);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int reg_path(const struct feth__env *env, const char *file, char *buf, size_t len)
{
	char dir[400];
	int n, r = reg_dir(env, dir, sizeof(dir));

	if (r < 0)
		return r;
	n = snprintf(buf, len, "%s/%s", dir, file);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int reg_open(const struct feth__env *env, const char *file, int flags)
{
	const struct feth__sys *s = env->sys;
	char path[512];
	int fd, r;

	r = reg_path(env, file, path, sizeof(path));
	if (r < 0)
		return r;
	FETH_SYS_RETRY(fd, s->open(s->ctx, path, flags | O_CLOEXEC | O_NOFOLLOW, 0600));
	return fd;
}

static void reg_close(const struct feth__env *env, int fd)
{
	/* A close error cannot be acted on here: the fd is gone either way. */
	(void)env->sys->close(env->sys->ctx, fd);
}

/*
 * Takes an exclusive flock on <dir>/<file>, a file that is never replaced (the registry itself
 * is, by rename, so a lock on it would be lost with the old inode): <dir>/lock is the writers'
 * lock. The lock file is made when missing; the directory only with `mkdir_too` (otherwise a
 * missing directory is -ENOENT: there is no registry). Returns the fd that holds the lock;
 * closing it releases it.
 */
static int lock_file(const struct feth__env *env, const char *file, int mkdir_too)
{
	const struct feth__sys *s = env->sys;
	int fd, r;

	if (mkdir_too) {
		char dir[400];

		FETH_SYS_RETRY(r, s->mkdir(s->ctx, env->registry_dir, 0700));
		if (r < 0 && r != -EEXIST)
			return r;
		r = reg_dir(env, dir, sizeof(dir));
		if (r == 0 && strcmp(dir, env->registry_dir) != 0)
			FETH_SYS_RETRY(r, s->mkdir(s->ctx, dir, 0700));
		if (r < 0 && r != -EEXIST)
			return r;
	}
	fd = reg_open(env, file, O_RDWR | O_CREAT);
	if (fd < 0)
		return fd;
	/* Bounded: a writer holds the lock for one small read-modify-write, so a lock held for
	 * seconds belongs to a stopped or stuck process, and waiting for it for ever would make
	 * feth_tap_close() unbounded. */
	for (uint32_t waited = 0;; waited += REG_LOCK_POLL_US) {
		FETH_SYS_RETRY(r, s->flock(s->ctx, fd, LOCK_EX | LOCK_NB));
		if (r != -EWOULDBLOCK && r != -EAGAIN)
			break;
		if (waited >= REG_LOCK_WAIT_US) {
			r = -ETIMEDOUT;
			break;
		}
		s->sleep_us(s->ctx, REG_LOCK_POLL_US);
	}
	if (r < 0) {
		reg_close(env, fd);
		return r;
	}
	return fd;
}

static int reg_lock(const struct feth__env *env, int mkdir_too)
{
	return lock_file(env, REG_LOCK, mkdir_too);
}

int feth__registry_lock(const struct feth__env *env, const char *name)
{
	return lock_file(env, name, 1);
}

/* Parses one line; 1 if it is a valid record. */
static int parse_line(const char *line, struct feth__reg_entry *e)
{
	char name[FETH_IFNAMSIZ];
	long long pid, when;
	char extra;

	if (sscanf(line, "%15s %lld %lld %c", name, &pid, &when, &extra) != 3)
		return 0;
	if (pid <= 0 || pid > INT32_MAX)
		return 0;
	feth__name_copy(e->name, name);
	e->pid = (int32_t)pid;
	e->time = (int64_t)when;
	return 1;
}

/* Reads and parses the whole file at fd into a malloc'd array; returns the count. */
static int reg_read(const struct feth__env *env, int fd, struct feth__reg_entry **ret)
{
	const struct feth__sys *s = env->sys;
	struct feth__reg_entry *entries = NULL;
	size_t len = 0, cap = 4096, n = 0, lines = 0;
	char *buf = malloc(cap + 1);
	ssize_t got;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap >= REG_MAX_SIZE) {
				r = -EFBIG;
				goto out;
			}
			nb = realloc(buf, cap * 2 + 1);
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
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	entries = calloc(lines + 1, sizeof(*entries));
	if (!entries) {
		r = -ENOMEM;
		goto out;
	}
	for (char *line = buf, *nl; line < buf + len; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break; /* a torn last line (crash mid-write) is ignored */
		*nl = '\0';
		n += (size_t)parse_line(line, &entries[n]);
	}
	*ret = entries;
	entries = NULL;
	r = (int)n;
out:
	free(entries);
	free(buf);
	return r;
}

/* Reads every record of the registry file (none when it does not exist). */
static int reg_load(const struct feth__env *env, struct feth__reg_entry **ret)
{
	int fd = reg_open(env, REG_FILE, O_RDONLY);
	int n;

	*ret = NULL;
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	n = reg_read(env, fd, ret);
	reg_close(env, fd);
	return n;
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

/*
 * Replaces the registry with the entries, skipping `skip` (may be NULL): written whole to
 * <dir>/owned.tmp, then renamed over <dir>/owned. A failure at any step leaves the old file as
 * it was, so a record is never lost with another's update. Call with the writers' lock held.
 */
static int reg_write(const struct feth__env *env, const struct feth__reg_entry *e, int n,
                     const char *skip)
{
	const struct feth__sys *s = env->sys;
	char *buf = malloc((size_t)n * 64 + 1);
	char tmp[512], path[512];
	size_t len = 0;
	int fd, r;

	if (!buf)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (skip && strcmp(e[i].name, skip) == 0)
			continue;
		len += (size_t)snprintf(buf + len, 64, "%s %" PRId32 " %" PRId64 "\n", e[i].name,
		                        e[i].pid, e[i].time);
	}
	r = reg_path(env, REG_TMP, tmp, sizeof(tmp));
	if (r == 0)
		r = reg_path(env, REG_FILE, path, sizeof(path));
	if (r < 0)
		goto out;
	fd = r = reg_open(env, REG_TMP, O_WRONLY | O_CREAT | O_TRUNC);
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
	}
out:
	free(buf);
	return r;
}

int feth__registry_load(const struct feth__env *env, struct feth__reg_entry **ret)
{
	/* Readers take no lock: the file is only ever replaced whole, by rename. */
	return reg_load(env, ret);
}

int feth__registry_put(const struct feth__env *env, const struct feth__reg_entry *rec)
{
	struct feth__reg_entry *e = NULL, *grown;
	int lock = reg_lock(env, 1);
	int n, r;

	if (lock < 0)
		return lock;
	n = r = reg_load(env, &e);
	if (r < 0)
		goto out;
	grown = realloc(e, ((size_t)n + 1) * sizeof(*e));
	if (!grown) {
		r = -ENOMEM;
		goto out;
	}
	e = grown;
	/* Any older record of this name is stale: the interface was destroyed outside libfeth. */
	for (int i = 0; i < n; i++)
		if (strcmp(e[i].name, rec->name) == 0)
			e[i--] = e[--n];
	e[n] = *rec;
	r = reg_write(env, e, n + 1, NULL);
out:
	free(e);
	reg_close(env, lock);
	return r;
}

int feth__registry_add(const struct feth__env *env, const char *name)
{
	const struct feth__sys *s = env->sys;
	struct feth__reg_entry rec;

	feth__name_copy(rec.name, name);
	rec.pid = (int32_t)s->getpid(s->ctx);
	rec.time = s->time_now(s->ctx);
	return feth__registry_put(env, &rec);
}

int feth__registry_remove(const struct feth__env *env, const char *name, int32_t owner,
                          struct feth__reg_entry *ret_removed)
{
	struct feth__reg_entry *e = NULL;
	int lock = reg_lock(env, 0);
	int n, r, found = -1;

	/* Nothing to forget when there is no registry: do not create one. */
	if (lock == -ENOENT)
		return 0;
	if (lock < 0)
		return lock;
	n = r = reg_load(env, &e);
	for (int i = 0; i < n; i++)
		if (strcmp(e[i].name, name) == 0 && (!owner || e[i].pid == owner))
			found = i;
	if (r >= 0 && found >= 0) {
		r = reg_write(env, e, n, name);
		if (r == 0 && ret_removed)
			*ret_removed = e[found];
	}
	if (r >= 0)
		r = found >= 0;
	free(e);
	reg_close(env, lock);
	return r;
}

int feth__registry_owner_gone(const struct feth__env *env, const struct feth__reg_entry *e)
{
	const struct feth__sys *s = env->sys;
	int r;

	if (e->pid == s->getpid(s->ctx))
		return 0;
	/* Signal 0 only asks whether the process exists. EPERM: it does, owned by another user.
	 * A reused pid makes an orphan look alive: the safe direction. */
	r = s->kill(s->ctx, (pid_t)e->pid, 0);
	if (r == 0 || r == -EPERM)
		return 0;
	return r == -ESRCH ? 1 : r;
}
