/* SPDX-License-Identifier: MIT */
/*
 * The tap handle (feth_tap_*): the pair (created through feth_pair_create() or adopted), the
 * platform's receive ring and send path (struct feth__tap_ops), the locks that make the
 * thread-safety contract of feth.h hold, and the wake pipe behind feth_tap_wait().
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "internal.h"

#define KNOWN_TAP_FLAGS FETH_TAP_ADOPT
#define LAST_SEND_PATH  FETH_TAP_SEND_TX_RING_BYPASS
#define LAST_RX_MODE    FETH_TAP_RX_LOW_LATENCY
/* A destroy that fails at close is tried this many times in all (see feth_tap_close()). */
#define DESTROY_TRIES 3

struct feth_tap {
	const struct feth__env *env;
	const struct feth__tap_ops *ops;
	struct feth__tap_io *io;
	struct feth_tap_info info; /* complete: sz is sizeof */
	int created;               /* the pair is this tap's: destroy it at close */
	uint32_t euid;             /* the effective uid that made it (its records are that uid's) */
	int raised_io;             /* an adopted pair whose I/O side the tap brought up */
	int wake_rd, wake_wr;      /* the wake pipe; -1 when not open */
	atomic_int shut;           /* feth_tap_shutdown() was called */
	/* rx_lock: receiving and its counters; tx_lock: the send path (its batch buffers and
	 * counters). Taken in that order when both are needed. */
	pthread_mutex_t rx_lock, tx_lock;
	int locks; /* how many of the two are initialised */
	uint64_t rx_bytes, tx_bytes;
};

static int is_shut(const struct feth_tap *tap)
{
	return atomic_load_explicit(&tap->shut, memory_order_acquire);
}

static int tap_check(const struct feth__env *env, const struct feth_tap_opts *o)
{
	static const uint8_t zero[FETH_MAC_LEN];
	int adopt = (o->flags & FETH_TAP_ADOPT) != 0;
	int r;

	if ((o->flags & ~KNOWN_TAP_FLAGS) || o->reserved[0] || o->reserved[1] || o->reserved2 ||
	    o->send_path > LAST_SEND_PATH || o->rx_mode > LAST_RX_MODE)
		return -EINVAL;
	/* Another platform's send path or receive mode: refused before any interface is made
	 * for it. */
	if (!(env->be->tap->send_paths & (1u << o->send_path)) ||
	    !(env->be->tap->rx_modes & (1u << o->rx_mode)))
		return -EOPNOTSUPP;
	r = feth__check_name_field(env, o->host_name, !adopt);
	if (r == 0)
		r = feth__check_name_field(env, o->io_name, 1);
	if (r < 0)
		return r;
	/* An adopted pair is used as it is: its MTU and addresses are its owner's business. */
	if (adopt && (o->mtu || memcmp(o->mac, zero, FETH_MAC_LEN) != 0))
		return -EINVAL;
	return 0;
}

/* Creates the pair the options describe (feth_pair_create() checks the rest of them). */
static int tap_create(struct feth_tap *tap, const struct feth_tap_opts *o)
{
	struct feth_pair_opts po = {.sz = sizeof(po), .mtu = o->mtu};
	struct feth_pair pair;
	int r;

	memcpy(po.host_name, o->host_name, FETH_IFNAMSIZ);
	memcpy(po.io_name, o->io_name, FETH_IFNAMSIZ);
	memcpy(po.host_mac, o->mac, FETH_MAC_LEN);
	r = feth_pair_create(&po, &pair);
	if (r < 0)
		return r;
	tap->created = 1;
	tap->euid = tap->env->sys->geteuid ? tap->env->sys->geteuid(tap->env->sys->ctx) : 0;
	memcpy(tap->info.host_name, pair.host_name, FETH_IFNAMSIZ);
	memcpy(tap->info.io_name, pair.io_name, FETH_IFNAMSIZ);
	return 0;
}

