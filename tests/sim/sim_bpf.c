/* SPDX-License-Identifier: MIT */
/*
 * Simulated BPF devices: /dev/bpfN nodes created on demand, the store/hold/free buffers, the
 * record format, immediate and timed reads, see-sent, statistics, detach, and poll() readiness
 * through a real descriptor (darwin-notes.md B).
 *
 * What the simulator cannot do: block. A read that would sleep with no timeout and nothing
 * buffered returns -EDEADLK instead, so a test that relies on it fails loudly, unless the
 * interface's detach is pending: then the read sleeps until the detacher runs (the simulated
 * clock moves to that time) and wakes to ENXIO. A read with a timeout advances the simulated
 * clock by the timeout (or to the detach, when that comes first). The select/kqueue timer of
 * non-immediate descriptors is not modelled: they are readable when a hold buffer is full.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sim_internal.h"

#define BPF_HDRLEN       18 /* for DLT_EN10MB: WORDALIGN(14 + 18) - 14 (darwin-notes.md B3.2) */
#define BPF_HDR_MEMSET   20 /* the kernel zeroes sizeof(struct bpf_hdr) before filling it */
#define BPF_WORDALIGN(x) (((x) + 3u) & ~(size_t)3u)
#define BPF_DEFAULT_BUF  4096 /* debug.bpf_bufsize (darwin-notes.md B2.1) */
#define BPF_FILL_BYTE    0xa5 /* fresh buffers are not zero (padding: darwin-notes.md B3.4) */

/* ---- readiness ------------------------------------------------------------------------------ */

/*
 * poll()/kqueue EVFILT_READ (darwin-notes.md B6.1, B6.2): an unattached descriptor reports ready
 * (its select answers ENXIO); immediate: ready when the hold or the store buffer holds data;
 * otherwise when a hold buffer is full. The host eventfd is made readable or drained to match.
 */
static void update_ready(struct sim_bpf *d)
{
	bool ready = !d->ifp || d->hlen > 0 || (d->immediate && d->slen > 0);
	uint64_t v = 1;
	ssize_t n;

	if (ready == d->readable || d->fd < 0)
		return;
	if (ready)
		n = write(d->fd, &v, sizeof(v));
	else
		n = read(d->fd, &v, sizeof(v));
	if (n != (ssize_t)sizeof(v))
		abort(); /* an eventfd that refuses 8 bytes: the host is broken */
	d->readable = ready;
}

/* ---- buffers -------------------------------------------------------------------------------- */

static void free_bufs(struct sim_bpf *d)
{
	free(d->sbuf);
	free(d->hbuf);
	free(d->fbuf);
	d->sbuf = d->hbuf = d->fbuf = NULL;
	d->slen = d->hlen = 0;
}

/* bpf_allocbufs: store and free of bufsize each, hold empty. */
static int alloc_bufs(struct sim_bpf *d)
{
	free_bufs(d);
	d->sbuf = malloc(d->bufsize);
	d->fbuf = malloc(d->bufsize);
	if (!d->sbuf || !d->fbuf) {
		free_bufs(d);
		return -ENOMEM;
	}
	memset(d->sbuf, BPF_FILL_BYTE, d->bufsize);
	memset(d->fbuf, BPF_FILL_BYTE, d->bufsize);
	return 0;
}

/* ROTATE_BUFFERS: store becomes hold, free becomes store. Needs a free buffer. */
static void rotate(struct sim_bpf *d)
{
	d->hbuf = d->sbuf;
	d->hlen = d->slen;
	d->sbuf = d->fbuf;
	d->slen = 0;
	d->fbuf = NULL;
}

