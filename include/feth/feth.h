/* SPDX-License-Identifier: MIT */
/**
 * @file feth.h
 * @brief libfeth: a layer-2 tap (a virtual Ethernet port) for macOS without a kernel extension,
 * built on Darwin's `feth` fake-Ethernet interface pairs; the same API runs on Linux over veth.
 *
 * Conventions that hold for every function here:
 * - Fallible functions return an `int`: `>= 0` on success (a count where documented) and a
 *   negative errno value (`-EINVAL`, ...) on failure. `errno` is unspecified afterwards; use
 *   `strerror(-ret)` to print an error.
 * - Output parameters are named `ret_*` and are written only on success.
 * - Option structs start with `size_t sz`, set to `sizeof` the struct the caller was compiled
 *   with; they only ever grow at the end, and have no implicit padding (every byte is a field,
 *   reserved ones must be zero). A `NULL` options pointer means all defaults. A smaller
 *   (older) `sz` is accepted; a larger `sz` whose unknown tail is not all zero is refused with
 *   `-EINVAL`, as is a `sz` larger than FETH_STRUCT_SZ_MAX (no struct will ever be that big: a
 *   caller's `sz` is never trusted to read further).
 * - Result structs that start with `size_t sz` (feth_tap_get_info(), feth_tap_get_stats(),
 *   feth_if_cleanup()) work the same way: set `sz`; the library fills the fields that fit in it
 *   and leaves `sz` alone, so an older caller never sees fields added later. A `sz` smaller
 *   than the `sz` field itself, or larger than FETH_STRUCT_SZ_MAX, is refused with `-EINVAL`.
 * - Interface names are at most 15 bytes (`FETH_IFNAMSIZ` with the terminating NUL). The
 *   interface-control functions accept only `feth<unit>` names: "feth", then a decimal unit
 *   0..32767 without leading zeros.
 * - The library never runs a program, installs no signal handler, writes nothing to stdout or
 *   stderr, and opens every descriptor close-on-exec.
 * - Thread safety: the `feth_if_*` functions keep no state between calls (each opens and
 *   closes its own control socket) and may be called from any thread; the ownership registry
 *   is protected by a file lock. A tap handle's contract is given with feth_tap_open().
 *
 * On Linux the interfaces are veth pairs named `feth<unit>`, controlled through rtnetlink. A
 * veth is born with its peer and dies with it: feth_if_create(), feth_if_set_peer() and
 * feth_if_clear_peer() return `-EOPNOTSUPP` there (feth_pair_create() makes pairs), and
 * destroying either side destroys both. Other interfaces, even named feth<unit>, are not
 * libfeth's: the functions answer -ENXIO for them. On the pairs it creates, the I/O side has
 * IPv6 off, so the frames on it are only the tap's and the host side's. The tap handle reads
 * the I/O side through an AF_PACKET socket with a receive ring (TPACKET_V2 or TPACKET_V3, see
 * FETH_TAP_RX_*) and sends on the same socket (FETH_TAP_SEND_SENDTO and the paths after it).
 */
#ifndef FETH_FETH_H
#define FETH_FETH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h> /* struct iovec */

