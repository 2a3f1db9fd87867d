/* SPDX-License-Identifier: MIT */
/*
 * The veth pair's offload features. A veth is born with TX checksum offload and TSO/GSO on, so
 * what the host stack sends out of the host side would reach the tap's socket on the I/O side
 * with only a partial checksum (CHECKSUM_PARTIAL: the field holds the pseudo-header sum, and
 * tpacket_rcv() flags the frame TP_STATUS_CSUMNOTREADY) and as GSO frames of up to 64 KiB,
 * longer than any frame the wire behind the tap can carry. With those features off on the host
 * side, validate_xmit_skb() (net/core/dev.c) segments and checksums in software before
 * veth_xmit() hands the frames over; with GRO off on the I/O side, nothing merges them again on
 * the way in.
 *
 * The features are named, not numbered: their bit positions change from kernel to kernel, and
 * `ethtool -K x tx off` (the legacy flags) leaves tx-tcp-accecn-segmentation and the tunnel GSO
 * features on. So the names are read (ETHTOOL_GSSET_INFO, ETHTOOL_GSTRINGS of ETH_SS_FEATURES),
 * then the features (ETHTOOL_GFEATURES), and only what is on and changeable is turned off
 * (ETHTOOL_SFEATURES), as net/ethtool/ioctl.c ethtool_get_features() and
 * ethtool_set_features() define them (Linux 2.6.39+): both carry the kernel's count of 32-bit
 * feature words, ETHTOOL_DEV_FEATURE_WORDS, which the set call requires exactly.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "offload.h"

/* Far more feature names than any kernel has (Linux 6.18 has 64): a sanity bound. */
#define FEATURE_WORDS_MAX 32u
#define FEATURES_MAX      (FEATURE_WORDS_MAX * 32u)

/* A side's features: names, their state and the change asked, in one allocation. */
struct features {
	uint32_t count, words;
	struct ethtool_gstrings *names;
	struct ethtool_gfeatures *get;
	struct ethtool_sfeatures *set;
	uint32_t target[FEATURE_WORDS_MAX]; /* the features this side must have off */
};

static int has_prefix(const char *name, size_t len, const char *prefix)
{
	size_t k = strlen(prefix);

	return len >= k && memcmp(name, prefix, k) == 0;
}

static int has_suffix(const char *name, size_t len, const char *suffix)
{
	size_t k = strlen(suffix);

	return len >= k && memcmp(name + len - k, suffix, k) == 0;
}

/* Host side: what would leave the checksum or the segmentation to a device. */
static int host_feature(const char *name, size_t len)
{
	return has_prefix(name, len, "tx-checksum-") || has_prefix(name, len, "tx-gso-") ||
	       has_suffix(name, len, "-segmentation") || has_suffix(name, len, "-fragmentation");
}

/* I/O side: what would merge received frames into larger ones. */
static int io_feature(const char *name, size_t len)
{
	static const char *const coalescing[] = {"rx-gro", "rx-lro", "rx-gro-hw", "rx-gro-list",
	                                         "rx-udp-gro-forwarding"};

	for (size_t i = 0; i < FETH_ARRAY_SIZE(coalescing); i++)
		if (strlen(coalescing[i]) == len && memcmp(name, coalescing[i], len) == 0)
			return 1;
	return 0;
}

static int ethtool(const struct feth__sys *s, int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	ifr.ifr_data = cmd;
	FETH_SYS_RETRY(r, s->ioctl(s->ctx, fd, SIOCETHTOOL, &ifr));
	return r == -ENODEV ? -ENXIO : r;
}

