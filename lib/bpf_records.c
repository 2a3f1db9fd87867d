/* SPDX-License-Identifier: MIT */
/* The BPF record walker (see bpf_records.h): the per-frame hot path of every receive. */
#include <stddef.h>
#include <string.h>

#include "bpf_records.h"

_Static_assert(offsetof(struct feth_frame, len) == offsetof(struct feth_frame, caplen) + 4,
               "caplen and len are copied together");
_Static_assert(offsetof(struct feth_frame, reserved) == offsetof(struct feth_frame, flags) + 4,
               "flags and reserved are stored together");
_Static_assert(FETH_FRAME_TRUNCATED == 1, "the truncation flag is the comparison's result");
_Static_assert(FETH_BPF_OFF_DATALEN == FETH_BPF_OFF_CAPLEN + 4, "bh_caplen, bh_datalen");
/*
 * A record's lengths are summed in a uint64_t, where they cannot wrap: bh_hdrlen (16 bits) +
 * bh_caplen (32 bits) + the alignment padding (3) is below 2^33. In a 32-bit size_t the sum
 * wraps: bh_caplen 0xffffffff made it 17, which let a frame past the end of the buffer through,
 * and 0xffffffee made it 0, which stopped the walk from advancing. No other length is added:
 * `rem` is a pointer difference, and a step is added to `p` only when it is below `rem`.
 */

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v)); /* records are 4-aligned, but the buffer's base need not be */
	return v;
}

/* flags and reserved (zero) with one 64-bit store where the byte order allows it. */
static inline void set_flags(struct feth_frame *f, uint32_t flags)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t both = flags;

	memcpy(&f->flags, &both, sizeof(both));
#else
	f->flags = flags;
	f->reserved = 0;
#endif
}

size_t feth__bpf_parse(struct feth__bpf_walk *w, struct feth_frame *out, size_t max,
                       struct feth__bpf_counts *counts)
{
	const uint8_t *p = w->buf + w->off, *end = w->buf + w->len;
	struct feth_frame *f = out, *f_end = out + max;
	uint64_t truncated = 0;
	size_t n;

	/* Pointers rather than offsets, and one bound check per field: this loop is the per-frame
	 * cost of every receive (tests/bench: instructions per record under callgrind). */
	while (f < f_end && p < end) {
		size_t rem = (size_t)(end - p);
		uint64_t need;
		uint32_t caplen, datalen, sec, usec, trunc;
		uint16_t hdrlen;

		if (rem < FETH_BPF_HDR_MIN)
			goto malformed;
		caplen = rd32(p + FETH_BPF_OFF_CAPLEN);
		datalen = rd32(p + FETH_BPF_OFF_DATALEN);
		memcpy(&hdrlen, p + FETH_BPF_OFF_HDRLEN, sizeof(hdrlen));
		/* hdrlen + caplen cannot wrap in a uint64_t (see above): it covers both "header
		 * past the end" and "frame past the end" without a subtraction. Where size_t has
		 * 64 bits this is the one addition and comparison it always was. */
		need = (uint64_t)hdrlen + caplen;
		if (hdrlen < FETH_BPF_HDR_MIN || need > rem || caplen > datalen)
			goto malformed;
		sec = rd32(p);
		usec = rd32(p + 4);
		f->data = p + hdrlen;
		/* bh_caplen and bh_datalen sit side by side as caplen and len do: one copy. */
		memcpy(&f->caplen, p + FETH_BPF_OFF_CAPLEN, 2 * sizeof(uint32_t));
		/* tv_sec is the wall clock truncated to 32 bits: unsigned keeps it right past 2038.
		 */
		f->ts_nsec = ((int64_t)sec * 1000000 + usec) * 1000;
		trunc = caplen < datalen; /* FETH_FRAME_TRUNCATED is bit 0 */
		set_flags(f, trunc);
		truncated += trunc;
		f++;
		/* hdrlen >= 18 makes the step >= 20: the walk always advances. The last record is
		 * not padded, so its aligned step may reach up to 3 bytes past the end. need <= rem
		 * here, so need + 3 stays exact in 64 bits, and a step below rem fits a size_t. */
		need = (need + (FETH_BPF_ALIGN - 1)) & ~(uint64_t)(FETH_BPF_ALIGN - 1);
		p = need < rem ? p + (size_t)need : end;
	}
	n = (size_t)(f - out);
	w->off = (size_t)(p - w->buf);
	counts->frames += n;
	counts->truncated += truncated;
	return n;

malformed:
	n = (size_t)(f - out);
	w->off = w->len;
	counts->frames += n;
	counts->truncated += truncated;
	counts->malformed++;
	return n;
}