#ifdef __cplusplus
extern "C" {
#endif

/* The single source of the version: CMake reads these three lines. */
#define FETH_VERSION_MAJOR 1
#define FETH_VERSION_MINOR 0
#define FETH_VERSION_PATCH 0

#ifndef FETH_API
#if defined(__GNUC__) || defined(__clang__)
#define FETH_API __attribute__((visibility("default")))
#else
#define FETH_API
#endif
#endif

#if defined(__GNUC__) || defined(__clang__)
#define FETH_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define FETH_WARN_UNUSED
#endif

/* ==== Version ============================================================================ */

/**
 * @brief **feth_version()** returns the run-time library version as
 * `(major << 16) | (minor << 8) | patch`.
 */
FETH_API uint32_t feth_version(void);

/**
 * @brief **feth_version_string()** returns the run-time version as a static string such as
 * "1.0.0". Never NULL.
 */
FETH_API const char *feth_version_string(void);

/* ==== Limits ============================================================================= */

/** Bytes in an interface name buffer, terminating NUL included. */
#define FETH_IFNAMSIZ 16
/** Largest feth unit (IF_MAXUNIT): "feth32767". */
#define FETH_UNIT_MAX 32767
/** Smallest MTU an interface accepts. */
#define FETH_MTU_MIN 72
/** Largest MTU feth can ever have (16384 minus the Ethernet header). */
#define FETH_MTU_MAX 16370
/** Length of a MAC address. */
#define FETH_MAC_LEN 6
/** The largest `sz` a size-prefixed struct may give (see the conventions above). */
#define FETH_STRUCT_SZ_MAX 512

/* ==== Frames ============================================================================= */

/**
 * A received Ethernet frame: a zero-copy view into the library's receive buffer. The bytes at
 * `data` stay valid until the next receive call on the same handle (or its close); copy what
 * you keep. 32 bytes on LP64; its layout never changes within a major version.
 */
struct feth_frame {
	const uint8_t *data; /**< first byte of the Ethernet header */
	uint32_t caplen;     /**< bytes captured at `data` */
	uint32_t len;        /**< length of the frame on the wire; more than caplen if truncated */
	int64_t ts_nsec;     /**< capture time in nanoseconds since the epoch (good until 2262), 0 if
	                          unknown; macOS's BPF has microseconds (the last three digits
	                          are 0), Linux's ring nanoseconds */
	uint32_t flags;      /**< FETH_FRAME_* */
	uint32_t reserved;   /**< zero */
};
/** The frame was longer than what was captured (caplen < len). */
#define FETH_FRAME_TRUNCATED 0x1u

/* ==== Interface control ================================================================== */
/*
 * Stateless functions on interface names. Creating, destroying, peering and changing MTU, MAC,
 * flags or addresses need root, or on Linux CAP_NET_ADMIN (-EPERM otherwise; a process that is
 * not root keeps its registry records in a directory of its own: see feth_if_cleanup()).
 * Errors common to every function below that takes a name:
 *   -EINVAL        a NULL pointer, or a name that is not feth<unit> (on macOS), e.g. "en0",
 *                  "feth", "feth01", "feth7x";
 *   -ENAMETOOLONG  a name of FETH_IFNAMSIZ (16) bytes or more;
 *   -ERANGE        a unit over FETH_UNIT_MAX;
 *   -ENXIO         no such interface;
 *   -EPERM         the caller is not root (Linux: lacks CAP_NET_ADMIN) (changing calls only);
 *   -EACCES        (Linux, not root, with CAP_NET_ADMIN; creating calls) no directory of the
 *                  user's own for its registry records: $XDG_RUNTIME_DIR is unset (or not
 *                  trusted: a setuid or file-capability program) and /run/user/<uid> does not
 *                  exist;
 *   -EOPNOTSUPP    not available on this platform (see each function);
 *   -EAGAIN        (Linux) the kernel's list of interfaces or addresses changed while each of
 *                  ten successive reads of it was in progress: call again.
 * Other negative errno values are passed on from the kernel.
 */

/**
 * @brief **feth_if_create()** creates a feth interface.
 *
 * @param name "fethN" to create unit N, or "feth" for the lowest free unit.
 * @param ret_name receives the created interface's name; may be NULL only when @p name names a
 *                 unit. Must hold FETH_IFNAMSIZ bytes.
 * @param ret_name_len size of @p ret_name (at least FETH_IFNAMSIZ), ignored when it is NULL.
 * @return 0 on success. Errors: the common ones; -EEXIST: the unit exists; -EBUSY: the unit
 * was destroyed moments ago and is still being torn down (the call retries for up to 6 s
 * first); -EINVAL also for a wildcard name with a NULL @p ret_name or a too small buffer;
 * -EOPNOTSUPP also when a `net.link.fake` setting that a new feth takes at creation is off its
 * default (bsd_mode 1, txstart 1, fcs 0, trailer_length 0, hwcsum 0, tso_support 0, lro 0):
 * such an interface would drop, lengthen or leave unfinished the frames a tap carries
 * (docs/darwin-notes.md F8.2); restore the default.
 *
 * The interface is recorded in the ownership registry as created by this process, before it
 * exists, with a mark that only libfeth sets (a random tag in its description; see
 * feth_if_cleanup()); if the record cannot be written, nothing is created and the error
 * returned. A wildcard takes the lowest unit that is free and not still being torn down. A new
 * interface is down, unpeered, MTU 1500, MAC 66:65:74:68:hi:lo.
 * macOS only: -EOPNOTSUPP on Linux (where feth_pair_create() makes a veth pair).
 */
FETH_API FETH_WARN_UNUSED int feth_if_create(const char *name, char *ret_name, size_t ret_name_len);

/**
 * @brief **feth_if_destroy()** destroys a feth interface (any feth, not only ones libfeth
 * created) and removes it from the ownership registry. Its peer, if any, survives unpeered;
 * on Linux the peer (a veth's) is destroyed with it and its record removed too.
 * @return 0 on success, or the common errors.
 */
FETH_API FETH_WARN_UNUSED int feth_if_destroy(const char *name);

/**
 * @brief **feth_if_set_peer()** joins two feth interfaces into a pair: frames sent out of one
 * arrive on the other.
 * @return 0 on success. Errors: the common ones; -EINVAL also when @p name and @p peer are the
 * same interface (the kernel would accept it and loop frames back); -EBUSY: either side is
 * already peered (even with the other). macOS only: -EOPNOTSUPP on Linux.
 */
FETH_API FETH_WARN_UNUSED int feth_if_set_peer(const char *name, const char *peer);

/**
 * @brief **feth_if_clear_peer()** unpeers @p name and its peer. Succeeds (0) also when @p name
 * was not peered. macOS only: -EOPNOTSUPP on Linux.
 */
FETH_API FETH_WARN_UNUSED int feth_if_clear_peer(const char *name);

/**
 * @brief **feth_if_get_peer()** reads which interface @p name is peered with.
 * @param ret_peer receives the peer's name, or "" when not peered; FETH_IFNAMSIZ bytes.
 * @param ret_peer_len size of @p ret_peer, at least FETH_IFNAMSIZ (-EINVAL otherwise).
 * @return 1 when peered, 0 when not, or the common errors. On Linux a peer that lives in
 * another network namespace cannot be named here: the result is 0 and "". Needs no privilege.
 */
FETH_API FETH_WARN_UNUSED int feth_if_get_peer(const char *name, char *ret_peer,
                                               size_t ret_peer_len);

/** MTU figures of an interface, see feth_if_get_mtu(). */
struct feth_mtu {
	uint32_t current; /**< the MTU in force */
	uint32_t min;     /**< the smallest feth_if_set_mtu() accepts: FETH_MTU_MIN (72) */
	uint32_t max;     /**< the largest it accepts, fixed when the interface was created
	                       (Linux: FETH_MTU_MAX, or the kernel's maximum if lower) */
};

/**
 * @brief **feth_if_set_mtu()** sets the MTU of @p name.
 * @return 0 on success. Errors: the common ones; -EINVAL: @p mtu outside
 * [FETH_MTU_MIN, the interface's maximum]. A feth's maximum MTU is fixed when it is created
 * (2048 by default on macOS 10.15+): to get more, create the interface with
 * feth_pair_create() and a larger `mtu`.
 */
FETH_API FETH_WARN_UNUSED int feth_if_set_mtu(const char *name, uint32_t mtu);

/**
 * @brief **feth_if_get_mtu()** reads the current MTU of @p name and the range
 * feth_if_set_mtu() accepts for it (on Linux a veth's own range, 68..65535, narrowed to
 * [FETH_MTU_MIN, FETH_MTU_MAX]).
 * @return 0 on success, or the common errors. Needs no privilege.
 */
FETH_API FETH_WARN_UNUSED int feth_if_get_mtu(const char *name, struct feth_mtu *ret_mtu);

/**
 * @brief **feth_if_set_mac()** sets the Ethernet address of @p name.
 * @return 0 on success. Errors: the common ones; -EINVAL: @p mac is all zero or a multicast
 * address (low bit of the first byte set), which the kernel would accept but no Ethernet port
 * can use.
 */
FETH_API FETH_WARN_UNUSED int feth_if_set_mac(const char *name, const uint8_t mac[FETH_MAC_LEN]);

/**
 * @brief **feth_if_get_mac()** reads the Ethernet address of @p name.
 * @param ret_mac receives the 6 bytes.
 * @return 0 on success, or the common errors; -EINVAL also for a NULL @p ret_mac;
 * -EADDRNOTAVAIL: the interface has no Ethernet address. Needs no privilege.
 */
FETH_API FETH_WARN_UNUSED int feth_if_get_mac(const char *name, uint8_t ret_mac[FETH_MAC_LEN]);

/** Interface flags reported by feth_if_get_flags(). */
#define FETH_IF_UP      0x1u /**< administratively up */
#define FETH_IF_RUNNING 0x2u /**< the driver runs (follows up on feth; on Linux a veth runs
                                   only while its peer is up too) */

