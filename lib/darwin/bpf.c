/* SPDX-License-Identifier: MIT */
/* The Darwin BPF receive device (see bpf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "abi.h"
#include "bpf.h"

/* Finds a free /dev/bpfN: the kernel has no cloning node, minors that are open answer EBUSY,
 * and opening the highest node creates the next one, up to 256 (darwin-notes.md B1.2, B1.3;
 * xnu's tests/bpflib.c). */
static int open_device(const struct feth__sys *s, int *ret_unit)
{
	int busy = 0;

	for (int unit = 0; unit < FETH_BPF_MAX_DEVICES; unit++) {
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "/dev/bpf%d", unit);
		FETH_SYS_RETRY(fd, s->open(s->ctx, path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0));
		if (fd >= 0) {
			*ret_unit = unit;
			return fd;
		}
		if (fd == -EBUSY) {
			busy = 1;
			continue;
		}
		/* Past the last node: every device there was is busy (or there is none). */
		if (fd == -ENOENT)
			return busy ? -EBUSY : -ENOENT;
		return fd; /* EACCES/EPERM: no permission, reported as such */
	}
	return -EBUSY;
}

static int set_uint(const struct feth__sys *s, int fd, unsigned long req, uint32_t v)
{
	int r;

	FETH_SYS_RETRY(r, s->ioctl(s->ctx, fd, req, &v));
	return r < 0 ? r : 0;
}

static int configure(struct feth__bpf *b, const char *ifname)
{
	const struct feth__sys *s = b->sys;
	struct darwin_ifreq ifr;
	uint32_t size = b->requested ? b->requested : FETH_BPF_DEFAULT_BUFSIZE, dlt = 0;
	int r;

	/* The size first: BIOCSBLEN after BIOCSETIF is EINVAL (darwin-notes.md B7.2). The kernel
	 * clamps the value and writes it back (_IOWR). */
	FETH_SYS_RETRY(r, s->ioctl(s->ctx, b->fd, DARWIN_BIOCSBLEN, &size));
	if (r < 0)
		return r;
	if (size < DARWIN_BPF_MINBUFSIZE)
		return -EPROTO;
	b->bufsize = size;

	memset(&ifr, 0, sizeof(ifr));
	feth__name_copy(ifr.ifr_name, ifname);
	FETH_SYS_RETRY(r, s->ioctl(s->ctx, b->fd, DARWIN_BIOCSETIF, &ifr));
	if (r < 0)
		return r;
	FETH_SYS_RETRY(r, s->ioctl(s->ctx, b->fd, DARWIN_BIOCGDLT, &dlt));
	if (r < 0)
		return r;
	/* feth attaches exactly one DLT, Ethernet (darwin-notes.md F2.4); anything else is not ours
	 * to parse. */
	if (dlt != DARWIN_DLT_EN10MB)
		return -EPROTO;
	/* Wake readers on every packet, not on a full buffer (darwin-notes.md B5.5). */
	r = set_uint(s, b->fd, DARWIN_BIOCIMMEDIATE, 1);
	/* See-sent 0 is direction IN: our own transmissions never come back to us
	 * (darwin-notes.md B7.5). */
	if (r == 0)
		r = set_uint(s, b->fd, DARWIN_BIOCSSEESENT, 0);
	/* Frames we write carry their own source MAC; needed for BPF write on feth
	 * (darwin-notes.md B8.2). */
	if (r == 0)
		r = set_uint(s, b->fd, DARWIN_BIOCSHDRCMPLT, 1);
	return r;
}

int feth__bpf_open(const struct feth__sys *sys, const char *ifname, uint32_t bufsize,
                   struct feth__bpf **ret)
{
	struct feth__bpf *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	b->sys = sys;
	b->requested = bufsize;
	b->fd = open_device(sys, &b->unit);
	if (b->fd < 0) {
		r = b->fd;
		free(b);
		return r;
	}
	r = configure(b, ifname);
	if (r == 0) {
		b->buf = malloc(b->bufsize);
		if (!b->buf)
			r = -ENOMEM;
	}
	if (r < 0) {
		feth__bpf_close(b);
		return r;
	}
	feth__bpf_walk_init(&b->walk, b->buf, 0);
	*ret = b;
	return 0;
}

void feth__bpf_close(struct feth__bpf *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		(void)b->sys->close(b->sys->ctx, b->fd);
	free(b->buf);
	free(b);
}

int feth__bpf_recv(struct feth__bpf *b, struct feth_frame *out, size_t max)
{
	const struct feth__sys *s = b->sys;
	ssize_t got;

	if (max == 0)
		return 0;
	if (!feth__bpf_walk_more(&b->walk)) {
		/* Exactly the negotiated size: any other length is EINVAL on Darwin
		 * (darwin-notes.md B5.1). */
		FETH_SYS_RETRY(got, s->read(s->ctx, b->fd, b->buf, b->bufsize));
		if (got == -EAGAIN || got == -EWOULDBLOCK)
			return 0; /* nothing to read */
		if (got < 0)
			return (int)got; /* ENXIO: the interface is gone */
		/* 0 bytes is a read timeout, not end of file (darwin-notes.md B5.3). */
		if (got == 0 || (size_t)got > b->bufsize)
			return got == 0 ? 0 : -EPROTO;
		b->reads++;
		feth__bpf_walk_init(&b->walk, b->buf, (size_t)got);
	}
	if (max > INT32_MAX)
		max = INT32_MAX;
	return (int)feth__bpf_parse(&b->walk, out, max, &b->counts);
}

int feth__bpf_stats(struct feth__bpf *b, struct feth__bpf_stats *ret)
{
	struct darwin_bpf_stat st = {0, 0};
	int r;

	FETH_SYS_RETRY(r, b->sys->ioctl(b->sys->ctx, b->fd, DARWIN_BIOCGSTATS, &st));
	if (r < 0)
		return r;
	ret->frames = b->counts.frames;
	ret->truncated = b->counts.truncated;
	ret->malformed = b->counts.malformed;
	ret->reads = b->reads;
	ret->kernel_recv = st.bs_recv;
	ret->kernel_drop = st.bs_drop;
	ret->bufsize = b->bufsize;
	ret->requested = b->requested;
	return 0;
}

int feth__bpf_batch_enable(struct feth__bpf *b)
{
	int r = set_uint(b->sys, b->fd, DARWIN_BIOCSBATCHWRITE, 1);

	/* bpfioctl answers EINVAL to a request it does not know: macOS before 14.1
	 * (darwin-notes.md B7.1, B7.7). */
	if (r == -EINVAL)
		return 0;
	return r < 0 ? r : 1;
}

ssize_t feth__bpf_write(struct feth__bpf *b, const void *buf, size_t len)
{
	ssize_t r;

	FETH_SYS_RETRY(r, b->sys->write(b->sys->ctx, b->fd, buf, len));
	return r;
}

ssize_t feth__bpf_writev(struct feth__bpf *b, const struct iovec *iov, int iovcnt)
{
	ssize_t r;

	FETH_SYS_RETRY(r, b->sys->writev(b->sys->ctx, b->fd, iov, iovcnt));
	return r;
}
