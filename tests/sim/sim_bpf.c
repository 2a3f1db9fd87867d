/* SPDX-License-Identifier: MIT */
/*
 * Simulated BPF devices: /dev/bpfN nodes created on demand, the store/hold/free buffers, the
 * record format, immediate and timed reads, see-sent, statistics, detach, and poll() readiness
 * through a real descriptor. Section numbers (§) refer to docs/darwin-kernel.md.
 *
 * What the simulator cannot do: block. A read that would sleep with no timeout and nothing
 * buffered returns -EDEADLK instead, so a test that relies on it fails loudly. A read with a
 * timeout advances the simulated clock by the timeout. The select/kqueue timer of
 * non-immediate descriptors is not modelled: they are readable when a hold buffer is full.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sim_internal.h"

#define BPF_HDRLEN       18 /* bif_hdrlen for DLT_EN10MB: WORDALIGN(14 + 18) - 14 (§3.3) */
#define BPF_HDR_MEMSET   20 /* the kernel zeroes sizeof(struct bpf_hdr) before filling it */
#define BPF_WORDALIGN(x) (((x) + 3u) & ~(size_t)3u)
#define BPF_DEFAULT_BUF  4096 /* debug.bpf_bufsize (§3.2) */
#define BPF_FILL_BYTE    0xa5 /* fresh buffers are not zero: padding is not guaranteed (§3.3) */

/* ---- readiness ------------------------------------------------------------------------------ */

/*
 * poll()/kqueue EVFILT_READ (§3.6): an unattached descriptor reports ready (its select answers
 * ENXIO); immediate: ready when the hold or the store buffer holds data; otherwise when a hold
 * buffer is full. The host eventfd is made readable or drained to match.
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

	/* A packet larger than the buffer is truncated to fit, and still stored (§3.3). */
	if (caplen > d->bufsize - BPF_HDRLEN)
		caplen = d->bufsize - BPF_HDRLEN;
	totlen = BPF_HDRLEN + caplen;
	curlen = BPF_WORDALIGN(d->slen);
	if (curlen + totlen > d->bufsize) {
		/* No room: rotate if the free buffer is there, else drop (§3.4). */
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
		/* The direction filter comes before the receive count (bpf_tap_imp, §3.4). */
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
			/* bpfdetach: the buffered data stays readable (§3.9). */
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

	/* No such node: past the last one created (§3.1). */
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
	/* bpfopen defaults (§3.2): 4096 bytes, direction INOUT, not immediate, no timeout,
	 * hdrcmplt 0, not attached. */
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

	/* Exactly the buffer size, before anything else (§3.5). */
	if (len != d->bufsize)
		return -EINVAL;
	while (d->hlen == 0) {
		if ((d->immediate || d->nonblock) && d->slen != 0) {
			rotate(d);
			break;
		}
		if (!d->ifp)
			return -ENXIO;
		if (d->nonblock)
			return -EAGAIN;
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

/* The largest frame a BPF write may carry on the simulated macOS, hdrcmplt 1 (§3.8). */
static int frame_size_ok(const struct sim *sim, const struct sim_ifnet *ifp, size_t len,
                         size_t hlen)
{
	if (sim__macos_at_least(sim, 14, 0)) {
		/* 14.0 capped a write at 65535, 14.1 at 16 MiB; the frame at MTU + 18. */
		size_t max = sim__macos_at_least(sim, 14, 1) ? DARWIN_BPF_WRITE_MAX : 65535;

		if (len < hlen || len > max ||
		    len - hlen > (size_t)ifp->mtu + DARWIN_BPF_WRITE_LEEWAY)
			return -EMSGSIZE;
		return 0;
	}
	/* Up to 13: the payload after the 14-byte header at most the MTU, and one cluster. */
	(void)hlen;
	if (len > (size_t)ifp->mtu + 14)
		return -EMSGSIZE;
	if (len > DARWIN_MCLBYTES)
		return -EIO;
	return 0;
}

/*
 * bpf_movein_batch (§3.8): records of a header (bh_hdrlen >= 18, caplen == datalen), the
 * frame, padding to 4; while at least 20 bytes remain. Any bad record discards the whole
 * batch. Returns the bytes consumed, having sent every frame, or -errno having sent none.
 */
static ssize_t write_batch(struct sim *sim, struct sim_bpf *d, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (off = 0; len - off >= DARWIN_BPF_HDR_SIZE;) {
			uint32_t caplen, datalen;
			uint16_t hdrlen;
			size_t step;
			int r;

			memcpy(&caplen, buf + off + 8, 4);
			memcpy(&datalen, buf + off + 12, 4);
			memcpy(&hdrlen, buf + off + 16, 2);
			if (hdrlen < BPF_HDRLEN || hdrlen > len - off || caplen != datalen ||
			    caplen > len - off - hdrlen)
				return -EINVAL;
			if (caplen && (r = frame_size_ok(sim, d->ifp, caplen, 0)) < 0)
				return r;
			if (pass == 1 && caplen)
				sim__if_output(sim, d->ifp, buf + off + hdrlen, caplen);
			step = BPF_WORDALIGN((size_t)hdrlen + caplen);
			off = step < len - off ? off + step : len;
		}
	}
	return (ssize_t)off;
}

ssize_t sim__bpf_write(struct sim *sim, int minor, const struct iovec *iov, int iovcnt)
{
	struct sim_bpf *d = &sim->bpf[minor];
	size_t len = 0, at = 0;
	uint8_t *buf;
	ssize_t r;

	if (iovcnt < 0 || iovcnt > DARWIN_IOV_MAX)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	/* bpfwrite: attached, up, then an empty write is 0 (§3.8). */
	if (!d->ifp)
		return -ENXIO;
	if (!(d->ifp->flags & DARWIN_IFF_UP))
		return -ENETDOWN;
	if (len == 0)
		return 0;
	if (!sim__reserve((void **)&sim->wbuf, &sim->cap_wbuf, len, 1))
		return -ENOMEM;
	buf = sim->wbuf;
	for (int i = 0; i < iovcnt; i++) {
		memcpy(buf + at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	if (d->batch_write) {
		r = write_batch(sim, d, buf, len);
	} else if (!d->hdrcmplt) {
		/* hdrcmplt 0 goes through the IPv4 framer, which rewrites the source MAC and needs
		 * IPv4 attached (§3.8); libfeth always writes complete headers. Not modelled. */
		r = -EOPNOTSUPP;
	} else if ((r = frame_size_ok(sim, d->ifp, len, 0)) == 0) {
		sim__if_output(sim, d->ifp, buf, len);
		r = (ssize_t)len;
	}
	return r;
}

/* ---- ioctl (§3.7) --------------------------------------------------------------------------- */

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

	/* itimerfix, then whole ticks of 10 ms, rounded up (§3.5). */
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
		/* feth attaches only DLT_EN10MB (§2.3); a loopback would be DLT_NULL (0). */
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
		/* The generic layer sets FNONBLOCK; bpfioctl's own case is a no-op (§3.6). */
		d->nonblock = get_u32(kbuf) != 0;
		return 0;
	case DARWIN_FIONREAD:
		/* The store buffer, plus the hold buffer only while no read is in progress on
		 * macOS <= 13 (a read is never in progress here); the store buffer alone from 14
		 * on (§3.6). */
		put_u32(kbuf,
		        (uint32_t)(d->slen + (sim__macos_at_least(sim, 14, 0) ? 0 : d->hlen)));
		return 0;
	default:
		return -EINVAL; /* unknown to bpfioctl */
	}
	update_ready(d);
	return r;
}
