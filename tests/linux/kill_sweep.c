/* SPDX-License-Identifier: MIT */
/*
 * kill_sweep (built with the tests only): crash-safe creation on the real kernel. A process
 * that creates interfaces through libfeth is killed with SIGKILL at every offset across its
 * whole creation path, and after each kill `fethctl cleanup` (run in the same namespace) must
 * leave no interface of libfeth's behind, destroy none that an operator made, fail never, and
 * leave no record in the namespace's registry (docs/ownership.md).
 *
 * Targets: `fethctl pair` (creates a pair, prints its names, exits) and `feth-responder -q`
 * (opens a tap, a new pair, then runs until a signal). For each, the uninterrupted duration D of
 * its creation path is measured first (the median of 5 runs; fethctl pair: from fork to its
 * exit; feth-responder: from fork to its "ready" line, printed once its pair is up and
 * addressed), then it is started again and again, killed at offsets from 0 to 1.2 D after its
 * fork (clock_nanosleep to an absolute time, from a SCHED_FIFO sweeper so that the kill is
 * not late), in steps of at most 50 us, 400 runs (--runs, at least 200) or more when the steps
 * would be longer, stopped after --max-seconds (45) of sweeping. After each kill it notes what
 * existed (nothing, or a pair, and whether a record was still "creating"), runs cleanup, and
 * checks: no feth* interface left but the operator's, each of those with its index, no record
 * in the registry. Before the sweeps, interfaces are made the way an operator would, by
 * running ip: `ip link add feth50 type veth peer name feth51` and a dummy named feth7 (a
 * bridge where the kernel has no dummy driver).
 *
 * It runs in a network namespace and a mount namespace of its own (unshare(2)), with a tmpfs on
 * /run: the registry it checks is this namespace's alone, nothing of the machine's is touched,
 * and everything it made (interfaces, records) goes with the namespaces when it exits, however
 * it exits. Every child gets SIGKILL if kill_sweep dies (PR_SET_PDEATHSIG).
 *
 * cleanup is `fethctl cleanup` run as a program, so that the programs of another build (an
 * older libfeth) can be swept the same way.
 *
 *   kill_sweep --fethctl PATH --responder PATH [--target pair|responder] [--runs N]
 *              [--max-seconds S] [--ip PATH] [-v]
 *
 * Prints "ok - ..." / "not ok - ..." lines and a summary. Exit status: 0 all passed, 1 a
 * check failed, 2 bad usage, 77 skipped (not root, no ip, no namespaces).
 */
#define _GNU_SOURCE /* unshare, clock_nanosleep */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define EXIT_SKIP   77
#define EXIT_USAGE  2
#define MIN_RUNS    200
#define MAX_STEP_NS 50000LL /* 50 us */
#define MEASURES    5
#define MAX_SHOWN   10 /* violations described one by one, then only counted */

static int verbose;
static int pass, fail;