/* catchpacket (bpf.c@11417:4024-4267), for a plain bpf_hdr. */
static void catchpacket(struct sim *sim, struct sim_bpf *d, const uint8_t *pkt, size_t len)
{
	size_t caplen = len, totlen, curlen;
	uint32_t v32;
	int32_t sec, usec;
	uint16_t hdrlen = BPF_HDRLEN;
	uint8_t *h;

	/* A packet larger than the buffer is truncated to fit, and still stored
	 * (darwin-notes.md B3.5). */
	if (caplen > d->bufsize - BPF_HDRLEN)
		caplen = d->bufsize - BPF_HDRLEN;
	totlen = BPF_HDRLEN + caplen;
	curlen = BPF_WORDALIGN(d->slen);
	if (curlen + totlen > d->bufsize) {
		/* No room: rotate if the free buffer is there, else drop (darwin-notes.md B4.3). */
		if (!d->fbuf) {
			d->dcount++;
			return;
		}
		rotate(d);
		curlen = 0;
	}
	h = d->sbuf + curlen;
	memset(h, 0, curlen + BPF_HDR_MEMSET <= d->bufsize ? BPF_HDR_MEMSET : d->bufsize - curlen);
	/* microtime(): wall clock, tv_sec truncated to 32 bits. */
	sec = (int32_t)(SIM_EPOCH_S + sim->now_us / 1000000u);
	usec = (int32_t)(sim->now_us % 1000000u);
	memcpy(h + 0, &sec, 4);
	memcpy(h + 4, &usec, 4);
	v32 = (uint32_t)caplen;
	memcpy(h + 8, &v32, 4);
	v32 = (uint32_t)len;
	memcpy(h + 12, &v32, 4);
	memcpy(h + 16, &hdrlen, 2);
	memcpy(h + BPF_HDRLEN, pkt, caplen);
	d->slen = curlen + totlen;
}

void sim__bpf_tap(struct sim *sim, struct sim_ifnet *ifp, bool outbound, const uint8_t *frame,
                  size_t len)
{
	for (int i = 0; i < sim->bpf_nodes; i++) {
		struct sim_bpf *d = &sim->bpf[i];

		if (!d->open || d->ifp != ifp)
			continue;
		/* The direction filter comes before the receive count (bpf_tap_imp,
		 * darwin-notes.md B4.2). */
		if (outbound ? !d->see_out : !d->see_in)
			continue;
		d->rcount++;
		catchpacket(sim, d, frame, len);
		update_ready(d);
	}
}

void sim__bpf_ifdetach(struct sim *sim, struct sim_ifnet *ifp)
{
	for (int i = 0; i < sim->bpf_nodes; i++) {
		if (sim->bpf[i].open && sim->bpf[i].ifp == ifp) {
			/* bpfdetach: the buffered data stays readable (darwin-notes.md B10.2). */
			sim->bpf[i].ifp = NULL;
			update_ready(&sim->bpf[i]);
		}
	}
}

int sim_bpf_listeners(struct sim *sim, const char *ifname)
{
	struct sim_ifnet *ifp;
	int n = 0;

	pthread_mutex_lock(&sim->lock);
	ifp = sim__ifunit(sim, ifname);
	for (int i = 0; ifp && i < sim->bpf_nodes; i++)
		if (sim->bpf[i].open && sim->bpf[i].ifp == ifp)
			n++;
	pthread_mutex_unlock(&sim->lock);
	return n;
}

/* ---- open, close ---------------------------------------------------------------------------- */

int sim__bpf_open(struct sim *sim, int minor, int flags)
{
	struct sim_bpf *d;
	int fd;

	/* No such node: past the last one created (darwin-notes.md B1.3). */
	if (minor < 0 || minor >= sim->bpf_nodes)
		return -ENOENT;
	/* devfs makes the nodes 0600 root:wheel. */
	if (!sim->root)
		return -EACCES;
	d = &sim->bpf[minor];
	if (d->open)
		return -EBUSY;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(d, 0, sizeof(*d));
	d->open = true;
	d->fd = fd;
	d->nonblock = (flags & O_NONBLOCK) != 0;
	/* bpfopen defaults (darwin-notes.md B2.1): 4096 bytes, direction INOUT, not immediate, no
	 * timeout, hdrcmplt 0, not attached. */
	d->bufsize = BPF_DEFAULT_BUF;
	d->see_in = d->see_out = true;
	/* Opening the highest node makes the next one. */
	if (minor == sim->bpf_nodes - 1 && sim->bpf_nodes < SIM_BPF_MAX_DEVICES)
		sim->bpf_nodes++;
	update_ready(d); /* not attached: ready */
	return fd;
}

void sim__bpf_close(struct sim *sim, int minor)
{
	struct sim_bpf *d = &sim->bpf[minor];

	free_bufs(d);
	d->open = false;
	d->ifp = NULL;
	d->fd = -1; /* the host descriptor is closed by the caller */
}