/**
 * @brief **feth_if_set_up()** brings @p name up (@p up non-zero) or down (@p up zero).
 * @return 0 on success, or the common errors.
 */
FETH_API FETH_WARN_UNUSED int feth_if_set_up(const char *name, int up);

/**
 * @brief **feth_if_get_flags()** reads the FETH_IF_* flags of @p name.
 * @return 0 on success, or the common errors. Needs no privilege.
 */
FETH_API FETH_WARN_UNUSED int feth_if_get_flags(const char *name, uint32_t *ret_flags);

/**
 * @brief **feth_if_add_ipv4()** adds an IPv4 address to @p name (the broadcast address is
 * derived from the prefix; none for /31 and /32).
 * @param addr the address, network byte order (4 bytes).
 * @param prefix_len 1..32 (-EINVAL otherwise).
 * @return 0 on success, or the common errors; -EINVAL also for the address 0.0.0.0 or a
 * multicast or broadcast (255.255.255.255) address.
 */
FETH_API FETH_WARN_UNUSED int feth_if_add_ipv4(const char *name, const uint8_t addr[4],
                                               uint32_t prefix_len);

/**
 * @brief **feth_if_del_ipv4()** removes an IPv4 address from @p name.
 * @return 0 on success, or the common errors; -EADDRNOTAVAIL: the address is not on the
 * interface.
 */
FETH_API FETH_WARN_UNUSED int feth_if_del_ipv4(const char *name, const uint8_t addr[4]);

/**
 * @brief **feth_if_add_ipv6()** adds an IPv6 address with infinite lifetimes to @p name.
 * @param addr the address, network byte order (16 bytes).
 * @param prefix_len 1..128 (-EINVAL otherwise).
 * @return 0 on success, or the common errors; -EINVAL also for the unspecified address (::)
 * or a multicast address (ff00::/8).
 */
FETH_API FETH_WARN_UNUSED int feth_if_add_ipv6(const char *name, const uint8_t addr[16],
                                               uint32_t prefix_len);

/**
 * @brief **feth_if_del_ipv6()** removes an IPv6 address from @p name.
 * @return 0 on success, or the common errors; -EADDRNOTAVAIL: the address is not on the
 * interface.
 */
FETH_API FETH_WARN_UNUSED int feth_if_del_ipv6(const char *name, const uint8_t addr[16]);

/** One interface as reported by feth_if_list(). */
struct feth_if_entry {
	char name[FETH_IFNAMSIZ]; /**< "fethN" */
	int32_t owner_pid;        /**< process that created it through libfeth, 0 if none */
	uint32_t flags;           /**< FETH_IF_ENTRY_* */
};
/** Created through libfeth (recorded in the ownership registry). */
#define FETH_IF_ENTRY_OWNED 0x1u
/** Created through libfeth by a process that no longer exists: feth_if_cleanup_orphans()
 * would destroy it. */
#define FETH_IF_ENTRY_ORPHAN 0x2u

/**
 * @brief **feth_if_list()** lists the feth interfaces that exist, in unit order.
 * @param ret_entries receives up to @p max entries; may be NULL when @p max is 0.
 * @param max capacity of @p ret_entries.
 * @return the number of feth interfaces that exist (which may be more than @p max: call again
 * with a larger array), or a negative errno. Needs no privilege.
 */
FETH_API FETH_WARN_UNUSED int feth_if_list(struct feth_if_entry *ret_entries, size_t max);

/** What feth_if_cleanup() did. Zero-initialise, then set `sz = sizeof(struct ...)`. */
struct feth_cleanup_report {
	size_t sz;
	uint32_t destroyed;       /**< orphans destroyed */
	uint32_t records_dropped; /**< records of interfaces that were gone, or that another
	                               interface of the same name had replaced (left untouched) */
	uint32_t owners_unknown;  /**< records left because their owner cannot be seen from here
	                               (another PID namespace): taken as alive */
	uint32_t bad_lines;       /**< registry lines that could not be read (the file was set
	                               aside as `owned.damaged.*` and the rest kept) */
	uint32_t dirs_removed;    /**< registry directories of network namespaces that no longer
	                               exist (Linux), removed */
	uint32_t reserved;
};

