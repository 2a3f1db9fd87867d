/* SPDX-License-Identifier: MIT */
/* The Darwin send paths (see send.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../bpf_records.h"
#include "../ether.h"
#include "../internal.h"
#include "ifctl.h"
#include "send.h"

/* Batch write's limit is the library's rule: room for an 802.1Q tag beyond the MTU. */
_Static_assert(DARWIN_BPF_WRITE_LEEWAY == FETH__VLAN_ETH_HLEN, "BPF_WRITE_LEEWAY");

/*
 * The longest frame this kernel's feth carries without wedging: DARWIN_FETH_COPY_MAX up to
 * macOS 14, no limit of its own from macOS 15 on (darwin-notes.md F6.6). The release that
 * dropped the copy is the one that added net.link.fake.vlan_tagging (F8.2), so the sysctl's
 * presence tells them apart; when it cannot be read, the old kernels' limit holds.
 */
static uint32_t feth_frame_ceiling(const struct feth__sys *s)
{
	int32_t v;
	size_t len = sizeof(v);

	if (s->sysctlbyname(s->ctx, DARWIN_FETH_SYSCTL_VLAN_TAGGING, &v, &len, NULL, 0) == 0)
		return UINT32_MAX;
	return DARWIN_FETH_COPY_MAX;
}

/*
 * The largest frame a path takes at this MTU: MTU + 14 up to MCLBYTES for a BPF write without
 * batch write (darwin-notes.md B8); MTU + 18 for batch write (B9) and for NDRV, which has no
 * size rule of its own but its send buffer, so it leaves room for an 802.1Q tag as BPF's write
 * leeway does; never over what the kernel's feth carries (F6.6).
 */
static uint32_t path_limit(const struct feth__tx *tx, uint32_t mtu)
{
	uint32_t limit = mtu + FETH__VLAN_ETH_HLEN;

	if (tx->path == FETH_TAP_SEND_BPF)
		limit =
		    mtu + FETH__ETH_HLEN < DARWIN_MCLBYTES ? mtu + FETH__ETH_HLEN : DARWIN_MCLBYTES;
	return limit < tx->ceiling ? limit : tx->ceiling;
}

int feth__tx_open(const struct feth__sys *sys, const char *ifname, uint32_t mtu, uint32_t path,
                  struct feth__bpf *bpf, struct feth__tx **ret)
{
	int by_bpf = path == FETH_TAP_SEND_BPF || path == FETH_TAP_SEND_BPF_BATCH;
	struct feth__tx *tx;
	int r = 0;

	if (!by_bpf && path != FETH_TAP_SEND_AUTO && path != FETH_TAP_SEND_NDRV)
		return -EINVAL;
	if (by_bpf && !bpf)
		return -EINVAL;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	tx->sys = sys;
	tx->bpf = bpf;
	feth__name_copy(tx->ifname, ifname);
	if (path != FETH_TAP_SEND_NDRV && bpf) {
		/* Batch write: macOS 14.1+ (darwin-notes.md B7.7, B9.1). Where it is missing, AUTO
		 * falls back to NDRV and BPF to one frame per write; asked for by name, its
		 * absence is an error. */
		r = feth__bpf_batch_enable(bpf);
		if (r == 1)
			tx->path = FETH_TAP_SEND_BPF_BATCH;
		else if (r == 0 && path == FETH_TAP_SEND_BPF)
			tx->path = FETH_TAP_SEND_BPF;
		else if (r == 0 && path == FETH_TAP_SEND_BPF_BATCH)
			r = -EOPNOTSUPP;
	}
	if (r == 0 && tx->path == FETH_TAP_SEND_AUTO) /* nothing chosen yet */
		tx->path = FETH_TAP_SEND_NDRV;
	if (r >= 0) {
		tx->ceiling = feth_frame_ceiling(sys);
		tx->max_frame = path_limit(tx, mtu);
	}
	if (r == 0 && tx->path == FETH_TAP_SEND_NDRV)
		r = feth__ndrv_open(sys, ifname, tx->max_frame, &tx->ndrv);
	if (r < 0) {
		free(tx);
		return r;
	}
	*ret = tx;
	return 0;
}

