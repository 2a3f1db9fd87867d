/* SPDX-License-Identifier: MIT */
/*
 * A simulator of the Darwin kernel, for tests: it implements the sys seam (lib/sys.h) on Linux
 * with the semantics and errno values of docs/darwin-kernel.md (and cited xnu source where the
 * doc is silent), so the Darwin backend runs unchanged against it.
 *
 * What it models: the feth cloner, peering, destroy, MTU, MAC, flags, IPv4/IPv6 addresses,
 * SIOCGIFCONF, the net.link.fake.max_mtu sysctl, root checks, control sockets, and BPF devices
 * (/dev/bpfN, buffers, reads, statistics, detach, poll readiness; sim_bpf.c).
 * Regular files (the ownership registry) pass through to the host file system, so the
 * simulator can count and fault them like every other call.
 *
 * Thread safety: every seam call, every sim_host_* call and sim_bpf_listeners() hold the
 * world's lock, so library code may run on several threads at once (poll() waits without it).
 * The other functions are for the test's main thread while no other thread uses the world.
 *
 * Not part of libfeth's ABI; linked into tests only.
 */
#ifndef FETH_SIM_H
#define FETH_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sys.h"

struct sim;

/* The kinds of seam call, for counting and for fault injection. */
enum sim_call {
	SIM_CALL_OPEN,
	SIM_CALL_CLOSE,
	SIM_CALL_READ,
	SIM_CALL_WRITE,
	SIM_CALL_FLOCK,
	SIM_CALL_MKDIR,
	SIM_CALL_RENAME,
	SIM_CALL_UNLINK,
	SIM_CALL_PIPE,
	SIM_CALL_POLL,
	SIM_CALL_SOCKET,
	SIM_CALL_IOCTL,
	SIM_CALL_SETSOCKOPT,
	SIM_CALL_BIND,
	SIM_CALL_SENDTO,
	SIM_CALL_WRITEV,
	SIM_CALL_SYSCTLBYNAME,
	SIM_CALL_KILL,
	SIM_CALL__COUNT
};

/* A new, empty world: no interfaces, caller is root, macOS 15, pid 4242, clock at 1.7e9 s,
 * net.link.fake.max_mtu = 2048. */
struct sim *sim_new(void);
/* Frees the world. Does not close host fds that are still open (tests check sim_open_fds). */
void sim_free(struct sim *sim);
/* The seam table bound to this world (valid until sim_free). */
const struct feth__sys *sim_sys(struct sim *sim);

/* ---- environment ----------------------------------------------------------------------- */

void sim_set_root(struct sim *sim, bool root); /* false: privileged calls fail EPERM */
/* Simulated macOS version, e.g. (10,13), (10,15), (12,0), (14,1), (15,0). Before 10.15 there
 * is no net.link.fake.max_mtu sysctl (ENOENT) and every feth's maximum MTU is 16370. */
void sim_set_macos(struct sim *sim, int major, int minor);
void sim_set_pid(struct sim *sim, pid_t pid);                   /* what getpid() returns */
void sim_set_pid_alive(struct sim *sim, pid_t pid, bool alive); /* default: every pid alive */
/* After a destroy, re-creating the same unit fails EBUSY until this many simulated
 * microseconds have passed (default 30000). The clock advances only through sleep_us. */
void sim_set_teardown_us(struct sim *sim, uint64_t usec);
uint64_t sim_now_us(const struct sim *sim);

/* ---- fault injection ------------------------------------------------------------------- */

/* Fail the Nth fallible seam call from now (1 = the next one) with -err. One shot. */
void sim_fail_nth(struct sim *sim, unsigned long n, int err);
/* Fail every call of a kind with -err, `count` times (0 = for ever). */
void sim_fail_kind(struct sim *sim, enum sim_call kind, int err, unsigned count);
/* Fail every ioctl with this request number with -err, `count` times (0 = for ever). */
void sim_fail_ioctl(struct sim *sim, unsigned long req, int err, unsigned count);
void sim_fail_clear(struct sim *sim);

