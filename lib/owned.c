/* SPDX-License-Identifier: MIT */
/*
 * The interfaces libfeth owns (docs/ownership.md): creation that a crash at any instant cannot
 * leave behind unrecorded, and destroys, listings and cleanups that act only on the very
 * interface a record was made for, never on another that has its name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A creation that meets a taken name or index (another creator's success) tries again with
 * new ones, this many times in all; a named interface that exists fails at once. Units whose
 * old interfaces are still being torn down (Darwin, -EBUSY) are skipped the same way, up to
 * CREATE_BUSY_UNITS of them (each destroy of the last moments leaves one). */
#define CREATE_TRIES      16
#define CREATE_BUSY_UNITS 64
/* A named unit whose old interface is still being torn down (-EBUSY, Darwin) is tried again
 * every 10 ms, 600 times, as xnu's own test helper does (tests/net_test_lib.c@xnu-11417:
 * 476-512); a wildcard moves on to another unit at once, as the kernel's own wildcard does. */
#define CREATE_BUSY_RETRIES  600
#define CREATE_BUSY_SLEEP_US 10000

/* ---- creation ---------------------------------------------------------------------------- */

/* The units taken now: by the backend's own account, or by the interfaces it lists. */
static int units_taken(const struct feth__env *env, struct feth__units *ret)
{
	char(*names)[FETH_IFNAMSIZ] = NULL;
	int n, got;

	memset(ret, 0, sizeof(*ret));
	if (env->be->units_taken)
		return env->be->units_taken(env, ret);
	for (n = env->be->if_list(env, NULL, 0); n >= 0; n = got) {
		names = calloc((size_t)n + 8, FETH_IFNAMSIZ);
		if (!names)
			return -ENOMEM;
		got = env->be->if_list(env, names, (size_t)n + 8);
		if (got >= 0 && got <= n + 8)
			break;
		free(names); /* more appeared meanwhile */
		names = NULL;
	}
	if (n < 0)
		return n;
	for (int i = 0; i < got; i++) {
		long u = feth__unit(names[i], 0);

		if (u >= 0)
			feth__unit_take(ret, u);
	}
	free(names);
	return 0;
}

/*
 * The names to create: those given, and for each wildcard the lowest unit that is neither
 * taken nor in `avoid` (units that met -EEXIST) nor just chosen. -EEXIST when a given name is
 * taken.
 */
static int resolve_names(const struct feth__env *env, const char *const want[], int n,
                         struct feth__units *avoid, char (*ret)[FETH_IFNAMSIZ])
{
	struct feth__units *u = malloc(sizeof(*u));
	long next = 0;
	int r;

	if (!u)
		return -ENOMEM;
	r = units_taken(env, u);
	for (size_t i = 0; r == 0 && i < sizeof(u->taken); i++)
		u->taken[i] |= avoid->taken[i];
	for (int i = 0; r == 0 && i < n; i++) {
		long unit = feth__unit(want[i], 0);

		if (unit >= 0 && feth__unit_taken(u, unit))
			r = -EEXIST;
		else if (unit >= 0)
			feth__unit_take(u, unit); /* named: not for the other */
	}
	for (int i = 0; r == 0 && i < n; i++) {
		if (feth__unit(want[i], 0) >= 0) {
			feth__name_copy(ret[i], want[i]);
			continue;
		}
		while (next <= FETH_UNIT_MAX && feth__unit_taken(u, next))
			next++;
		if (next > FETH_UNIT_MAX)
			r = -ENOSPC;
		else
			snprintf(ret[i], FETH_IFNAMSIZ, "feth%u", (unsigned)next++);
	}
	free(u);
	return r;
}

/* Creates the interfaces, each with its mark: all, or none. */
static int make(const struct feth__env *env, char (*names)[FETH_IFNAMSIZ],
                const struct feth__mark *marks, int n)
{
	const struct feth__backend *be = env->be;
	int r = 0, made = 0;

	if (n == 2 && be->pairs_only)
		return be->pair_create(env, names[0], names[1], &marks[0], &marks[1]);
	if (be->pairs_only)
		return -EOPNOTSUPP; /* a veth exists only with its peer */
	for (; made < n; made++) {
		r = be->if_create(env, names[made], &marks[made]);
		if (r < 0)
			break;
	}
	if (r < 0)
		while (made-- > 0)
			(void)be->if_destroy(env, names[made], &marks[made]);
	return r;
}

