/* SPDX-License-Identifier: MIT */
/*
 * The Darwin BPF receive device (darwin-notes.md B): open /dev/bpfN, configure it in the order
 * the kernel demands, read whole buffers and hand out frame views through the record walker.
 * Every system call goes through the sys seam.
 */
#ifndef FETH_DARWIN_BPF_H
#define FETH_DARWIN_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "../bpf_records.h"
#include "../sys.h"

/* The buffer size used when the caller asks for none: see docs/design.md (receive buffer). */
#define FETH_BPF_DEFAULT_BUFSIZE (512u << 10)
/* /dev/bpf0 ... /dev/bpf255: BPF_MAX_DEVICES (bpf.c@xnu-11417:178). */
#define FETH_BPF_MAX_DEVICES 256

struct feth__bpf {
	const struct feth__sys *sys;
	int fd;
	int unit;           /* N of /dev/bpfN */
	uint32_t bufsize;   /* negotiated; every read() asks for exactly this */
	uint32_t requested; /* what the caller asked for (0: default) */
	uint8_t *buf;
	struct feth__bpf_walk walk;
	struct feth__bpf_counts counts;
	uint64_t reads; /* read() calls that returned data */
};

struct feth__bpf_stats {
	uint64_t frames;
	uint64_t truncated;
	uint64_t malformed;
	uint64_t reads;
	uint32_t kernel_recv; /* BIOCGSTATS bs_recv: frames the filter saw */
	uint32_t kernel_drop; /* BIOCGSTATS bs_drop: frames lost for want of buffer space */
	uint32_t bufsize;     /* negotiated buffer size */
	uint32_t requested;   /* size asked for (0: the default) */
};

/*
 * Opens a BPF device attached to `ifname`, non-blocking and close-on-exec, with immediate
 * mode, see-sent 0 (our own transmissions are not captured) and header-complete 1.
 * bufsize 0 picks FETH_BPF_DEFAULT_BUFSIZE. The kernel clamps the size silently (32 bytes to
 * 32 MiB, 512 KiB before macOS 13): the size in force is b->bufsize, and stats report both it
 * and the size asked for, so a lowered request is visible.
 * Errors: -EACCES/-EPERM no permission for /dev/bpf*; -EBUSY every device is in use;
 * -ENOENT no BPF device at all; -ENXIO no such interface; -EPROTO the interface is not
 * Ethernet (BIOCGDLT); -ENOMEM.
 */
int feth__bpf_open(const struct feth__sys *sys, const char *ifname, uint32_t bufsize,
                   struct feth__bpf **ret);
void feth__bpf_close(struct feth__bpf *b);

/*
 * Up to `max` views of received frames; 0 when none waits. Records left from the last read()
 * are handed out first, without a system call; otherwise at most one read() is made. Views
 * stay valid until the next call. Errors: -ENXIO the interface went away; others from read().
 */
int feth__bpf_recv(struct feth__bpf *b, struct feth_frame *out, size_t max);

/*
 * Turns batch write on (BIOCSBATCHWRITE, macOS 14.1+; needs header-complete, set at open):
 * 1 on, 0 not available on this kernel (EINVAL, an unknown ioctl before 14.1), or -errno.
 */
int feth__bpf_batch_enable(struct feth__bpf *b);
/* One write()/writev() on the descriptor: the bytes written, or -errno (ENXIO: detached;
 * ENETDOWN: interface down; EMSGSIZE/EIO: too large for this kernel; EINVAL: a bad batch). */
ssize_t feth__bpf_write(struct feth__bpf *b, const void *buf, size_t len);
ssize_t feth__bpf_writev(struct feth__bpf *b, const struct iovec *iov, int iovcnt);

/* Counters, including the kernel's (BIOCGSTATS). */
int feth__bpf_stats(struct feth__bpf *b, struct feth__bpf_stats *ret);

#endif