/**
 * @brief **feth_if_cleanup()** destroys the interfaces that libfeth created for processes that
 * no longer exist, and forgets them.
 *
 * Only an interface that is still the very one its registry record was made for is destroyed:
 * at creation libfeth gives each interface a mark that only it chose (Linux: the interface
 * index; macOS: a random tag in the interface's description) and records it, so an interface
 * that someone else created under the same name is never touched, and its stale record is
 * dropped. The owner is a pid together with its start time (and, on Linux, its PID namespace):
 * a reused pid is another process, and an owner this process cannot see (another PID
 * namespace) is taken as alive. A process killed at any instant of a creation leaves nothing
 * that this function does not remove. See docs/ownership.md.
 *
 * The registry is a root-only file (`/var/run/libfeth/owned` on macOS; on Linux
 * `/run/libfeth/net-<cookie>-<inode>/owned`, one per network namespace, as interface names are
 * per namespace), in a directory the system empties at boot, as the interfaces vanish at boot
 * too. On Linux the directories of namespaces that no longer exist are removed. A damaged file
 * costs only its damaged lines; anything but a regular file owned by the caller's effective uid
 * in a directory of that uid's, writable by it alone, is refused. On Linux a process that is
 * not root but holds CAP_NET_ADMIN (a VPN daemon run as a user of its own) keeps its records
 * in `$XDG_RUNTIME_DIR/libfeth` (or `/run/user/<uid>/libfeth`): its orphans are removed by a
 * cleanup run as that uid with CAP_NET_ADMIN, never by root's, which reads root's records only
 * (docs/ownership.md).
 * @param ret_report receives what was done; may be NULL.
 * @return the number of interfaces destroyed, or a negative errno (-EPERM without the
 * privilege, or a registry directory that is not the caller's; the first error met, after
 * doing all the rest).
 */
FETH_API FETH_WARN_UNUSED int feth_if_cleanup(struct feth_cleanup_report *ret_report);

/** @brief **feth_if_cleanup_orphans()** is feth_if_cleanup() without a report. */
FETH_API FETH_WARN_UNUSED int feth_if_cleanup_orphans(void);

/* ==== Pairs ============================================================================== */

/** Options of feth_pair_create(). Zero-initialise, then set `sz = sizeof(struct ...)`. */
struct feth_pair_opts {
	size_t sz;
	/** Host-facing side: "" or "feth" for the lowest free unit, or "fethN". */
	char host_name[FETH_IFNAMSIZ];
	/** I/O side: "" or "feth" for the lowest free unit, or "fethN". */
	char io_name[FETH_IFNAMSIZ];
	/** MTU of both sides, FETH_MTU_MIN..FETH_MTU_MAX; 0 leaves the default (1500). */
	uint32_t mtu;
	/** FETH_PAIR_* flags. */
	uint32_t flags;
	/** Host-side MAC; all zero keeps the kernel's unit-derived address. */
	uint8_t host_mac[FETH_MAC_LEN];
	/** I/O-side MAC; all zero keeps the kernel's address, or, when only host_mac is given,
	 * uses host_mac with the last byte's low bit flipped. Must differ from the host MAC. */
	uint8_t io_mac[FETH_MAC_LEN];
	uint32_t reserved; /**< zero */
};
/** Leave both sides down (by default both are brought up). */
#define FETH_PAIR_NO_UP 0x1u

/** The names of a pair, written by feth_pair_create(). */
struct feth_pair {
	char host_name[FETH_IFNAMSIZ];
	char io_name[FETH_IFNAMSIZ];
};

/**
 * @brief **feth_pair_create()** creates two feth interfaces, peers them, sets their MTU and
 * MACs (always two different MACs, so IPv6 link-local addresses differ) and brings both up.
 *
 * If any step fails, every earlier step is undone (the interfaces are destroyed) and the first
 * error is returned.
 *
 * Larger MTUs: a feth's largest MTU is fixed when it is created from the sysctl
 * `net.link.fake.max_mtu` (default 2048, macOS 10.15+). When @p opts asks for more, this
 * function raises that sysctl before creating the pair and restores its previous value
 * afterwards (feth interfaces other processes create meanwhile may get the raised maximum).
 * macOS 10.13/10.14 have no such sysctl and allow 16370 anyway. On Linux the pair is a veth
 * pair, created in one step. Its I/O side gets IPv6 turned off
 * (/proc/sys/net/ipv6/conf/<io>/disable_ipv6 set to 1) before it comes up, so that it sends no
 * MLD report, DAD probe or router solicitation of its own; the host side keeps IPv6. If IPv6
 * cannot be turned off (for any reason but a kernel without IPv6), the pair is destroyed and
 * the error returned. A wildcard unit that another process creates first is chosen anew (up to
 * 32 times), so concurrent callers do not fail; a named side that exists is -EEXIST.
 *
 * @param opts options, or NULL for defaults.
 * @param ret_pair receives the two names.
 * @return 0 on success. Errors: -EINVAL: NULL @p ret_pair, bad names, same host and I/O name,
 * an MTU outside [FETH_MTU_MIN, FETH_MTU_MAX], a multicast MAC, two equal MACs, unknown flags,
 * a non-zero `reserved`, or an unknown non-zero option; -EEXIST: a named side exists; -ETIMEDOUT: (macOS, an MTU over
 * 1500) another process held the `net.link.fake.max_mtu` lock for 3 s (raising the sysctl,
 * creating and restoring run under a lock all libfeth processes take, and the restore keeps a
 * value someone else set meanwhile); the errors of feth_if_create(), feth_if_set_peer(),
 * feth_if_set_mtu(), feth_if_set_mac() and feth_if_set_up().
 */
FETH_API FETH_WARN_UNUSED int feth_pair_create(const struct feth_pair_opts *opts,
                                               struct feth_pair *ret_pair);

