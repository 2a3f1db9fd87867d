/* SPDX-License-Identifier: MIT */
/*
 * The simulator's internals, shared by its modules: sim.c (the world, descriptors, files,
 * fault injection, crashes, sysctl, processes), sim_if.c (interfaces, their ioctls, create and
 * destroy), sim_tx.c (the feth send path: send queue, start, output to the peer, the host stack),
 * sim_bpf.c (BPF devices) and sim_ndrv.c (AF_NDRV sockets).
 */
#ifndef FETH_SIM_INTERNAL_H
#define FETH_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/uio.h>

#include "darwin/abi.h"
#include "sim.h"

#define FETH_SIM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The simulated clock starts here (seconds since the epoch). */
#define SIM_EPOCH_S 1700000000

/* Darwin socket domains and types (bsd/sys/socket.h; darwin-notes.md A4.1). */
#define SIM_AF_UNIX     1
#define SIM_SOCK_STREAM 1
#define SIM_SOCK_DGRAM  2
#define SIM_SOCK_RAW    3

/* Per-family address slots: a limit of the simulator, not of Darwin (-ENOSPC past it). */
#define SIM_MAX_ADDRS 8

/* ifnet families (bsd/net/kpi_interface.h): what NDRV compares (ndrv.c@11417:906-943). */
#define SIM_IFNET_FAMILY_LOOPBACK 1
#define SIM_IFNET_FAMILY_ETHERNET 2

/* The feth send queue: FQ-CoDel's drop limit over all its flows (IFCQ_DEFAULT_PKT_DROP_LIMIT,
 * classq/if_classq.h@11417:39; set by kpi_interface.c@11417:544), and the byte count from
 * which a flow is the "large flow" that pays for an overflow with its head packet
 * (FQ_IF_LARGE_FLOW_BYTE_LIMIT, pktsched/pktsched_fq_codel.h@11417:88). */
#define SIM_TXQ_DROP_LIMIT 2048
#define SIM_FQ_LARGE_FLOW  15000
/* Up to macOS 14 feth_start copies each packet into one mbuf of at most a 16 KiB cluster
 * (copy_mbuf, if_fake.c@10063:3373-3427). */
#define SIM_FETH_COPY_MAX 16384
/* feth_trailer's length, the longest trailer_length (if_fake.c@11417:284-285). */
#define SIM_FETH_TRAILER_MAX 28

/* The net.link.fake sysctls read when a feth is created (if_fake.c@11417:146-207, 280-373,
 * 3504-3563). */
enum sim_fake_knob {
	SIM_FAKE_BSD_MODE,
	SIM_FAKE_TXSTART,
	SIM_FAKE_HWCSUM,
	SIM_FAKE_FCS,
	SIM_FAKE_TRAILER_LENGTH,
	SIM_FAKE_TSO_SUPPORT,
	SIM_FAKE_LRO,
	SIM_FAKE_VLAN_TAGGING,
	SIM_FAKE_MAX_MTU,
	SIM_FAKE__COUNT
};

/* One packet held by the simulator (a send queue entry, a parked packet). */
struct sim_pkt {
	uint8_t *data;
	uint32_t len;
};

/* An interface's send queue (if_snd), one FQ-CoDel flow: every simulated sender hands down
 * raw frames without a flow id, so they share one flow (fq_addq hashes the packet's flow id
 * and service class, classq_fq_codel.c@11417:338-382). */
struct sim_txq {
	struct sim_pkt *ring; /* SIM_TXQ_DROP_LIMIT entries, allocated on first use */
	size_t head, count;
	uint64_t bytes;
	uint64_t head_drops; /* overflow paid by the queue's oldest packet */
	uint64_t drops;      /* enqueues refused (ENOBUFS, or a fault injected) */
};

