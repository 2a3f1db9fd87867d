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
 * -EINVAL when sz is smaller than the sz field itself, or larger with a non-zero unknown tail.
 * A smaller (older) sz is fine: the fields past it read as zero through feth__opts_copy().
 */
int feth__opts_check(const void *opts, size_t known_size);
/* Copies the caller's known part of an option struct into a zeroed local of known_size. */
void feth__opts_copy(void *dst, size_t known_size, const void *opts);

/*
 * Fills a caller's size-prefixed result struct from a complete one (`src`, of known_size):
 * the fields that fit in the caller's sz, which is left as it is. -EINVAL for a NULL dst or a
 * sz smaller than the sz field itself.
 */
int feth__result_copy(void *dst, const void *src, size_t known_size);

/* ---- platform backends ------------------------------------------------------------------ */

struct feth__env;
/* What a backend's mtu_prepare() did, for its mtu_restore(): the value of the setting it found
 * and the one it set (0: it set none), and the lock it holds (-1: none). */
struct feth__mtu_token {
	uint32_t found, set;
	int lock;
};
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
 * One table per platform. Names given to it have passed the generic checks (non-NULL, shorter
 * than FETH_IFNAMSIZ); platform name rules are the backend's (check_name).
 */
struct feth__backend {
	const char *name;
	int supported; /* 0: every operation is -EOPNOTSUPP on this platform (for now) */
	/* 0, or -EINVAL/-ERANGE for a name this platform cannot use; wildcard: "feth" allowed. */
	int (*check_name)(const char *name, int wildcard);
	int (*if_create)(const struct feth__env *env, const char *name,
	                 char ret_name[FETH_IFNAMSIZ]);
	int (*if_destroy)(const struct feth__env *env, const char *name);
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
	int (*if_set_up)(const struct feth__env *env, const char *name, int up);
	int (*if_get_flags)(const struct feth__env *env, const char *name, uint32_t *ret);
	/* family 4 or 6; add != 0 adds (prefix_len used), else deletes. */
	int (*if_addr)(const struct feth__env *env, const char *name, int add, int family,
	               const uint8_t *addr, uint32_t prefix_len);
	/* Where interfaces exist only in pairs (Linux veth): creates both at once, named as
	 * given or, for "feth", the lowest free units (NULL: create one by one, then peer). */
	int (*pair_create)(const struct feth__env *env, const char *host, const char *io,
	                   char ret_host[FETH_IFNAMSIZ], char ret_io[FETH_IFNAMSIZ]);
	/* Makes the I/O side of a new pair the tap's port rather than a host of its own (NULL:
	 * nothing to do). Called once both sides exist and are recorded, before anything brings
	 * them up; a failure undoes the pair. */
	int (*pair_io_setup)(const struct feth__env *env, const char *io);
	/* Names of the platform's interfaces of our kind, sorted; returns how many exist
	 * (possibly more than max). */
	int (*if_list)(const struct feth__env *env, char (*ret_names)[FETH_IFNAMSIZ], size_t max);
	/* Make interfaces created from now on accept `mtu`, until mtu_restore(), which must
	 * follow a successful mtu_prepare() (it releases what the token holds). */
	int (*mtu_prepare)(const struct feth__env *env, uint32_t mtu, struct feth__mtu_token *tok);
	void (*mtu_restore)(const struct feth__env *env, struct feth__mtu_token *tok);

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
};

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
	 * kept per namespace, in registry_dir/net-<inode of /proc/self/ns/net>. */
	int registry_per_netns;
};

const struct feth__env *feth__env_get(void);
/* Tests only (not exported): NULL restores the default. Not thread-safe; call before use. */
void feth__env_set(const struct feth__env *env);

/* ---- ownership registry (registry.c) ---------------------------------------------------- */

struct feth__reg_entry {
	char name[FETH_IFNAMSIZ];
	int32_t pid;
	int64_t time;
};

/* Records `name` as created by this process now (replacing any older record of it). */
int feth__registry_add(const struct feth__env *env, const char *name);
/* Stores a record as it is (replacing any older record of its name): puts back a record that
 * feth__registry_remove() took when the destroy it prepared for failed. */
int feth__registry_put(const struct feth__env *env, const struct feth__reg_entry *rec);
/* Forgets `name` (only when its owner is `owner`, unless `owner` is 0): 1 if such a record
 * was there (it goes to *ret_removed if not NULL), 0 if not (or no registry exists). Writers
 * wait at most 3 s for the registry lock: -ETIMEDOUT after that. */
int feth__registry_remove(const struct feth__env *env, const char *name, int32_t owner,
                          struct feth__reg_entry *ret_removed);
/* An exclusive lock on the file `name` in the registry's directory (both made when missing),
 * for what must not interleave across processes; waits at most 3 s (-ETIMEDOUT). Returns the
 * descriptor that holds it: closing it releases the lock. */
int feth__registry_lock(const struct feth__env *env, const char *name);
/* Reads every record into *ret (malloc'd, caller frees); returns the count. No registry: 0,
 * *ret NULL. -EACCES/-EPERM when the caller may not read it (not root). */
int feth__registry_load(const struct feth__env *env, struct feth__reg_entry **ret);
/* 1 when the record's owner process is gone, 0 when it (or a process with its pid) lives. */
int feth__registry_owner_gone(const struct feth__env *env, const struct feth__reg_entry *e);

/* ---- interface control (ifctl.c) --------------------------------------------------------- */

/*
 * feth_if_destroy() without the name checks, for interfaces recorded as `owner`'s only (0: any
 * interface). 1 destroyed; 0 left alone because its record names another owner or none (only
 * when `owner` is not 0); or -errno (-ENXIO: no such interface), the record kept.
 */
int feth__if_destroy_owned(const struct feth__env *env, const char *name, int32_t owner);

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