/* How many features the kernel names. */
static int feature_count(const struct feth__sys *s, int fd, const char *ifname, uint32_t *ret)
{
	union {
		struct ethtool_sset_info h;
		uint8_t room[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
	} info;
	int r;

	memset(&info, 0, sizeof(info));
	info.h.cmd = ETHTOOL_GSSET_INFO;
	info.h.sset_mask = 1ull << ETH_SS_FEATURES;
	r = ethtool(s, fd, ifname, &info);
	if (r < 0)
		return r;
	/* The kernel clears from the mask the sets it has no count for (every kernel with
	 * ETHTOOL_GFEATURES has the features set; its absence is not taken on trust). */
	if (!(info.h.sset_mask & (1ull << ETH_SS_FEATURES)))
		return -EOPNOTSUPP;
	if (info.h.data[0] == 0 || info.h.data[0] > FEATURES_MAX)
		return -EPROTO;
	*ret = info.h.data[0];
	return 0;
}

static int read_state(const struct feth__sys *s, int fd, const char *ifname, struct features *f)
{
	int r;

	f->get->cmd = ETHTOOL_GFEATURES;
	f->get->size = f->words;
	r = ethtool(s, fd, ifname, f->get);
	if (r < 0)
		return r;
	/* The kernel answers with its word count (and copies at most ours). */
	return f->get->size == f->words ? 0 : -EPROTO;
}

/* Reads the names and the state; marks the side's features in f->target and asks, in f->set,
 * to turn off those of them that are changeable and on (or asked on). 1 if anything is to
 * change. */
static int plan(const struct feth__sys *s, int fd, const char *ifname,
                int (*wanted_off)(const char *, size_t), struct features *f)
{
	int r, change = 0;

	f->names->cmd = ETHTOOL_GSTRINGS;
	f->names->string_set = ETH_SS_FEATURES;
	f->names->len = f->count;
	/* ethtool_get_strings() writes as many names as the set has, whatever len says: the
	 * buffer holds the count ETHTOOL_GSSET_INFO gave, a constant of the kernel
	 * (NETDEV_FEATURE_COUNT). */
	r = ethtool(s, fd, ifname, f->names);
	if (r < 0)
		return r;
	if (f->names->len != f->count)
		return -EPROTO;
	r = read_state(s, fd, ifname, f);
	if (r < 0)
		return r;
	f->set->cmd = ETHTOOL_SFEATURES;
	f->set->size = f->words;
	for (uint32_t i = 0; i < f->count; i++) {
		const char *name = (const char *)f->names->data + (size_t)i * ETH_GSTRING_LEN;
		const struct ethtool_get_features_block *b = &f->get->features[i / 32];
		uint32_t bit = 1u << (i % 32);

		if (!wanted_off(name, strnlen(name, ETH_GSTRING_LEN)))
			continue;
		f->target[i / 32] |= bit;
		if ((b->available & bit) && ((b->active | b->requested) & bit)) {
			f->set->features[i / 32].valid |= bit;
			change = 1;
		}
	}
	return change;
}

/* 0 when every target feature is off, else -EOPNOTSUPP. */
static int verify(const struct features *f)
{
	for (uint32_t w = 0; w < f->words; w++)
		if (f->get->features[w].active & f->target[w])
			return -EOPNOTSUPP;
	return 0;
}

static int wire_side(const struct feth__sys *s, int fd, const char *ifname,
                     int (*wanted_off)(const char *, size_t))
{
	struct features f;
	size_t names_len, get_len, set_len;
	uint8_t *mem;
	int r;

	memset(&f, 0, sizeof(f));
	r = feature_count(s, fd, ifname, &f.count);
	if (r < 0)
		return r;
	f.words = (f.count + 31) / 32;
	/* Each part is a multiple of 4 bytes long and holds 32-bit fields only. */
	names_len = sizeof(*f.names) + (size_t)f.count * ETH_GSTRING_LEN;
	get_len = sizeof(*f.get) + f.words * sizeof(f.get->features[0]);
	set_len = sizeof(*f.set) + f.words * sizeof(f.set->features[0]);
	mem = calloc(1, names_len + get_len + set_len);
	if (!mem)
		return -ENOMEM;
	f.names = (struct ethtool_gstrings *)(void *)mem;
	f.get = (struct ethtool_gfeatures *)(void *)(mem + names_len);
	f.set = (struct ethtool_sfeatures *)(void *)(mem + names_len + get_len);

	r = plan(s, fd, ifname, wanted_off, &f);
	if (r > 0) {
		/* The answer's flags (ETHTOOL_F_WISH: the driver kept something on) are not
		 * trusted: the state is read back. Turning a checksum feature off also drops the
		 * segmentation that needs it (netdev_fix_features()). */
		r = ethtool(s, fd, ifname, f.set);
		if (r >= 0)
			r = read_state(s, fd, ifname, &f);
	}
	if (r >= 0)
		r = verify(&f);
	free(mem);
	return r;
}

int feth__linux_wire_offloads(const struct feth__sys *s, int fd, const char *host, const char *io)
{
	int r;

	if (!host || !io || strlen(host) >= IFNAMSIZ || strlen(io) >= IFNAMSIZ)
		return -EINVAL;
	r = wire_side(s, fd, host, host_feature);
	return r < 0 ? r : wire_side(s, fd, io, io_feature);
}