/* ==== The tap handle ====================================================================== */
/*
 * A tap is a feth pair with its I/O side opened for frames: what the host stack sends out of
 * the host side is received here, and what is sent here arrives at the host side as if from a
 * wire. The typical loop:
 *
 *     struct feth_tap_opts o = { .sz = sizeof(o) };
 *     struct feth_tap *tap;
 *     struct feth_frame f[64];
 *     int r = feth_tap_open(&o, &tap);           // creates, peers, configures, opens
 *     struct pollfd p = { .fd = feth_tap_fd(tap), .events = POLLIN };
 *     while (poll(&p, 1, 1000) >= 0)
 *         while ((r = feth_tap_recv(tap, f, 64)) > 0)   // drain until 0
 *             for (int i = 0; i < r; i++)
 *                 handle(f[i].data, f[i].caplen);      // reply with feth_tap_send()
 *     feth_tap_close(tap);                        // destroys the pair
 *
 * Thread safety (the contract every function below follows):
 * - feth_tap_recv() and feth_tap_wait() belong to one receiving thread at a time (the views a
 *   receive returns are invalidated by the next receive, whichever thread makes it).
 * - feth_tap_send() and feth_tap_send_batch() may be called from any number of threads at
 *   once, also while a receive runs; frames of concurrent calls are never interleaved.
 * - feth_tap_fd(), feth_tap_get_info() and feth_tap_get_stats() may be called from any thread.
 * - feth_tap_wake() and feth_tap_shutdown() may be called from any thread and from a signal
 *   handler (they are async-signal-safe).
 * - feth_tap_close() must be the last call: no other call on the handle may be running or
 *   start. To stop a tap that other threads use, call feth_tap_shutdown(), which makes their
 *   calls return -ESHUTDOWN promptly, join those threads, then close.
 */

/** An open tap. Opaque. */
struct feth_tap;

/** Options of feth_tap_open(). Zero-initialise, then set `sz = sizeof(struct ...)`. */
struct feth_tap_opts {
	size_t sz;
	/** Host-facing side: "" for the lowest free unit, or "fethN". With FETH_TAP_ADOPT: the
	 * existing interface to adopt (required). */
	char host_name[FETH_IFNAMSIZ];
	/** I/O side: "" for the lowest free unit, or "fethN". With FETH_TAP_ADOPT: "" for the host
	 * side's peer, or the peer's name. */
	char io_name[FETH_IFNAMSIZ];
	/** MTU of both sides, FETH_MTU_MIN..FETH_MTU_MAX; 0: 1500. 0 with FETH_TAP_ADOPT. */
	uint32_t mtu;
	/** FETH_TAP_* flags. */
	uint32_t flags;
	/** Host-side MAC; all zero keeps the kernel's. The I/O side gets a different address (this
	 * one with the last byte's low bit flipped). All zero with FETH_TAP_ADOPT. */
	uint8_t mac[FETH_MAC_LEN];
	uint8_t reserved[2]; /**< zero */
	/** Receive buffer in bytes; 0: the default (macOS: 512 KiB; Linux: 8 MiB: in the
	 * low-latency mode a slot per frame, each holding the largest frame, 5184 of them at MTU
	 * 1500; in the batch mode 128 blocks of 64 KiB). The kernel may lower it (to 512 KiB before
	 * macOS 13); Linux rounds it to whole blocks, at most 128 MiB: feth_tap_get_info() reports
	 * the size in force. */
	uint32_t rx_bufsize;
	/** FETH_TAP_SEND_*: how frames are sent. */
	uint32_t send_path;
	/** FETH_TAP_RX_*: how received frames are handed over. */
	uint32_t rx_mode;
	uint32_t reserved2; /**< zero */
};
/** Use an existing, peered pair instead of creating one. It is left in place at close (only
 * the I/O side's up state is restored if the tap brought it up; on Linux its offloads stay off,
 * see feth_tap_open()). */
#define FETH_TAP_ADOPT 0x1u

/** Receive mode: the platform's default, FETH_TAP_RX_LOW_LATENCY on both (on Linux chosen by
 * measurement: round trips nine times shorter and TCP through a tunnel at least as fast, see
 * docs/linux-io.md). */
#define FETH_TAP_RX_AUTO 0u
/** Receive mode (Linux): frames are handed over a block at a time (TPACKET_V3), a block when
 * it is full or within 2 ms of its first frame (the kernel's retire timer ticks every 1 ms).
 * The least CPU per frame (4x less under a flood of small frames) and the most small frames a
 * ring of a given size holds while the reader stalls; a frame on a quiet link waits up to those
 * 2 ms. -EOPNOTSUPP on macOS. */
#define FETH_TAP_RX_BATCH 1u
/** Receive mode: each frame is handed over as soon as it arrives (Linux: TPACKET_V2, a slot per
 * frame; macOS: BPF in immediate mode, the only mode there). The shortest round trip. */
#define FETH_TAP_RX_LOW_LATENCY 2u

/** Send path: the fastest the kernel has (macOS: BPF batch write on 14.1+, else AF_NDRV;
 * Linux: FETH_TAP_SEND_SENDMMSG, the fastest measured, see docs/linux-io.md). */
#define FETH_TAP_SEND_AUTO 0u
/** Send path: an AF_NDRV socket, one system call per frame. */
#define FETH_TAP_SEND_NDRV 1u
/** Send path: writes on the receive descriptor: batch write where the kernel has it, else one
 * frame per write (frames then at most 2048 bytes). */
#define FETH_TAP_SEND_BPF 2u
/** Send path: BPF batch write, many frames per system call; -EOPNOTSUPP before macOS 14.1. */
#define FETH_TAP_SEND_BPF_BATCH 3u
/** Send path (Linux): the AF_PACKET socket, one sendto(2) per frame. */
#define FETH_TAP_SEND_SENDTO 4u
/** Send path (Linux): the AF_PACKET socket, batches by sendmmsg(2) (up to 256 frames per call),
 * single frames by sendto(2). */