/* Drops every record of `name` (the name is free, so whatever they recorded is gone). */
static void drop_name(struct feth__reg *reg, const char *name)
{
	for (int i; (i = feth__reg_find(reg, name)) >= 0;)
		feth__reg_drop(reg, i);
}

int feth__create_owned(const struct feth__env *env, const char *const want[], int n,
                       char (*ret_names)[FETH_IFNAMSIZ])
{
	const struct feth__sys *s = env->sys;
	struct feth__units *avoid = calloc(1, sizeof(*avoid));
	char names[2][FETH_IFNAMSIZ];
	struct feth__mark marks[2];
	struct feth__owner me;
	struct feth__reg reg;
	int r;

	if (n < 1 || n > 2 || !avoid) {
		free(avoid);
		return n < 1 || n > 2 ? -EINVAL : -ENOMEM;
	}
	/* Who creates must be known, or the records could never be told orphans. */
	r = feth__owner_self(env, &me);
	if (r < 0) {
		free(avoid);
		return r;
	}
	/* The lock is held from the first record to the last: a record in state "creating" that
	 * someone else sees under the lock belongs to a creator that died. */
	r = feth__reg_begin(env, 1, &reg);
	if (r < 0) {
		free(avoid);
		return r;
	}
	for (int tries = 1, busy = 0;; tries++) {
		int wildcard = 0;

		r = resolve_names(env, want, n, avoid, names);
		if (r < 0)
			break;
		for (int i = 0; i < n; i++) {
			struct feth__reg_entry rec = {.state = FETH__REC_CREATING, .owner = me};
			uint64_t bits;

			s->random(s->ctx, &bits, sizeof(bits));
			env->be->mark_new(bits, &marks[i]);
			feth__name_copy(rec.name, names[i]);
			rec.mark = marks[i];
			rec.time = s->time_now(s->ctx);
			drop_name(&reg, names[i]);
			if (r == 0)
				r = feth__reg_append(&reg, &rec);
			wildcard |= feth__unit(want[i], 0) < 0;
		}
		if (r == 0)
			r = feth__reg_commit(env, &reg);
		if (r == 0)
			r = make(env, names, marks, n);
		for (int b = 0; r == -EBUSY && !wildcard && b < CREATE_BUSY_RETRIES; b++) {
			s->sleep_us(s->ctx, CREATE_BUSY_SLEEP_US);
			r = make(env, names, marks, n);
		}
		if (r == 0) {
			for (int i = 0; i < n; i++)
				reg.e[feth__reg_find(&reg, names[i])].state = FETH__REC_OWNED;
			reg.changed = 1;
			r = feth__reg_commit(env, &reg);
			if (r == 0)
				break;
			/* Not recorded as complete: undo (a record left "creating" names nothing
			 * that exists, and the next cleanup drops it). */
			for (int i = n; i-- > 0;)
				(void)env->be->if_destroy(env, names[i], &marks[i]);
		}
		for (int i = 0; i < n; i++)
			drop_name(&reg, names[i]);
		(void)feth__reg_commit(env, &reg);
		/* -EEXIST: a name (or an index) was taken meanwhile; -EBUSY: a unit of that name is
		 * still being torn down (Darwin). */
		if (r == -EBUSY && wildcard && (busy += n) < CREATE_BUSY_UNITS)
			tries--; /* not another creator's doing: does not count */
		else if (r != -EEXIST || tries == (wildcard ? CREATE_TRIES : 3))
			break;
		/* The units were free a moment ago: a wildcard's is taken now (or its index
		 * was), and the next try takes others. */
		for (int i = 0; i < n; i++)
			if (feth__unit(want[i], 0) < 0)
				feth__unit_take(avoid, feth__unit(names[i], 0));
	}
	feth__reg_end(env, &reg);
	free(avoid);
	if (r == 0)
		memcpy(ret_names, names, (size_t)n * FETH_IFNAMSIZ);
	return r;
}

/* ---- what a record stands for ------------------------------------------------------------ */

/* Whether record e still stands for the live interface of its name: 1 (ours), 0 (stale: the
 * interface is gone or another), -errno (cannot tell). *ret_marked: it carries our mark. */
