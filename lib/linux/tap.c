/* SPDX-License-Identifier: MIT */
/*
 * A tap's I/O on Linux: one AF_PACKET socket bound to the I/O side of the veth pair. Frames
 * arrive through a TPACKET_V3 block ring and leave by the send path chosen at open (lib/tap.c
 * does the pair, the handle, locking and waking). docs/linux-io.md gives the measurements
 * behind the ring sizes and the default send path.
 *
 * The kernel side, as read in net/packet/af_packet.c (Linux 6.x):
 * - a block belongs to the kernel (TP_STATUS_KERNEL) until it is retired, full or after
 *   tp_retire_blk_tov ms, with TP_STATUS_USER; poll() reports POLLIN once a block is retired;
 * - on NETDEV_DOWN and NETDEV_UNREGISTER of the bound interface packet_notifier() sets
 *   sk_err = ENETDOWN (POLLERR); on UNREGISTER it also sets the socket's ifindex to -1, which
 *   getsockname() reports; on NETDEV_UP the socket is hooked in again;
 * - tpacket_snd() sends every TP_STATUS_SEND_REQUEST frame from the ring's head on and, without
 *   MSG_DONTWAIT, returns only when the kernel has released them (TP_STATUS_AVAILABLE); a frame
 *   it could not send keeps TP_STATUS_SEND_REQUEST (or gets TP_STATUS_WRONG_FORMAT) and the
 *   head stays on it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct mmsghdr */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../internal.h"
#include "tap.h"

/* Receive ring: how many blocks the buffer is cut into (see docs/linux-io.md). */
unsigned feth__linux_rx_blocks = FETH__LINUX_RX_BLOCKS;
/* The longest a partly filled block waits before the kernel hands it over. */
#define RX_RETIRE_MS 1
#define RX_BLOCK_MAX (4u << 20)
/* The largest receive ring: rx_bufsize is clamped to it, as macOS clamps its BPF buffer. */
#define RX_RING_MAX (128u << 20)
/* Send ring: its size in bytes, and the batch limit of sendmmsg(). */
#define TX_RING_BYTES (1u << 20)
#define MMSG_BATCH    256
/* Where a frame's bytes start in a TX ring slot (tp_hdrlen - sizeof(struct sockaddr_ll)). */
#define TX_DATA_OFF TPACKET_ALIGN(sizeof(struct tpacket3_hdr))

struct feth__tap_io {
	const struct feth__sys *sys;
	int fd;
	uint32_t path; /* FETH_TAP_SEND_* in force */
	int tx_ring;   /* the path sends through a PACKET_TX_RING */
	uint32_t max_frame;
	uint8_t *map;
	size_t map_len;
	int gone; /* the interface was destroyed */

	/* Receive ring: blocks [blk - held, blk) were handed out whole by the last receive and
	 * go back to the kernel at the next; pkt/pkt_left walk block blk when it is open. */
	uint8_t *rx;
	uint32_t block_size, block_nr, blk, held, pkt_left;
	const uint8_t *pkt;

	/* Send ring (FETH_TAP_SEND_TX_RING*): slots [0, tx_nr) of tx_size bytes. */
	uint8_t *tx;
	uint32_t tx_size, tx_nr, tx_head;
	/* Batch buffers of sendmmsg(). */
	struct mmsghdr *msgs;
	struct iovec *iovs;

	struct feth_tap_stats st; /* the counters this file keeps */
};