void sim__bpf_free_all(struct sim *sim)
{
	for (int i = 0; i < SIM_BPF_MAX_DEVICES; i++)
		free_bufs(&sim->bpf[i]);
}

/* ---- read, write ---------------------------------------------------------------------------- */

ssize_t sim__bpf_read(struct sim *sim, int minor, void *buf, size_t len)
{
	struct sim_bpf *d = &sim->bpf[minor];
	size_t n;

	/* Exactly the buffer size, before anything else (darwin-notes.md B5.1). */
	if (len != d->bufsize)
		return -EINVAL;
	while (d->hlen == 0) {
		uint64_t wake;

		if ((d->immediate || d->nonblock) && d->slen != 0) {
			rotate(d);
			break;
		}
		if (!d->ifp)
			return -ENXIO;
		if (d->nonblock)
			return -EAGAIN;
		/* Sleep until the timeout, or until bpfdetach wakes the reader when the detacher
		 * finishes the interface first (bpf.c@11417:4473-4528; dlil.c@11417:5701). */
		wake = d->rtout_us ? sim->now_us + d->rtout_us : UINT64_MAX;
		if (d->ifp->detaching && d->ifp->detach_due_us != UINT64_MAX &&
		    d->ifp->detach_due_us <= wake) {
			if (d->ifp->detach_due_us > sim->now_us)
				sim->now_us = d->ifp->detach_due_us;
			sim__run_detacher(sim, false);
			continue;
		}
		if (d->rtout_us == 0)
			return -EDEADLK; /* would sleep for ever: see the top of this file */
		/* The timeout passes: data is returned, else 0 bytes, which is not end of file. */
		sim->now_us += d->rtout_us;
		if (d->slen != 0) {
			rotate(d);
			break;
		}
		return 0;
	}
	n = d->hlen;
	memcpy(buf, d->hbuf, n);
	d->fbuf = d->hbuf;
	d->hbuf = NULL;
	d->hlen = 0;
	update_ready(d);
	return (ssize_t)n;
}

/*
 * bpf_movein's size checks for a frame of len bytes written with hdrcmplt 1 (darwin-notes.md
 * B8.3, B8.4). From macOS 14: more than BPF_WRITE_MAX (65535 on 14.0, 16 MiB from 14.1) or than
 * MTU + BPF_WRITE_LEEWAY is EMSGSIZE (bpf.c@11417:466-487). Up to 13 the link header length (14)
 * counts however the header is written: fewer than 14 bytes or more than MCLBYTES is EIO first
 * (bpf.c@8796.141.3:368-372), and only then more than MTU + 14 is EMSGSIZE (bpfwrite,
 * @8796.141.3:1480-1486).
 */
static int movein_len_ok(const struct sim *sim, const struct sim_ifnet *ifp, size_t len)
{
	if (sim__macos_at_least(sim, 14, 0)) {
		size_t max = sim__macos_at_least(sim, 14, 1) ? DARWIN_BPF_WRITE_MAX : 65535;

		if (len > max || len > (size_t)ifp->mtu + DARWIN_BPF_WRITE_LEEWAY)
			return -EMSGSIZE;
		return 0;
	}
	if (len < 14 || len > DARWIN_MCLBYTES)
		return -EIO;
	if (len - 14 > (size_t)ifp->mtu)
		return -EMSGSIZE;
	return 0;
}

/*
 * The write's uio as the kernel walks it (kern_subr.c@11417:1208-1285). uiomove copies across
 * iovecs, bounded by what the current ones hold (uio_copyin_user, kern_subr.c@11417:313-345);
 * uio_update(n) advances only within the current iovec, but takes all of n off the residual
 * count (uio_update_user, kern_subr.c@11417:1251-1285): a skip that crosses an iovec boundary
 * leaves the next iovec's bytes to be read as what follows the skip, and the residual short.
 */
struct kuio {
	struct iovec *v;
	int cnt, cur; /* iovecs left (the current one included), the current one */
	size_t resid;
};

