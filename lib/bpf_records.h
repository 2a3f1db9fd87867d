/* SPDX-License-Identifier: MIT */
/*
 * The BPF record walker: turns the bytes one read() of a Darwin BPF device returned into frame
 * views. Pure and portable: no system calls, no allocation, no Apple headers.
 *
 * Darwin's record (darwin-notes.md A2, B3): a header of at least 18 bytes
 * (bh_tstamp {int32 sec; int32 usec} @0, bh_caplen u32 @8, bh_datalen u32 @12, bh_hdrlen u16
 * @16), the frame at bh_hdrlen, the next record at BPF_WORDALIGN(bh_hdrlen + bh_caplen) with
 * 4-byte alignment. The kernel writes bh_hdrlen = 18 for Ethernet; userland's sizeof(struct
 * bpf_hdr) is 20, which is why the offset is always taken from the record. The length read()
 * returns is the unpadded end of the last record, so it need not be a multiple of 4.
 */
#ifndef FETH_BPF_RECORDS_H
#define FETH_BPF_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "feth/feth.h"

#define FETH_BPF_HDR_MIN      18 /* SIZEOF_BPF_HDR: the kernel's header without padding */
#define FETH_BPF_ALIGN        4  /* BPF_ALIGNMENT = sizeof(int32_t) on Darwin, not 8 */
#define FETH_BPF_WORDALIGN(x) (((x) + (FETH_BPF_ALIGN - 1)) & ~(size_t)(FETH_BPF_ALIGN - 1))
#define FETH_BPF_OFF_CAPLEN   8
#define FETH_BPF_OFF_DATALEN  12
#define FETH_BPF_OFF_HDRLEN   16

/* A buffer being walked: `off` is where the next record starts. */
struct feth__bpf_walk {
	const uint8_t *buf;
	size_t len; /* bytes read() returned */
	size_t off;
};

struct feth__bpf_counts {
	uint64_t frames;    /* views handed out */
	uint64_t truncated; /* of which caplen < datalen */
	uint64_t malformed; /* buffers whose walk ended at a bad record */
};

/* Starts walking `len` bytes at `buf`. */
static inline void feth__bpf_walk_init(struct feth__bpf_walk *w, const uint8_t *buf, size_t len)
{
	w->buf = buf;
	w->len = len;
	w->off = 0;
}

/* 1 while records may remain in the buffer. */
static inline int feth__bpf_walk_more(const struct feth__bpf_walk *w)
{
	return w->off < w->len;
}

/*
 * Hands out up to `max` views of the next records and returns how many. Never reads outside
 * [buf, buf + len), always advances, and stops at the end of the buffer, whatever the lengths
 * in the records and whether size_t has 32 or 64 bits. A record whose header does not fit,
 * whose bh_hdrlen is below 18, whose frame runs past the end, or whose caplen exceeds its
 * datalen, is malformed: it is counted once and ends the walk of this buffer (the records
 * before it are still returned). Records left when `max` is reached stay for the next call.
 */
size_t feth__bpf_parse(struct feth__bpf_walk *w, struct feth_frame *out, size_t max,
                       struct feth__bpf_counts *counts);

#endif