#define FETH_TAP_SEND_SENDMMSG 5u
/** Send path (Linux): a PACKET_TX_RING shared with the kernel, one send(2) per batch. */
#define FETH_TAP_SEND_TX_RING 6u
/** Send path (Linux): FETH_TAP_SEND_TX_RING with PACKET_QDISC_BYPASS (frames skip the
 * interface's queueing discipline). */
#define FETH_TAP_SEND_TX_RING_BYPASS 7u

/**
 * @brief **feth_tap_open()** creates a feth pair (or adopts one), configures it and opens it
 * for frames.
 *
 * It creates the two interfaces and peers them (as feth_pair_create() does: registered as this
 * process's, MTU, two different MACs, IPv6 off on the I/O side on Linux, both up), opens the
 * receive ring on the I/O side and the send path, and returns only when frames can flow. Any
 * failure part-way undoes every step and returns the first error: nothing is left behind.
 *
 * Frames are received as a wire would carry them: whole, at most `max_frame` bytes, with
 * complete checksums. On Linux that takes turning off, on created and adopted pairs alike, the
 * host side's TX checksum and segmentation offloads and the I/O side's receive coalescing
 * (otherwise the host stack would hand over partial checksums and 64 KiB GSO frames); they are
 * not turned on again at close. If someone turns them on again later, the tap completes the
 * checksums, drops frames longer than `max_frame` (see feth_tap_get_stats()) and turns them off
 * again (docs/linux-io.md).
 *
 * @param opts options, or NULL for all defaults.
 * @param ret_tap receives the handle, for feth_tap_close().
 * @return 0 on success. Errors: -EINVAL: NULL @p ret_tap, a bad name, equal names, an MTU out
 * of range, a multicast MAC, unknown flags or send path, non-zero `reserved`, an unknown
 * non-zero option, FETH_TAP_ADOPT without `host_name` or with `mtu` or `mac` set, or an
 * `io_name` that is not the adopted host side's peer, an unknown receive mode, non-zero
 * `reserved2`; -ENOTCONN: the adopted interface has no peer (on Linux also a peer in another
 * network namespace); -EPERM: not root (Linux: without CAP_NET_ADMIN and CAP_NET_RAW, which are
 * enough); -EACCES: (Linux, not root) no registry directory of the user's own, see
 * feth_if_cleanup(); -EEXIST: a named unit exists; -ENXIO: an adopted
 * interface does not exist; -EBUSY: (macOS) every /dev/bpf device is in use; -EOPNOTSUPP:
 * FETH_TAP_SEND_BPF_BATCH on a kernel without batch write, a send path or receive mode of the
 * other platform, or a platform without the tap; -ENOMEM; the errors of feth_pair_create().
 * Thread safety: any thread.
 */
FETH_API FETH_WARN_UNUSED int feth_tap_open(const struct feth_tap_opts *opts,
                                            struct feth_tap **ret_tap);

/**
 * @brief **feth_tap_close()** closes a tap and frees the handle: every descriptor is closed,
 * the pair is destroyed if the tap created it (and its registry records removed), an adopted
 * pair is left in place.
 *
 * Bounded in time: it never waits for a peer or a reader (at most a few seconds for the
 * registry's file lock). Frames still waiting are discarded. An interface is destroyed only
 * while the registry still records it as this process's, so a same-named interface someone
 * else made meanwhile is never touched. If a destroy fails it is retried twice; if it still
 * fails, the interface stays recorded and feth_if_cleanup_orphans() removes it after this
 * process has exited. A process whose effective uid changed since the open (a daemon that
 * dropped root and kept CAP_NET_ADMIN) cannot reach the records of the uid that made the pair
 * (see feth_if_cleanup()): the pair is left and -EPERM returned; a cleanup by that uid removes
 * it once this process has exited.
 * @param tap the handle, or NULL (nothing happens). Invalid afterwards in every case.
 * @return 0, or the first error met while destroying (the handle is freed anyway).
 * Thread safety: the last call on the handle (see above).
 */
FETH_API int feth_tap_close(struct feth_tap *tap);

/**
 * @brief **feth_tap_shutdown()** stops a tap without freeing it: a thread waiting in
 * feth_tap_wait() wakes, and from now on feth_tap_recv(), feth_tap_wait(), feth_tap_send() and
 * feth_tap_send_batch() return -ESHUTDOWN at once. Idempotent. Call feth_tap_close() after.
 * @return 0, or -EINVAL for a NULL @p tap.
 * Thread safety: any thread, also while other calls run; async-signal-safe.
 */
FETH_API int feth_tap_shutdown(struct feth_tap *tap);

/**
 * @brief **feth_tap_fd()** returns the descriptor that becomes readable when frames wait:
 * give it to poll(2), select(2), kqueue(2) (EVFILT_READ) or epoll(7) (EPOLLIN). The library
 * owns it: never read, write or close it.
 *
 * When it reports readable, call feth_tap_recv() until it returns 0: one read of the kernel
 * buffer may yield more frames than fit in your array, and the rest are handed out without
 * the descriptor being readable again. With edge-triggered notification (EPOLLET, EV_CLEAR)
 * draining to 0 is required. A descriptor whose interface is destroyed may not report it while
 * waiting (macOS; on Linux when the interface had gone down first): use a timeout (or
 * feth_tap_wait(), which looks at least every 100 ms) and watch for -ENXIO from
 * feth_tap_recv(), which looks too when it finds nothing (on macOS at most once a second). Under a flood, a program that waits on the descriptor itself wakes for
 * nearly every frame (Linux, low-latency mode) or block (batch mode); feth_tap_wait() instead
 * pauses 200 us after a large drain so that a batch gathers (see docs/linux-io.md).
 * @return the descriptor (>= 0), or -EINVAL for a NULL @p tap. Thread safety: any thread.
 */
