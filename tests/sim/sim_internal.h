/* SPDX-License-Identifier: MIT */
/*
 * The simulator's internals, shared by its modules: sim.c (the world, descriptors, fault
 * injection, sysctl, processes) and sim_if.c (interfaces and their ioctls).
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

/* Darwin socket domains and types (bsd/sys/socket.h; darwin-abi.md). */
#define SIM_AF_UNIX     1
#define SIM_SOCK_STREAM 1
#define SIM_SOCK_DGRAM  2
#define SIM_SOCK_RAW    3

/* Per-family address slots: a limit of the simulator, not of Darwin (-ENOSPC past it). */
#define SIM_MAX_ADDRS 8

struct sim_ifnet {
	char name[DARWIN_IFNAMSIZ];
	char family[DARWIN_IFNAMSIZ]; /* "feth", "en", "lo": the name without its unit */
	int unit;
	bool feth;  /* created by the feth cloner */
	bool ether; /* IFT_ETHER */
	uint16_t index;
	uint16_t flags;
	int mtu;
	int max_mtu; /* feth: frozen at creation (§2.4) */
	uint8_t mac[6];
	uint8_t addrlen; /* 6, or 0 after SIOCSIFLLADDR with sa_len 0 (§2.9) */
	struct sim_ifnet *peer;
	struct sim_inbox *inbox; /* allocated on first delivery */
	int n_ipv4;
	uint8_t ipv4[SIM_MAX_ADDRS][4];
	uint8_t ipv4_prefix[SIM_MAX_ADDRS];
	int n_ipv6;
	uint8_t ipv6[SIM_MAX_ADDRS][16];
	uint8_t ipv6_prefix[SIM_MAX_ADDRS];
};

/* A unit whose destroyed ifnet is still being torn down (§2.7): EBUSY until `until_us`. */
struct sim_teardown {
	int unit;
	uint64_t until_us;
};

enum sim_fd_kind { SIM_FD_FILE, SIM_FD_SOCKET, SIM_FD_BPF };

struct sim_fd {
	int fd; /* the host descriptor that stands for it */
	enum sim_fd_kind kind;
	int domain; /* sockets: Darwin AF_* */
	int type;
	int minor; /* BPF: N of /dev/bpfN */
	/* AF_NDRV sockets (§4) */
	struct sim_ifnet *nd_if; /* bound interface */
	bool nd_addr_set;        /* a bind was tried: every later bind is EINVAL (§4.2) */
	bool nd_cantsend;        /* the bound interface went away (§4.6) */
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
 * BPF_MAX_DEVICES (§3.1). */
#define SIM_BPF_BOOT_NODES  4
#define SIM_BPF_MAX_DEVICES 256

/* One BPF descriptor (struct bpf_d), §3.2-§3.9. */
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

struct sim {
	struct feth__sys sys;
	pthread_mutex_t lock; /* held by every seam call (see sim.h) */

	/* environment */
	bool root;
	int macos_major, macos_minor;
	pid_t pid;
	pid_t *dead;
	size_t n_dead, cap_dead;
	uint64_t now_us;
	uint64_t teardown_us;
	uint32_t sysctl_max_mtu;

	/* interfaces, in attach order (the order SIOCGIFCONF walks) */
	struct sim_ifnet **ifs;
	size_t n_ifs, cap_ifs;
	uint16_t next_index;
	struct sim_teardown *teardowns;
	size_t n_teardowns, cap_teardowns;

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
};

/* Grows *arr (of elem-sized items) to hold at least n; false when out of memory. */
bool sim__reserve(void **arr, size_t *cap, size_t n, size_t elem);

/* macOS version at least (major, minor). */
bool sim__macos_at_least(const struct sim *sim, int major, int minor);

/* ---- sim_if.c ------------------------------------------------------------------------------ */

/* ifunit(): the interface a name designates, "feth01" designating feth1 (if.c@11417:1761). */
struct sim_ifnet *sim__ifunit(const struct sim *sim, const char *name);
/* An interface ioctl (group 'i') on a socket of `domain`, with the argument already copied
 * into the kernel buffer `kbuf` (of the request's IOCPARM_LEN bytes). Returns 0 or -errno. */
int sim__if_ioctl(struct sim *sim, int domain, unsigned long req, void *kbuf);
/* The feth cloner's create, as SIOCIFCREATE does it (name written back for a wildcard). */
int sim__if_clone_create(struct sim *sim, char name[DARWIN_IFNAMSIZ]);
void sim__if_free_all(struct sim *sim);

/* A frame leaves ifp (NDRV send, BPF write, the host stack): without a peer it vanishes;
 * otherwise ifp's BPF sees it outbound, the peer's inbound, and the peer's host stack gets it
 * (§2.8). The caller has checked that ifp is up. */
void sim__if_output(struct sim *sim, struct sim_ifnet *ifp, const uint8_t *frame, size_t len);

/* ---- sim_ndrv.c ---------------------------------------------------------------------------- */

int sim__ndrv_setsockopt(struct sim *sim, struct sim_fd *f, int level, int name, const void *val,
                         size_t len);
int sim__ndrv_bind(struct sim *sim, struct sim_fd *f, const void *addr, size_t len);
ssize_t sim__ndrv_sendto(struct sim *sim, struct sim_fd *f, const void *buf, size_t len, int flags,
                         const void *addr, size_t addrlen);
/* The interface is going away: sockets bound to it can send no more (§4.6). */
void sim__ndrv_ifdetach(struct sim *sim, struct sim_ifnet *ifp);

/* ---- sim_bpf.c ----------------------------------------------------------------------------- */

/* open("/dev/bpfN"): the host fd standing for the device, or -errno. */
int sim__bpf_open(struct sim *sim, int minor, int flags);
void sim__bpf_close(struct sim *sim, int minor);
ssize_t sim__bpf_read(struct sim *sim, int minor, void *buf, size_t len);
ssize_t sim__bpf_write(struct sim *sim, int minor, const struct iovec *iov, int iovcnt);
int sim__bpf_ioctl(struct sim *sim, int minor, unsigned long req, void *kbuf);
/* A frame crosses ifp: every descriptor attached to it sees it in that direction (§3.4). */
void sim__bpf_tap(struct sim *sim, struct sim_ifnet *ifp, bool outbound, const uint8_t *frame,
                  size_t len);
/* The interface is going away: its descriptors are detached (§3.9). */
void sim__bpf_ifdetach(struct sim *sim, struct sim_ifnet *ifp);
void sim__bpf_free_all(struct sim *sim);

#endif /* FETH_SIM_INTERNAL_H */