static uint32_t pow2_at_least(uint64_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

static uint32_t load_status(const volatile uint32_t *s)
{
	return __atomic_load_n(s, __ATOMIC_ACQUIRE);
}

static void store_status(volatile uint32_t *s, uint32_t v)
{
	__atomic_store_n(s, v, __ATOMIC_RELEASE);
}

static struct tpacket_block_desc *rx_block(const struct feth__tap_io *io, uint32_t i)
{
	return (struct tpacket_block_desc *)(void *)(io->rx + (size_t)i * io->block_size);
}

static struct tpacket3_hdr *tx_slot(const struct feth__tap_io *io, uint32_t i)
{
	return (struct tpacket3_hdr *)(void *)(io->tx + (size_t)i * io->tx_size);
}

static int opt(struct feth__tap_io *io, int name, const void *val, size_t len)
{
	return io->sys->setsockopt(io->sys->ctx, io->fd, SOL_PACKET, name, val, len);
}

/* The receive ring's geometry for a buffer of about `bufsize` bytes and frames up to
 * max_frame: blocks of a power of two that hold the largest frame, at least two of them. */
static void rx_geometry(uint32_t bufsize, uint32_t max_frame, struct tpacket_req3 *req)
{
	uint32_t blocks = feth__linux_rx_blocks ? feth__linux_rx_blocks : FETH__LINUX_RX_BLOCKS;
	uint32_t min = pow2_at_least((uint64_t)max_frame + TPACKET3_HDRLEN + 64);
	uint32_t size = pow2_at_least(bufsize / blocks + 1) / 2; /* the power of two <= */

	if (size < 4096)
		size = 4096;
	if (size < min)
		size = min;
	if (size > RX_BLOCK_MAX)
		size = RX_BLOCK_MAX;
	memset(req, 0, sizeof(*req));
	req->tp_block_size = size;
	req->tp_block_nr = bufsize / size < 2 ? 2 : bufsize / size;
	/* V3 packs frames of any size into a block; the frame size only has to divide it. */
	req->tp_frame_size = TPACKET_ALIGNMENT << 7;
	req->tp_frame_nr = size / req->tp_frame_size * req->tp_block_nr;
	req->tp_retire_blk_tov = RX_RETIRE_MS;
}

/* The send ring: a slot per frame of up to max_frame bytes. */
static void tx_geometry(uint32_t max_frame, struct tpacket_req3 *req)
{
	uint32_t slot = pow2_at_least((uint64_t)max_frame + TX_DATA_OFF);

	memset(req, 0, sizeof(*req));
	req->tp_frame_size = slot;
	req->tp_block_size = slot < 65536 ? 65536 : slot;
	req->tp_block_nr = TX_RING_BYTES / req->tp_block_size;
	if (req->tp_block_nr < 2)
		req->tp_block_nr = 2;
	req->tp_frame_nr = req->tp_block_size / slot * req->tp_block_nr;
}

static int if_index(struct feth__tap_io *io, const char *ifname)
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	r = io->sys->ioctl(io->sys->ctx, io->fd, SIOCGIFINDEX, &ifr);
	if (r == -ENODEV)
		return -ENXIO;
	return r < 0 ? r : ifr.ifr_ifindex;
}