static void uio_update(struct kuio *u, size_t n)
{
	if (n) {
		struct iovec *v = &u->v[u->cur];
		size_t step = n > v->iov_len ? v->iov_len : n;

		v->iov_base = (uint8_t *)v->iov_base + step;
		v->iov_len -= step;
		u->resid = n > u->resid ? 0 : u->resid - n;
	}
	while (u->cnt > 0 && u->v[u->cur].iov_len == 0) {
		u->cnt--;
		if (u->cnt > 0)
			u->cur++;
	}
}

static void uiomove_in(struct kuio *u, uint8_t *dst, size_t n)
{
	while (n > 0 && u->cnt > 0 && u->resid) {
		size_t a;

		uio_update(u, 0);
		a = u->v[u->cur].iov_len;
		if (a == 0)
			continue;
		if (a > n)
			a = n;
		memcpy(dst, u->v[u->cur].iov_base, a);
		uio_update(u, a);
		dst += a;
		n -= a;
	}
}

/* Room for one more frame of `len` bytes in the write buffer, after `used`. */
static bool wbuf_room(struct sim *sim, size_t used, size_t len, size_t nframes)
{
	return sim__reserve((void **)&sim->wbuf, &sim->cap_wbuf, used + len + 1, 1) &&
	       sim__reserve((void **)&sim->wlens, &sim->cap_wlens, nframes + 1,
	                    sizeof(*sim->wlens));
}

/*
 * bpf_movein_batch (darwin-notes.md B9.2, B9.3, B9.5; bpf.c@11417:560-650): while at least
 * sizeof(struct bpf_hdr) = 20 bytes are left, 18 header bytes are read (uiomove); bh_hdrlen
 * under 18, bh_caplen != bh_datalen, or bh_hdrlen over what was left is EINVAL; the header bytes
 * past 18 are skipped (uio_update); a frame (caplen > 0) goes through bpf_movein's checks, a
 * caplen over what is left being EMSGSIZE (bpf.c@11417:466-470); then the padding to
 * BPF_WORDALIGN(hdrlen + caplen) is skipped (uio_update). Any error discards the whole batch.
 * Collects the frames in sim->wbuf.
 */
static int movein_batch(struct sim *sim, struct sim_bpf *d, struct kuio *u, size_t *ret_n)
{
	size_t used = 0, n = 0;

	while (u->resid >= DARWIN_BPF_HDR_SIZE) {
		size_t resid = u->resid, pad;
		uint8_t h[BPF_HDRLEN];
		uint32_t caplen, datalen;
		uint16_t hdrlen;
		int r;

		uiomove_in(u, h, BPF_HDRLEN);
		memcpy(&caplen, h + 8, 4);
		memcpy(&datalen, h + 12, 4);
		memcpy(&hdrlen, h + 16, 2);
		if (hdrlen < BPF_HDRLEN || caplen != datalen || hdrlen > resid)
			return -EINVAL;
		if (hdrlen > BPF_HDRLEN)
			uio_update(u, hdrlen - BPF_HDRLEN);
		if (caplen > 0) {
			if (u->resid < caplen)
				return -EMSGSIZE;
			r = movein_len_ok(sim, d->ifp, caplen);
			if (r < 0)
				return r;
			if (!wbuf_room(sim, used, caplen, n))
				return -ENOBUFS;
			uiomove_in(u, sim->wbuf + used, caplen);
			sim->wlens[n++] = caplen;
			used += caplen;
		}
		pad = BPF_WORDALIGN((size_t)hdrlen + caplen) - ((size_t)hdrlen + caplen);
		if (pad)
			uio_update(u, pad);
	}
	*ret_n = n;
	return 0;
}

/*
 * bpfwrite (darwin-notes.md B8.1, B9.4; bpf.c@11417:1598-1735): not attached ENXIO, interface
 * down ENETDOWN (ifnet_detach takes it down before the detacher detaches BPF), nothing to write
 * 0. One frame, or a whole batch validated first, then dlil_output sends the chain packet by packet
 * and keeps only the last packet's error (dlil_output.c@11417:380-481), which write/writev return
 * although every byte was consumed (fp_writev, sys_generic.c@11417:578-617): an earlier packet's
 * drop is invisible, a last packet's error hides that the others went. Otherwise the bytes consumed
 * (a batch's unread tail of under 20 bytes, and what crossing skips took off the count, not
 * included); fp_writev also reports that count for EINTR and EWOULDBLOCK.
 */
