/* SPDX-License-Identifier: MIT */
/*
 * Internal declarations shared by the library's modules. Nothing here is exported: symbols
 * are hidden by default and only the names in lib/libfeth.map leave the shared library.
 */
#ifndef FETH_INTERNAL_H
#define FETH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sys/uio.h>

#include "feth/feth.h"
#include "sys.h"

#define FETH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- option structs --------------------------------------------------------------------- */

/*
 * Validates a caller's size-prefixed option struct against the size this library knows:
 * -EINVAL when sz is smaller than the sz field itself, larger than FETH_STRUCT_SZ_MAX, or larger
 * with a non-zero unknown tail.
 * A smaller (older) sz is fine: the fields past it read as zero through feth__opts_copy().
 */
int feth__opts_check(const void *opts, size_t known_size);
/* Copies the caller's known part of an option struct into a zeroed local of known_size. */
void feth__opts_copy(void *dst, size_t known_size, const void *opts);

/*
 * Fills a caller's size-prefixed result struct from a complete one (`src`, of known_size):
 * the fields that fit in the caller's sz, which is left as it is. -EINVAL for a NULL dst or a
 * sz smaller than the sz field itself or larger than FETH_STRUCT_SZ_MAX.
 */
int feth__result_copy(void *dst, const void *src, size_t known_size);
/* The checks of feth__result_copy() alone, for a call that fills its result later. */
int feth__result_check(const void *dst);

/* ---- platform backends ------------------------------------------------------------------ */

struct feth__env;

/*
 * What libfeth gives a new interface at creation, so that it can later tell that very
 * interface from any other of the same name (docs/ownership.md): a random tag and, where the
 * kernel lets the creator choose it (Linux), the interface index. Made by the backend's
 * mark_new() from random bits, recorded before the interface exists.
 */
struct feth__mark {
	uint32_t index; /* Linux: the ifindex asked for; 0 where the kernel chooses */
	uint64_t tag;   /* Darwin: written into the interface's description */
};
/* What a backend's if_check_mark() found. */
enum feth__mark_match {
	FETH__MARK_OTHER = 0,    /* the name is another interface's */
	FETH__MARK_MATCH = 1,    /* the name is the interface made with this mark */
	FETH__MARK_UNMARKED = 2, /* an interface without any mark (Darwin: created, not marked yet) */
};

/* What a backend's mtu_prepare() did, for its mtu_restore(): the value of the setting it found
 * and the one it set (0: it set none), and the lock it holds (-1: none). */
struct feth__mtu_token {
	uint32_t found, set;
	int lock;
};
/* A set of units (feth<N> names): bit N. */
struct feth__units {
	uint8_t taken[FETH_UNIT_MAX / 8 + 1];
};
static inline int feth__unit_taken(const struct feth__units *u, long n)
{
	return (u->taken[n / 8] & (1u << (n % 8))) != 0;
}
static inline void feth__unit_take(struct feth__units *u, long n)
{
	u->taken[n / 8] |= (uint8_t)(1u << (n % 8));
}

/* A backend's receive ring and send path of one tap. */
struct feth__tap_io;

/* What a backend's tap_open is asked for (checked by lib/tap.c: the send path and receive mode
 * are among the backend's, the names are the pair's). */
struct feth__tap_io_req {
	const char *host_name; /* the host side, the I/O side's peer */
	const char *io_name;   /* the I/O side, where frames are received and sent */
	uint32_t mtu;          /* of the I/O side */
	uint32_t rx_bufsize;   /* 0: the default */
	uint32_t send_path;    /* FETH_TAP_SEND_* */
	uint32_t rx_mode;      /* FETH_TAP_RX_* */
};

/* What a backend's tap_open reports. */
struct feth__tap_io_info {
	uint32_t max_frame;  /* the longest frame sends accept */
	uint32_t rx_bufsize; /* in force */
	uint32_t send_path;  /* FETH_TAP_SEND_* in force */
	uint32_t rx_mode;    /* FETH_TAP_RX_* in force */
};

