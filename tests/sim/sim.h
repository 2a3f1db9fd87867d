/* SPDX-License-Identifier: MIT */
/*
 * A simulator of the Darwin kernel, for tests: it implements the sys seam (lib/sys.h) on Linux
 * with the semantics and errno values of docs/darwin-notes.md (and cited xnu source where the
 * doc is silent), so the Darwin backend runs unchanged against it.
 *
 * What it models: the feth cloner, peering, destroy (asynchronous: the detacher thread),
 * MTU, MAC, flags, IPv4/IPv6 addresses, interface descriptions, SIOCGIFCONF, the
 * net.link.fake sysctls read at creation, root checks, control sockets, AF_NDRV sockets
 * (sim_ndrv.c), the feth send path (send queue, start, trailer/FCS, the peer's host stack;
 * sim_tx.c) and BPF devices (/dev/bpfN, buffers, reads, writes, statistics, detach, poll
 * readiness; sim_bpf.c). Regular files and directories (the ownership registry: open, read,
 * write, flock, mkdir, rename, unlink, rmdir, lstat, fstat, list_dir) pass through to the host
 * file system, so the simulator can count and fault them like every other call.
 * Processes: the caller's pid, the identity (start time) of any pid, and death: a process that
 * dies has its descriptors closed by the kernel (sim_kill_process), and a test can make the
 * caller die right after any seam call (sim_set_crash) to check what it leaves behind.
 * The seam's random helper is deterministic: the same bytes in every world.
 *
 * Thread safety: every seam call, every sim_host_* call, sim_bpf_listeners(), sim_set_pid_*,
 * sim_kill_process(), sim_set_crash() and sim_if_set_desc() hold the world's lock, so library
 * code may run on several threads at once (poll() waits without it).
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
	SIM_CALL_RMDIR,
	SIM_CALL_LSTAT,
	SIM_CALL_FSTAT,
	SIM_CALL_LIST_DIR,
	SIM_CALL_PIPE,
	SIM_CALL_POLL,
	SIM_CALL_SOCKET,
	SIM_CALL_IOCTL,
	SIM_CALL_SETSOCKOPT,
	SIM_CALL_BIND,
	SIM_CALL_SENDTO,
	SIM_CALL_WRITEV,
	SIM_CALL_SYSCTLBYNAME,
	SIM_CALL_PROC_ID,
	SIM_CALL__COUNT
};

/* A new, empty world: no interfaces, caller is root, macOS 15, pid 4242, clock at 1.7e9 s,
 * net.link.fake: max_mtu 2048, bsd_mode 1, txstart 1, hwcsum 0, fcs 0, trailer_length 0,
 * tso_support 0, lro 0. */
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
/* What getpid() returns, and who opens descriptors from now on (sim_kill_process). */
void sim_set_pid(struct sim *sim, pid_t pid);
/* Every pid is alive by default, started at SIM_EPOCH_S * 1000000 + pid (microseconds since the
 * epoch, Darwin's unit) in PID namespace 0: what proc_id reports. pid 0, there and in the
 * functions below, is the caller (sim_set_pid's). A dead pid's proc_id is -ESRCH (as is a
 * negative pid's); alive again, it keeps its start time. */
void sim_set_pid_alive(struct sim *sim, pid_t pid, bool alive);
/* pid is alive with this start time: its pid reused by another process. */
void sim_set_pid_start(struct sim *sim, pid_t pid, int64_t start);
/* The process dies, as the kernel sees it: every descriptor it opened through the seam is
 * closed, the highest first, with the effects of a close() (host files really closed, so its
 * flock()s are released; PF_NDRV leaves an NDRV socket's interface; a BPF device is detached
 * and freed), then the pid is dead (proc_id: -ESRCH). Interfaces are the kernel's and stay, as
 * do descriptors of other pids. A test then sim_set_pid()s the process that comes next. */
void sim_kill_process(struct sim *sim, pid_t pid);
/* The detacher thread finishes a destroy this many simulated microseconds after it (default
 * 30000): until then re-creating the same unit fails EBUSY and the interface's BPF descriptors
 * stay attached to it (see sim_run_detacher). The clock advances only through sleep_us, BPF
 * reads that time out, and waits that a pending detach ends (a blocking BPF read, poll).
 * UINT64_MAX: only sim_run_detacher finishes destroys. */
void sim_set_teardown_us(struct sim *sim, uint64_t usec);
uint64_t sim_now_us(const struct sim *sim);

/* ---- fault injection ------------------------------------------------------------------- */