static int record_holds(const struct feth__env *env, const struct feth__reg_entry *e,
                        int *ret_marked)
{
	int m = env->be->if_check_mark(env, e->name, &e->mark);

	*ret_marked = m == FETH__MARK_MATCH;
	if (m == -ENXIO || m == FETH__MARK_OTHER)
		return 0;
	if (m < 0)
		return m;
	/* Unmarked: made, then its creator died before marking it (Darwin), which only a
	 * record still "creating" can say. */
	return m == FETH__MARK_MATCH || e->state == FETH__REC_CREATING;
}

/* Takes the records of name and peer (if any) out of reg into saved (for putting back). */
static int take_records(struct feth__reg *reg, const char *name, const char *peer,
                        struct feth__reg_entry saved[2])
{
	int n = 0;

	for (int k = 0; k < 2; k++) {
		int i = k ? (peer[0] ? feth__reg_find(reg, peer) : -1) : feth__reg_find(reg, name);

		if (i >= 0) {
			saved[n] = reg->e[i];
			drop_name(reg, saved[n++].name); /* not e[i].name: dropping moves it */
		}
	}
	return n;
}

/*
 * Destroys `name` (only the interface `mark` stands for, unless NULL) with the registry locked
 * in reg. The records go first, the interface after: a failure anywhere leaves the interface
 * and its records as they were (a failed destroy puts them back), and a process killed between
 * the two has already asked for the destroy. Where the backend destroys pairs (Linux veth),
 * the peer and its record go too. 1 destroyed, 0 not (it was replaced: -ESTALE), -errno.
 */
static int destroy_locked(const struct feth__env *env, struct feth__reg *reg, const char *name,
                          const struct feth__mark *mark)
{
	char peer[FETH_IFNAMSIZ] = "";
	struct feth__reg_entry saved[2];
	struct feth__mark m;
	int r, nsaved;

	if (mark) {
		m = *mark; /* reg's records move as they are dropped */
		mark = &m;
	}
	if (env->be->pairs_only && env->be->if_get_peer(env, name, peer) < 0)
		peer[0] = '\0';
	nsaved = take_records(reg, name, peer, saved);
	r = feth__reg_commit(env, reg);
	if (r < 0) {
		for (int k = 0; k < nsaved; k++)
			(void)feth__reg_append(reg, &saved[k]);
		return r;
	}
	r = env->be->if_destroy(env, name, mark);
	if (r == 0)
		return 1;
	if (r == -ESTALE)
		return 0; /* replaced between the check and the destroy: not ours any more */
	if (r != -ENXIO) {
		/* -ENXIO: already gone, so the records were merely stale. */
		for (int k = 0; k < nsaved; k++)
			(void)feth__reg_append(reg, &saved[k]);
		(void)feth__reg_commit(env, reg);
	}
	return r;
}

int feth__if_destroy_owned(const struct feth__env *env, const char *name,
                           const struct feth__owner *owner)
{
	struct feth__reg reg;
	int i, r, marked = 0;

	r = feth__reg_begin(env, 0, &reg);
	if (r == -ENOENT || r == -EACCES || r == -EPERM) {
		/* No registry, or not ours to read: nothing is recorded as `owner`'s; an explicit
		 * destroy is the kernel's to allow (it refuses a caller who is not root). */
		if (owner)
			return 0;
		r = env->be->if_destroy(env, name, NULL);
		return r < 0 ? r : 1;
	}
	if (r < 0)
		return r;
	i = feth__reg_find(&reg, name);
	if (owner && (i < 0 || !feth__owner_equal(&reg.e[i].owner, owner))) {
		r = 0; /* not (or no longer) this owner's: leave it alone */
		goto out;
	}
	if (owner) {
		r = record_holds(env, &reg.e[i], &marked);
		if (r == 0) {
			/* Destroyed or replaced underneath: the record is stale, the interface
			 * (if any) someone else's. */
			feth__reg_drop(&reg, i);
			r = feth__reg_commit(env, &reg);
			goto out;
		}
		if (r < 0)
			goto out;
	}
	r = destroy_locked(env, &reg, name, owner && marked ? &reg.e[i].mark : NULL);
out:
	feth__reg_end(env, &reg);
	return r;
}

/* ---- listing and cleanup ------------------------------------------------------------------ */