static int tap_adopt(struct feth_tap *tap, const struct feth_tap_opts *o)
{
	char peer[FETH_IFNAMSIZ];
	uint32_t flags;
	int r = feth_if_get_peer(o->host_name, peer, sizeof(peer));

	if (r < 0)
		return r;
	if (r == 0)
		return -ENOTCONN;
	if (o->io_name[0] && strcmp(o->io_name, peer) != 0)
		return -EINVAL;
	memcpy(tap->info.host_name, o->host_name, FETH_IFNAMSIZ);
	memcpy(tap->info.io_name, peer, FETH_IFNAMSIZ);
	tap->info.flags = FETH_TAP_ADOPT;
	/* Sending needs the I/O side up (darwin-notes.md F6.1). */
	r = feth_if_get_flags(peer, &flags);
	if (r == 0 && !(flags & FETH_IF_UP)) {
		r = feth_if_set_up(peer, 1);
		tap->raised_io = r == 0;
	}
	return r;
}

/* Destroys `name` if the registry still records it as this process's. */
static int destroy_own(const struct feth__env *env, const char *name)
{
	struct feth__owner self;
	int r = feth__owner_self(env, &self); /* known since the tap made the pair */

	if (r < 0)
		return r;
	for (int i = 0; i < DESTROY_TRIES; i++) {
		r = feth__if_destroy_owned(env, name, &self);
		if (r >= 0 || r == -ENXIO)
			return 0; /* destroyed, gone already, or not ours to destroy */
	}
	return r;
}

/* Undoes whatever open did, in reverse; the first error. */
static int tap_release(struct feth_tap *tap)
{
	const struct feth__sys *s = tap->env->sys;
	int r = 0, e;

	if (tap->wake_rd >= 0)
		(void)s->close(s->ctx, tap->wake_rd);
	if (tap->wake_wr >= 0)
		(void)s->close(s->ctx, tap->wake_wr);
	if (tap->io)
		tap->ops->close(tap->io);
	if (tap->created && s->geteuid && s->geteuid(s->ctx) != tap->euid) {
		/* The records are in the registry of the uid that made the pair, which this one
		 * may not touch: the pair stays for a cleanup by that uid. */
		r = -EPERM;
	} else if (tap->created) {
		r = destroy_own(tap->env, tap->info.io_name);
		e = destroy_own(tap->env, tap->info.host_name);
		r = r < 0 ? r : e;
	} else if (tap->raised_io) {
		e = feth_if_set_up(tap->info.io_name, 0);
		r = e == -ENXIO ? 0 : e;
	}
	if (tap->locks > 1)
		pthread_mutex_destroy(&tap->tx_lock);
	if (tap->locks > 0)
		pthread_mutex_destroy(&tap->rx_lock);
	free(tap);
	return r;
}

static int tap_setup(struct feth_tap *tap, const struct feth_tap_opts *o)
{
	const struct feth__sys *s = tap->env->sys;
	struct feth__tap_io_info ioi;
	struct feth__tap_io_req req;
	struct feth_mtu mtu;
	int fds[2], r;

	r = o->flags & FETH_TAP_ADOPT ? tap_adopt(tap, o) : tap_create(tap, o);
	if (r == 0)
		r = feth_if_get_mtu(tap->info.io_name, &mtu);
	if (r == 0)
		r = feth_if_get_mac(tap->info.host_name, tap->info.host_mac);
	if (r == 0)
		r = feth_if_get_mac(tap->info.io_name, tap->info.io_mac);
	if (r == 0)
		r = tap->env->be->if_get_index(tap->env, tap->info.host_name,
		                               &tap->info.host_ifindex);
	if (r == 0)
		r = tap->env->be->if_get_index(tap->env, tap->info.io_name, &tap->info.io_ifindex);
	if (r < 0)
		return r;
	tap->info.mtu = mtu.current;
	req = (struct feth__tap_io_req){.host_name = tap->info.host_name,
	                                .io_name = tap->info.io_name,
	                                .mtu = mtu.current,
	                                .rx_bufsize = o->rx_bufsize,
	                                .send_path = o->send_path,
	                                .rx_mode = o->rx_mode};
	r = tap->ops->open(tap->env, &req, &tap->io, &ioi);
	if (r < 0)
		return r;
	tap->info.max_frame = ioi.max_frame;
	tap->info.rx_bufsize = ioi.rx_bufsize;
	tap->info.send_path = ioi.send_path;
	tap->info.rx_mode = ioi.rx_mode;
	r = s->pipe(s->ctx, fds);
	if (r < 0)
		return r;
	tap->wake_rd = fds[0];
	tap->wake_wr = fds[1];
	return 0;
}