/* Fail the Nth fallible seam call from now (1 = the next one) with -err. One shot. */
void sim_fail_nth(struct sim *sim, unsigned long n, int err);
/* Fail every call of a kind with -err, `count` times (0 = for ever). */
void sim_fail_kind(struct sim *sim, enum sim_call kind, int err, unsigned count);
/* Fail every ioctl with this request number with -err, `count` times (0 = for ever). */
void sim_fail_ioctl(struct sim *sim, unsigned long req, int err, unsigned count);
/* Clears every fault above, and sim_fail_enqueue's (not sim_set_crash's). */
void sim_fail_clear(struct sim *sim);

/*
 * The process dies right after the Nth fallible seam call from now (1 = the next one): that
 * call has its full effect (or fails as injected) and returns its result to the seam's entry
 * point, which releases the world's lock and then calls hook(arg) instead of returning. The
 * hook is expected to longjmp out of the library (the simulator then holds no lock and is
 * consistent), after which the test calls sim_kill_process for what the kernel does. One shot;
 * n = 0 cancels. The infallible helpers (getpid, time_now, sleep_us, random) are not counted.
 */
void sim_set_crash(struct sim *sim, unsigned long n, void (*hook)(void *arg), void *arg);

/* What the send queue's scheduler answers besides a host errno: xnu's EQFULL and EQSUSPENDED
 * (bsd/sys/errno.h: 106 and -106), which dlil_output turns into success. */
#define SIM_EQFULL      0x10001
#define SIM_EQSUSPENDED 0x10002
/* The k-th enqueue from now (1 = the next) into any feth's send queue (from NDRV, a BPF write,
 * one packet of a batch write, the host stack) is dropped with `err`: a host errno (ENOBUFS is
 * what a full queue gives when no flow holds 15000 bytes, darwin-notes.md F6.7) is returned to the
 * sender as -err; SIM_EQFULL and SIM_EQSUSPENDED are reported as success, the packet lost all the
 * same. One shot; k = 0 cancels. */
void sim_fail_enqueue(struct sim *sim, unsigned long k, int err);
/* Enqueues into feth send queues so far (every packet that passed the IFF_UP check of the
 * start model; txstart-0 interfaces have no queue). */
unsigned long sim_enqueues(const struct sim *sim);

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
	uint16_t index; /* if_index; a re-created feth gets its predecessor's back */
	/* feth: the net.link.fake values it was created with */
	bool bsd_mode, txstart, hwcsum, fcs, tso, lro;
	uint32_t trailer_len;
	/* feth: the send path */
	uint32_t txq_len;        /* packets in the send queue */
	uint64_t txq_head_drops; /* queued packets dropped to make room (the queue full) */
	uint64_t txq_drops;      /* enqueues refused (ENOBUFS, or sim_fail_enqueue) */
	bool stalled;            /* output disabled (sim_if_stall, SET_DEQUEUE_STALL) */
	bool wedged;             /* macOS <= 14: a packet over 16 KiB parked (sim_if_wedged) */
	/* the host stack */
	uint64_t host_filtered; /* unicast frames for another MAC it dropped (sim_host_recv) */
	bool ndrv_attached;     /* PF_NDRV attached: NDRV hears of this interface's detach */
};
int sim_if_state(const struct sim *sim, const char *name, struct sim_if_state *out);

/* The description of an interface (SIOCSIFDESC, SIOCGIFDESC: up to 128 opaque bytes, root only
 * to set; cleared when an interface is destroyed, so a re-created fethN starts without one).
 * sim_if_desc copies it as a NUL-terminated string (truncated to len - 1 bytes) and returns
 * its length, or -ENXIO when no interface has that name. sim_if_set_desc sets it as an
 * operator's `ifconfig` would, with no seam call and no root check: 0, -ENXIO, or -EINVAL when
 * desc is longer than 128 bytes. */
int sim_if_desc(const struct sim *sim, const char *name, char *buf, size_t len);
int sim_if_set_desc(struct sim *sim, const char *name, const char *desc);

/* Create an interface as someone else would (e.g. `ifconfig feth3 create`): no seam call is
 * counted. name is "fethN". Returns 0 or the kernel's -errno. */
int sim_if_create_external(struct sim *sim, const char *name);
/* Peer two existing interfaces externally; 0 or -errno. */
int sim_if_peer_external(struct sim *sim, const char *a, const char *b);
/* Add a non-feth interface (e.g. "en0", "lo0") that appears in SIOCGIFCONF and can be the
 * target of ioctls; `ether` selects IFT_ETHER and the Ethernet family (like en0) or not (like
 * lo0). */