/*
 * One table per platform. Names given to it have passed the checks of lib/ifctl.c: canonical
 * feth<unit> names (feth__unit()), which every backend uses.
 */
struct feth__backend {
	const char *name;
	int supported; /* 0: every operation is -EOPNOTSUPP on this platform (for now) */
	/* 1: interfaces exist only in pairs (Linux veth): pair_create makes both sides at once,
	 * if_create and (un)peering are -EOPNOTSUPP, and destroying a side destroys its peer.
	 * 0: interfaces are made one by one (if_create) and peered afterwards. */
	int pairs_only;
	/* A mark for a new interface, from 64 random bits. */
	void (*mark_new)(uint64_t random, struct feth__mark *ret);
	/* Creates the interface `name` (never a wildcard) carrying `mark`; nothing on failure
	 * (-EEXIST: the name, or the index in the mark, is taken). NULL where pairs_only. */
	int (*if_create)(const struct feth__env *env, const char *name,
	                 const struct feth__mark *mark);
	/* Whether `name` is the interface created with `mark` (enum feth__mark_match), or -errno
	 * (-ENXIO: no interface of that name). */
	int (*if_check_mark)(const struct feth__env *env, const char *name,
	                     const struct feth__mark *mark);
	/* Destroys `name` only if it is the interface made with `mark` (NULL: whatever it is);
	 * -ESTALE when it is another. */
	int (*if_destroy)(const struct feth__env *env, const char *name,
	                  const struct feth__mark *mark);
	/* An empty peer unpeers. */
	int (*if_set_peer)(const struct feth__env *env, const char *name, const char *peer);
	int (*if_get_peer)(const struct feth__env *env, const char *name,
	                   char ret_peer[FETH_IFNAMSIZ]);
	int (*if_set_mtu)(const struct feth__env *env, const char *name, uint32_t mtu);
	/* The kernel's range (max 0: none); feth_if_get_mtu() narrows it to what can be set. */
	int (*if_get_mtu)(const struct feth__env *env, const char *name, struct feth_mtu *ret);
	int (*if_set_mac)(const struct feth__env *env, const char *name,
	                  const uint8_t mac[FETH_MAC_LEN]);
	int (*if_get_mac)(const struct feth__env *env, const char *name, uint8_t ret[FETH_MAC_LEN]);
	int (*if_get_index)(const struct feth__env *env, const char *name, uint32_t *ret);
	int (*if_set_up)(const struct feth__env *env, const char *name, int up);
	int (*if_get_flags)(const struct feth__env *env, const char *name, uint32_t *ret);
	/* family 4 or 6; add != 0 adds (prefix_len used), else deletes. */
	int (*if_addr)(const struct feth__env *env, const char *name, int add, int family,
	               const uint8_t *addr, uint32_t prefix_len);
	/* Where pairs_only: creates both at once, as named (no wildcards), each with its mark;
	 * -EEXIST as if_create. NULL elsewhere. */
	int (*pair_create)(const struct feth__env *env, const char *host, const char *io,
	                   const struct feth__mark *host_mark, const struct feth__mark *io_mark);
	/* Makes the I/O side of a new pair the tap's port rather than a host of its own (NULL:
	 * nothing to do). Called once both sides exist and are recorded, before anything brings
	 * them up; a failure undoes the pair. */
	int (*pair_io_setup)(const struct feth__env *env, const char *io);
	/* Names of the platform's interfaces of our kind, sorted; returns how many exist
	 * (possibly more than max). */
	int (*if_list)(const struct feth__env *env, char (*ret_names)[FETH_IFNAMSIZ], size_t max);
	/* The units whose names are taken by any interface, of whatever kind and under whatever
	 * name (NULL: those if_list() names). */
	int (*units_taken)(const struct feth__env *env, struct feth__units *ret);
	/* Make interfaces created from now on accept `mtu`, until mtu_restore(), which must
	 * follow a successful mtu_prepare() (it releases what the token holds). */
	int (*mtu_prepare)(const struct feth__env *env, uint32_t mtu, struct feth__mtu_token *tok);
	void (*mtu_restore)(const struct feth__env *env, struct feth__mtu_token *tok);
	/* Undoes what a process that died in mtu_prepare..mtu_restore left (NULL: nothing can
	 * be left); feth_if_cleanup() calls it. */
	void (*mtu_recover)(const struct feth__env *env);