ssize_t sim__bpf_write(struct sim *sim, int minor, const struct iovec *iov, int iovcnt)
{
	struct sim_bpf *d = &sim->bpf[minor];
	struct kuio u = {.v = sim->uio, .cnt = iovcnt, .cur = 0, .resid = 0};
	size_t len = 0, n = 0, off = 0;
	int r = 0;

	if (iovcnt < 0 || iovcnt > DARWIN_IOV_MAX)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)INT64_MAX - len)
			return -EINVAL;
		len += iov[i].iov_len;
		sim->uio[i] = iov[i];
	}
	u.resid = len;
	uio_update(&u, 0); /* past leading empty iovecs (kern_subr.c@11417:1230-1237) */
	if (!d->ifp)
		return -ENXIO;
	if (!(d->ifp->flags & DARWIN_IFF_UP))
		return -ENETDOWN;
	if (len == 0)
		return 0;
	if (d->batch_write) {
		r = movein_batch(sim, d, &u, &n);
	} else if (!d->hdrcmplt) {
		/* hdrcmplt 0 goes through the IPv4 framer, which rewrites the source MAC and needs
		 * IPv4 attached (darwin-notes.md B8.2); libfeth always writes complete headers. Not
		 * modelled. */
		r = -EOPNOTSUPP;
	} else if ((r = movein_len_ok(sim, d->ifp, len)) == 0) {
		if (!wbuf_room(sim, 0, len, 0))
			return -ENOBUFS;
		uiomove_in(&u, sim->wbuf, len);
		sim->wlens[0] = len;
		n = 1;
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = sim__if_send(sim, d->ifp, sim->wbuf + off, sim->wlens[i]);
		off += sim->wlens[i];
	}
	if (r == -EINTR || r == -EAGAIN)
		r = 0;
	return r < 0 ? r : (ssize_t)(len - u.resid);
}

/* ---- ioctl (darwin-notes.md B7) ------------------------------------------------------------- */

static uint32_t get_u32(const void *kbuf)
{
	uint32_t v;

	memcpy(&v, kbuf, sizeof(v));
	return v;
}

static void put_u32(void *kbuf, uint32_t v)
{
	memcpy(kbuf, &v, sizeof(v));
}