static int linux_tap_setup(struct feth__tap_io *io, const char *ifname, uint32_t rx_bufsize)
{
	const struct feth__sys *s = io->sys;
	struct tpacket_req3 rxr, txr;
	struct sockaddr_ll sll;
	int one = 1, v3 = TPACKET_V3, ifindex, r;
	size_t rx_len, tx_len = 0;

	/* Protocol 0: nothing is queued before the ring exists and the socket is bound. */
	r = s->socket(s->ctx, AF_PACKET, SOCK_RAW, 0);
	if (r < 0)
		return r;
	io->fd = r;
	ifindex = if_index(io, ifname);
	if (ifindex < 0)
		return ifindex;
	r = opt(io, PACKET_VERSION, &v3, sizeof(v3));
	/* The frames this interface sends are not ours to receive (BIOCSSEESENT 0 on Darwin).
	 * Kernels before 4.20 lack the option: recv() skips outgoing frames there too. */
	if (r == 0) {
		r = opt(io, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
		r = r == -ENOPROTOOPT ? 0 : r;
	}
	if (r == 0 && io->path == FETH_TAP_SEND_TX_RING_BYPASS)
		r = opt(io, PACKET_QDISC_BYPASS, &one, sizeof(one));
	rx_geometry(rx_bufsize, io->max_frame, &rxr);
	if (r == 0)
		r = opt(io, PACKET_RX_RING, &rxr, sizeof(rxr));
	if (r == 0 && io->tx_ring) {
		tx_geometry(io->max_frame, &txr);
		r = opt(io, PACKET_TX_RING, &txr, sizeof(txr));
		tx_len = (size_t)txr.tp_block_size * txr.tp_block_nr;
		io->tx_size = txr.tp_frame_size;
		io->tx_nr = txr.tp_frame_nr;
	}
	if (r < 0)
		return r;
	io->block_size = rxr.tp_block_size;
	io->block_nr = rxr.tp_block_nr;
	rx_len = (size_t)rxr.tp_block_size * rxr.tp_block_nr;
	/* The RX ring comes first in the mapping, the TX ring right after it. */
	r = s->mmap_shared(s->ctx, io->fd, rx_len + tx_len, (void **)&io->map);
	if (r < 0)
		return r;
	io->map_len = rx_len + tx_len;
	io->rx = io->map;
	io->tx = tx_len ? io->map + rx_len : NULL;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	return s->bind(s->ctx, io->fd, &sll, sizeof(sll));
}

static void linux_tap_close(struct feth__tap_io *io)
{
	if (!io)
		return;
	if (io->map)
		(void)io->sys->munmap(io->sys->ctx, io->map, io->map_len);
	if (io->fd >= 0)
		(void)io->sys->close(io->sys->ctx, io->fd);
	free(io->msgs);
	free(io->iovs);
	free(io);
}

static int linux_tap_open(const struct feth__env *env, const struct feth__tap_io_req *req,
                          struct feth__tap_io **ret, struct feth__tap_io_info *ret_info)
{
	uint32_t send_path = req->send_path, rx_bufsize = req->rx_bufsize, mtu = req->mtu;
	const char *ifname = req->io_name;
	struct feth__tap_io *io;
	int r;

	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->sys = env->sys;
	io->fd = -1;
	io->st.sz = sizeof(io->st);
	io->path = send_path == FETH_TAP_SEND_AUTO ? FETH__LINUX_SEND_AUTO : send_path;
	io->tx_ring = io->path == FETH_TAP_SEND_TX_RING || io->path == FETH_TAP_SEND_TX_RING_BYPASS;
	/* MTU + Ethernet header + an 802.1Q tag: the kernel's own limit (packet_snd()). */
	io->max_frame = mtu + 18;
	if (io->path == FETH_TAP_SEND_SENDMMSG) {
		io->msgs = calloc(MMSG_BATCH, sizeof(*io->msgs));
		io->iovs = calloc(MMSG_BATCH, sizeof(*io->iovs));
		if (!io->msgs || !io->iovs) {
			linux_tap_close(io);
			return -ENOMEM;
		}
		/* Message i always sends iovs[i]: a batch only fills in the iovecs. */
		for (size_t i = 0; i < MMSG_BATCH; i++) {
			io->msgs[i].msg_hdr.msg_iov = &io->iovs[i];
			io->msgs[i].msg_hdr.msg_iovlen = 1;
		}
	}
	if (rx_bufsize == 0)
		rx_bufsize = FETH__LINUX_RX_BUFSIZE;
	r = linux_tap_setup(io, ifname, rx_bufsize < RX_RING_MAX ? rx_bufsize : RX_RING_MAX);
	if (r < 0) {
		linux_tap_close(io);
		return r;
	}
	ret_info->max_frame = io->max_frame;
	ret_info->rx_bufsize = io->block_size * io->block_nr;
	ret_info->send_path = io->path;
	ret_info->rx_mode = FETH_TAP_RX_BATCH;
	*ret = io;
	return 0;
}

static int linux_tap_fd(const struct feth__tap_io *io)
{
	return io->fd;
}

static int linux_tap_pending(struct feth__tap_io *io)
{
	return io->pkt_left > 0 ||
	       (load_status(&rx_block(io, io->blk)->hdr.bh1.block_status) & TP_STATUS_USER);
}

/* Gives the blocks the last receive handed out back to the kernel. Their packet count is
 * cleared first (the kernel resets it when it opens the block): rx_gathering() reads it. */
static void rx_release(struct feth__tap_io *io)
{
	for (; io->held > 0; io->held--) {
		struct tpacket_block_desc *b =
		    rx_block(io, (io->blk + io->block_nr - io->held) % io->block_nr);

		b->hdr.bh1.num_pkts = 0;
		store_status(&b->hdr.bh1.block_status, TP_STATUS_KERNEL);
	}
}

/* Whether the kernel is gathering frames into the block it has open (the next one to be
 * handed over): it retires it within RX_RETIRE_MS even when no more frames come. */
static int rx_gathering(const struct feth__tap_io *io)
{
	const struct tpacket_block_desc *b = rx_block(io, io->blk);

	return !(load_status(&b->hdr.bh1.block_status) & TP_STATUS_USER) &&
	       __atomic_load_n(&b->hdr.bh1.num_pkts, __ATOMIC_RELAXED) > 0;
}

/* With no frame to hand out: 0 while the interface exists (down or not); once it is gone,
 * 0 until the frames it left are handed out, then -ENXIO. The socket's pending error is read
 * (and so cleared) here. packet_notifier() and packet_do_bind() set ENETDOWN, the only error
 * reception acts on; any other would concern a send, whose caller has had its result, so it
 * is not turned into a receive error. */
static int rx_check(struct feth__tap_io *io)
{
	const struct feth__sys *s = io->sys;
	struct sockaddr_ll sll;
	size_t len = sizeof(int);
	int err = 0, r;

	if (!io->gone) {
		r = s->getsockopt(s->ctx, io->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (r < 0)
			return r;
		if (err != ENETDOWN)
			return 0;
		len = sizeof(sll);
		r = s->getsockname(s->ctx, io->fd, &sll, &len);
		if (r < 0 || sll.sll_ifindex != -1)
			return 0; /* down, not gone: frames flow again when it comes up */
		io->gone = 1;
	}
	return rx_gathering(io) ? 0 : -ENXIO;
}

/*
 * The kernel takes an 802.1Q tag out of a received frame and reports it beside it
 * (TP_STATUS_VLAN_VALID, tp_vlan_tci, tp_vlan_tpid). A tap hands frames over as they were
 * sent, so the tag goes back in: the MAC addresses move 4 bytes down into the gap the kernel
 * leaves before every frame (tpacket_rcv() puts the MAC header at least 16 bytes past the
 * struct sockaddr_ll), as libpcap does.
 */
static void vlan_reinsert(const struct tpacket3_hdr *h, struct feth_frame *f)
{
	uint8_t *mac = (uint8_t *)(uintptr_t)f->data;
	uint16_t tpid = h->tp_status & TP_STATUS_VLAN_TPID_VALID ? h->hv1.tp_vlan_tpid : 0x8100;
	uint16_t tci = (uint16_t)h->hv1.tp_vlan_tci;

	if (h->tp_mac < TPACKET3_HDRLEN + 4 || f->caplen < 12)
		return;
	memmove(mac - 4, mac, 12);
	mac[8] = (uint8_t)(tpid >> 8);
	mac[9] = (uint8_t)tpid;
	mac[10] = (uint8_t)(tci >> 8);
	mac[11] = (uint8_t)tci;
	f->data = mac - 4;
	f->caplen += 4;
	f->len += 4;
}

static int linux_tap_recv(struct feth__tap_io *io, struct feth_frame *out, size_t max)
{
	size_t n = 0;

	rx_release(io);
	while (n < max) {
		const struct tpacket3_hdr *h;
		const struct sockaddr_ll *sll;

		if (io->pkt_left == 0) {
			struct tpacket_block_desc *b = rx_block(io, io->blk);

			if (!(load_status(&b->hdr.bh1.block_status) & TP_STATUS_USER))
				break;
			io->st.rx_reads++;
			io->pkt = (const uint8_t *)b + b->hdr.bh1.offset_to_first_pkt;
			io->pkt_left = b->hdr.bh1.num_pkts;
			if (io->pkt_left == 0) {
				store_status(&b->hdr.bh1.block_status, TP_STATUS_KERNEL);
				io->blk = (io->blk + 1) % io->block_nr;
				continue;
			}
		}
		h = (const struct tpacket3_hdr *)(const void *)io->pkt;
		sll =
		    (const struct sockaddr_ll *)(const void *)(io->pkt + TPACKET_ALIGN(sizeof(*h)));
		if (sll->sll_pkttype != PACKET_OUTGOING) {
			struct feth_frame *f = &out[n++];

			f->data = io->pkt + h->tp_mac;
			f->caplen = h->tp_snaplen;
			f->len = h->tp_len;
			if (h->tp_status & TP_STATUS_VLAN_VALID)
				vlan_reinsert(h, f);
			f->ts_usec = (int64_t)h->tp_sec * 1000000 + h->tp_nsec / 1000;
			f->flags = h->tp_snaplen < h->tp_len ? FETH_FRAME_TRUNCATED : 0;
			f->reserved = 0;
			io->st.rx_frames++;
			io->st.rx_truncated += f->flags != 0;
		}
		if (--io->pkt_left > 0) {
			io->pkt += h->tp_next_offset;
		} else {
			/* The block's views stay valid until the next receive. */
			io->blk = (io->blk + 1) % io->block_nr;
			io->held++;
		}
	}
	return n > 0 ? (int)n : rx_check(io);
}

static void tx_count_error(struct feth__tap_io *io, int err)
{
	if (err == -ENOBUFS || err == -EAGAIN)
		io->st.tx_err_nobufs++;
	else if (err == -ENETDOWN)
		io->st.tx_err_netdown++;
	else if (err == -ENXIO || err == -ENODEV)
		io->st.tx_err_gone++;
	else
		io->st.tx_err_other++;
}

/* -ENXIO for a vanished device, -ENOBUFS for a full queue: the documented errors. */
static int tx_error(struct feth__tap_io *io, int err)
{
	if (err == -ENODEV)
		err = -ENXIO;
	if (err == -EAGAIN)
		err = -ENOBUFS;
	tx_count_error(io, err);
	return err;
}

static int tx_check(struct feth__tap_io *io, size_t len)
{
	if (len < 14 || len > io->max_frame) {
		io->st.tx_refused++;
		return len < 14 ? -EINVAL : -EMSGSIZE;
	}
	return 0;
}

static int send_one(struct feth__tap_io *io, const void *frame, size_t len)
{
	ssize_t r;

	io->st.tx_syscalls++;
	FETH_SYS_RETRY(r, io->sys->sendto(io->sys->ctx, io->fd, frame, len, MSG_DONTWAIT, NULL, 0));
	if (r < 0)
		return tx_error(io, (int)r);
	io->st.tx_frames++;
	return 0;
}

/* Frames checked from `from` on, at most `max`: how many pass (the first that fails stops). */
static size_t tx_valid(struct feth__tap_io *io, const struct iovec *frames, size_t n, size_t max,
                       int *ret_err)
{
	size_t k = 0;

	while (k < n && k < max && (*ret_err = tx_check(io, frames[k].iov_len)) == 0)
		k++;
	return k;
}

static int send_mmsg(struct feth__tap_io *io, const struct iovec *frames, size_t n)
{
	size_t done = 0;
	int err = 0;

	while (done < n) {
		size_t k = tx_valid(io, frames + done, n - done, MMSG_BATCH, &err);
		int r;

		if (k == 0)
			break;
		memcpy(io->iovs, frames + done, k * sizeof(*frames));
		io->st.tx_syscalls++;
		FETH_SYS_RETRY(r, io->sys->sendmmsg(io->sys->ctx, io->fd, io->msgs, (unsigned)k,
		                                    MSG_DONTWAIT));
		if (r < 0) {
			err = tx_error(io, r);
			break;
		}
		io->st.tx_frames += (unsigned)r;
		done += (unsigned)r;
		if ((size_t)r < k)
			break; /* the next call reports why the rest was refused */
		if (err)
			break;
	}
	return done > 0 ? (int)done : err;
}

static int send_ring(struct feth__tap_io *io, const struct iovec *frames, size_t n)
{
	size_t done = 0;
	int err = 0;

	while (done < n) {
		size_t k = tx_valid(io, frames + done, n - done, io->tx_nr, &err), ok = 0, f;
		uint32_t start = io->tx_head;
		ssize_t r;

		for (f = 0; f < k; f++) {
			struct tpacket3_hdr *h = tx_slot(io, (start + (uint32_t)f) % io->tx_nr);

			if (load_status(&h->tp_status) != TP_STATUS_AVAILABLE)
				break; /* still the kernel's */
			memcpy((uint8_t *)h + TX_DATA_OFF, frames[done + f].iov_base,
			       frames[done + f].iov_len);
			h->tp_len = (uint32_t)frames[done + f].iov_len;
			h->tp_next_offset = 0;
			store_status(&h->tp_status, TP_STATUS_SEND_REQUEST);
		}
		if (f == 0) {
			if (k > 0)
				err = tx_error(io, -ENOBUFS);
			break;
		}
		io->st.tx_syscalls++;
		/* Blocking: the call returns when the kernel has released the frames. */
		FETH_SYS_RETRY(r, io->sys->sendto(io->sys->ctx, io->fd, NULL, 0, 0, NULL, 0));
		/* What the kernel did not take goes back to us; its head stays on the first. */
		for (; ok < f; ok++) {
			struct tpacket3_hdr *h = tx_slot(io, (start + (uint32_t)ok) % io->tx_nr);
			uint32_t st = load_status(&h->tp_status);

			if (st == TP_STATUS_SEND_REQUEST || (st & TP_STATUS_WRONG_FORMAT))
				break;
		}
		for (size_t i = ok; i < f; i++)
			store_status(&tx_slot(io, (start + (uint32_t)i) % io->tx_nr)->tp_status,
			             TP_STATUS_AVAILABLE);
		io->tx_head = (start + (uint32_t)ok) % io->tx_nr;
		io->st.tx_frames += ok;
		done += ok;
		if (ok < f) {
			err = tx_error(io, r < 0 ? (int)r : -EIO);
			break;
		}
		if (f < k || err)
			break;
	}
	return done > 0 ? (int)done : err;
}

static int linux_tap_send_batch(struct feth__tap_io *io, const struct iovec *frames, size_t n)
{
	if (io->tx_ring)
		return send_ring(io, frames, n);
	if (io->path == FETH_TAP_SEND_SENDMMSG)
		return send_mmsg(io, frames, n);
	for (size_t i = 0; i < n; i++) {
		int err = tx_check(io, frames[i].iov_len);

		if (err == 0)
			err = send_one(io, frames[i].iov_base, frames[i].iov_len);
		if (err < 0)
			return i > 0 ? (int)i : err;
	}
	return (int)n;
}

static int linux_tap_send(struct feth__tap_io *io, const void *frame, size_t len)
{
	struct iovec v = {.iov_base = (void *)(uintptr_t)frame, .iov_len = len};
	int r = tx_check(io, len);

	if (r < 0)
		return r;
	if (io->tx_ring) {
		r = send_ring(io, &v, 1);
		return r == 1 ? 0 : r;
	}
	return send_one(io, frame, len);
}

static int linux_tap_stats(struct feth__tap_io *io, struct feth_tap_stats *ret)
{
	struct tpacket_stats_v3 ks;
	size_t len = sizeof(ks);
	int r = io->sys->getsockopt(io->sys->ctx, io->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len);

	/* The kernel's figures restart from zero at every read: they are added up here. */
	if (r == 0)
		io->st.rx_kernel_drops += ks.tp_drops;
	*ret = io->st;
	return r;
}

const struct feth__tap_ops feth__tap_ops_linux = {
    .send_paths = 1u << FETH_TAP_SEND_AUTO | 1u << FETH_TAP_SEND_SENDTO |
                  1u << FETH_TAP_SEND_SENDMMSG | 1u << FETH_TAP_SEND_TX_RING |
                  1u << FETH_TAP_SEND_TX_RING_BYPASS,
    .rx_modes = 1u << FETH_TAP_RX_AUTO | 1u << FETH_TAP_RX_BATCH,
    .open = linux_tap_open,
    .close = linux_tap_close,
    .fd = linux_tap_fd,
    .pending = linux_tap_pending,
    .recv = linux_tap_recv,
    .send = linux_tap_send,
    .send_batch = linux_tap_send_batch,
    .stats = linux_tap_stats,
};
