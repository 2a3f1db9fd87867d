/* SPDX-License-Identifier: MIT */
/*
 * A tap's I/O on Darwin: the BPF receive device on the I/O side and the send path beside it
 * (lib/tap.c does the pair, the handle, locking and waking).
 */
#include <errno.h>
#include <stdlib.h>

#include "../internal.h"
#include "bpf.h"
#include "ifctl.h"
#include "send.h"

/* How often a waiting receiver looks whether the I/O side still exists (ms). */
#define GONE_POLL_MS 100

struct feth__tap_io {
	const struct feth__sys *sys;
	struct feth__bpf *bpf;
	struct feth__tx *tx;
	uint32_t kernel_drops; /* the last figure the kernel gave */
	char ioname[FETH_IFNAMSIZ];
	int gone;           /* the I/O side was destroyed */
	int64_t checked_at; /* when an empty receive last looked (seconds) */
};

static int darwin_tap_open(const struct feth__env *env, const struct feth__tap_io_req *req,
                           struct feth__tap_io **ret, struct feth__tap_io_info *ret_info)
{
	struct feth__tap_io *io = calloc(1, sizeof(*io));
	int r;

	if (!io)
		return -ENOMEM;
	io->sys = env->sys;
	feth__name_copy(io->ioname, req->io_name);
	/* Receive first: the BPF descriptor is also a send path (darwin-notes.md B8, B9). */
	r = feth__bpf_open(env->sys, req->io_name, req->rx_bufsize, &io->bpf);
	if (r == 0)
		r = feth__tx_open(env->sys, req->io_name, req->mtu, req->send_path, io->bpf,
		                  &io->tx);
	if (r < 0) {
		feth__tx_close(io->tx);
		feth__bpf_close(io->bpf);
		free(io);
		return r;
	}
	ret_info->max_frame = io->tx->max_frame;
	ret_info->rx_bufsize = io->bpf->bufsize;
	ret_info->send_path = io->tx->path;
	/* BPF in immediate mode (lib/darwin/bpf.c): a read returns what has arrived at once. */
	ret_info->rx_mode = FETH_TAP_RX_LOW_LATENCY;
	*ret = io;
	return 0;
}

static void darwin_tap_close(struct feth__tap_io *io)
{
	/* The send path borrows the BPF descriptor: it goes first. */
	feth__tx_close(io->tx);
	feth__bpf_close(io->bpf);
	free(io);
}

static int darwin_tap_fd(const struct feth__tap_io *io)
{
	return io->bpf->fd;
}

static int darwin_tap_pending(struct feth__tap_io *io)
{
	return feth__bpf_walk_more(&io->bpf->walk) || io->gone;
}

/*
 * A destroyed interface leaves the kernel's list at once, but its BPF descriptors are detached
 * later, on the detacher thread: until then a read finds nothing (EAGAIN, not ENXIO) and the
 * descriptor signals nothing (darwin-notes.md F5.4, B10.3). Its name tells (ifctl.h).
 */
static int check_gone(struct feth__tap_io *io)
{
	if (!io->gone && feth__darwin_if_exists(io->sys, io->ioname) == 0)
		io->gone = 1;
	return io->gone;
}

static int darwin_tap_idle(struct feth__tap_io *io)
{
	return feth__bpf_walk_more(&io->bpf->walk) || check_gone(io);
}

static int darwin_tap_wait_limits(const struct feth__tap_io *io, int *ret_pause_us)
{
	(void)io;
	if (ret_pause_us)
		*ret_pause_us = 0; /* BPF hands over a whole buffer per read already */
	return GONE_POLL_MS;
}

static int darwin_tap_recv(struct feth__tap_io *io, struct feth_frame *out, size_t max)
{
	int r = feth__bpf_recv(io->bpf, out, max);

	if (r == -ENXIO)
		io->gone = 1;
	if (r != 0)
		return r;
	/* Nothing: at most once a second, an empty receive looks whether the interface is gone,
	 * so that a program with its own event loop learns of it too. */
	if (!io->gone) {
		int64_t now = io->sys->time_now(io->sys->ctx);

		if (now != io->checked_at) {
			io->checked_at = now;
			(void)check_gone(io);
		}
	}
	return io->gone ? -ENXIO : 0;
}

static int darwin_tap_send(struct feth__tap_io *io, const void *frame, size_t len)
{
	return feth__tx_send(io->tx, frame, len);
}

static int darwin_tap_send_batch(struct feth__tap_io *io, const struct iovec *frames, size_t n)
{
	return feth__tx_send_batch(io->tx, frames, n);
}

/* The BPF buffer holds any frame feth carries; only the send size rule follows the MTU. */
static int darwin_tap_set_mtu(struct feth__tap_io *io, uint32_t mtu, struct feth__tap_io_info *ret)
{
	int r = feth__tx_set_mtu(io->tx, mtu);

	ret->max_frame = io->tx->max_frame;
	ret->rx_bufsize = io->bpf->bufsize;
	return r;
}

static int darwin_tap_stats(struct feth__tap_io *io, struct feth_tap_stats *ret)
{
	const struct feth__tx_stats *t = &io->tx->stats;
	struct feth__bpf_stats b;
	int r = feth__bpf_stats(io->bpf, &b);

	/* Without the kernel's figures (interface gone) the library's own are still good. */
	ret->rx_frames = io->bpf->counts.frames;
	ret->rx_truncated = io->bpf->counts.truncated;
	ret->rx_malformed = io->bpf->counts.malformed;
	ret->rx_reads = io->bpf->reads;
	if (r == 0)
		io->kernel_drops = b.kernel_drop;
	ret->rx_kernel_drops = io->kernel_drops;
	ret->tx_frames = t->frames;
	ret->tx_syscalls = t->syscalls;
	feth__tx_errs_report(&io->tx->errs, ret);
	return r;
}

const struct feth__tap_ops feth__tap_ops_darwin = {
    .send_paths = 1u << FETH_TAP_SEND_AUTO | 1u << FETH_TAP_SEND_NDRV | 1u << FETH_TAP_SEND_BPF |
                  1u << FETH_TAP_SEND_BPF_BATCH,
    .rx_modes = 1u << FETH_TAP_RX_AUTO | 1u << FETH_TAP_RX_LOW_LATENCY,
    .open = darwin_tap_open,
    .close = darwin_tap_close,
    .fd = darwin_tap_fd,
    .pending = darwin_tap_pending,
    .wait_limits = darwin_tap_wait_limits,
    .idle = darwin_tap_idle,
    .recv = darwin_tap_recv,
    .send = darwin_tap_send,
    .send_batch = darwin_tap_send_batch,
    .stats = darwin_tap_stats,
    .set_mtu = darwin_tap_set_mtu,
};