static int set_timeout(struct sim_bpf *d, const struct darwin_timeval *tv)
{
	uint64_t us;

	/* itimerfix, then whole ticks of 10 ms, rounded up (darwin-notes.md B5.7). */
	if (tv->tv_sec < 0 || tv->tv_sec > 100000000 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	us = (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
	d->rtout_us = (us + 9999) / 10000 * 10000;
	return 0;
}

int sim__bpf_ioctl(struct sim *sim, int minor, unsigned long req, void *kbuf)
{
	struct sim_bpf *d = &sim->bpf[minor];
	int r = 0;

	switch (req) {
	case DARWIN_BIOCSBLEN: {
		uint32_t v = get_u32(kbuf);
		/* 32 MiB from macOS 13; debug.bpf_maxbufsize (512 KiB) before. */
		uint32_t cap = sim__macos_at_least(sim, 13, 0) ? DARWIN_BPF_BUFSIZE_CAP
		                                               : DARWIN_BPF_MAXBUFSIZE_OLD;

		if (d->ifp)
			return -EINVAL; /* only before BIOCSETIF */
		if (v < DARWIN_BPF_MINBUFSIZE)
			v = DARWIN_BPF_MINBUFSIZE;
		if (v > cap)
			v = cap;
		d->bufsize = v;
		put_u32(kbuf, v); /* the value in force is written back */
		return 0;
	}
	case DARWIN_BIOCGBLEN:
		put_u32(kbuf, d->bufsize);
		return 0;
	case DARWIN_BIOCSETIF: {
		struct darwin_ifreq *ifr = kbuf;
		struct sim_ifnet *ifp;

		ifr->ifr_name[DARWIN_IFNAMSIZ - 1] = '\0';
		ifp = sim__ifunit(sim, ifr->ifr_name);
		if (!ifp)
			return -ENXIO;
		/* (Re)allocate, discarding what was buffered; stats reset. The interface may be
		 * down. */
		r = alloc_bufs(d);
		if (r < 0)
			return r;
		d->ifp = ifp;
		d->rcount = d->dcount = 0;
		break;
	}
	case DARWIN_BIOCGETIF:
		if (!d->ifp)
			return -EINVAL;
		memset(kbuf, 0, sizeof(struct darwin_ifreq));
		memcpy(kbuf, d->ifp->name, strlen(d->ifp->name));
		return 0;
	case DARWIN_BIOCGDLT:
		if (!d->ifp)
			return -EINVAL;
		/* feth attaches only DLT_EN10MB (darwin-notes.md F2.4); a loopback would be
		 * DLT_NULL (0). */
		put_u32(kbuf, d->ifp->ether ? DARWIN_DLT_EN10MB : 0);
		return 0;
	case DARWIN_BIOCIMMEDIATE:
		/* Only the first byte counts since xnu-8019 (macOS 12); the whole u_int before. */
		d->immediate =
		    sim__macos_at_least(sim, 12, 0) ? *(uint8_t *)kbuf != 0 : get_u32(kbuf) != 0;
		break;
	case DARWIN_BIOCSSEESENT:
		d->see_out = get_u32(kbuf) != 0; /* 0: direction IN */
		d->see_in = true;
		return 0;
	case DARWIN_BIOCGSEESENT:
		put_u32(kbuf, d->see_out);
		return 0;
	case DARWIN_BIOCSHDRCMPLT:
		if (get_u32(kbuf) == 0 && d->batch_write)
			return -EINVAL;
		d->hdrcmplt = get_u32(kbuf) != 0;
		return 0;
	case DARWIN_BIOCGHDRCMPLT:
		put_u32(kbuf, d->hdrcmplt);
		return 0;
	case DARWIN_BIOCSRTIMEOUT:
		return set_timeout(d, kbuf);
	case DARWIN_BIOCGRTIMEOUT: {
		struct darwin_timeval tv;

		memset(&tv, 0, sizeof(tv));
		tv.tv_sec = (int64_t)(d->rtout_us / 1000000u);
		tv.tv_usec = (int32_t)(d->rtout_us % 1000000u);
		memcpy(kbuf, &tv, sizeof(tv));
		return 0;
	}
	case DARWIN_BIOCGSTATS: {
		struct darwin_bpf_stat st = {d->rcount, d->dcount};

		memcpy(kbuf, &st, sizeof(st));
		return 0;
	}
	case DARWIN_BIOCFLUSH:
		/* reset_d: drop the hold and store contents, zero the counters. */
		if (d->hbuf) {
			d->fbuf = d->hbuf;
			d->hbuf = NULL;
		}
		d->slen = d->hlen = 0;
		d->rcount = d->dcount = 0;
		break;
	case DARWIN_BIOCSBATCHWRITE:
	case DARWIN_BIOCGBATCHWRITE:
		/* Private, from macOS 14.1; an unknown ioctl is EINVAL before. */
		if (!sim__macos_at_least(sim, 14, 1))
			return -EINVAL;
		if (req == DARWIN_BIOCGBATCHWRITE) {
			put_u32(kbuf, d->batch_write);
			return 0;
		}
		if (get_u32(kbuf) != 0 && !d->hdrcmplt)
			return -EINVAL; /* needs hdrcmplt 1 */
		d->batch_write = get_u32(kbuf) != 0;
		return 0;
	case DARWIN_FIONBIO:
		/* The generic layer sets FNONBLOCK; bpfioctl's own case is a no-op
		 * (darwin-notes.md B6.5). */
		d->nonblock = get_u32(kbuf) != 0;
		return 0;
	case DARWIN_FIONREAD:
		/* The store buffer, plus the hold buffer only while no read is in progress on
		 * macOS <= 13 (a read is never in progress here); the store buffer alone from 14
		 * on (darwin-notes.md B6.4). */
		put_u32(kbuf,
		        (uint32_t)(d->slen + (sim__macos_at_least(sim, 14, 0) ? 0 : d->hlen)));
		return 0;
	default:
		return -EINVAL; /* unknown to bpfioctl */
	}
	update_ready(d);
	return r;
}