FETH_API FETH_WARN_UNUSED int feth_tap_fd(const struct feth_tap *tap);

/**
 * @brief **feth_tap_wait()** waits until frames may be received, feth_tap_wake() is called,
 * or @p timeout_ms milliseconds pass, for programs without an event loop of their own.
 * @param timeout_ms the longest wait; 0 only checks; negative waits with no limit.
 * @return 1: frames wait, or the receive call has news (call feth_tap_recv()); 0: the time ran
 * out, or a wake or a signal interrupted the wait; -ESHUTDOWN after feth_tap_shutdown();
 * -EINVAL for a NULL @p tap. On Linux, after a drain (receives up to one that returned 0)
 * that handed out many frames (32 or more in the low-latency mode, two ring blocks or more in
 * the batch mode), it first sleeps 200 us (that long even for a wake) so that the next receive
 * takes a batch rather than a wake-up per frame or block.
 * A wake that comes while nobody waits makes the next wait return 0 at once (wakes are never
 * lost, and several coalesce into one). After a feth_tap_recv() that did not return 0, a wait
 * may return 1 once with nothing to receive (on Linux, while the views of that receive keep
 * their ring block or slots from the kernel): the next feth_tap_recv() returns 0 and gives
 * them back, and the wait after it blocks. Draining to 0 before waiting avoids it.
 * Thread safety: the receiving thread.
 */
FETH_API FETH_WARN_UNUSED int feth_tap_wait(struct feth_tap *tap, int timeout_ms);

/**
 * @brief **feth_tap_wake()** makes a feth_tap_wait() in progress (or the next one) return 0.
 * @return 0, or -EINVAL for a NULL @p tap. Thread safety: any thread; async-signal-safe.
 */
FETH_API int feth_tap_wake(struct feth_tap *tap);

/**
 * @brief **feth_tap_recv()** receives a batch of frames as zero-copy views.
 *
 * Frames left from the last read of the kernel buffer are handed out first, without a system
 * call; otherwise at most one read is made. Never blocks.
 * @param ret_frames receives up to @p max views. They stay valid until the next
 * feth_tap_recv() or feth_tap_close() on this tap: copy what you keep.
 * @param max capacity of @p ret_frames, at least 1.
 * @return the number of frames (0 when none waits), or: -EINVAL: NULL @p tap or
 * @p ret_frames, or @p max 0; -ENXIO: the I/O interface was destroyed (after the frames it
 * left were received); -ESHUTDOWN: after feth_tap_shutdown(). Thread safety: the receiving
 * thread.
 */
FETH_API FETH_WARN_UNUSED int feth_tap_recv(struct feth_tap *tap, struct feth_frame *ret_frames,
                                            size_t max);

/**
 * @brief **feth_tap_send()** sends one Ethernet frame (header included, no FCS) out of the I/O
 * side: the host side receives it.
 * @return 0 on success, or: -EINVAL: NULL @p tap or @p frame, or fewer than 14 bytes;
 * -EMSGSIZE: longer than `max_frame` of feth_tap_get_info() (MTU + 18: room for an 802.1Q tag;
 * 16384 at most up to macOS 14), or than what the I/O side takes now that another program
 * lowered its MTU; refused before any system call but in that last case (on Linux the kernel
 * refuses an untagged frame longer than MTU + 14 with -EMSGSIZE too); -ENOBUFS: the interface
 * queue was full, the frame was dropped (try again later); -ENETDOWN: the I/O side is down;
 * -ENXIO: it was destroyed (also while the kernel is still detaching it); -ESHUTDOWN: after
 * feth_tap_shutdown(); others from the kernel. Never raises SIGPIPE. On macOS an AF_NDRV socket
 * the kernel kills because an unrelated interface of the same unit went away (an `en1` for a
 * `feth1`) is replaced without the caller noticing.
 * Thread safety: any thread.
 */
FETH_API FETH_WARN_UNUSED int feth_tap_send(struct feth_tap *tap, const void *frame, size_t len);

/**
 * @brief **feth_tap_send_batch()** sends @p n frames in order, as few system calls as the send
 * path allows (BPF batch write and sendmmsg: up to 256 frames per call; PACKET_TX_RING: as
 * many as its ring holds).
 * @param frames @p n frames, each an iovec holding one whole frame.
 * @return how many frames the kernel took, from the first: sending stops at the first frame
 * that is refused or fails, so a count below @p n says where to resume, and resuming there
 * never sends a frame twice. When not even the first frame is taken, its error is returned (as
 * feth_tap_send()). 0 when @p n is 0; -EINVAL for a NULL @p tap, or NULL @p frames with @p n >
 * 0. A frame the kernel took may still be dropped by a full interface queue, as any frame on a
 * wire may be lost. macOS's BPF batch write (14.1+) sends a batch packet by packet and reports
 * only the last packet's fate: when that one was dropped, the count stops before it (the
 * frame to send again) and the drop is counted in `tx_err_nobufs`; a drop earlier in the batch
 * is not reported by the kernel at all (docs/darwin-notes.md B9.4). Thread safety: any
 * thread.
 */
FETH_API FETH_WARN_UNUSED int feth_tap_send_batch(struct feth_tap *tap, const struct iovec *frames,
                                                  size_t n);