int feth_if_list(struct feth_if_entry *ret_entries, size_t max)
{
	const struct feth__env *env = feth__env_get();
	char(*names)[FETH_IFNAMSIZ] = NULL;
	struct feth__reg reg;
	int total, r;

	if (max && !ret_entries)
		return -EINVAL;
	if (max == 0)
		return env->be->if_list(env, NULL, 0);
	/* One enumeration: it fills what fits and counts them all. */
	names = calloc(max, FETH_IFNAMSIZ);
	if (!names)
		return -ENOMEM;
	r = total = env->be->if_list(env, names, max);
	if (r < 0) {
		free(names);
		return r;
	}
	/* Ownership is root's to read; others get the list without it. */
	r = feth__reg_read(env, &reg);
	if (r < 0 && r != -EACCES && r != -EPERM) {
		feth__reg_end(env, &reg);
		free(names);
		return r;
	}
	for (size_t i = 0; i < max && i < (size_t)total; i++) {
		int at = feth__reg_find(&reg, names[i]), marked;
		struct feth_if_entry out = {0};

		memcpy(out.name, names[i], FETH_IFNAMSIZ);
		if (at >= 0 && record_holds(env, &reg.e[at], &marked) == 1) {
			out.owner_pid = reg.e[at].owner.pid;
			out.flags = FETH_IF_ENTRY_OWNED;
			if (feth__owner_state(env, &reg.e[at].owner) == FETH__OWNER_GONE)
				out.flags |= FETH_IF_ENTRY_ORPHAN;
		}
		ret_entries[i] = out;
	}
	feth__reg_end(env, &reg);
	free(names);
	return total;
}

int feth_if_cleanup(struct feth_cleanup_report *ret_report)
{
	const struct feth__env *env = feth__env_get();
	struct feth_cleanup_report rep = {.sz = sizeof(rep)};
	char(*names)[FETH_IFNAMSIZ] = NULL;
	struct feth__reg reg;
	int r, nnames = 0, first_err = 0;

	if (!env->be->supported)
		return -EOPNOTSUPP;
	if (ret_report && (r = feth__result_check(ret_report)) < 0)
		return r;
	r = feth__reg_begin(env, 0, &reg);
	if (r < 0 && r != -ENOENT)
		return r;
	/* A creator that died while the feth MTU sysctl was raised (Darwin) left it raised. */
	if (r == 0 && env->be->mtu_recover)
		env->be->mtu_recover(env);
	rep.bad_lines = (uint32_t)reg.bad;
	/* By name, from a copy: a destroy also drops its peer's record (Linux), wherever it is. */
	if (r == 0 && reg.n > 0) {
		names = calloc((size_t)reg.n, FETH_IFNAMSIZ);
		if (!names) {
			feth__reg_end(env, &reg);
			return -ENOMEM;
		}
		nnames = reg.n;
		for (int i = 0; i < nnames; i++)
			memcpy(names[i], reg.e[i].name, FETH_IFNAMSIZ);
	}
	for (int k = 0; k < nnames; k++) {
		int i = feth__reg_find(&reg, names[k]), holds, marked, st;
		struct feth__reg_entry e;

		if (i < 0)
			continue; /* went with its peer */
		e = reg.e[i];
		holds = record_holds(env, &e, &marked);
		if (holds == 0) {
			/* Gone, or another interface under its name: never touched. */
			feth__reg_drop(&reg, i);
			rep.records_dropped++;
			continue;
		}
		st = holds < 0 ? holds : feth__owner_state(env, &e.owner);
		if (st != FETH__OWNER_GONE) {
			first_err = st < 0 && !first_err ? st : first_err;
			rep.owners_unknown += st == FETH__OWNER_UNKNOWN;
			continue;
		}
		holds = destroy_locked(env, &reg, e.name, marked ? &e.mark : NULL);
		if (holds == 1)
			rep.destroyed++;
		else if (holds == 0 || holds == -ENXIO)
			rep.records_dropped++;
		else
			first_err = first_err ? first_err : holds;
	}
	free(names);
	if (r == 0) {
		int c = feth__reg_commit(env, &reg);

		first_err = first_err ? first_err : c;
		feth__reg_end(env, &reg);
	}
	r = feth__reg_sweep_dirs(env);
	if (r > 0)
		rep.dirs_removed = (uint32_t)r;
	if (ret_report)
		(void)feth__result_copy(ret_report, &rep, sizeof(rep));
	return first_err ? first_err : (int)rep.destroyed;
}

int feth_if_cleanup_orphans(void)
{
	return feth_if_cleanup(NULL);
}