	/* The tap's receive ring and send path; NULL where there is none yet. */
	const struct feth__tap_ops *tap;
};

/* A tap's I/O (lib/tap.c does the pair, the handle, locking and waking). */
struct feth__tap_ops {
	/* The FETH_TAP_SEND_* paths and FETH_TAP_RX_* modes this platform has, as bits
	 * (1u << path); AUTO among them. lib/tap.c refuses the others before anything is made. */
	uint32_t send_paths, rx_modes;
	/* Opens the receive ring and the send path on the I/O side of the pair `req` names. */
	int (*open)(const struct feth__env *env, const struct feth__tap_io_req *req,
	            struct feth__tap_io **ret, struct feth__tap_io_info *ret_info);
	void (*close)(struct feth__tap_io *io);
	int (*fd)(const struct feth__tap_io *io);
	/* 1 when frames of the last read are still to be handed out, or when the next receive
	 * has news (an error) it already knows of. No system call. */
	int (*pending)(struct feth__tap_io *io);
	/* How long feth_tap_wait() may sleep in poll() before calling idle(), in ms (-1: as long
	 * as it likes), and how long it first pauses, in us, so that frames gather for one
	 * receive (0: none). NULL: -1 and 0. */
	int (*wait_limits)(const struct feth__tap_io *io, int *ret_pause_us);
	/* After a quiet slice of feth_tap_wait(): may make system calls to learn what the
	 * descriptor does not signal (the interface gone); 1 when the receive has news. NULL: as
	 * pending(). */
	int (*idle)(struct feth__tap_io *io);
	int (*recv)(struct feth__tap_io *io, struct feth_frame *out, size_t max);
	int (*send)(struct feth__tap_io *io, const void *frame, size_t len);
	int (*send_batch)(struct feth__tap_io *io, const struct iovec *frames, size_t n);
	/* Fills every counter of `ret` but the byte counts (tap.c keeps those); returns the
	 * error of the kernel's statistics call, if any, after filling the rest. */
	int (*stats)(struct feth__tap_io *io, struct feth_tap_stats *ret);
	/* The pair's MTU is now `mtu` (both sides set already): adapts to it, and reports the
	 * longest frame sends now accept and the receive buffer in force (also after a failure:
	 * what is in force then). Called with no receive or send in progress. */
	int (*set_mtu)(struct feth__tap_io *io, uint32_t mtu, struct feth__tap_io_info *ret);
};

/* ---- sending: the rules every backend's send path applies (tap.c) ----------------------- */

/* What a send path refused, and the sends that failed by kind: reported as struct
 * feth_tap_stats's tx_refused and tx_err_* (feth__tx_errs_report()). */
struct feth__tx_errs {
	uint64_t refused; /* before any system call: too short or too long */
	uint64_t nobufs;  /* -ENOBUFS: the queue was full, the frame dropped */
	uint64_t netdown; /* -ENETDOWN: the interface is down */
	uint64_t gone;    /* -ENXIO: the interface was destroyed */
	uint64_t other;
};

/*
 * The size rule of every send, checked before any system call: at least an Ethernet header
 * (-EINVAL) and at most max_frame bytes (-EMSGSIZE). A refusal is counted.
 */
int feth__tx_check_len(struct feth__tx_errs *e, size_t len, uint32_t max_frame);
/* How many of frames[0..n) pass the size rule, from the first; *ret_err says why the next one
 * does not (0: all of them pass). Only that one is counted as refused. */