int feth__tx_set_mtu(struct feth__tx *tx, uint32_t mtu)
{
	uint32_t limit = path_limit(tx, mtu);
	int r = tx->ndrv ? feth__ndrv_set_max_frame(tx->ndrv, limit) : 0;

	if (r == 0)
		tx->max_frame = limit;
	return r;
}

void feth__tx_close(struct feth__tx *tx)
{
	if (!tx)
		return;
	feth__ndrv_close(tx->ndrv);
	free(tx);
}

/*
 * Counts a failure by kind and maps Darwin's answers to the documented errors. A destroyed
 * interface answers ENETDOWN to BPF writes until its BPF descriptors are detached, later, on
 * the kernel's detacher thread (darwin-notes.md F5.4, B10.3), and kills NDRV sockets at once
 * (EPIPE; N5): whether it is gone or only down (or, for EPIPE, another interface of its family
 * and unit went), its name tells.
 */
static int failed(struct feth__tx *tx, int r)
{
	if ((r == -ENETDOWN || r == -EPIPE) && feth__darwin_if_exists(tx->sys, tx->ifname) == 0)
		r = -ENXIO;
	if (r == -EPIPE)
		r = -EIO; /* the new socket was killed too, the interface lives: the next send
		           * replaces it again */
	return feth__tx_failed(&tx->errs, r);
}

/*
 * The kernel killed the NDRV socket because an interface of the same family and unit went
 * away (an `en1` for our `feth1`, darwin-notes.md N5.1): while ours still exists, a new socket
 * bound to it carries on. 0 replaced; -ENXIO ours is gone; or the new socket's -errno.
 */
static int ndrv_renew(struct feth__tx *tx)
{
	struct feth__ndrv *n;
	int r = feth__darwin_if_exists(tx->sys, tx->ifname);

	if (r <= 0)
		return r == 0 ? -ENXIO : r;
	r = feth__ndrv_open(tx->sys, tx->ifname, tx->max_frame, &n);
	if (r < 0)
		return r == -EADDRNOTAVAIL ? -ENXIO : r;
	feth__ndrv_close(tx->ndrv);
	tx->ndrv = n;
	tx->stats.ndrv_renewed++;
	return 0;
}

static int send_one(struct feth__tx *tx, const void *frame, size_t len)
{
	ssize_t w;
	int r;

	tx->stats.syscalls++;
	if (tx->path == FETH_TAP_SEND_NDRV) {
		r = feth__ndrv_send(tx->ndrv, frame, len);
		if (r == -EPIPE) {
			r = ndrv_renew(tx);
			if (r == 0) {
				tx->stats.syscalls++;
				r = feth__ndrv_send(tx->ndrv, frame, len);
			}
		}
	} else {
		w = feth__bpf_write(tx->bpf, frame, len);
		r = w < 0 ? (int)w : (size_t)w == len ? 0 : -EIO;
	}
	if (r < 0)
		return failed(tx, r);
	tx->stats.frames++;
	return 0;
}

/*
 * One writev() of frames[0..n) as batch-write records: a 20-byte header (caplen == datalen,
 * hdrlen 20, no timestamp), the frame, zero padding to 4 bytes (darwin-notes.md B9.2).
 * Returns how many records the kernel consumed, or -errno.
 */
static int write_batch(struct feth__tx *tx, const struct iovec *frames, size_t n)
{
	static const uint8_t zero[FETH_BPF_ALIGN];
	const uint16_t hdrlen = DARWIN_BPF_HDR_SIZE;
	size_t k = 0, done = 0;
	ssize_t w;
	int iovcnt = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)frames[i].iov_len;
		size_t pad = FETH_BPF_WORDALIGN(hdrlen + (size_t)len) - (hdrlen + (size_t)len);
		uint8_t *h = tx->hdr[i];

		memset(h, 0, DARWIN_BPF_HDR_SIZE);
		memcpy(h + FETH_BPF_OFF_CAPLEN, &len, 4);
		memcpy(h + FETH_BPF_OFF_DATALEN, &len, 4);
		memcpy(h + FETH_BPF_OFF_HDRLEN, &hdrlen, 2);
		tx->iov[iovcnt].iov_base = h;
		tx->iov[iovcnt++].iov_len = DARWIN_BPF_HDR_SIZE;
		tx->iov[iovcnt++] = frames[i];
		if (pad) {
			tx->iov[iovcnt].iov_base = (void *)(uintptr_t)zero;
			tx->iov[iovcnt++].iov_len = pad;
		}
	}
	tx->stats.syscalls++;
	w = feth__bpf_writev(tx->bpf, tx->iov, iovcnt);
	if (w < 0)
		return (int)w;
	/* The kernel takes whole batches or none; count the records its byte count covers. */
	for (k = 0; k < n; k++) {
		done += FETH_BPF_WORDALIGN(hdrlen + frames[k].iov_len);
		if (done > (size_t)w)
			break;
	}
	return (int)k;
}

