/* SPDX-License-Identifier: MIT */
/*
 * A tap's I/O on Linux: one AF_PACKET socket bound to the I/O side of the veth pair. Frames
 * arrive through a receive ring, TPACKET_V3 blocks (FETH_TAP_RX_BATCH) or TPACKET_V2 slots
 * (FETH_TAP_RX_LOW_LATENCY), read by ring.c, and leave by the send path chosen at open
 * (lib/tap.c does the pair, the handle, locking and waking). docs/linux-io.md gives the
 * measurements behind the ring sizes, the default mode and the default send path.
 *
 * The kernel side, as read in net/packet/af_packet.c (Linux 6.x):
 * - ring.h says how the kernel fills the ring and what poll() reports about it;
 * - on NETDEV_DOWN and NETDEV_UNREGISTER of the bound interface packet_notifier() sets
 *   sk_err = ENETDOWN (POLLERR), but only while the socket's hook is running, so a deletion
 *   (DOWN, then UNREGISTER) sets it once; on UNREGISTER it also sets the socket's ifindex to
 *   -1, which getsockname() reports; on NETDEV_UP the socket is hooked in again;
 * - tpacket_snd() sends every TP_STATUS_SEND_REQUEST frame from the ring's head on; with
 *   MSG_DONTWAIT it returns at once, the frames it took TP_STATUS_SENDING until their skb is
 *   freed (TP_STATUS_AVAILABLE again); a frame it could not send keeps TP_STATUS_SEND_REQUEST
 *   (or gets TP_STATUS_WRONG_FORMAT) and the head stays on it. Without MSG_DONTWAIT it would
 *   wait for every skb to be freed, for as long as a slow queueing discipline holds them.
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

#include "../csum.h"
#include "../ether.h"
#include "../internal.h"
#include "offload.h"
#include "ring.h"
#include "tap.h"

#ifdef FETH_TEST_HOOKS
/* Receive ring: the block count of FETH_TAP_RX_BATCH rings (0: from FETH__LINUX_RX_BLOCK). */
unsigned feth__linux_rx_blocks;
#endif
/* The longest a partly filled block waits before the kernel hands it over. */
#define RX_RETIRE_MS 1
#define RX_BLOCK_MAX (4u << 20)
/* The largest receive ring: rx_bufsize is clamped to it, as macOS clamps its BPF buffer. */
#define RX_RING_MAX (128u << 20)
/* After a drain of at least RX_PAUSE_FRAMES frames (low-latency mode) or RX_PAUSE_BLOCKS blocks
 * (batch mode), frames come faster than a wake-up takes: a wait first pauses RX_PAUSE_US, so
 * that the next receive takes a batch instead of a wake-up per frame or block
 * (docs/linux-io.md). */
#define RX_PAUSE_FRAMES 32
#define RX_PAUSE_BLOCKS 2
#define RX_PAUSE_US     200
/* While the I/O side is down, how often a wait looks whether it was deleted meanwhile. */
#define RX_GONE_POLL_MS 100
/* Send ring: its size in bytes, and the batch limit of sendmmsg(). */
#define TX_RING_BYTES (1u << 20)
#define MMSG_BATCH    256

struct feth__tap_io {
	const struct feth__sys *sys;
	int fd;
	uint32_t path; /* FETH_TAP_SEND_* in force */
	uint32_t mode; /* FETH_TAP_RX_* in force */
	int tx_ring;   /* the path sends through a PACKET_TX_RING */
	uint32_t max_frame;
	uint32_t rx_bufsize; /* asked for at open (clamped) */
	int ifindex;         /* the I/O side's */
	uint8_t *map;
	size_t map_len;
	int down; /* the interface went down (ENETDOWN) since open: it may be on its way out */
	int gone; /* the interface was destroyed */
	char host[FETH_IFNAMSIZ], ioname[FETH_IFNAMSIZ];
	/* A frame came that the pair's offloads made (see offloads_again()), and when the
	 * library last turned them off (seconds). */
	int offloads_on;
	int64_t offloads_at;

	struct feth__ring ring;
	/* Frames received since the last receive that found none (a drain), and blocks taken
	 * (batch mode): those of the drain in progress, and of the one before. */
	uint64_t burst, last_burst, burst_from, last_blocks;