struct sim_ifnet {
	char name[DARWIN_IFNAMSIZ];
	char family[DARWIN_IFNAMSIZ]; /* "feth", "en", "lo": the name without its unit */
	int unit;
	bool feth;      /* created by the feth cloner */
	bool ether;     /* IFT_ETHER */
	int if_family;  /* SIM_IFNET_FAMILY_* */
	bool detaching; /* ifnet_detach done, the detacher's final part pending
	                   (dlil.c@11417:5588-5593, 5689-5701) */
	uint64_t detach_due_us;
	bool ndrv_attached; /* PF_NDRV attached: NDRV hears of this interface's detach */
	uint16_t index;
	uint16_t flags;
	int mtu;
	int max_mtu; /* feth: frozen at creation (darwin-notes.md F3.2) */
	uint8_t mac[6];
	uint8_t addrlen; /* 6, or 0 after SIOCSIFLLADDR with sa_len 0 (darwin-notes.md F7.3) */
	struct sim_ifnet *peer;
	struct sim_inbox *inbox; /* allocated on first delivery */
	int n_ipv4;
	uint8_t ipv4[SIM_MAX_ADDRS][4];
	uint8_t ipv4_prefix[SIM_MAX_ADDRS];
	int n_ipv6;
	uint8_t ipv6[SIM_MAX_ADDRS][16];
	uint8_t ipv6_prefix[SIM_MAX_ADDRS];
	uint64_t host_filtered; /* unicast frames for another MAC the host stack dropped */
	/* The description root may set (if_desc, SIOCSIFDESC): wiped by the detacher, so it never
	 * outlives the interface (dlil.c@11417:5977-5981). */
	uint32_t desc_len;
	uint8_t desc[DARWIN_IF_DESCSIZE];

	/* feth: the net.link.fake values read at creation (if_fake.c@11417:3504-3562) */
	bool bsd_mode, txstart, hwcsum, fcs, tso, lro;
	uint32_t trailer_len;
	/* feth: the send path */
	struct sim_txq txq;
	bool stalled;          /* ifnet_disable_output (dlil.c@11417:7203-7223) */
	struct sim_pkt parked; /* macOS <= 14: the packet copy_mbuf failed on, retried first by
	                          every start (if_fake.c@10063:3538-3545, 3578-3590) */
};

/* The index a destroyed feth's ifnet keeps for the next feth of its name (dlil_if_acquire,
 * dlil_ctl.c@11417:44-110; dlil.c@11417:4987-5011). Nothing else of it: ifnet_detach_final
 * wiped its description before the ifnet could be handed out again (dlil.c@11417:5977-5981,
 * before DLIF_INUSE is cleared at 6075-6076). */
struct sim_recycled {
	char name[DARWIN_IFNAMSIZ];
	uint16_t index;
};

enum sim_fd_kind { SIM_FD_FILE, SIM_FD_SOCKET, SIM_FD_BPF };

struct sim_fd {
	int fd; /* the host descriptor that stands for it */
	enum sim_fd_kind kind;
	pid_t owner; /* the process that opened it (sim->pid then): its death closes it */
	int domain; /* sockets: Darwin AF_* */
	int type;
	int minor; /* BPF: N of /dev/bpfN */
	/* AF_NDRV sockets (darwin-notes.md N) */
	struct sim_ifnet *nd_if; /* bound interface */
	int nd_family, nd_unit;  /* of the bound interface; 0 once it went away */
	bool nd_addr_set;        /* bind tried: every later bind is EINVAL (darwin-notes.md N2.4) */
	bool nd_cantsend;        /* the bound interface went away (darwin-notes.md N5.1) */
	bool nosigpipe;
	uint32_t sndbuf;
};

/* Frames the host stack of an interface received (ifnet_input), for tests to read. */
#define SIM_INBOX_CAP 4096
struct sim_inbox {
	uint8_t *frame[SIM_INBOX_CAP];
	uint32_t len[SIM_INBOX_CAP];
	size_t head, count;
	uint64_t dropped;
};

/* /dev/bpf0../dev/bpf3 exist at boot (NBPFILTER 4); opening the highest creates the next, up to
 * BPF_MAX_DEVICES (darwin-notes.md B1.2). */
#define SIM_BPF_BOOT_NODES  4
#define SIM_BPF_MAX_DEVICES 256

/* One BPF descriptor (struct bpf_d), darwin-notes.md B2-B10. */
struct sim_bpf {
	bool open;
	int fd; /* the host eventfd standing for it: readable exactly when Darwin's poll() says */
	bool readable;
	bool nonblock;
	struct sim_ifnet *ifp; /* attached interface; NULL before BIOCSETIF and after a detach */
	uint32_t bufsize;
	uint8_t *sbuf, *hbuf, *fbuf; /* store, hold, free: hold and free are never both set */
	size_t slen, hlen;
	bool immediate;
	bool see_in, see_out; /* direction: BIOCSSEESENT 0 leaves IN only */
	bool hdrcmplt;
	bool batch_write;
	uint64_t rtout_us; /* read timeout, whole 10 ms ticks; 0 = none */
	uint32_t rcount, dcount;
};

