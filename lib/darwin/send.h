/* SPDX-License-Identifier: MIT */
/*
 * The Darwin send paths behind one interface: AF_NDRV (one sendto per frame, darwin-notes.md
 * N4), BPF write (one write per frame, B8) and BPF batch write (many frames per writev, macOS
 * 14.1+, B9).
 */
#ifndef FETH_DARWIN_SEND_H
#define FETH_DARWIN_SEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../internal.h"
#include "../sys.h"
#include "abi.h"
#include "bpf.h"
#include "ndrv.h"

/* Frames per writev() in batch mode: three iovecs each (header, frame, padding), within
 * IOV_MAX. */
#define FETH__TX_BATCH_MAX 256
_Static_assert(3 * FETH__TX_BATCH_MAX <= DARWIN_IOV_MAX, "batch iovecs within IOV_MAX");

struct feth__tx_stats {
	uint64_t frames;       /* accepted by the kernel */
	uint64_t syscalls;     /* sendto/write/writev calls made */
	uint64_t ndrv_renewed; /* NDRV sockets replaced after the kernel killed one for another
	                          interface's detach */
};

struct feth__tx {
	const struct feth__sys *sys;
	char ifname[16];
	/* The path in force: FETH_TAP_SEND_NDRV, _BPF (one frame per write) or _BPF_BATCH. The
	 * public values name every path the kernel has, so there are no internal ones to map. */
	uint32_t path;
	uint32_t max_frame; /* the largest frame accepted, Ethernet header included */
	/* The largest frame this kernel's feth carries (DARWIN_FETH_COPY_MAX, or none). */
	uint32_t ceiling;
	struct feth__ndrv *ndrv;
	struct feth__bpf *bpf; /* borrowed from the receive side; not closed here */
	struct feth__tx_stats stats;
	struct feth__tx_errs errs; /* refusals and failures, by kind */
	/* Batch records are built here, so a send allocates nothing. */
	uint8_t hdr[FETH__TX_BATCH_MAX][DARWIN_BPF_HDR_SIZE];
	struct iovec iov[3 * FETH__TX_BATCH_MAX];
};

/*
 * Opens the send path `path` out of `ifname` (the I/O side) for frames of an interface with
 * `mtu`: FETH_TAP_SEND_AUTO (batch write where the kernel has it, else AF_NDRV), _NDRV, _BPF
 * (the BPF descriptor: batch write where the kernel has it, else one frame per write) or
 * _BPF_BATCH (batch write or nothing). `bpf` is the receive descriptor on the same interface
 * (header-complete and see-sent 0, so our sends never come back to us); it may be NULL for
 * _NDRV and _AUTO (which then uses NDRV). Batch write is probed with BIOCSBATCHWRITE. The
 * largest frame accepted: MTU + 18 (an 802.1Q-tagged frame) for NDRV and batch write;
 * min(MTU + 14, 2048) for single BPF writes, the rule of the kernels without batch write
 * (darwin-notes.md B8.4).
 * Errors: -EINVAL a BPF path without `bpf`, or a path that is not Darwin's; -EOPNOTSUPP
 * _BPF_BATCH on a kernel without batch write; those of feth__ndrv_open(); -ENOMEM.
 */
int feth__tx_open(const struct feth__sys *sys, const char *ifname, uint32_t mtu, uint32_t path,
                  struct feth__bpf *bpf, struct feth__tx **ret);
void feth__tx_close(struct feth__tx *tx);
/* The interface's MTU is now `mtu`: the size rule follows it. 0, or -errno. */
int feth__tx_set_mtu(struct feth__tx *tx, uint32_t mtu);

/*
 * Sends one frame. 0, or: -EINVAL shorter than an Ethernet header, -EMSGSIZE longer than
 * max_frame (before any system call: feth__tx_check_len()); -ENOBUFS queue full, frame
 * dropped; -ENETDOWN the interface is down; -ENXIO the interface is gone; others from the
 * kernel.
 */
int feth__tx_send(struct feth__tx *tx, const void *frame, size_t len);

/*
 * Sends frames[0..n) in order and returns how many the kernel accepted. Partial progress is
 * normal: sending stops at the first frame that is refused or fails, and the count tells the
 * caller where to resume. When not even the first frame is accepted the error is returned
 * (as feth__tx_send). n == 0 returns 0.
 */
int feth__tx_send_batch(struct feth__tx *tx, const struct iovec *frames, size_t n);

#endif