int feth_tap_open(const struct feth_tap_opts *opts, struct feth_tap **ret_tap)
{
	const struct feth__env *env = feth__env_get();
	struct feth_tap_opts o;
	struct feth_tap *tap;
	int r;

	if (!env->be->supported || !env->be->tap)
		return -EOPNOTSUPP;
	if (!ret_tap)
		return -EINVAL;
	r = feth__opts_check(opts, sizeof(o));
	if (r < 0)
		return r;
	feth__opts_copy(&o, sizeof(o), opts);
	r = tap_check(env, &o);
	if (r < 0)
		return r;

	tap = calloc(1, sizeof(*tap));
	if (!tap)
		return -ENOMEM;
	tap->env = env;
	tap->ops = env->be->tap;
	tap->info.sz = sizeof(tap->info);
	tap->wake_rd = tap->wake_wr = -1;
	atomic_init(&tap->shut, 0);
	r = -pthread_mutex_init(&tap->rx_lock, NULL);
	if (r == 0) {
		tap->locks++;
		r = -pthread_mutex_init(&tap->tx_lock, NULL);
	}
	if (r == 0) {
		tap->locks++;
		r = tap_setup(tap, &o);
	}
	if (r < 0) {
		(void)tap_release(tap); /* the first error is the one to report */
		return r;
	}
	*ret_tap = tap;
	return 0;
}

int feth_tap_close(struct feth_tap *tap)
{
	return tap ? tap_release(tap) : 0;
}

int feth_tap_wake(struct feth_tap *tap)
{
	const struct feth__sys *s;
	const char one = 1;
	ssize_t r;

	if (!tap)
		return -EINVAL;
	s = tap->env->sys;
	FETH_SYS_RETRY(r, s->write(s->ctx, tap->wake_wr, &one, 1));
	/* A full pipe already holds a wake: wakes coalesce. */
	return r < 0 && r != -EAGAIN && r != -EWOULDBLOCK ? (int)r : 0;
}

int feth_tap_shutdown(struct feth_tap *tap)
{
	if (!tap)
		return -EINVAL;
	atomic_store_explicit(&tap->shut, 1, memory_order_release);
	(void)feth_tap_wake(tap);
	return 0;
}

int feth_tap_fd(const struct feth_tap *tap)
{
	return tap ? tap->ops->fd(tap->io) : -EINVAL;
}

/* Empties the wake pipe: the wakes it held are answered by the return in progress. */
static void wake_drain(struct feth_tap *tap)
{
	const struct feth__sys *s = tap->env->sys;
	char buf[64];
	ssize_t r;

	do
		r = s->read(s->ctx, tap->wake_rd, buf, sizeof(buf));
	while (r > 0 || r == -EINTR);
}

/* The backend's pending() (or, after a quiet slice, its idle()) under the receive lock; its
 * wait limits too when asked. */
static int rx_pending(struct feth_tap *tap, int quiet, int *ret_limit_ms, int *ret_pause_us)
{
	int r;

	pthread_mutex_lock(&tap->rx_lock);
	r = quiet && tap->ops->idle ? tap->ops->idle(tap->io) : tap->ops->pending(tap->io);
	if (ret_limit_ms)
		*ret_limit_ms =
		    tap->ops->wait_limits ? tap->ops->wait_limits(tap->io, ret_pause_us) : -1;
	pthread_mutex_unlock(&tap->rx_lock);
	return r;
}

