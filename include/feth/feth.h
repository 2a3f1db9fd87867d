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
 *   with; they only ever grow at the end. A `NULL` options pointer means all defaults. A
 *   smaller (older) `sz` is accepted; a larger `sz` whose unknown tail is not all zero is
 *   refused with `-EINVAL`.
 * - Interface names are at most 15 bytes (`FETH_IFNAMSIZ` with the terminating NUL). On macOS
 *   the interface-control functions accept only `feth<unit>` names: "feth", then a decimal
 *   unit 0..32767 without leading zeros.
 * - The library never runs a program, installs no signal handler, writes nothing to stdout or
 *   stderr, and opens every descriptor close-on-exec.
 * - Thread safety: the `feth_if_*` functions keep no state between calls (each opens and
 *   closes its own control socket) and may be called from any thread; the ownership registry
 *   is protected by a file lock.
 *
 * On Linux, where the veth backend is not yet written, every `feth_if_*` and `feth_pair_*`
 * function returns `-EOPNOTSUPP`.
 */
#ifndef FETH_FETH_H
#define FETH_FETH_H

#include <stddef.h>
#include <stdint.h>

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
	int64_t ts_usec;     /**< capture time in microseconds since the epoch, 0 if unknown */
	uint32_t flags;      /**< FETH_FRAME_* */
	uint32_t reserved;   /**< zero */
};
/** The frame was longer than what was captured (caplen < len). */
#define FETH_FRAME_TRUNCATED 0x1u

/* ==== Interface control ================================================================== */
/*
 * Stateless functions on interface names. Creating, destroying, peering and changing MTU, MAC,
 * flags or addresses need root (-EPERM otherwise). Errors common to every function below that
 * takes a name:
 *   -EINVAL        a NULL pointer, or a name that is not feth<unit> (on macOS), e.g. "en0",
 *                  "feth", "feth01", "feth7x";
 *   -ENAMETOOLONG  a name of FETH_IFNAMSIZ (16) bytes or more;
 *   -ERANGE        a unit over FETH_UNIT_MAX;
 *   -ENXIO         no such interface;
 *   -EPERM         the caller is not root (changing calls only);
 *   -EOPNOTSUPP    not available on this platform (see each function).
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
 * first); -EINVAL also for a wildcard name with a NULL @p ret_name or a too small buffer.
 *
 * The interface is recorded in the ownership registry as created by this process (see
 * feth_if_cleanup_orphans()); if the record cannot be written, the interface is destroyed and
 * the error returned. A new interface is down, unpeered, MTU 1500, MAC 66:65:74:68:hi:lo.
 * macOS only: -EOPNOTSUPP on Linux (where feth_pair_create() makes a veth pair).
 */
FETH_API FETH_WARN_UNUSED int feth_if_create(const char *name, char *ret_name, size_t ret_name_len);

/**
 * @brief **feth_if_destroy()** destroys a feth interface (any feth, not only ones libfeth
 * created) and removes it from the ownership registry. Its peer, if any, survives unpeered.
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
 * @return 1 when peered, 0 when not, or the common errors. Needs no privilege.
 */
FETH_API FETH_WARN_UNUSED int feth_if_get_peer(const char *name, char *ret_peer,
                                               size_t ret_peer_len);

/** MTU figures of an interface, see feth_if_get_mtu(). */
struct feth_mtu {
	uint32_t current; /**< the MTU in force */
	uint32_t min;     /**< the smallest the interface accepts (72) */
	uint32_t max;     /**< the largest it accepts, fixed when it was created */
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
 * @brief **feth_if_get_mtu()** reads the current, smallest and largest MTU of @p name.
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

/** Interface flags reported by feth_if_get_flags(). */
#define FETH_IF_UP      0x1u /**< administratively up */
#define FETH_IF_RUNNING 0x2u /**< the driver runs (follows up on feth) */

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
 * with a larger array), or a negative errno. Needs no privilege. On Linux: -EOPNOTSUPP.
 */
FETH_API FETH_WARN_UNUSED int feth_if_list(struct feth_if_entry *ret_entries, size_t max);

/**
 * @brief **feth_if_cleanup_orphans()** destroys the interfaces that libfeth created for
 * processes that no longer exist, and forgets them.
 *
 * Only interfaces recorded in the ownership registry are touched: an interface libfeth did
 * not create is never destroyed. The registry is a root-only file (`/var/run/libfeth/owned` on
 * macOS, `/run/libfeth/owned` on Linux) holding name, owner pid and creation time; it lives in
 * a directory the system empties at boot, as the interfaces vanish at boot too. Entries whose
 * interface no longer exists are dropped.
 * @return the number of interfaces destroyed, or a negative errno (-EPERM when not root).
 * On Linux: -EOPNOTSUPP.
 */
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
 * macOS 10.13/10.14 have no such sysctl and allow 16370 anyway.
 *
 * @param opts options, or NULL for defaults.
 * @param ret_pair receives the two names.
 * @return 0 on success. Errors: -EINVAL: NULL @p ret_pair, bad names, same host and I/O name,
 * an MTU outside [FETH_MTU_MIN, FETH_MTU_MAX], a multicast MAC, two equal MACs, unknown flags,
 * or an unknown non-zero option; the errors of feth_if_create(), feth_if_set_peer(),
 * feth_if_set_mtu(), feth_if_set_mac() and feth_if_set_up(). On Linux: -EOPNOTSUPP.
 */
FETH_API FETH_WARN_UNUSED int feth_pair_create(const struct feth_pair_opts *opts,
                                               struct feth_pair *ret_pair);

#ifdef __cplusplus
}
#endif

#endif /* FETH_FETH_H */