	/* Send ring (FETH_TAP_SEND_TX_RING*): slots [0, tx_nr) of tx_size bytes, the frame's
	 * bytes tx_off bytes into its slot. */
	uint8_t *tx;
	uint32_t tx_size, tx_nr, tx_head, tx_off;
	/* Batch buffers of sendmmsg(). */
	struct mmsghdr *msgs;
	struct iovec *iovs;

	struct feth_tap_stats st;  /* the counters this file keeps */
	struct feth__tx_errs errs; /* refusals and failed sends, by kind */
};

/* MTU + Ethernet header + an 802.1Q tag: the kernel's own limit (packet_snd()). */
static uint32_t max_frame_of(uint32_t mtu)
{
	return mtu + FETH__VLAN_ETH_HLEN;
}

static uint32_t pow2_at_least(uint64_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

static int opt(struct feth__tap_io *io, int name, const void *val, size_t len)
{
	return io->sys->setsockopt(io->sys->ctx, io->fd, SOL_PACKET, name, val, len);
}

/* FETH_TAP_RX_BATCH: blocks of FETH__LINUX_RX_BLOCK (at least two, each holding the largest
 * frame), as many as the buffer holds. */
static void rx_geometry_blocks(uint32_t bufsize, uint32_t max_frame, struct tpacket_req3 *req)
{
	uint32_t min = pow2_at_least((uint64_t)max_frame + TPACKET3_HDRLEN + 64);
	uint32_t size = FETH__LINUX_RX_BLOCK;

#ifdef FETH_TEST_HOOKS
	if (feth__linux_rx_blocks) /* a sweep: that many blocks, of the power of two that fits */
		size = pow2_at_least(bufsize / feth__linux_rx_blocks + 1) / 2;
#endif
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

/* FETH_TAP_RX_LOW_LATENCY: a slot per frame, each holding the largest frame where tpacket_rcv()
 * puts it (at most 80 bytes past the slot's start for an Ethernet header), in blocks of
 * FETH__LINUX_RX_SLOT_BLOCK. */
static void rx_geometry_slots(uint32_t bufsize, uint32_t max_frame, struct tpacket_req3 *req)
{
	uint32_t slot = TPACKET_ALIGN(TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + max_frame);
	uint32_t size = FETH__LINUX_RX_SLOT_BLOCK;

	while (size < slot)
		size <<= 1;
	memset(req, 0, sizeof(*req));
	req->tp_block_size = size;
	req->tp_block_nr = bufsize / size < 2 ? 2 : bufsize / size;
	req->tp_frame_size = slot;
	req->tp_frame_nr = size / slot * req->tp_block_nr;
}

/* The send ring: a slot per frame of up to max_frame bytes, tx_off into the slot. */
static void tx_geometry(uint32_t max_frame, uint32_t tx_off, struct tpacket_req3 *req)
{
	uint32_t slot = pow2_at_least((uint64_t)max_frame + tx_off);

	memset(req, 0, sizeof(*req));
	req->tp_frame_size = slot;
	req->tp_block_size = slot < 65536 ? 65536 : slot;
	req->tp_block_nr = TX_RING_BYTES / req->tp_block_size;
	if (req->tp_block_nr < 2)
		req->tp_block_nr = 2;
	req->tp_frame_nr = req->tp_block_size / slot * req->tp_block_nr;
}

/* The status word of send slot i (where it is depends on the ring's version). */
static volatile uint32_t *tx_status(const struct feth__tap_io *io, uint32_t i)
{
	uint8_t *h = io->tx + (size_t)i * io->tx_size;

	if (io->mode == FETH_TAP_RX_BATCH)
		return &((struct tpacket3_hdr *)(void *)h)->tp_status;
	return &((struct tpacket2_hdr *)(void *)h)->tp_status;
}

/* Fills send slot i with a frame (its status is the caller's business). */
static void tx_fill(struct feth__tap_io *io, uint32_t i, const struct iovec *frame)
{
	uint8_t *h = io->tx + (size_t)i * io->tx_size;

	memcpy(h + io->tx_off, frame->iov_base, frame->iov_len);
	if (io->mode == FETH_TAP_RX_BATCH) {
		struct tpacket3_hdr *h3 = (struct tpacket3_hdr *)(void *)h;

		h3->tp_len = (uint32_t)frame->iov_len;
		h3->tp_next_offset = 0;
	} else {
		((struct tpacket2_hdr *)(void *)h)->tp_len = (uint32_t)frame->iov_len;
	}
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

/* Binds the socket to the I/O side for frames of protocol `proto` (0: none). */
static int bind_to(struct feth__tap_io *io, int proto)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons((uint16_t)proto);
	sll.sll_ifindex = io->ifindex;
	return io->sys->bind(io->sys->ctx, io->fd, &sll, sizeof(sll));
}

/* The receive ring (and the send ring of the TX_RING paths) for frames of io->max_frame, set on
 * the socket and mapped. */
static int rings_map(struct feth__tap_io *io)
{
	const struct feth__sys *s = io->sys;
	struct tpacket_req3 rxr, txr;
	size_t rx_len, tx_len = 0;
	int r;

	if (io->mode == FETH_TAP_RX_BATCH)
		rx_geometry_blocks(io->rx_bufsize, io->max_frame, &rxr);
	else
		rx_geometry_slots(io->rx_bufsize, io->max_frame, &rxr);
	r = opt(io, PACKET_RX_RING, &rxr, sizeof(rxr));
	if (r == 0 && io->tx_ring) {
		/* Where tpacket_fill_skb() takes a frame's bytes: tp_hdrlen - sizeof(sll). */
		io->tx_off = io->mode == FETH_TAP_RX_BATCH
		                 ? TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
		                 : TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
		tx_geometry(io->max_frame, io->tx_off, &txr);
		r = opt(io, PACKET_TX_RING, &txr, sizeof(txr));
		tx_len = (size_t)txr.tp_block_size * txr.tp_block_nr;
		io->tx_size = txr.tp_frame_size;
		io->tx_nr = txr.tp_frame_nr;
		io->tx_head = 0;
	}
	if (r < 0)
		return r;
	rx_len = (size_t)rxr.tp_block_size * rxr.tp_block_nr;
	/* The RX ring comes first in the mapping, the TX ring right after it. */
	r = s->mmap_shared(s->ctx, io->fd, rx_len + tx_len, (void **)&io->map);
	if (r < 0)
		return r;
	io->map_len = rx_len + tx_len;
	if (io->mode == FETH_TAP_RX_BATCH)
		feth__ring_init(&io->ring, io->map, 1, rxr.tp_block_size, rxr.tp_block_nr, 0);
	else
		feth__ring_init(&io->ring, io->map, 0, rxr.tp_block_size, rxr.tp_frame_nr,
		                rxr.tp_frame_size);
	io->tx = tx_len ? io->map + rx_len : NULL;
	return 0;
}

/* The receive buffer the rings in force hold (what feth_tap_get_info() reports). */
static uint32_t rx_bufsize_of(const struct feth__tap_io *io)
{
	return io->ring.block_size * (io->ring.v3 ? io->ring.nr : io->ring.nr / io->ring.per_block);
}

/* No rings any more (they could be made at neither size): every receive and ring send is -EIO,
 * and nothing reads the memory that was theirs. */
static void rings_lost(struct feth__tap_io *io)
{
	uint64_t malformed = io->ring.malformed, taken = io->ring.taken;

	io->map = NULL;
	io->tx = NULL;
	io->map_len = 0;
	memset(&io->ring, 0, sizeof(io->ring));
	io->ring.malformed = malformed;
	io->ring.taken = taken;
}

/*
 * Unmaps the rings and takes them off the socket, the send ring first. The kernel refuses
 * (-EBUSY, af_packet.c packet_set_ring()) while another process maps them (a fork()ed child)
 * or while frames of the send ring are still on their way: then nothing has changed on the
 * socket, and the same rings are mapped again as they were.
 */
static int rings_unmap(struct feth__tap_io *io)
{
	const struct feth__sys *s = io->sys;
	const struct feth__ring keep = io->ring;
	size_t len = io->map_len, tx_at = io->tx ? (size_t)(io->tx - io->map) : 0;
	struct tpacket_req3 none;
	uint8_t *map;
	int r = 0, m;

	if (io->map) {
		r = s->munmap(s->ctx, io->map, io->map_len);
		if (r < 0)
			return r; /* still mapped: nothing changed */
	}
	io->map = NULL;
	io->tx = NULL;
	io->map_len = 0;
	memset(&none, 0, sizeof(none));
	if (io->tx_ring)
		r = opt(io, PACKET_TX_RING, &none, sizeof(none));
	if (r == 0)
		r = opt(io, PACKET_RX_RING, &none, sizeof(none));
	if (r == 0 || len == 0)
		return r;
	m = s->mmap_shared(s->ctx, io->fd, len, (void **)&map);
	if (m < 0) {
		rings_lost(io);
		return r;
	}
	io->map = map;
	io->map_len = len;
	io->ring = keep;
	io->ring.base = map;
	io->tx = io->tx_ring ? map + tx_at : NULL;
	return r;
}

static int linux_tap_setup(struct feth__tap_io *io, const char *ifname)
{
	const struct feth__sys *s = io->sys;
	int one = 1, version, ifindex, r;

	/* Protocol 0: nothing is queued before the ring exists and the socket is bound. */
	r = s->socket(s->ctx, AF_PACKET, SOCK_RAW, 0);
	if (r < 0)
		return r;
	io->fd = r;
	ifindex = if_index(io, ifname);
	if (ifindex < 0)
		return ifindex;
	/* Frames as on a wire before the first one is received (docs/linux-io.md). One that the
	 * kernel holds on anyway is made up for frame by frame (rx_walk()). */
	r = feth__linux_wire_offloads(s, io->fd, io->host, io->ioname);
	if (r < 0 && r != -EOPNOTSUPP)
		return r;
	io->offloads_at = s->time_now(s->ctx);
	version = io->mode == FETH_TAP_RX_BATCH ? TPACKET_V3 : TPACKET_V2;
	r = opt(io, PACKET_VERSION, &version, sizeof(version));
	/* The frames this interface sends are not ours to receive (BIOCSSEESENT 0 on Darwin).
	 * Kernels before 4.20 lack the option: recv() skips outgoing frames there too. */
	if (r == 0) {
		r = opt(io, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
		r = r == -ENOPROTOOPT ? 0 : r;
	}
	if (r == 0 && io->path == FETH_TAP_SEND_TX_RING_BYPASS)
		r = opt(io, PACKET_QDISC_BYPASS, &one, sizeof(one));
	if (r == 0)
		r = rings_map(io);
	if (r < 0)
		return r;
	io->ifindex = ifindex;
	return bind_to(io, ETH_P_ALL);
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
	uint32_t rx_bufsize = req->rx_bufsize ? req->rx_bufsize : FETH__LINUX_RX_BUFSIZE;
	struct feth__tap_io *io;
	int r;

	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->sys = env->sys;
	io->fd = -1;
	io->st.sz = sizeof(io->st);
	io->path = req->send_path == FETH_TAP_SEND_AUTO ? FETH__LINUX_SEND_AUTO : req->send_path;
	io->mode = req->rx_mode == FETH_TAP_RX_AUTO ? FETH__LINUX_RX_AUTO : req->rx_mode;
	io->tx_ring = io->path == FETH_TAP_SEND_TX_RING || io->path == FETH_TAP_SEND_TX_RING_BYPASS;
	io->max_frame = max_frame_of(req->mtu);
	feth__name_copy(io->host, req->host_name);
	feth__name_copy(io->ioname, req->io_name);
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
	io->rx_bufsize = rx_bufsize < RX_RING_MAX ? rx_bufsize : RX_RING_MAX;
	r = linux_tap_setup(io, req->io_name);
	if (r < 0) {
		linux_tap_close(io);
		return r;
	}
	ret_info->max_frame = io->max_frame;
	ret_info->rx_bufsize = rx_bufsize_of(io);
	ret_info->send_path = io->path;
	ret_info->rx_mode = io->mode;
	*ret = io;
	return 0;
}

static int linux_tap_fd(const struct feth__tap_io *io)
{
	return io->fd;
}

/* Whether the interface the socket is bound to was destroyed (its bound index is then -1). */
static int check_gone(struct feth__tap_io *io)
{
	struct sockaddr_ll sll;
	size_t len = sizeof(sll);

	if (!io->gone && io->sys->getsockname(io->sys->ctx, io->fd, &sll, &len) == 0 &&
	    sll.sll_ifindex == -1)
		io->gone = 1;
	return io->gone;
}

static int linux_tap_pending(struct feth__tap_io *io)
{
	/* Without rings (lost in a change of MTU) the receive has news: -EIO. */
	return !io->map || feth__ring_pending(&io->ring) || io->gone;
}

/* A destroyed interface is news for the receiver (-ENXIO) that poll() does not signal once
 * the interface went down first. */
static int linux_tap_idle(struct feth__tap_io *io)
{
	return linux_tap_pending(io) || (io->down && check_gone(io));
}

static int linux_tap_wait_limits(const struct feth__tap_io *io, int *ret_pause_us)
{
	if (ret_pause_us)
		*ret_pause_us = (io->ring.v3 ? io->last_blocks >= RX_PAUSE_BLOCKS
		                             : io->last_burst >= RX_PAUSE_FRAMES)
		                    ? RX_PAUSE_US
		                    : 0;
	/* Down: it may be being deleted, which only the socket's bound index tells. */
	return io->down && !io->gone ? RX_GONE_POLL_MS : -1;
}

/*
 * With no frame to hand out: 0 while the interface exists (down or not); once it is gone, 0
 * until the frames it left are handed out, then -ENXIO. *ret_ready: the kernel says frames
 * wait, so the reader looks again (and if it still finds none, it has lost its place in the
 * ring: ring.h).
 *
 * One poll() tells it all. POLLERR: the socket's pending error is read (and so cleared, or
 * the descriptor would stay ready): packet_notifier() sets ENETDOWN when the interface goes
 * down or away, the only error reception acts on (any other concerns a send, whose caller has
 * had its result). From then on every empty receive looks whether the interface still exists,
 * since its deletion is signalled only once, maybe before it is complete.
 */
static int rx_check(struct feth__tap_io *io, int *ret_ready)
{
	const struct feth__sys *s = io->sys;
	struct pollfd p = {.fd = io->fd, .events = POLLIN};
	int r = s->poll(s->ctx, &p, 1, 0);

	if (r > 0 && (p.revents & POLLERR)) {
		size_t len = sizeof(int);
		int err = 0;

		if (s->getsockopt(s->ctx, io->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err == ENETDOWN)
			io->down = 1;
	}
	if (io->down)
		(void)check_gone(io);
	*ret_ready = r > 0 && (p.revents & POLLIN);
	if (io->gone && !*ret_ready)
		return feth__ring_gathering(&io->ring) ? 0 : -ENXIO;
	return 0;
}

/*
 * The kernel takes an 802.1Q tag out of a received frame and reports it beside it
 * (TP_STATUS_VLAN_VALID, tp_vlan_tci, tp_vlan_tpid). A tap hands frames over as they were
 * sent, so the tag goes back in: the MAC addresses move 4 bytes down into the gap the kernel
 * leaves before every frame (tpacket_rcv() puts the MAC header at least 16 bytes past the
 * struct sockaddr_ll), as libpcap does.
 */
static void vlan_reinsert(const struct feth__ring_pkt *p, struct feth_frame *f)
{
	uint8_t *mac = (uint8_t *)(uintptr_t)f->data;
	uint16_t tpid = p->status & TP_STATUS_VLAN_TPID_VALID ? p->vlan_tpid : 0x8100;

	if (p->room < 4 || f->caplen < 12)
		return;
	memmove(mac - 4, mac, 12);
	mac[8] = (uint8_t)(tpid >> 8);
	mac[9] = (uint8_t)tpid;
	mac[10] = (uint8_t)(p->vlan_tci >> 8);
	mac[11] = (uint8_t)p->vlan_tci;
	f->data = mac - 4;
	f->caplen += 4;
	f->len += 4;
}

/* Walks the ring into views: how many. */
static size_t rx_walk(struct feth__tap_io *io, struct feth_frame *out, size_t max)
{
	struct feth__ring_pkt p;
	size_t n = 0;

	while (n < max && feth__ring_next(&io->ring, &p)) {
		struct feth_frame *f = &out[n];

		if (p.pkttype == PACKET_OUTGOING)
			continue; /* kernels before 4.20 (see linux_tap_setup()) */
		f->data = p.mac;
		f->caplen = p.snaplen;
		f->len = p.len;
		if (p.status & TP_STATUS_VLAN_VALID)
			vlan_reinsert(&p, f);
		/* What only offloads make: someone turned them on again since open. */
		if (f->len > io->max_frame) {
			io->st.rx_oversized++; /* a GSO frame: no wire would carry it */
			io->offloads_on = 1;
			continue;
		}
		if (p.status & TP_STATUS_CSUMNOTREADY) {
			io->offloads_on = 1;
			if (feth__csum_complete((uint8_t *)(uintptr_t)f->data, f->caplen))
				io->st.rx_csum_completed++;
		}
		f->ts_nsec = (int64_t)p.sec * 1000000000 + p.nsec;
		f->flags = f->caplen < f->len ? FETH_FRAME_TRUNCATED : 0;
		f->reserved = 0;
		io->st.rx_frames++;
		io->st.rx_truncated += f->flags != 0;
		n++;
	}
	return n;
}

/* The host side's offloads were turned on again: off once more, at most once a second (they
 * may be fixed on: then the frames keep being made up for in rx_walk()). */
static void offloads_again(struct feth__tap_io *io)
{
	int64_t now = io->sys->time_now(io->sys->ctx);

	io->offloads_on = 0;
	if (now == io->offloads_at)
		return;
	io->offloads_at = now;
	(void)feth__linux_wire_offloads(io->sys, io->fd, io->host, io->ioname);
}

static int linux_tap_recv(struct feth__tap_io *io, struct feth_frame *out, size_t max)
{
	size_t n;
	int r;

	if (!io->map)
		return -EIO; /* the rings were lost in a change of MTU */
	feth__ring_release(&io->ring);
	if (io->offloads_on)
		offloads_again(io);
	n = rx_walk(io, out, max);
	if (n == 0) {
		int ready;

		r = rx_check(io, &ready);
		if (r < 0)
			return r;
		if (ready) {
			n = rx_walk(io, out, max);
			if (n == 0 && feth__ring_resync(&io->ring))
				n = rx_walk(io, out, max);
		}
	}
	if (n == 0) {
		io->last_burst = io->burst;
		io->last_blocks = io->ring.taken - io->burst_from;
		io->burst = 0;
		io->burst_from = io->ring.taken;
		return 0;
	}
	io->burst += n;
	io->st.rx_reads += !io->ring.v3; /* V3: the blocks taken, counted in stats() */
	return (int)n;
}

/* -ENXIO for a vanished device, -ENOBUFS for a full queue: the documented errors. */
static int tx_error(struct feth__tap_io *io, int err)
{
	if (err == -ENODEV)
		err = -ENXIO;
	if (err == -EAGAIN)
		err = -ENOBUFS;
	return feth__tx_failed(&io->errs, err);
}

static int tx_check(struct feth__tap_io *io, size_t len)
{
	return feth__tx_check_len(&io->errs, len, io->max_frame);
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

/* Frames checked from the first, at most `max`: how many pass (the first that fails stops,
 * *ret_err says why). */
static size_t tx_valid(struct feth__tap_io *io, const struct iovec *frames, size_t n, size_t max,
                       int *ret_err)
{
	return feth__tx_valid_run(&io->errs, frames, n < max ? n : max, io->max_frame, ret_err);
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

/*
 * The send ring: frames are copied into the slots from our head on (each must be the
 * kernel's no more: TP_STATUS_AVAILABLE), and one send() without waiting makes the kernel take
 * them; what it did not take comes back to us, and its head stays on the first of those, as
 * ours does.
 */
static int send_ring(struct feth__tap_io *io, const struct iovec *frames, size_t n)
{
	size_t done = 0;
	int err = 0;

	while (done < n) {
		size_t k = tx_valid(io, frames + done, n - done, io->tx_nr, &err), ok = 0, f;
		uint32_t start = io->tx_head;
		ssize_t r;

		for (f = 0; f < k; f++) {
			uint32_t i = (start + (uint32_t)f) % io->tx_nr;

			if (feth__ring_load_status(tx_status(io, i)) != TP_STATUS_AVAILABLE)
				break; /* still the kernel's: the ring is full */
			tx_fill(io, i, &frames[done + f]);
			feth__ring_store_status(tx_status(io, i), TP_STATUS_SEND_REQUEST);
		}
		if (f == 0) {
			if (k > 0)
				err = tx_error(io, -ENOBUFS);
			break;
		}
		io->st.tx_syscalls++;
		FETH_SYS_RETRY(
		    r, io->sys->sendto(io->sys->ctx, io->fd, NULL, 0, MSG_DONTWAIT, NULL, 0));
		for (; ok < f; ok++) {
			uint32_t st = feth__ring_load_status(
			    tx_status(io, (start + (uint32_t)ok) % io->tx_nr));

			if (st == TP_STATUS_SEND_REQUEST || (st & TP_STATUS_WRONG_FORMAT))
				break;
		}
		for (size_t i = ok; i < f; i++)
			feth__ring_store_status(tx_status(io, (start + (uint32_t)i) % io->tx_nr),
			                        TP_STATUS_AVAILABLE);
		io->tx_head = (start + (uint32_t)ok) % io->tx_nr;
		io->st.tx_frames += ok;
		done += ok;
		if (ok < f) {
			err = tx_error(io, r < 0 ? (int)r : -ENOBUFS);
			break;
		}
		if (f < k || err)
			break;
	}
	return done > 0 ? (int)done : err;
}

static int linux_tap_send_batch(struct feth__tap_io *io, const struct iovec *frames, size_t n)
{
	if (io->tx_ring && !io->map)
		return -EIO; /* the rings were lost in a change of MTU */
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
	if (io->tx_ring && !io->map)
		return -EIO;
	if (io->tx_ring) {
		r = send_ring(io, &v, 1);
		return r == 1 ? 0 : r;
	}
	return send_one(io, frame, len);
}

/*
 * A new MTU: the rings are made anew for frames of the new size (a slot holds the largest
 * frame), on the same socket, so that the descriptor an event loop watches stays the same.
 * Frames the old rings held are lost; the socket takes none while it has no ring (it is bound
 * to no protocol meanwhile: they would go to its queue, which a ring reader never reads). When
 * the kernel refuses to take the rings off (-EBUSY) nothing changes. When the new rings cannot
 * be made the old size is made again; a tap left without rings fails every receive and ring
 * send with -EIO.
 */
static int linux_tap_set_mtu(struct feth__tap_io *io, uint32_t mtu, struct feth__tap_io_info *ret)
{
	uint32_t old = io->max_frame;
	uint64_t malformed = io->ring.malformed, taken = io->ring.taken;
	int r = bind_to(io, 0);

	if (r == 0)
		r = rings_unmap(io);
	if (r == 0) {
		io->max_frame = max_frame_of(mtu);
		r = rings_map(io);
		if (r < 0) {
			io->max_frame = old;
			if (rings_map(io) < 0)
				rings_lost(io);
		}
	}
	/* The counters live on. */
	io->ring.malformed = malformed;
	io->ring.taken = taken;
	io->burst = io->last_burst = 0;
	if (io->map) {
		int b = bind_to(io, ETH_P_ALL);

		r = r < 0 ? r : b;
	}
	ret->max_frame = io->max_frame;
	ret->rx_bufsize = io->map ? rx_bufsize_of(io) : 0;
	return r;
}

static int linux_tap_stats(struct feth__tap_io *io, struct feth_tap_stats *ret)
{
	struct tpacket_stats_v3 ks;
	size_t len = sizeof(ks);
	int r = io->sys->getsockopt(io->sys->ctx, io->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len);

	/* The kernel's figures restart from zero at every read: they are added up here. */
	if (r == 0)
		io->st.rx_kernel_drops += ks.tp_drops;
	io->st.rx_malformed = io->ring.malformed;
	if (io->ring.v3)
		io->st.rx_reads = io->ring.taken;
	*ret = io->st;
	feth__tx_errs_report(&io->errs, ret);
	return r;
}

const struct feth__tap_ops feth__tap_ops_linux = {
    .send_paths = 1u << FETH_TAP_SEND_AUTO | 1u << FETH_TAP_SEND_SENDTO |
                  1u << FETH_TAP_SEND_SENDMMSG | 1u << FETH_TAP_SEND_TX_RING |
                  1u << FETH_TAP_SEND_TX_RING_BYPASS,
    .rx_modes = 1u << FETH_TAP_RX_AUTO | 1u << FETH_TAP_RX_BATCH | 1u << FETH_TAP_RX_LOW_LATENCY,
    .open = linux_tap_open,
    .close = linux_tap_close,
    .fd = linux_tap_fd,
    .pending = linux_tap_pending,
    .wait_limits = linux_tap_wait_limits,
    .idle = linux_tap_idle,
    .recv = linux_tap_recv,
    .send = linux_tap_send,
    .send_batch = linux_tap_send_batch,
    .stats = linux_tap_stats,
    .set_mtu = linux_tap_set_mtu,
};