int feth__tx_send(struct feth__tx *tx, const void *frame, size_t len)
{
	struct iovec one = {.iov_base = (void *)(uintptr_t)frame, .iov_len = len};
	int r = feth__tx_check_len(&tx->errs, len, tx->max_frame);

	if (r < 0)
		return r;
	/* With batch write on, every write of the descriptor is parsed as records. */
	if (tx->path == FETH_TAP_SEND_BPF_BATCH) {
		r = feth__tx_send_batch(tx, &one, 1);
		return r < 0 ? r : 0;
	}
	return send_one(tx, frame, len);
}

/*
 * The interface's limit is lower than at open (another program lowered its MTU): the kernel
 * refuses a whole batch holding a frame over it with EMSGSIZE (darwin-notes.md B9.3). 1 when
 * the limit, read again, came down (frames up to it still go), 0 when it did not.
 */
static int limit_lowered(struct feth__tx *tx)
{
	int mtu = feth__darwin_if_mtu(tx->sys, tx->ifname);
	uint32_t limit;

	if (mtu < 0)
		return 0;
	limit = path_limit(tx, (uint32_t)mtu);
	if (limit >= tx->max_frame)
		return 0;
	tx->max_frame = limit;
	return 1;
}

/* How many of frames[0..n) pass the size rule, from the first (*ret_err: why the next does
 * not). */
static size_t valid_run(struct feth__tx *tx, const struct iovec *frames, size_t n, int *ret_err)
{
	return feth__tx_valid_run(&tx->errs, frames, n, tx->max_frame, ret_err);
}

int feth__tx_send_batch(struct feth__tx *tx, const struct iovec *frames, size_t n)
{
	size_t ok, sent = 0;
	int r = 0, bad;

	if (n > INT32_MAX)
		n = INT32_MAX;
	/* The kernel discards a whole batch for one bad record: validate first, send up to the
	 * first bad frame, and let the count say where it stopped. */
	ok = valid_run(tx, frames, n, &bad);
	while (sent < ok) {
		size_t chunk = ok - sent;

		if (tx->path == FETH_TAP_SEND_BPF_BATCH) {
			if (chunk > FETH__TX_BATCH_MAX)
				chunk = FETH__TX_BATCH_MAX;
			r = write_batch(tx, frames + sent, chunk);
			if (r == -ENOBUFS) {
				/*
				 * The kernel took every record and sent them one by one, and what
				 * writev() reports is the last one's fate alone (darwin-notes.md
				 * B9.4): that one was dropped by the interface's queue; any before
				 * it are gone as far as the caller can tell, dropped or not. So the
				 * count stops before the last: resuming from it sends again only
				 * what certainly did not leave.
				 */
				tx->stats.frames += chunk - 1;
				sent += chunk - 1;
				r = failed(tx, r);
				break;
			}
			if (r == -EMSGSIZE && limit_lowered(tx)) {
				ok = sent + valid_run(tx, frames + sent, ok - sent, &bad);
				r = 0;
				continue;
			}
			if (r < 0) {
				r = failed(tx, r);
				break;
			}
			tx->stats.frames += (uint64_t)r;
			sent += (size_t)r;
			if ((size_t)r < chunk) {
				/* A short write: the caller resumes from the count. */
				r = r == 0 ? failed(tx, -EIO) : 0;
				break;
			}
		} else {
			r = send_one(tx, frames[sent].iov_base, frames[sent].iov_len);
			if (r == -EMSGSIZE && limit_lowered(tx)) {
				ok = sent + valid_run(tx, frames + sent, ok - sent, &bad);
				r = 0;
				continue;
			}
			if (r < 0)
				break;
			sent++;
		}
	}
	if (sent == 0 && r == 0)
		r = bad;
	return sent == 0 && r < 0 ? r : (int)sent;
}