int feth_tap_wait(struct feth_tap *tap, int timeout_ms)
{
	const struct feth__sys *s;
	struct pollfd p[2];
	int limit = -1, pause = 0, quiet, r;

	if (!tap)
		return -EINVAL;
	if (is_shut(tap))
		return -ESHUTDOWN;
	if (rx_pending(tap, 0, &limit, &pause))
		return 1; /* frames of the last read still to hand out, or news */
	s = tap->env->sys;
	if (pause > 0 && timeout_ms != 0) {
		/* The last drain was large: let frames gather instead of waking for every one (the
		 * backend's wait_limits says when). */
		s->sleep_us(s->ctx, (uint32_t)pause);
		if (is_shut(tap))
			return -ESHUTDOWN;
	}
	for (;;) {
		int t = timeout_ms < 0 ? -1 : timeout_ms;

		if (limit >= 0 && (t < 0 || t > limit))
			t = limit;
		p[0] = (struct pollfd){.fd = tap->ops->fd(tap->io), .events = POLLIN};
		p[1] = (struct pollfd){.fd = tap->wake_rd, .events = POLLIN};
		r = s->poll(s->ctx, p, 2, t);
		if (r == -EINTR)
			return 0;
		if (r < 0)
			return r;
		if (is_shut(tap))
			return -ESHUTDOWN;
		if (p[1].revents) {
			wake_drain(tap);
			return 0;
		}
		/* An error condition is "ready" too: the receive call reports it. */
		if (p[0].revents)
			return 1;
		/* The slice ran out: time to look for news the descriptor does not signal (the
		 * backend knows what). */
		quiet = limit >= 0 && t >= limit;
		if (timeout_ms >= 0) {
			timeout_ms -= t;
			if (timeout_ms <= 0)
				return rx_pending(tap, quiet, NULL, NULL) ? 1 : 0;
		}
		if (rx_pending(tap, quiet, &limit, NULL))
			return 1;
	}
}

int feth_tap_recv(struct feth_tap *tap, struct feth_frame *ret_frames, size_t max)
{
	uint64_t bytes = 0;
	int r;

	if (!tap || !ret_frames || max == 0)
		return -EINVAL;
	if (is_shut(tap))
		return -ESHUTDOWN;
	pthread_mutex_lock(&tap->rx_lock);
	r = tap->ops->recv(tap->io, ret_frames, max);
	for (int i = 0; i < r; i++)
		bytes += ret_frames[i].caplen;
	tap->rx_bytes += bytes;
	pthread_mutex_unlock(&tap->rx_lock);
	return r;
}

int feth_tap_send(struct feth_tap *tap, const void *frame, size_t len)
{
	int r;

	if (!tap || !frame)
		return -EINVAL;
	if (is_shut(tap))
		return -ESHUTDOWN;
	pthread_mutex_lock(&tap->tx_lock);
	r = tap->ops->send(tap->io, frame, len);
	if (r == 0)
		tap->tx_bytes += len;
	pthread_mutex_unlock(&tap->tx_lock);
	return r;
}

int feth_tap_send_batch(struct feth_tap *tap, const struct iovec *frames, size_t n)
{
	uint64_t bytes = 0;
	int r;

	if (!tap || (!frames && n))
		return -EINVAL;
	if (is_shut(tap))
		return -ESHUTDOWN;
	if (n == 0)
		return 0;
	if (n > INT_MAX)
		n = INT_MAX; /* the count must fit the return value */
	pthread_mutex_lock(&tap->tx_lock);
	r = tap->ops->send_batch(tap->io, frames, n);
	for (int i = 0; i < r; i++)
		bytes += frames[i].iov_len;
	tap->tx_bytes += bytes;
	pthread_mutex_unlock(&tap->tx_lock);
	return r;
}

int feth_tap_get_info(const struct feth_tap *tap, struct feth_tap_info *ret_info)
{
	struct feth_tap *t = (struct feth_tap *)(uintptr_t)tap; /* for its lock */
	int r;

	if (!tap)
		return -EINVAL;
	/* The MTU and max_frame change together (feth_tap_set_mtu(), under the send lock). */
	pthread_mutex_lock(&t->tx_lock);
	r = feth__result_copy(ret_info, &tap->info, sizeof(tap->info));
	pthread_mutex_unlock(&t->tx_lock);
	return r;
}

/* Best effort: a side's MTU back to what it was, after a failure. */
static void mtu_back(const char *name, uint32_t mtu)
{
	if (feth_if_set_mtu(name, mtu) < 0)
		return; /* nothing more to do: the first error is the one reported */
}

/*
 * The pair's MTU, both sides, in the order that never has a side refuse what the other may
 * send meanwhile: growing, the I/O side (which receives the host side's frames) first;
 * shrinking, the host side first. Receives and sends wait meanwhile (both locks), and the
 * backend adapts its rings and size rule. On failure what was changed is changed back.
 */
