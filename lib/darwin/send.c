/* SPDX-License-Identifier: MIT */
/* The Darwin send paths (see send.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../bpf_records.h"
#include "../internal.h"
#include "send.h"

#define ETHER_HDR_LEN 14

int feth__tx_open(const struct feth__sys *sys, const char *ifname, uint32_t mtu,
                  enum feth__tx_path path, struct feth__bpf *bpf, struct feth__tx **ret)
{
	struct feth__tx *tx;
	int r = 0;

	if (path != FETH__TX_AUTO && path != FETH__TX_NDRV && path != FETH__TX_BPF)
		return -EINVAL;
	if (path == FETH__TX_BPF && !bpf)
		return -EINVAL;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	tx->sys = sys;
	tx->bpf = bpf;
	if (path != FETH__TX_NDRV && bpf) {
		/* Batch write: macOS 14.1+ (§3.8). Where it is missing, AUTO falls back to NDRV
		 * and BPF to one frame per write. */
		r = feth__bpf_batch_enable(bpf);
		if (r == 1) {
			tx->mode = FETH__TX_MODE_BATCH;
			tx->max_frame = mtu + DARWIN_BPF_WRITE_LEEWAY;
		} else if (r == 0 && path == FETH__TX_BPF) {
			/* The kernels without batch write: frame <= MTU + 14 and <= MCLBYTES. */
			tx->mode = FETH__TX_MODE_BPF;
			tx->max_frame = mtu + ETHER_HDR_LEN < DARWIN_MCLBYTES ? mtu + ETHER_HDR_LEN
			                                                      : DARWIN_MCLBYTES;
		}
	}
	if (r == 0 && !tx->mode) {
		/* NDRV has no size rule of its own but its send buffer: MTU + 18 leaves room for an
		 * 802.1Q tag, as BPF's write leeway does. */
		tx->mode = FETH__TX_MODE_NDRV;
		tx->max_frame = mtu + DARWIN_BPF_WRITE_LEEWAY;
		r = feth__ndrv_open(sys, ifname, tx->max_frame, &tx->ndrv);
	}
	if (r < 0) {
		free(tx);
		return r;
	}
	*ret = tx;
	return 0;
}

void feth__tx_close(struct feth__tx *tx)
{
	if (!tx)
		return;
	feth__ndrv_close(tx->ndrv);
	free(tx);
}

/* Counts a failure by kind and maps Darwin's answers to the documented errors. */
static int failed(struct feth__tx *tx, int r)
{
	if (r == -EPIPE)
		r = -ENXIO; /* NDRV after a destroy (§4.6) */
	switch (-r) {
	case ENOBUFS:
		tx->stats.err_nobufs++;
		break;
	case ENETDOWN:
		tx->stats.err_netdown++;
		break;
	case ENXIO:
		tx->stats.err_gone++;
		break;
	default:
		tx->stats.err_other++;
		break;
	}
	return r;
}

/* The size rules, checked before any system call. */
static int check_len(struct feth__tx *tx, size_t len)
{
	if (len < ETHER_HDR_LEN || len > tx->max_frame) {
		tx->stats.refused++;
		return len < ETHER_HDR_LEN ? -EINVAL : -EMSGSIZE;
	}
	return 0;
}

static int send_one(struct feth__tx *tx, const void *frame, size_t len)
{
	ssize_t w;
	int r;

	tx->stats.syscalls++;
	if (tx->mode == FETH__TX_MODE_NDRV) {
		r = feth__ndrv_send(tx->ndrv, frame, len);
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
 * hdrlen 20, no timestamp), the frame, zero padding to 4 bytes (§3.8). Returns how many
 * records the kernel consumed, or -errno.
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
	int r = check_len(tx, len);

	if (r < 0)
		return r;
	/* With batch write on, every write of the descriptor is parsed as records. */
	if (tx->mode == FETH__TX_MODE_BATCH) {
		r = feth__tx_send_batch(tx, &one, 1);
		return r < 0 ? r : 0;
	}
	return send_one(tx, frame, len);
}

int feth__tx_send_batch(struct feth__tx *tx, const struct iovec *frames, size_t n)
{
	size_t ok, sent = 0;
	int r = 0;

	if (n > INT32_MAX)
		n = INT32_MAX;
	/* The kernel discards a whole batch for one bad record: validate first, send up to the
	 * first bad frame, and let the count say where it stopped. */
	for (ok = 0; ok < n; ok++) {
		r = check_len(tx, frames[ok].iov_len);
		if (r < 0)
			break;
	}
	while (sent < ok) {
		size_t chunk = ok - sent;

		if (tx->mode == FETH__TX_MODE_BATCH) {
			if (chunk > FETH__TX_BATCH_MAX)
				chunk = FETH__TX_BATCH_MAX;
			r = write_batch(tx, frames + sent, chunk);
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
			if (r < 0)
				break;
			sent++;
		}
	}
	return sent == 0 && r < 0 ? r : (int)sent;
}