int sim_if_add_other(struct sim *sim, const char *name, bool ether);
/* A non-feth interface goes away (a USB adapter unplugged): ifnet_detach, as a destroy does.
 * NDRV sockets bound to any interface of the same family and unit die with it (EPIPE) when
 * PF_NDRV is attached to it (an NDRV socket is or was bound to it: sim_ndrv_bind_external).
 * 0; -ENXIO no such interface; -EINVAL it is a feth. */
int sim_if_detach_other(struct sim *sim, const char *name);
/* Another process binds an AF_NDRV socket to `ifname` (exact name) and keeps it: PF_NDRV is
 * attached to that interface. 0, or -EADDRNOTAVAIL. Not counted in sim_open_fds. */
int sim_ndrv_bind_external(struct sim *sim, const char *ifname);

/* ---- destroy, the detacher thread ----------------------------------------------------------- */

/*
 * A destroy takes the interface down, removes its name and kills the NDRV sockets at once;
 * the rest (BPF descriptors detached: ENXIO; the unit free for a new create) is the detacher
 * thread's, which runs teardown_us later (sim_set_teardown_us). Until then a BPF write on a
 * descriptor attached to it gets ENETDOWN and a non-blocking read EAGAIN. This runs every
 * pending detach now; returns how many.
 */
unsigned sim_run_detacher(struct sim *sim);
/* Destroyed interfaces whose detach is still pending. */
int sim_detaching(const struct sim *sim);

/* ---- the send path ----------------------------------------------------------------------- */

/* Disable (stall) or enable (release) a feth's output, as IF_FAKE_S_CMD_SET_DEQUEUE_STALL
 * does: while stalled, frames wait in the send queue (2048 at most; past that, the oldest is
 * dropped for each new one, which is a success, or the new one with ENOBUFS when the queue
 * holds under 15000 bytes); release sends what waits. 0; -ENXIO no such interface or one
 * without a send queue (txstart 0); -EINVAL not a feth. */
int sim_if_stall(struct sim *sim, const char *ifname, bool stall);
/* macOS <= 14: whether a frame over 16384 bytes has wedged ifname's output. While peered it
 * never transmits again, every send reporting success; a start while unpeered (the next send
 * after an unpeer) clears it, as does a destroy. */
bool sim_if_wedged(const struct sim *sim, const char *ifname);

/* ---- net.link.fake sysctls ------------------------------------------------------------------ */

/* Someone else sets net.link.fake.<name> (full name, e.g. "net.link.fake.fcs") now: no seam
 * call, no root check. 0; -ENOENT not on the simulated macOS; -EINVAL out of its range. */
int sim_set_fake_sysctl(struct sim *sim, const char *name, int32_t value);
/* Someone else sets it between the caller's last look and the next feth creation: the value
 * lands just before that creation reads the sysctls. Same returns. */
int sim_race_fake_sysctl(struct sim *sim, const char *name, int32_t value);
/* The value it holds (-1: no such name). */
int32_t sim_fake_sysctl(const struct sim *sim, const char *name);

/* ---- the host stack ------------------------------------------------------------------------ */

/*
 * The host sends a frame out of `ifname` (e.g. an ARP request leaving the host side of a pair):
 * BPF devices attached to ifname see it outbound, those attached to its peer inbound, byte for
 * byte (darwin-notes.md F6.4), with any trailer or FCS the sender was created with. Delivery is
 * immediate here unless the sender's output is stalled (on Darwin it is asynchronous to the
 * send). Without a peer the frame vanishes, tapped nowhere. The frame is taken as the stack
 * built it (no offload is modelled: the library refuses a feth created with hwcsum or
 * tso_support). Returns 0; -ENXIO no such interface; -ENETDOWN ifname is not up; -ENOBUFS (or the
 * error given to sim_fail_enqueue) the send queue dropped it. No seam call is counted.
 */
int sim_host_send(struct sim *sim, const char *ifname, const void *frame, size_t len);

/*
 * The next frame the host stack of `ifname` received from its peer (whatever sent it: NDRV,
 * BPF write, sim_host_send on the peer), oldest first: copies up to len bytes and returns the
 * frame's length; -EAGAIN when none waits; -ENXIO no such interface. Unicast frames for
 * another MAC address than ifname's never get here (promiscuous or not; BPF saw them), nor do
 * frames shorter than an Ethernet header; a trailer stays, an FCS is stripped. Up to 4096
 * frames wait; more are counted by sim_host_dropped. No seam call is counted.
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
 * SO_NOSIGPIPE (darwin-notes.md N5.3). A library that sets SO_NOSIGPIPE keeps this at 0. */
uint64_t sim_sigpipes(const struct sim *sim);

#endif /* FETH_SIM_H */
