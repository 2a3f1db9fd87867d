/* SPDX-License-Identifier: MIT */
/* The BPF record walker (see bpf_records.h): the per-frame hot path of every receive. */
#include <string.h>

#include "bpf_records.h"

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v)); /* records are 4-aligned, but the buffer's base need not be */
	return v;
}

size_t feth__bpf_parse(struct feth__bpf_walk *w, struct feth_frame *out, size_t max,
                       struct feth__bpf_counts *counts)
{
	const uint8_t *buf = w->buf;
	size_t len = w->len, off = w->off, n = 0, truncated = 0;

	while (n < max && off < len) {
		const uint8_t *rec = buf + off;
		size_t rem = len - off, step;
		uint32_t caplen, datalen, sec, usec;
		uint16_t hdrlen;

		if (rem < FETH_BPF_HDR_MIN)
			goto malformed;
		caplen = rd32(rec + FETH_BPF_OFF_CAPLEN);
		datalen = rd32(rec + FETH_BPF_OFF_DATALEN);
		memcpy(&hdrlen, rec + FETH_BPF_OFF_HDRLEN, sizeof(hdrlen));
		/* Each check before the subtraction it guards: no wrap-around. */
		if (hdrlen < FETH_BPF_HDR_MIN || hdrlen > rem || caplen > rem - hdrlen ||
		    caplen > datalen)
			goto malformed;
		sec = rd32(rec);
		usec = rd32(rec + 4);
		out[n].data = rec + hdrlen;
		out[n].caplen = caplen;
		out[n].len = datalen;
		/* tv_sec is the wall clock truncated to 32 bits: unsigned keeps it right past 2038.
		 */
		out[n].ts_usec = (int64_t)sec * 1000000 + usec;
		out[n].flags = caplen < datalen ? FETH_FRAME_TRUNCATED : 0;
		out[n].reserved = 0;
		truncated += caplen < datalen;
		n++;
		/* hdrlen >= 18 makes step >= 20: the walk always advances. The last record is not
		 * padded, so the aligned step may overshoot the end by up to 3 bytes. */
		step = FETH_BPF_WORDALIGN((size_t)hdrlen + caplen);
		off = step < rem ? off + step : len;
	}
	w->off = off;
	counts->frames += n;
	counts->truncated += truncated;
	return n;

malformed:
	w->off = len;
	counts->frames += n;
	counts->truncated += truncated;
	counts->malformed++;
	return n;
}
