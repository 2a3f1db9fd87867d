/* SPDX-License-Identifier: MIT */
/* The AF_NDRV send socket (see ndrv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ndrv.h"

static int set_int(const struct feth__sys *s, int fd, int name, int32_t v)
{
	return s->setsockopt(s->ctx, fd, DARWIN_SOL_SOCKET, name, &v, sizeof(v));
}

int feth__ndrv_open(const struct feth__sys *sys, const char *ifname, uint32_t max_frame,
                    struct feth__ndrv **ret)
{
	struct feth__ndrv *n = calloc(1, sizeof(*n));
	int r;

	if (!n)
		return -ENOMEM;
	n->sys = sys;
	n->max_frame = max_frame;
	/* Root only: ndrv_attach refuses others with EPERM (darwin-notes.md N1.2). */
	n->fd = sys->socket(sys->ctx, DARWIN_AF_NDRV, DARWIN_SOCK_RAW, 0);
	if (n->fd < 0) {
		r = n->fd;
		free(n);
		return r;
	}
	/* EPIPE after a destroy would otherwise come with SIGPIPE; MSG_NOSIGNAL was not honoured
	 * by 10.13 (darwin-notes.md N5.3). */
	r = set_int(sys, n->fd, DARWIN_SO_NOSIGPIPE, 1);
	/* PR_ATOMIC: a frame larger than the send buffer (8192 by default) is EMSGSIZE
	 * (darwin-notes.md N4.4). */
	if (r == 0 && max_frame > DARWIN_NDRV_SNDQ)
		r = set_int(sys, n->fd, DARWIN_SO_SNDBUF, (int32_t)max_frame);
	if (r == 0) {
		n->addr.snd_len = sizeof(n->addr);
		n->addr.snd_family = DARWIN_AF_NDRV;
		feth__name_copy(n->addr.snd_name, ifname);
		/* Exact name (darwin-notes.md N2.2); a down interface may be bound (N2.5). */
		r = sys->bind(sys->ctx, n->fd, &n->addr, sizeof(n->addr));
	}
	if (r < 0) {
		feth__ndrv_close(n);
		return r;
	}
	*ret = n;
	return 0;
}

int feth__ndrv_set_max_frame(struct feth__ndrv *n, uint32_t max_frame)
{
	int r = 0;

	if (max_frame > DARWIN_NDRV_SNDQ && max_frame > n->max_frame)
		r = set_int(n->sys, n->fd, DARWIN_SO_SNDBUF, (int32_t)max_frame);
	if (r == 0)
		n->max_frame = max_frame;
	return r;
}

void feth__ndrv_close(struct feth__ndrv *n)
{
	if (!n)
		return;
	(void)n->sys->close(n->sys->ctx, n->fd);
	free(n);
}

int feth__ndrv_send(struct feth__ndrv *n, const void *frame, size_t len)
{
	const struct feth__sys *s = n->sys;
	ssize_t r;

	/* sendto with the bound address: plain send() on an unconnected NDRV socket is
	 * EDESTADDRREQ. The address itself is ignored (darwin-notes.md N4.1). */
	FETH_SYS_RETRY(r, s->sendto(s->ctx, n->fd, frame, len, 0, &n->addr, sizeof(n->addr)));
	/* -EPIPE: the socket is dead for good (darwin-notes.md N5): its interface was destroyed,
	 * or another of the same family and unit was (an `en1` for a `feth1`). */
	if (r < 0)
		return (int)r;
	return (size_t)r == len ? 0 : -EIO; /* PR_ATOMIC: all or nothing */
}