struct sim_ioctl_count {
	unsigned long req;
	unsigned long count;
};

struct sim_fault {
	bool active;
	int err;
	unsigned remaining; /* 0 = for ever */
};

/* A process whose state is not the default one (alive, started at SIM_EPOCH_S plus its pid in
 * microseconds): dead, or alive with another start time (its pid reused). */
struct sim_proc {
	pid_t pid;
	bool dead;
	int64_t start; /* microseconds since the epoch, as Darwin's p_start */
};

/* The crash hook due after the seam call just made (sim_set_crash). */
struct sim_crash {
	void (*hook)(void *arg);
	void *arg;
};

struct sim {
	struct feth__sys sys;
	pthread_mutex_t lock; /* held by every seam call (see sim.h) */

	/* environment */
	bool root;
	int macos_major, macos_minor;
	pid_t pid;
	struct sim_proc *procs; /* the processes not in the default state */
	size_t n_procs, cap_procs;
	uint64_t rng; /* xorshift64 state of the random helper */
	uint64_t now_us;
	uint64_t teardown_us;
	int32_t fake[SIM_FAKE__COUNT]; /* net.link.fake.* */
	struct {
		bool armed;
		int32_t value;
	} fake_race[SIM_FAKE__COUNT]; /* written by "someone else" just before the next create */

	/* interfaces, in attach order (the order SIOCGIFCONF walks) */
	struct sim_ifnet **ifs;
	size_t n_ifs, cap_ifs;
	uint16_t next_index;
	/* detached, waiting for the detacher thread, oldest first */
	struct sim_ifnet **detaching;
	size_t n_detaching, cap_detaching;
	struct sim_recycled *recycled;
	size_t n_recycled, cap_recycled;
	/* NDRV sockets of other processes (sim_ndrv_bind_external) */
	struct sim_fd *ndrv_ext;
	size_t n_ndrv_ext, cap_ndrv_ext;

	/* BPF devices */
	struct sim_bpf bpf[SIM_BPF_MAX_DEVICES];
	int bpf_nodes; /* /dev/bpf0 .. /dev/bpf(n-1) exist */
	unsigned long *ioctl_log;
	size_t n_ioctl_log, cap_ioctl_log;

	/* descriptors opened through the seam */
	struct sim_fd *fds;
	size_t n_fds, cap_fds;

	uint64_t sigpipes; /* SIGPIPEs the kernel would have raised (EPIPE without SO_NOSIGPIPE) */
	bool inbox_off;    /* sim_set_inbox(false): host stacks keep nothing */
	uint8_t *wbuf;     /* BPF write gathers here (grown, never shrunk) */
	size_t cap_wbuf;
	size_t *wlens; /* a batch write's frame lengths (grown, never shrunk) */
	size_t cap_wlens;
	uint8_t *obuf; /* a frame with its trailer and FCS (grown, never shrunk) */
	size_t cap_obuf;
	struct iovec uio[DARWIN_IOV_MAX]; /* a write's iovecs as the kernel walks them */

	/* accounting and faults */
	unsigned long calls;
	unsigned long calls_of[SIM_CALL__COUNT];
	struct sim_ioctl_count *ioctls;
	size_t n_ioctls, cap_ioctls;
	unsigned long fail_at; /* the call number that fails (0: none) */
	int fail_at_err;
	struct sim_fault fail_kind[SIM_CALL__COUNT];
	struct {
		unsigned long req;
		struct sim_fault f;
	} fail_ioctl[16];
	unsigned long crash_at; /* the call number after which the process dies (0: none) */
	struct sim_crash crash; /* its hook */
	bool crash_due;         /* that call was made: the hook runs once the lock is released */
	unsigned long enqueues;    /* send-queue enqueues so far */
	unsigned long enq_fail_at; /* the enqueue number that fails (0: none) */
	int enq_fail_err;
};

/* Grows *arr (of elem-sized items) to hold at least n; false when out of memory. */
bool sim__reserve(void **arr, size_t *cap, size_t n, size_t elem);

/* macOS version at least (major, minor). */
bool sim__macos_at_least(const struct sim *sim, int major, int minor);

/* The detacher thread: finishes the detach of every interface whose time has come (all of
 * them when `all`), oldest first. Returns how many it finished. */