/* Number of fallible seam calls made so far (all kinds), and of one kind. */
unsigned long sim_calls(const struct sim *sim);
unsigned long sim_calls_of(const struct sim *sim, enum sim_call kind);
/* Number of ioctl calls made with this request number. */
unsigned long sim_ioctl_calls(const struct sim *sim, unsigned long req);
/* Every ioctl request made so far, in order: copies up to max, returns how many there were. */
size_t sim_ioctl_log(const struct sim *sim, unsigned long *out, size_t max);

/* ---- what exists ----------------------------------------------------------------------- */

int sim_open_fds(const struct sim *sim);   /* sockets and files opened through the seam */
int sim_if_count(const struct sim *sim);   /* feth interfaces that exist */
int sim_peer_count(const struct sim *sim); /* peered pairs (a self-peer counts as one) */

/* Snapshot of one interface. Returns 0, or -ENXIO when it does not exist. */
struct sim_if_state {
	char name[16];
	int unit;
	uint16_t flags; /* Darwin IFF_* bits */
	int mtu;
	int max_mtu; /* frozen at creation */
	uint8_t mac[6];
	char peer[16]; /* "" when not peered */
	int n_ipv4;
	uint8_t ipv4[8][4];
	uint8_t ipv4_prefix[8];
	int n_ipv6;
	uint8_t ipv6[8][16];
	uint8_t ipv6_prefix[8];
};
int sim_if_state(const struct sim *sim, const char *name, struct sim_if_state *out);

/* Create an interface as someone else would (e.g. `ifconfig feth3 create`): no seam call is
 * counted. name is "fethN". Returns 0 or the kernel's -errno. */
int sim_if_create_external(struct sim *sim, const char *name);
/* Peer two existing interfaces externally; 0 or -errno. */
int sim_if_peer_external(struct sim *sim, const char *a, const char *b);
/* Add a non-feth interface (e.g. "en0", "lo0") that appears in SIOCGIFCONF and can be the
 * target of ioctls; `ether` selects IFT_ETHER (like en0) or not (like lo0). */
int sim_if_add_other(struct sim *sim, const char *name, bool ether);

/* ---- the host stack ------------------------------------------------------------------------ */

/*
 * The host sends a frame out of `ifname` (e.g. an ARP request leaving the host side of a pair):
 * BPF devices attached to ifname see it outbound, those attached to its peer inbound, byte for
 * byte (§2.8). Delivery is immediate here (on Darwin it is asynchronous to the send). Without a
 * peer the frame vanishes, tapped nowhere. Returns 0; -ENXIO no such interface; -ENETDOWN
 * ifname is not up. No seam call is counted.
 */
int sim_host_send(struct sim *sim, const char *ifname, const void *frame, size_t len);

/*
 * The next frame the host stack of `ifname` received from its peer (whatever sent it: NDRV,
 * BPF write, sim_host_send on the peer), oldest first: copies up to len bytes and returns the
 * frame's length; -EAGAIN when none waits; -ENXIO no such interface. Up to 4096 frames wait;
 * more are counted by sim_host_dropped. No seam call is counted.
 */
ssize_t sim_host_recv(struct sim *sim, const char *ifname, void *buf, size_t len);
uint64_t sim_host_dropped(const struct sim *sim, const char *ifname);
/* Whether host stacks keep what they receive (default true). Off, delivering a frame costs the
 * simulator no allocation, for benchmarks. */
void sim_set_inbox(struct sim *sim, bool keep);

/* How many BPF descriptors are attached to ifname (0 when it does not exist): lets a test's
 * thread wait until a tap is ready before the host sends. */
int sim_bpf_listeners(struct sim *sim, const char *ifname);

/* SIGPIPEs the kernel would have raised: sends that failed EPIPE on a socket without
 * SO_NOSIGPIPE (§4.6). A library that sets SO_NOSIGPIPE keeps this at 0. */
uint64_t sim_sigpipes(const struct sim *sim);

#endif /* FETH_SIM_H */