/** What feth_tap_get_info() reports. Set `sz = sizeof(struct ...)` before the call. */
struct feth_tap_info {
	size_t sz;
	char host_name[FETH_IFNAMSIZ];  /**< the host-facing side */
	char io_name[FETH_IFNAMSIZ];    /**< the I/O side, where frames are received and sent */
	uint8_t host_mac[FETH_MAC_LEN]; /**< the host side's Ethernet address */
	uint8_t io_mac[FETH_MAC_LEN];   /**< the I/O side's */
	uint32_t mtu;                   /**< MTU of both sides: at open, or as feth_tap_set_mtu()
	                                     last set it */
	uint32_t max_frame;             /**< the longest frame the send calls accept: MTU + 18
	                                     (it follows feth_tap_set_mtu());
	                                     16384 at most up to macOS 14, where feth would wedge
	                                     on a longer one */
	uint32_t rx_bufsize;            /**< receive buffer in force (what the kernel granted) */
	uint32_t send_path;             /**< FETH_TAP_SEND_*, never _AUTO: the one in use */
	uint32_t flags;                 /**< FETH_TAP_ADOPT when the pair was adopted */
	uint32_t rx_mode;               /**< FETH_TAP_RX_*, never _AUTO: the one in force */
	uint32_t host_ifindex;          /**< the host side's interface index */
	uint32_t io_ifindex;            /**< the I/O side's interface index */
	uint32_t reserved;              /**< zero */
};

/**
 * @brief **feth_tap_set_mtu()** changes the MTU of both sides of an open tap, and with it
 * `max_frame` (MTU + 18), without closing it: the addresses, the descriptor of feth_tap_fd()
 * and the counters stay.
 *
 * The sides are changed in the order that never has one refuse what the other sends meanwhile
 * (growing: the I/O side first; shrinking: the host side first). Sends and receives of other
 * threads wait while it runs, then follow the new size: a send never sees half a change. On
 * Linux the receive and send rings are made anew for the new size on the same socket; frames
 * they held, and frames that arrive meanwhile, are lost, as on a link that renegotiates. The
 * views of the last feth_tap_recv() must not be used afterwards, whatever the outcome (on
 * Linux their memory is unmapped): call it from the receiving thread, or when no view is in
 * use. On an adopted pair it changes that pair. `rx_bufsize` of feth_tap_get_info() follows
 * the new rings.
 * @param mtu FETH_MTU_MIN..FETH_MTU_MAX, and at most the interfaces' own maximum
 * (feth_if_get_mtu(); macOS: fixed when the pair was created, 2048 by default).
 * @return 0 (also when @p mtu is the MTU already). Errors: -EINVAL: NULL @p tap or @p mtu out
 * of range (nothing is changed); -ESHUTDOWN: after feth_tap_shutdown(); the errors of
 * feth_if_set_mtu() (-EPERM: not privileged; -ENXIO: a side is gone), in which case what was
 * changed is changed back; -EBUSY (Linux): the kernel refuses to take the rings off while
 * another process maps them (a child forked without exec) or frames of the send ring are still
 * queued: nothing changed, try again later; -EIO (Linux): the rings could not be made at
 * either size (out of memory), the tap then fails every receive and TX-ring send with -EIO
 * (and feth_tap_wait() says there is news): close it.
 * Thread safety: any thread; see above for the views.
 */
FETH_API FETH_WARN_UNUSED int feth_tap_set_mtu(struct feth_tap *tap, uint32_t mtu);

/**
 * @brief **feth_tap_get_info()** reports a tap's interfaces and settings (fixed at open, but
 * for the MTU and `max_frame`, which feth_tap_set_mtu() changes).
 * @return 0, or -EINVAL for a NULL argument or a too small `sz`. Thread safety: any thread.
 */
FETH_API FETH_WARN_UNUSED int feth_tap_get_info(const struct feth_tap *tap,
                                                struct feth_tap_info *ret_info);

/** Counters reported by feth_tap_get_stats(), since the tap was opened. Set `sz` first. */
struct feth_tap_stats {
	size_t sz;
	uint64_t rx_frames;       /**< frames received (views handed out) */
	uint64_t rx_bytes;        /**< bytes of those frames, as captured */
	uint64_t rx_truncated;    /**< frames captured shorter than they were */
	uint64_t rx_malformed;    /**< kernel buffers whose records ended in a malformed one
	                               (Linux: ring blocks or slots whose description did not fit
	                               them) */
	uint64_t rx_kernel_drops; /**< frames the kernel dropped for want of buffer space */
	uint64_t rx_reads;        /**< reads of the kernel buffer that returned frames (Linux:
	                               batch mode, ring blocks taken; low-latency mode, receives
	                               that returned frames) */
	uint64_t tx_frames;       /**< frames the kernel accepted */
	uint64_t tx_bytes;        /**< bytes of those frames */
	uint64_t tx_syscalls;     /**< system calls made to send */
	uint64_t tx_refused;      /**< frames refused before any system call (size) */
	uint64_t tx_err_nobufs;   /**< sends that failed -ENOBUFS (queue full) */
	uint64_t tx_err_netdown;  /**< sends that failed -ENETDOWN */
	uint64_t tx_err_gone;     /**< sends that failed -ENXIO (interface destroyed) */
	uint64_t tx_err_other;    /**< sends that failed otherwise */
	uint64_t rx_oversized;    /**< frames longer than `max_frame`, dropped (Linux: only when
	                               someone turned the host side's segmentation offload back on
	                               after open, see feth_tap_open()) */
	uint64_t rx_csum_completed; /**< frames whose TCP or UDP checksum the kernel had left to
	                                 hardware, completed by the library (Linux, as above) */
};

/**
 * @brief **feth_tap_get_stats()** reads a tap's counters.
 * @return 0, or -EINVAL for a NULL argument or a too small `sz`; or an error of the kernel's
 * statistics call, in which case the other counters are filled all the same (and
 * `rx_kernel_drops` holds the last figure the kernel gave). Thread safety: any thread.
 */
FETH_API FETH_WARN_UNUSED int feth_tap_get_stats(struct feth_tap *tap,
                                                 struct feth_tap_stats *ret_stats);

#ifdef __cplusplus
}
#endif

#endif /* FETH_FETH_H */