size_t feth__tx_valid_run(struct feth__tx_errs *e, const struct iovec *frames, size_t n,
                          uint32_t max_frame, int *ret_err);
/* Counts a failed send by its error, one of the documented ones (the backend maps its
 * kernel's answers to them first), and returns it. */
int feth__tx_failed(struct feth__tx_errs *e, int err);
/* Fills the counters' fields of a tap's stats. */
void feth__tx_errs_report(const struct feth__tx_errs *e, struct feth_tap_stats *ret);

extern const struct feth__tap_ops feth__tap_ops_darwin;
extern const struct feth__tap_ops feth__tap_ops_linux;
extern const struct feth__backend feth__backend_darwin;
extern const struct feth__backend feth__backend_linux;
extern const struct feth__backend feth__backend_unsupported;

/*
 * Where the public functions send their work: a backend, the seam it calls, and the ownership
 * registry's directory. The default is the platform's own backend over the real system calls;
 * the test suite swaps in the Darwin backend over the simulator.
 */
struct feth__env {
	const struct feth__backend *be;
	const struct feth__sys *sys;
	const char *registry_dir;
	/* Linux: interfaces and their names belong to a network namespace, so the registry is
	 * kept per namespace, in registry_dir/net-<cookie>-<inode> (registry.c). */
	int registry_per_netns;
};

const struct feth__env *feth__env_get(void);
/* Tests only (not exported): NULL restores the default. Not thread-safe; call before use. */
#ifdef FETH_TEST_HOOKS
void feth__env_set(const struct feth__env *env); /* the test suite's build only */
#endif

/* ---- ownership registry (registry.c) ---------------------------------------------------- */

/* The process that created an interface: its pid means something only with the rest. */
struct feth__owner {
	int32_t pid;
	int64_t start;  /* struct feth__proc_id's; -1: could not be learnt (never taken as gone) */
	uint64_t pidns; /* struct feth__proc_id's */
};

/* A record's state: written before the interface is created, and once it is complete. */
#define FETH__REC_CREATING 'c'
#define FETH__REC_OWNED    'o'

struct feth__reg_entry {
	char name[FETH_IFNAMSIZ];
	char state; /* FETH__REC_* */
	struct feth__mark mark;
	struct feth__owner owner;
	int64_t time; /* when the record was made, seconds since the epoch */
};

/* The registry, read and locked for a change (feth__reg_begin .. feth__reg_end). */
struct feth__reg {
	char dir[400]; /* where it is (this network namespace's directory, Linux) */
	int lock;      /* holds the writers' lock; -1: none */
	struct feth__reg_entry *e;
	int n, cap;
	int bad;     /* lines (or bytes past the size cap) that could not be read */
	int changed; /* e differs from the file */
	/* What the next write sets aside, when bad: the damaged file's bytes (a regular file),
	 * or none, and the file itself is renamed aside (a FIFO, a symlink, another's file). */
	char *damaged;
	size_t damaged_len;
};

/* Locks the registry (waiting at most 3 s: -ETIMEDOUT) and reads it. With `create`, the
 * directory is made when missing; without, a missing one is -ENOENT. */
int feth__reg_begin(const struct feth__env *env, int create, struct feth__reg *reg);
/* Writes the records back when they changed (a file with unreadable lines is first set aside
 * as owned.damaged.<time>, never overwritten); the lock stays held. */
int feth__reg_commit(const struct feth__env *env, struct feth__reg *reg);
/* Unlocks and frees. */
void feth__reg_end(const struct feth__env *env, struct feth__reg *reg);
/* Appends a record (-ENOMEM), or removes record i. */
int feth__reg_append(struct feth__reg *reg, const struct feth__reg_entry *rec);
void feth__reg_drop(struct feth__reg *reg, int i);
/* The index of the record of `name`, or -1. */
int feth__reg_find(const struct feth__reg *reg, const char *name);
/* Reads the records without the lock (the file is only ever replaced whole): into reg, which
 * feth__reg_end() frees. No registry: 0 records. -EACCES/-EPERM when not root. */