unsigned sim__run_detacher(struct sim *sim, bool all);
/* The earliest time a pending detach comes due (UINT64_MAX: none pending). */
uint64_t sim__next_detach_us(const struct sim *sim);

/* ---- sim_if.c ------------------------------------------------------------------------------ */

/* ifunit(): the interface a name designates, "feth01" designating feth1 (if.c@11417:1761). */
struct sim_ifnet *sim__ifunit(const struct sim *sim, const char *name);
/* An interface ioctl (group 'i') on a socket of `domain`, with the argument already copied
 * into the kernel buffer `kbuf` (of the request's IOCPARM_LEN bytes). Returns 0 or -errno. */
int sim__if_ioctl(struct sim *sim, int domain, unsigned long req, void *kbuf);
/* The feth cloner's create, as SIOCIFCREATE does it (name written back for a wildcard). */
int sim__if_clone_create(struct sim *sim, char name[DARWIN_IFNAMSIZ]);
void sim__if_free_all(struct sim *sim);

/* ifnet_detach of an attached interface: down, out of the list, NDRV told, the final part
 * queued for the detacher (dlil.c@11417:5399-5593). */
void sim__if_detach(struct sim *sim, struct sim_ifnet *ifp);
/* The detacher's part (ifnet_detach_final, dlil.c@11417:5689-5760): BPF detached, the send
 * queue purged, the ifnet freed (a feth's index kept for its name). */
void sim__if_detach_final(struct sim *sim, struct sim_ifnet *ifp);

/* ---- sim_tx.c ------------------------------------------------------------------------------ */

/* dlil_output of one raw frame out of ifp (darwin-notes.md F6; NDRV send, one packet of a BPF
 * write, the host stack): returns 0 or -errno as dlil_output would (EQFULL/EQSUSPENDED turned
 * into 0). */
int sim__if_send(struct sim *sim, struct sim_ifnet *ifp, const uint8_t *frame, size_t len);
/* ifnet_disable_output / ifnet_enable_output (the latter starts the interface). */
int sim__if_set_stall(struct sim *sim, struct sim_ifnet *ifp, bool stall);
/* Frees what the send path holds (queue, parked packet). */
void sim__txq_purge(struct sim_ifnet *ifp);
void sim__inbox_free(struct sim_inbox *in);

/* ---- sim_ndrv.c ---------------------------------------------------------------------------- */

int sim__ndrv_setsockopt(struct sim *sim, struct sim_fd *f, int level, int name, const void *val,
                         size_t len);
int sim__ndrv_bind(struct sim *sim, struct sim_fd *f, const void *addr, size_t len);
ssize_t sim__ndrv_sendto(struct sim *sim, struct sim_fd *f, const void *buf, size_t len, int flags,
                         const void *addr, size_t addrlen);
/* KEV_DL_IF_DETACHING reached NDRV for ifp (darwin-notes.md N5.1): sockets bound to an
 * interface of its family and unit can send no more (ndrv.c@11417:345-356, 906-943). */
void sim__ndrv_ifdetach(struct sim *sim, struct sim_ifnet *ifp);
/* An NDRV socket is closed: PF_NDRV leaves its interface unless another socket has the same
 * family and unit (ndrv_do_detach, ndrv.c@11417:614-637). */
void sim__ndrv_close(struct sim *sim, struct sim_fd *f);

/* ---- sim_bpf.c ----------------------------------------------------------------------------- */

/* open("/dev/bpfN"): the host fd standing for the device, or -errno. */
int sim__bpf_open(struct sim *sim, int minor, int flags);
void sim__bpf_close(struct sim *sim, int minor);
ssize_t sim__bpf_read(struct sim *sim, int minor, void *buf, size_t len);
ssize_t sim__bpf_write(struct sim *sim, int minor, const struct iovec *iov, int iovcnt);
int sim__bpf_ioctl(struct sim *sim, int minor, unsigned long req, void *kbuf);
/* A frame crosses ifp: every descriptor attached to it sees it in that direction
 * (darwin-notes.md B4.2). */
void sim__bpf_tap(struct sim *sim, struct sim_ifnet *ifp, bool outbound, const uint8_t *frame,
                  size_t len);
/* The detacher detaches the interface's descriptors (bpfdetach, darwin-notes.md B10.1). */
void sim__bpf_ifdetach(struct sim *sim, struct sim_ifnet *ifp);
void sim__bpf_free_all(struct sim *sim);

#endif /* FETH_SIM_INTERNAL_H */