int feth_tap_set_mtu(struct feth_tap *tap, uint32_t mtu)
{
	const char *first, *second;
	struct feth__tap_io_info ioi;
	uint32_t old;
	int r;

	if (!tap || mtu < FETH_MTU_MIN || mtu > FETH_MTU_MAX)
		return -EINVAL;
	if (is_shut(tap))
		return -ESHUTDOWN;
	pthread_mutex_lock(&tap->rx_lock);
	pthread_mutex_lock(&tap->tx_lock);
	old = tap->info.mtu;
	first = mtu > old ? tap->info.io_name : tap->info.host_name;
	second = mtu > old ? tap->info.host_name : tap->info.io_name;
	r = mtu == old ? 0 : feth_if_set_mtu(first, mtu);
	if (r == 0 && mtu != old) {
		r = feth_if_set_mtu(second, mtu);
		if (r < 0)
			mtu_back(first, old);
	}
	if (r == 0 && mtu != old) {
		/* On failure the backend is left at the old size (or, on Linux, without rings): the
		 * interfaces go back to it too. */
		memset(&ioi, 0, sizeof(ioi));
		r = tap->ops->set_mtu(tap->io, mtu, &ioi);
		if (r < 0) {
			mtu_back(second, old);
			mtu_back(first, old);
		}
		tap->info.max_frame = ioi.max_frame;
		tap->info.rx_bufsize = ioi.rx_bufsize;
	}
	if (r == 0)
		tap->info.mtu = mtu;
	pthread_mutex_unlock(&tap->tx_lock);
	pthread_mutex_unlock(&tap->rx_lock);
	return r;
}

int feth_tap_get_stats(struct feth_tap *tap, struct feth_tap_stats *ret_stats)
{
	struct feth_tap_stats st;
	int r;

	if (!tap)
		return -EINVAL;
	r = feth__result_check(ret_stats);
	if (r < 0)
		return r;
	memset(&st, 0, sizeof(st));
	st.sz = sizeof(st);
	pthread_mutex_lock(&tap->rx_lock);
	pthread_mutex_lock(&tap->tx_lock);
	r = tap->ops->stats(tap->io, &st);
	st.rx_bytes = tap->rx_bytes;
	st.tx_bytes = tap->tx_bytes;
	pthread_mutex_unlock(&tap->tx_lock);
	pthread_mutex_unlock(&tap->rx_lock);
	(void)feth__result_copy(ret_stats, &st, sizeof(st));
	return r;
}

/* ---- the send rules every backend applies (internal.h) ----------------------------------- */

/* Linux refuses a frame shorter than a header itself (dev_validate_header()), but Darwin's NDRV
 * takes one, which confuses feth (darwin-notes.md N4.3): the library refuses it everywhere. */
int feth__tx_check_len(struct feth__tx_errs *e, size_t len, uint32_t max_frame)
{
	if (len >= FETH__ETH_HLEN && len <= max_frame)
		return 0;
	e->refused++;
	return len < FETH__ETH_HLEN ? -EINVAL : -EMSGSIZE;
}

size_t feth__tx_valid_run(struct feth__tx_errs *e, const struct iovec *frames, size_t n,
                          uint32_t max_frame, int *ret_err)
{
	size_t ok = 0;

	*ret_err = 0;
	while (ok < n && (*ret_err = feth__tx_check_len(e, frames[ok].iov_len, max_frame)) == 0)
		ok++;
	return ok;
}

int feth__tx_failed(struct feth__tx_errs *e, int err)
{
	switch (-err) {
	case ENOBUFS:
		e->nobufs++;
		break;
	case ENETDOWN:
		e->netdown++;
		break;
	case ENXIO:
		e->gone++;
		break;
	default:
		e->other++;
		break;
	}
	return err;
}

void feth__tx_errs_report(const struct feth__tx_errs *e, struct feth_tap_stats *ret)
{
	ret->tx_refused = e->refused;
	ret->tx_err_nobufs = e->nobufs;
	ret->tx_err_netdown = e->netdown;
	ret->tx_err_gone = e->gone;
	ret->tx_err_other = e->other;
}