static void ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void not_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void ok(const char *fmt, ...)
{
	va_list ap;

	pass++;
	fputs("ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void not_ok(const char *fmt, ...)
{
	va_list ap;

	fail++;
	fputs("not ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void sleep_until(int64_t at)
{
	struct timespec t = {.tv_sec = (time_t)(at / 1000000000LL),
	                     .tv_nsec = (long)(at % 1000000000LL)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

/* ---- children ------------------------------------------------------------------------------ */

/*
 * Starts argv with stdin from /dev/null, stdout into `out_fd` (or /dev/null when -1) and stderr
 * into `err_fd` (or /dev/null); the child dies with us. The pid, or -1. *ret_t0: the time just
 * before fork(), the origin of the offsets.
 */
static pid_t spawn(char *const argv[], int out_fd, int err_fd, int64_t *ret_t0)
{
	pid_t pid;
	int64_t t0 = now_ns();

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : null, 1);
		dup2(err_fd >= 0 ? err_fd : null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (ret_t0)
		*ret_t0 = t0;
	return pid;
}

/* Runs argv to its end, its stdout and stderr (both) into buf: its exit status, 128 + signal,
 * or -1 when it could not be started. */
static int run(char *const argv[], char *buf, size_t len)
{
	int p[2], st;
	size_t got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = spawn(argv, p[1], p[1], NULL);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	for (;;) {
		char sink[256];
		ssize_t n = got + 1 < len ? read(p[0], buf + got, len - 1 - got)
		                          : read(p[0], sink, sizeof(sink));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got + 1 < len)
			got += (size_t)n;
	}
	if (len)
		buf[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- interfaces ------------------------------------------------------------------------------ */

struct foreign {
	const char *name;
	unsigned index;
	const char *how;
};

static struct foreign foreign[] = {
    {"feth50", 0, "ip link add feth50 type veth peer name feth51"},
    {"feth51", 0, "(its peer)"},
    {"feth7", 0, "ip link add feth7 type dummy"},
};
#define NFOREIGN (sizeof(foreign) / sizeof(foreign[0]))

static int is_foreign(const char *name)
{
	for (size_t i = 0; i < NFOREIGN; i++)
		if (strcmp(name, foreign[i].name) == 0)
			return 1;
	return 0;
}

/* The feth* interfaces that are not the operator's, their names space-separated into buf:
 * how many, or -1. */
static int others(char *buf, size_t len)
{
	struct if_nameindex *all = if_nameindex(), *i;
	int n = 0;

	if (len)
		buf[0] = '\0';
	if (!all)
		return -1;
	for (i = all; i->if_index; i++) {
		if (strncmp(i->if_name, "feth", 4) != 0 || is_foreign(i->if_name))
			continue;
		n++;
		if (len && strlen(buf) + strlen(i->if_name) + 2 < len) {
			if (buf[0])
				strcat(buf, " ");
			strcat(buf, i->if_name);
		}
	}
	if_freenameindex(all);
	return n;
}

static const char *ip_path = "ip";

/* Runs ip with the arguments (NULL-terminated); its exit status, its output into buf (when
 * not NULL). */
static int ip(char *buf, size_t len, ...)
{
	char *argv[12] = {(char *)ip_path};
	char sink[256];
	va_list ap;
	int n = 1;

	va_start(ap, len);
	while (n < 11 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run(argv, buf ? buf : sink, buf ? len : sizeof(sink));
}

/* Makes the operator's interfaces and notes their indexes: 0, or -1 (message printed). */
static int make_foreign(void)
{
	char out[512];

	if (ip(out, sizeof(out), "link", "add", "feth50", "type", "veth", "peer", "name", "feth51",
	       (char *)NULL)) {
		printf("# %s: %s", foreign[0].how, out);
		return -1;
	}
	if (ip(out, sizeof(out), "link", "add", "feth7", "type", "dummy", (char *)NULL)) {
		/* A kernel built without the dummy driver: another single interface that is not a
		 * veth, which an operator might as well have named feth7. */
		if (ip(out, sizeof(out), "link", "add", "feth7", "type", "bridge", (char *)NULL)) {
			printf("# ip link add feth7 type dummy (and type bridge): %s", out);
			return -1;
		}
		foreign[2].how = "ip link add feth7 type bridge (this kernel has no dummy driver)";
	}
	for (size_t i = 0; i < NFOREIGN; i++) {
		foreign[i].index = if_nametoindex(foreign[i].name);
		if (!foreign[i].index) {
			printf("# %s does not exist after %s\n", foreign[i].name, foreign[i].how);
			return -1;
		}
	}
	return 0;
}

/* How many of the operator's interfaces are gone or another (names into buf); each is made
 * again so that the sweep goes on. */
static int foreign_broken(char *buf, size_t len)
{
	int broken = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NFOREIGN; i++) {
		unsigned idx = if_nametoindex(foreign[i].name);

		if (idx == foreign[i].index)
			continue;
		broken++;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s (index %u, now %u)",
		         buf[0] ? ", " : "", foreign[i].name, foreign[i].index, idx);
	}
	if (broken) {
		ip(NULL, 0, "link", "del", "feth50", (char *)NULL);
		ip(NULL, 0, "link", "del", "feth7", (char *)NULL);
		if (make_foreign() < 0)
			broken = -1;
	}
	return broken;
}

/* ---- the registry ---------------------------------------------------------------------------- */

/* This network namespace's registry files: the current layout (net-<cookie>-<inode>, or
 * net-i<inode> without cookies) and the one before it (net-<inode>). */
static char reg_paths[3][128];

static int registry_paths(void)
{
	uint64_t cookie = 0;
	socklen_t clen = sizeof(cookie);
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (stat("/proc/self/ns/net", &st) < 0 || fd < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &clen) < 0)
		cookie = 0;
	close(fd);
	snprintf(reg_paths[0], sizeof(reg_paths[0]),
	         "/run/libfeth/net-%" PRIx64 "-%" PRIu64 "/owned", cookie, (uint64_t)st.st_ino);
	snprintf(reg_paths[1], sizeof(reg_paths[1]), "/run/libfeth/net-i%" PRIu64 "/owned",
	         (uint64_t)st.st_ino);
	snprintf(reg_paths[2], sizeof(reg_paths[2]), "/run/libfeth/net-%" PRIu64 "/owned",
	         (uint64_t)st.st_ino);
	return 0;
}

struct records {
	int total, creating, owned;
};

/* Counts the records (non-empty lines) of this namespace's registry files. */
static struct records registry_records(void)
{
	struct records r = {0, 0, 0};

	for (int k = 0; k < 3; k++) {
		FILE *f = fopen(reg_paths[k], "re");
		char line[512];

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char v[8], name[32], state = 0;

			if (line[0] == '\n')
				continue;
			r.total++;
			if (sscanf(line, "%7s %31s %c", v, name, &state) == 3 &&
			    strcmp(v, "v2") == 0) {
				r.creating += state == 'c';
				r.owned += state == 'o';
			}
		}
		fclose(f);
	}
	return r;
}

static void registry_clear(void)
{
	for (int k = 0; k < 3; k++)
		unlink(reg_paths[k]);
}

/* ---- the sweep --------------------------------------------------------------------------------
 */

struct target {
	const char *label;
	char *argv[4];
	int waits_ready; /* runs on after creating: its path ends at "ready" */
};

static const char *fethctl_path;

/* `fethctl cleanup`: its exit status, its first line into buf. */
static int cleanup(char *buf, size_t len)
{
	char *argv[] = {(char *)fethctl_path, "cleanup", NULL};
	int r = run(argv, buf, len);

	buf[strcspn(buf, "\n")] = '\0';
	return r;
}

/* One uninterrupted run: the duration of the creation path in ns, or -1. */
static int64_t measure_once(const struct target *t)
{
	int p[2], st;
	int64_t t0, d = -1;
	char buf[4096], out[512];
	size_t got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = spawn(t->argv, p[1], -1, &t0);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	if (t->waits_ready) {
		/* Until its "ready" line, at most 5 s. */
		while (got + 1 < sizeof(buf)) {
			struct pollfd pfd = {.fd = p[0], .events = POLLIN};
			ssize_t n;

			if (poll(&pfd, 1, 5000) <= 0)
				break;
			n = read(p[0], buf + got, sizeof(buf) - 1 - got);
			if (n <= 0)
				break;
			got += (size_t)n;
			buf[got] = '\0';
			if (strstr(buf, "\nready\n") || strncmp(buf, "ready\n", 6) == 0) {
				d = now_ns() - t0;
				break;
			}
		}
		kill(pid, SIGTERM);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			d = now_ns() - t0;
	}
	close(p[0]);
	if (d < 0)
		printf("# %s did not complete (status 0x%x)\n", t->label, st);
	if (cleanup(out, sizeof(out)) != 0)
		printf("# fethctl cleanup after an uninterrupted run: %s\n", out);
	return d;
}

struct tally {
	int runs, killed, exited;     /* killed by us, or exited before the kill */
	int before, with_pair, other; /* after the kill: nothing, a pair, something else */
	int with_creating;            /* ... and a record still "creating" */
	int destroyed;                /* as cleanup reported */
	int left, foreign, cleanup_errors, records_left;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void sweep(const struct target *t, int want_runs, double max_seconds)
{
	int64_t d[MEASURES], dmed, span, step, start, *lates;
	struct tally s;
	int runs, shown = 0, capped = 0;
	char out[1024], names[256], names2[256], fb[256];

	memset(&s, 0, sizeof(s));
	(void)measure_once(t); /* a first run warms the caches */
	for (int i = 0; i < MEASURES; i++) {
		d[i] = measure_once(t);
		if (d[i] < 0) {
			not_ok("%s: an uninterrupted run did not complete", t->label);
			return;
		}
	}
	qsort(d, MEASURES, sizeof(d[0]), cmp_i64);
	dmed = d[MEASURES / 2];
	printf("# %s: uninterrupted %.2f ms (median of %d runs; %.2f to %.2f ms)\n", t->label,
	       (double)dmed / 1e6, MEASURES, (double)d[0] / 1e6, (double)d[MEASURES - 1] / 1e6);
	/* 0 to 1.2 D (D the median), at least want_runs offsets, at most 50 us apart. */
	span = dmed * 12 / 10;
	runs = want_runs;
	if (span / MAX_STEP_NS + 1 > runs)
		runs = (int)(span / MAX_STEP_NS + 1);
	step = span / (runs - 1);
	if (others(names, sizeof(names)) != 0) {
		not_ok("%s: interfaces left before the sweep: %s", t->label, names);
		return;
	}
	lates = calloc((size_t)runs, sizeof(*lates));
	if (!lates) {
		not_ok("%s: out of memory", t->label);
		return;
	}

	start = now_ns();
	for (int i = 0; i < runs; i++) {
		int64_t t0, off = (int64_t)i * step;
		struct records rec;
		int st, n, left, rc, broken;
		int64_t late;
		pid_t pid;

		if ((double)(now_ns() - start) / 1e9 > max_seconds) {
			capped = 1;
			break;
		}
		pid = spawn(t->argv, -1, -1, &t0);
		if (pid < 0) {
			not_ok("%s: fork: %s", t->label, strerror(errno));
			free(lates);
			return;
		}
		sleep_until(t0 + off);
		late = now_ns() - (t0 + off); /* how late the kill is (the wake-up's latency) */
		kill(pid, SIGKILL);
		lates[s.runs] = late;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		s.runs++;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			s.killed++;
		else
			s.exited++;
		/* What the kill left, before cleanup. */
		n = others(names, sizeof(names));
		rec = registry_records();
		if (n == 0)
			s.before++;
		else if (n == 2)
			s.with_pair++;
		else
			s.other++;
		s.with_creating += n > 0 && rec.creating > 0;

		rc = cleanup(out, sizeof(out));
		if (rc != 0) {
			s.cleanup_errors++;
			if (shown++ < MAX_SHOWN)
				printf("# %s killed at %.1f us: fethctl cleanup exited %d: %s\n",
				       t->label, (double)off / 1e3, rc, out);
		} else if (strncmp(out, "destroyed ", 10) == 0) {
			s.destroyed += atoi(out + 10);
		}
		left = others(names2, sizeof(names2));
		if (left != 0) {
			s.left++;
			if (shown++ < MAX_SHOWN)
				printf("# %s killed at %.1f us (%s): left %s (after the kill: %s; "
				       "records %d); cleanup said: %s\n",
				       t->label, (double)(off + late) / 1e3,
				       WIFSIGNALED(st) ? "killed" : "had exited", names2, names,
				       rec.total, out);
			/* Gone for the next run, whatever it is. */
			for (char *tok = strtok(names2, " "); tok; tok = strtok(NULL, " "))
				ip(NULL, 0, "link", "del", tok, (char *)NULL);
		}
		broken = foreign_broken(fb, sizeof(fb));
		if (broken) {
			s.foreign++;
			if (shown++ < MAX_SHOWN)
				printf("# %s killed at %.1f us: the operator's interfaces changed: "
				       "%s\n",
				       t->label, (double)off / 1e3, fb);
			if (broken < 0) {
				not_ok("%s: could not make the operator's interfaces again",
				       t->label);
				free(lates);
				return;
			}
		}
		rec = registry_records();
		if (rec.total) {
			s.records_left++;
			if (shown++ < MAX_SHOWN)
				printf(
				    "# %s killed at %.1f us: %d record(s) left in the registry\n",
				    t->label, (double)off / 1e3, rec.total);
			registry_clear();
		}
		if (verbose)
			printf("# %8.1f us: %s, after the kill %s, cleanup: %s\n",
			       (double)off / 1e3, WIFSIGNALED(st) ? "killed" : "exited",
			       n ? names : "nothing", out);
	}

	qsort(lates, (size_t)s.runs, sizeof(*lates), cmp_i64);
	printf("# %s: %d runs in %.1f s, offsets 0 to %.1f us in steps of %.2f us%s; the kills "
	       "came %.1f us after their offsets (median; 90%% within %.1f us, at most %.1f us)\n",
	       t->label, s.runs, (double)(now_ns() - start) / 1e9,
	       (double)((int64_t)(s.runs - 1) * step) / 1e3, (double)step / 1e3,
	       capped ? " (stopped by the time cap)" : "",
	       s.runs ? (double)lates[s.runs / 2] / 1e3 : 0.0,
	       s.runs ? (double)lates[s.runs * 9 / 10] / 1e3 : 0.0,
	       s.runs ? (double)lates[s.runs - 1] / 1e3 : 0.0);
	free(lates);
	printf("# %s: %d killed, %d had exited first; after the kill: %d with nothing, %d with a "
	       "pair (%d of them with a record still 'creating'), %d other; cleanup destroyed "
	       "%d pair(s)\n",
	       t->label, s.killed, s.exited, s.before, s.with_pair, s.with_creating, s.other,
	       s.destroyed);
	if (s.runs >= MIN_RUNS || capped)
		ok("%s: %d runs (at least %d unless capped)", t->label, s.runs, MIN_RUNS);
	else
		not_ok("%s: only %d runs", t->label, s.runs);
	if (s.before > 0 && s.with_pair > 0)
		ok("%s: the kills spanned the creation: %d landed before anything existed, %d "
		   "after "
		   "a pair existed",
		   t->label, s.before, s.with_pair);
	else
		not_ok(
		    "%s: the kills did not span the creation: %d before anything existed, %d with "
		    "a pair",
		    t->label, s.before, s.with_pair);
	if (s.other == 0)
		ok("%s: never half a pair after a kill", t->label);
	else
		not_ok("%s: %d kills left something other than a whole pair", t->label, s.other);
	if (s.destroyed == s.with_pair)
		ok("%s: cleanup destroyed every pair a kill left (%d)", t->label, s.destroyed);
	else
		not_ok("%s: cleanup reported %d destroyed for %d pairs left by kills", t->label,
		       s.destroyed, s.with_pair);
	if (s.left == 0)
		ok("%s: no interface left after cleanup (0 of %d runs)", t->label, s.runs);
	else
		not_ok("%s: interfaces left after cleanup in %d of %d runs", t->label, s.left,
		       s.runs);
	if (s.foreign == 0)
		ok("%s: no foreign interface destroyed (0)", t->label);
	else
		not_ok("%s: the operator's interfaces changed in %d runs", t->label, s.foreign);
	if (s.cleanup_errors == 0)
		ok("%s: no cleanup error (0)", t->label);
	else
		not_ok("%s: fethctl cleanup failed in %d runs", t->label, s.cleanup_errors);
	if (s.records_left == 0)
		ok("%s: the registry holds no record after each cleanup", t->label);
	else
		not_ok("%s: records left after cleanup in %d runs", t->label, s.records_left);
}

/* ---- setup -------------------------------------------------------------------------------- */

/* A network namespace and a mount namespace of our own, a tmpfs on /run (the registry's) and
 * the namespace's own /sys: 0, or -1 (message printed). */
static int isolate(void)
{
	char out[256];

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		printf("# unshare(CLONE_NEWNET | CLONE_NEWNS): %s\n", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("kill_sweep", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
		printf("# a private tmpfs on /run: %s\n", strerror(errno));
		return -1;
	}
	/* sysfs shows the namespace that mounted it: ours, as `ip netns exec` does. */
	if (umount2("/sys", MNT_DETACH) == 0)
		(void)mount("sysfs", "/sys", "sysfs", 0, NULL);
	if (ip(out, sizeof(out), "link", "set", "lo", "up", (char *)NULL) != 0) {
		printf("# ip link set lo up: %s", out);
		return -1;
	}
	return registry_paths();
}

static int usage(const char *why)
{
	fprintf(stderr,
	        "kill_sweep: %s\nusage: kill_sweep --fethctl PATH --responder PATH "
	        "[--target pair|responder] [--runs N] [--max-seconds S] [--ip PATH] [-v]\n",
	        why);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *responder = NULL, *only = NULL;
	int runs = 400;
	double max_seconds = 45;
	char out[256];

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
			continue;
		}
		if (!v)
			return usage("an option needs a value");
		i++;
		if (strcmp(argv[i - 1], "--fethctl") == 0)
			fethctl_path = v;
		else if (strcmp(argv[i - 1], "--responder") == 0)
			responder = v;
		else if (strcmp(argv[i - 1], "--target") == 0)
			only = v;
		else if (strcmp(argv[i - 1], "--ip") == 0)
			ip_path = v;
		else if (strcmp(argv[i - 1], "--runs") == 0)
			runs = atoi(v);
		else if (strcmp(argv[i - 1], "--max-seconds") == 0)
			max_seconds = atof(v);
		else
			return usage("unknown option");
	}
	if (!fethctl_path || !responder)
		return usage("--fethctl and --responder are needed");
	if (runs < MIN_RUNS)
		return usage("--runs: at least 200");
	if (geteuid() != 0) {
		printf("SKIP: needs root (network namespaces)\n");
		return EXIT_SKIP;
	}
	if (access(fethctl_path, X_OK) < 0 || access(responder, X_OK) < 0)
		return usage("--fethctl and --responder must be programs");
	/* ip by name, as a shell finds it. */
	if (!strchr(ip_path, '/')) {
		static char found[512];
		const char *dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin"};

		for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
			snprintf(found, sizeof(found), "%s/ip", dirs[k]);
			if (access(found, X_OK) == 0) {
				ip_path = found;
				break;
			}
		}
	}
	if (access(ip_path, X_OK) < 0) {
		printf("SKIP: ip is not installed (tests/install-deps.sh installs it)\n");
		return EXIT_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (isolate() < 0) {
		printf("SKIP: no namespace of our own\n");
		return EXIT_SKIP;
	}
	{
		/* The kills on time: a real-time sweeper preempts the target as soon as its
		 * offset comes (its children, the targets included, are reset to normal). */
		struct sched_param sp = {.sched_priority = 10};

		if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
			printf("# not real-time (%s): the kills may land late\n", strerror(errno));
	}
	if (make_foreign() < 0) {
		not_ok("the operator's interfaces could not be made");
		return 1;
	}
	printf(
	    "# the operator's interfaces: feth50 (index %u) and feth51 (%u): %s; feth7 (%u): %s\n",
	    foreign[0].index, foreign[1].index, foreign[0].how, foreign[2].index, foreign[2].how);
	{
		struct target pair = {"fethctl pair", {(char *)fethctl_path, "pair", NULL}, 0};
		struct target resp = {"feth-responder -q", {(char *)responder, "-q", NULL}, 1};

		if (!only || strcmp(only, "pair") == 0)
			sweep(&pair, runs, max_seconds);
		if (!only || strcmp(only, "responder") == 0)
			sweep(&resp, runs, max_seconds);
	}
	/* The operator's interfaces, once more, after everything. */
	if (foreign_broken(out, sizeof(out)) == 0)
		ok("the operator's interfaces are the ones made before the sweeps");
	else
		not_ok("the operator's interfaces changed: %s", out);
	printf("kill_sweep: %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