int feth__reg_read(const struct feth__env *env, struct feth__reg *reg);

/* An exclusive lock on the file `name` in the registry's directory (both made when missing),
 * for what must not interleave across processes; waits at most 3 s (-ETIMEDOUT). Returns the
 * descriptor that holds it: closing it releases the lock. */
int feth__registry_lock(const struct feth__env *env, const char *name);

/* A small note in the registry's directory, for what the next holder of a lock must undo if
 * its writer died (text NULL: removes it). note_get: -ENOENT when there is none, -EBADMSG when
 * what is there is no note of ours (remove it). Call with the lock the note belongs to held. */
int feth__registry_note(const struct feth__env *env, const char *name, const char *text);
int feth__registry_note_get(const struct feth__env *env, const char *name, char *buf,
                            size_t len);

/* This process as an owner (learnt once per process): 0, or the -errno of learning it. */
int feth__owner_self(const struct feth__env *env, struct feth__owner *ret);
int feth__owner_equal(const struct feth__owner *a, const struct feth__owner *b);
/* Whether a record's owner still runs: FETH__OWNER_*, or -errno when the system would not
 * say. UNKNOWN: this process cannot see it (another PID namespace), so it counts as alive. */
enum { FETH__OWNER_ALIVE, FETH__OWNER_GONE, FETH__OWNER_UNKNOWN };
int feth__owner_state(const struct feth__env *env, const struct feth__owner *o);

/* Removes the registry directories of network namespaces that no longer exist (Linux), once
 * every owner recorded in them is gone too. Returns how many were removed. */
int feth__reg_sweep_dirs(const struct feth__env *env);

/* ---- interface control (ifctl.c) --------------------------------------------------------- */

/*
 * Creates n (1 or 2) interfaces as this process's, under the registry's lock: the names are
 * resolved ("feth": the lowest free units), each gets a mark, the records are written
 * (FETH__REC_CREATING) before anything is created and completed after, so that a process killed
 * at any instant leaves either nothing or what feth_if_cleanup_orphans() removes. Two names
 * make a pair (be->pair_create, or two if_create). On failure nothing is left.
 */
int feth__create_owned(const struct feth__env *env, const char *const want[], int n,
                       char (*ret_names)[FETH_IFNAMSIZ]);

/*
 * Destroys `name` if the registry records it as `owner`'s (NULL: any record, or none) and it is
 * still the interface the record was made for; its record goes, and where the backend destroys
 * pairs, its peer's. 1 destroyed; 0 left alone (not `owner`'s, or no longer the recorded
 * interface: the stale record is dropped); or -errno (-ENXIO: no such interface).
 */
int feth__if_destroy_owned(const struct feth__env *env, const char *name,
                           const struct feth__owner *owner);

/* A name field of an option struct: NUL-terminated within FETH_IFNAMSIZ and a name this
 * platform can use; with `wildcard`, "" and "feth" (the next free unit) too. 0 or -EINVAL/
 * -ERANGE. */
int feth__check_name_field(const struct feth__env *env, const char name[FETH_IFNAMSIZ],
                           int wildcard);

/* ---- names -------------------------------------------------------------------------------- */

/*
 * feth<unit>: decimal, no leading zeros (Darwin's ifunit() would read "feth01" as feth1, and
 * an alias is always a mistake), unit <= FETH_UNIT_MAX. "feth" alone only when wildcard.
 * Returns the unit, -1 for the wildcard, or -EINVAL/-ERANGE. Every backend names its
 * interfaces this way.
 */
long feth__unit(const char *name, int wildcard);
/* qsort comparison of FETH_IFNAMSIZ name buffers by unit. */
int feth__unit_cmp(const void *a, const void *b);

/* Copies a checked name into a FETH_IFNAMSIZ buffer. */
void feth__name_copy(char dst[FETH_IFNAMSIZ], const char *src);

#endif /* FETH_INTERNAL_H */
