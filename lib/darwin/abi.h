/* SPDX-License-Identifier: MIT */
/*
 * The Darwin kernel ABI that the Darwin backend speaks: ioctl numbers, constants and struct
 * layouts, under names of our own (DARWIN_*, struct darwin_*), with fixed-width members.
 *
 * The same definitions are used on every host, so the Darwin backend compiles unchanged on
 * Linux, where it runs against the simulator in tests/sim/. No Linux struct or constant ever
 * stands in for a Darwin one (Linux's struct ifreq is 40 bytes, Darwin's 32; Linux AF_INET6 is
 * 10, Darwin's 30).
 *
 * Values: docs/darwin-notes.md, part A (measured with clang on the macOS 12.0 SDK, identical on
 * arm64 and x86_64, C1) and the kernel rules of its other parts (read from xnu). On Apple,
 * abi_check.c includes the SDK headers and _Static_asserts that every value and layout here
 * equals the SDK's; values the SDK does not have (if_fake_request, private BPF ioctls) are
 * checked against the xnu numbers.
 *
 * Only LP64 userlands (x86_64, arm64) are supported: feth needs macOS 10.13 or later, where
 * every supported process is 64-bit.
 */
#ifndef FETH_DARWIN_ABI_H
#define FETH_DARWIN_ABI_H

#include <stddef.h>
#include <stdint.h>

_Static_assert(sizeof(void *) == 8, "the Darwin ABI definitions assume an LP64 userland");

/* ---- ioctl encoding (bsd/sys/ioccom.h) -------------------------------------------------- */

#define DARWIN_IOC_VOID  0x20000000u
#define DARWIN_IOC_OUT   0x40000000u
#define DARWIN_IOC_IN    0x80000000u
#define DARWIN_IOC_INOUT (DARWIN_IOC_IN | DARWIN_IOC_OUT)
#define DARWIN_IOC(inout, group, num, len)                                                         \
	((unsigned long)((inout) | (((uint32_t)(len)&0x1fffu) << 16) | ((uint32_t)(group) << 8) |  \
	                 (uint32_t)(num)))
#define DARWIN_IOCPARM_LEN(req) (((req) >> 16) & 0x1fffu)

/* ---- sizes, families, flags --------------------------------------------------------------- */

#define DARWIN_IFNAMSIZ   16
#define DARWIN_AF_UNSPEC  0
#define DARWIN_AF_INET    2
#define DARWIN_AF_LINK    18
#define DARWIN_AF_INET6   30
#define DARWIN_AF_NDRV    27
#define DARWIN_SOCK_DGRAM 2
#define DARWIN_SOCK_RAW   3

/* Socket options (bsd/sys/socket.h; darwin-notes.md A4.1). */
#define DARWIN_SOL_SOCKET   0xffff
#define DARWIN_SO_SNDBUF    0x1001
#define DARWIN_SO_NOSIGPIPE 0x1022
/* An NDRV socket's send buffer, soreserve(NDRVSNDQ) (darwin-notes.md N1.3). */
#define DARWIN_NDRV_SNDQ 8192
/* kern.ipc.maxsockbuf's default: the largest SO_SNDBUF (darwin-notes.md N4.4). */
#define DARWIN_MAXSOCKBUF_DEFAULT (8u << 20)
/* IOV_MAX (sys/syslimits.h). */
#define DARWIN_IOV_MAX 1024

#define DARWIN_IFF_UP        0x1
#define DARWIN_IFF_BROADCAST 0x2
#define DARWIN_IFF_RUNNING   0x40
#define DARWIN_IFF_SIMPLEX   0x800
#define DARWIN_IFF_MULTICAST 0x8000

#define DARWIN_IFT_ETHER 6

/* IF_MAXUNIT (bsd/net/if_private.h; if.h in 10.13): the feth cloner's largest unit. */
#define DARWIN_IF_MAXUNIT 0x7fff
/* IF_MINMTU / IF_MAXMTU, the generic SIOCSIFMTU bounds (bsd/net/if.c). */
#define DARWIN_IF_MINMTU 72
#define DARWIN_IF_MAXMTU 65535
/* feth in BSD mode caps its MTU at 16384 - 14 (darwin-notes.md F3.2). */
#define DARWIN_FETH_MTU_CEILING 16370
/* net.link.fake.max_mtu: default 2048, accepts 1500..16370 (10.15+; absent on 10.13/10.14). */
#define DARWIN_FETH_SYSCTL_MAX_MTU         "net.link.fake.max_mtu"
#define DARWIN_FETH_SYSCTL_MAX_MTU_DEFAULT 2048
#define DARWIN_FETH_SYSCTL_MAX_MTU_MIN     1500
/* Up to macOS 14 feth copies every outgoing packet into one buffer of at most 16 KiB; a longer
 * packet is parked and the side never transmits again, while sends report success
 * (if_fake.c@10063:3373-3400, 3538-3545, 3582). macOS 15 (xnu-11215) copies nothing, and
 * is the first to have net.link.fake.vlan_tagging (if_fake.c@11215:154-156; absent from
 * if_fake.c@10063): that sysctl's presence tells the two apart. */
#define DARWIN_FETH_COPY_MAX            16384
#define DARWIN_FETH_SYSCTL_VLAN_TAGGING "net.link.fake.vlan_tagging"

/* ---- structs (LP64 layouts, darwin-notes.md A2) -------------------------------------------- */

struct darwin_sockaddr {
	uint8_t sa_len;
	uint8_t sa_family;
	char sa_data[14];
};

struct darwin_sockaddr_in {
	_Alignas(4) uint8_t sin_len; /* aligned as the SDK's, whose sin_addr is a uint32_t */
	uint8_t sin_family;
	uint16_t sin_port; /* network order */
	uint8_t sin_addr[4];
	uint8_t sin_zero[8];
};

struct darwin_sockaddr_in6 {
	uint8_t sin6_len;
	uint8_t sin6_family;
	uint16_t sin6_port;
	uint32_t sin6_flowinfo;
	uint8_t sin6_addr[16];
	uint32_t sin6_scope_id;
};

struct darwin_sockaddr_dl {
	uint8_t sdl_len;
	uint8_t sdl_family;
	uint16_t sdl_index;
	uint8_t sdl_type;
	uint8_t sdl_nlen; /* name length, name at sdl_data[0] */
	uint8_t sdl_alen; /* link-level address length, after the name */
	uint8_t sdl_slen;
	char sdl_data[12];
};

struct darwin_ifdevmtu {
	int32_t ifdm_current;
	int32_t ifdm_min;
	int32_t ifdm_max;
};

/* struct ifreq: 32 bytes, a 16-byte name then a 16-byte union aligned to 8. */
struct darwin_ifreq {
	char ifr_name[DARWIN_IFNAMSIZ];
	union {
		struct darwin_sockaddr ifru_addr;
		int16_t ifru_flags;
		int32_t ifru_mtu;
		void *ifru_data;
		struct darwin_ifdevmtu ifru_devmtu;
		uint8_t ifru_bytes[16];
	} ifr_ifru;
};

/* struct ifdrv is declared under #pragma pack(4): 40 bytes, alignment 4. */
#pragma pack(push, 4)
struct darwin_ifdrv {
	char ifd_name[DARWIN_IFNAMSIZ];
	uint64_t ifd_cmd; /* unsigned long */
	uint64_t ifd_len; /* size_t */
	void *ifd_data;
};

/* struct sockaddr_ndrv (net/ndrv.h): 18 bytes of unsigned char. */
struct darwin_sockaddr_ndrv {
	uint8_t snd_len;
	uint8_t snd_family;
	char snd_name[DARWIN_IFNAMSIZ];
};

/* struct ifconf (pack 4): 12 bytes. (Member names avoid the SDK's ifc_buf/ifc_req macros.) */
struct darwin_ifconf {
	int32_t ifc_len;
	void *ifc_buffer;
};
#pragma pack(pop)

/* struct ifaliasreq: name, then three 16-byte sockaddrs; alignment 1. */
struct darwin_ifaliasreq {
	char ifra_name[DARWIN_IFNAMSIZ];
	struct darwin_sockaddr ifra_addr;
	struct darwin_sockaddr ifra_broadaddr;
	struct darwin_sockaddr ifra_mask;
};

struct darwin_in6_addrlifetime {
	int64_t ia6t_expire;    /* time_t */
	int64_t ia6t_preferred; /* time_t */
	uint32_t ia6t_vltime;
	uint32_t ia6t_pltime;
};
/* ND6_INFINITE_LIFETIME: all-ones (not exported by the 12.0 SDK headers). */
#define DARWIN_ND6_INFINITE_LIFETIME 0xffffffffu

/* struct in6_aliasreq: 128 bytes. */
struct darwin_in6_aliasreq {
	char ifra_name[DARWIN_IFNAMSIZ];
	struct darwin_sockaddr_in6 ifra_addr;
	struct darwin_sockaddr_in6 ifra_dstaddr;
	struct darwin_sockaddr_in6 ifra_prefixmask;
	int32_t ifra_flags;
	struct darwin_in6_addrlifetime ifra_lifetime;
};

/* struct in6_ifreq: 288 bytes; the union is as large as struct icmp6_ifstat (34 u_quad_t). */
struct darwin_in6_ifreq {
	char ifr_name[DARWIN_IFNAMSIZ];
	union {
		struct darwin_sockaddr_in6 ifru_addr;
		uint64_t ifru_pad[34];
	} ifr_ifru;
};

/*
 * struct if_fake_request (bsd/net/if_fake_var.h, a PRIVATE header absent from every SDK):
 * 160 bytes, byte-identical from xnu-4570 (10.13) to xnu-11417 (15). The reserved words must be
 * zero (EINVAL otherwise, if_fake.c@11417:4009-4029).
 */
#define DARWIN_IF_FAKE_MEDIA_LIST_MAX 27
struct darwin_if_fake_request {
	uint64_t iffr_reserved[4];
	union {
		char iffru_buf[128];
		struct {
			int32_t iffm_current;
			uint32_t iffm_count;
			uint32_t iffm_reserved[3];
			int32_t iffm_list[DARWIN_IF_FAKE_MEDIA_LIST_MAX];
		} iffru_media;
		char iffru_peer_name[DARWIN_IFNAMSIZ];
		uint32_t iffru_dequeue_stall;
	} iffr_u;
};

#define DARWIN_IF_FAKE_S_CMD_NONE              0
#define DARWIN_IF_FAKE_S_CMD_SET_PEER          1
#define DARWIN_IF_FAKE_S_CMD_SET_MEDIA         2
#define DARWIN_IF_FAKE_S_CMD_SET_DEQUEUE_STALL 3
#define DARWIN_IF_FAKE_G_CMD_NONE              0
#define DARWIN_IF_FAKE_G_CMD_GET_PEER          1

/* ---- interface ioctls, group 'i' (bsd/sys/sockio.h; values in darwin-notes.md A3) ---------- */

#define DARWIN_SIOCSIFFLAGS    DARWIN_IOC(DARWIN_IOC_IN, 'i', 16, 32)     /* 0x80206910 */
#define DARWIN_SIOCGIFFLAGS    DARWIN_IOC(DARWIN_IOC_INOUT, 'i', 17, 32)  /* 0xC0206911 */
#define DARWIN_SIOCDIFADDR     DARWIN_IOC(DARWIN_IOC_IN, 'i', 25, 32)     /* 0x80206919 */
#define DARWIN_SIOCAIFADDR     DARWIN_IOC(DARWIN_IOC_IN, 'i', 26, 64)     /* 0x8040691A */
#define DARWIN_SIOCGIFCONF     DARWIN_IOC(DARWIN_IOC_INOUT, 'i', 36, 12)  /* 0xC00C6924 */
#define DARWIN_SIOCGIFMTU      DARWIN_IOC(DARWIN_IOC_INOUT, 'i', 51, 32)  /* 0xC0206933 */
#define DARWIN_SIOCSIFMTU      DARWIN_IOC(DARWIN_IOC_IN, 'i', 52, 32)     /* 0x80206934 */
#define DARWIN_SIOCSIFLLADDR   DARWIN_IOC(DARWIN_IOC_IN, 'i', 60, 32)     /* 0x8020693C */
#define DARWIN_SIOCGIFDEVMTU   DARWIN_IOC(DARWIN_IOC_INOUT, 'i', 68, 32)  /* 0xC0206944 */
#define DARWIN_SIOCIFCREATE    DARWIN_IOC(DARWIN_IOC_INOUT, 'i', 120, 32) /* 0xC0206978 */
#define DARWIN_SIOCIFDESTROY   DARWIN_IOC(DARWIN_IOC_IN, 'i', 121, 32)    /* 0x80206979 */
#define DARWIN_SIOCIFCREATE2   DARWIN_IOC(DARWIN_IOC_INOUT, 'i', 122, 32) /* 0xC020697A */
#define DARWIN_SIOCSDRVSPEC    DARWIN_IOC(DARWIN_IOC_IN, 'i', 123, 40)    /* 0x8028697B */
#define DARWIN_SIOCGDRVSPEC    DARWIN_IOC(DARWIN_IOC_INOUT, 'i', 123, 40) /* 0xC028697B */
#define DARWIN_SIOCAIFADDR_IN6 DARWIN_IOC(DARWIN_IOC_IN, 'i', 26, 128)    /* 0x8080691A */
#define DARWIN_SIOCDIFADDR_IN6 DARWIN_IOC(DARWIN_IOC_IN, 'i', 25, 288)    /* 0x81206919 */

/*
 * An interface's description, 128 opaque bytes that root may set (private, absent from the
 * SDK): struct if_descreq and IF_DESCSIZE, bsd/net/if_private.h@11417:489-498 (bsd/net/if.h in
 * 10.13, xnu-4570); SIOCSIFDESC _IOWR('i', 143, struct if_descreq) and SIOCGIFDESC
 * _IOWR('i', 144, ...), bsd/sys/sockio_private.h@11417:154-155 (sockio.h in 10.13).
 * darwin-notes.md R5: root only to set (proc_suser), cleared when the interface is detached,
 * so an ifnet handed to a new interface of the same name starts without one.
 */
#define DARWIN_IF_DESCSIZE 128
struct darwin_if_descreq {
	char ifdr_name[DARWIN_IFNAMSIZ];
	uint32_t ifdr_len;
	uint8_t ifdr_desc[DARWIN_IF_DESCSIZE];
};
#define DARWIN_SIOCSIFDESC DARWIN_IOC(DARWIN_IOC_INOUT, 'i', 143, 148) /* 0xC094698F */
#define DARWIN_SIOCGIFDESC DARWIN_IOC(DARWIN_IOC_INOUT, 'i', 144, 148) /* 0xC0946990 */

/* ---- BPF (bsd/net/bpf.h; darwin-notes.md A3, B) -------------------------------------------- */

/* struct bpf_stat {u_int bs_recv; u_int bs_drop;} */
struct darwin_bpf_stat {
	uint32_t bs_recv;
	uint32_t bs_drop;
};

/* struct timeval on LP64: {long tv_sec; int tv_usec}, 16 bytes with padding (BIOCSRTIMEOUT). */
struct darwin_timeval {
	int64_t tv_sec;
	int32_t tv_usec;
	int32_t tv_pad;
};

#define DARWIN_DLT_EN10MB 1
/* sizeof(struct bpf_hdr) in userland (LP64): 20, the kernel's 18 plus padding (darwin-notes.md
 * B3.1, B3.2). Batch write records use it as their bh_hdrlen, as xnu's bpf_write_batch test
 * does (B9.2). */
#define DARWIN_BPF_HDR_SIZE 20
/* BPF write limits (darwin-notes.md B8.3, B8.4): from macOS 14 a frame may exceed the MTU by
 * BPF_WRITE_LEEWAY and a write may carry BPF_WRITE_MAX bytes (14.1+); before, MTU + 14 and
 * MCLBYTES. */
#define DARWIN_BPF_WRITE_LEEWAY 18
#define DARWIN_BPF_WRITE_MAX    (16u << 20)
#define DARWIN_MCLBYTES         2048
#define DARWIN_BPF_MINBUFSIZE   32
/* BIOCSBLEN's cap: 32 MiB on macOS 13+, debug.bpf_maxbufsize (512 KiB) on 10.13-12. */
#define DARWIN_BPF_BUFSIZE_CAP    (32u << 20)
#define DARWIN_BPF_MAXBUFSIZE_OLD (512u << 10)

#define DARWIN_BIOCGBLEN     DARWIN_IOC(DARWIN_IOC_OUT, 'B', 102, 4)   /* 0x40044266 */
#define DARWIN_BIOCSBLEN     DARWIN_IOC(DARWIN_IOC_INOUT, 'B', 102, 4) /* 0xC0044266 */
#define DARWIN_BIOCFLUSH     DARWIN_IOC(DARWIN_IOC_VOID, 'B', 104, 0)  /* 0x20004268 */
#define DARWIN_BIOCGDLT      DARWIN_IOC(DARWIN_IOC_OUT, 'B', 106, 4)   /* 0x4004426A */
#define DARWIN_BIOCSETIF     DARWIN_IOC(DARWIN_IOC_IN, 'B', 108, 32)   /* 0x8020426C */
#define DARWIN_BIOCSRTIMEOUT DARWIN_IOC(DARWIN_IOC_IN, 'B', 109, 16)   /* 0x8010426D */
#define DARWIN_BIOCGSTATS    DARWIN_IOC(DARWIN_IOC_OUT, 'B', 111, 8)   /* 0x4008426F */
#define DARWIN_BIOCIMMEDIATE DARWIN_IOC(DARWIN_IOC_IN, 'B', 112, 4)    /* 0x80044270 */
#define DARWIN_BIOCSHDRCMPLT DARWIN_IOC(DARWIN_IOC_IN, 'B', 117, 4)    /* 0x80044275 */
#define DARWIN_BIOCSSEESENT  DARWIN_IOC(DARWIN_IOC_IN, 'B', 119, 4)    /* 0x80044277 */
#define DARWIN_BIOCGETIF     DARWIN_IOC(DARWIN_IOC_OUT, 'B', 107, 32)  /* 0x4020426B */
#define DARWIN_BIOCGRTIMEOUT DARWIN_IOC(DARWIN_IOC_OUT, 'B', 110, 16)  /* 0x4010426E */
#define DARWIN_BIOCGHDRCMPLT DARWIN_IOC(DARWIN_IOC_OUT, 'B', 116, 4)   /* 0x40044274 */
#define DARWIN_BIOCGSEESENT  DARWIN_IOC(DARWIN_IOC_OUT, 'B', 118, 4)   /* 0x40044276 */
/* Generic file ioctls (group 'f', bsd/sys/filio.h). */
#define DARWIN_FIONBIO  DARWIN_IOC(DARWIN_IOC_IN, 'f', 126, 4)  /* 0x8004667E */
#define DARWIN_FIONREAD DARWIN_IOC(DARWIN_IOC_OUT, 'f', 127, 4) /* 0x4004667F */
/* Private (absent from the SDK): values from xnu bsd/net/bpf.h, darwin-notes.md A3. */
#define DARWIN_BIOCGBATCHWRITE DARWIN_IOC(DARWIN_IOC_OUT, 'B', 142, 4) /* 0x4004428E */
#define DARWIN_BIOCSBATCHWRITE DARWIN_IOC(DARWIN_IOC_IN, 'B', 143, 4)  /* 0x8004428F */

/* Layout checks that hold on every host (darwin-notes.md A2). */
_Static_assert(sizeof(struct darwin_sockaddr) == 16, "sockaddr");
_Static_assert(sizeof(struct darwin_sockaddr_in) == 16, "sockaddr_in");
_Static_assert(_Alignof(struct darwin_sockaddr_in) == 4, "sockaddr_in alignment");
_Static_assert(sizeof(struct darwin_sockaddr_in6) == 28, "sockaddr_in6");
_Static_assert(sizeof(struct darwin_sockaddr_dl) == 20, "sockaddr_dl");
_Static_assert(offsetof(struct darwin_sockaddr_dl, sdl_data) == 8, "sockaddr_dl.sdl_data");
_Static_assert(sizeof(struct darwin_ifdevmtu) == 12, "ifdevmtu");
_Static_assert(sizeof(struct darwin_ifreq) == 32, "ifreq");
_Static_assert(_Alignof(struct darwin_ifreq) == 8, "ifreq alignment");
_Static_assert(offsetof(struct darwin_ifreq, ifr_ifru) == 16, "ifreq union");
_Static_assert(sizeof(struct darwin_ifdrv) == 40, "ifdrv");
_Static_assert(_Alignof(struct darwin_ifdrv) == 4, "ifdrv alignment");
_Static_assert(offsetof(struct darwin_ifdrv, ifd_cmd) == 16, "ifdrv.ifd_cmd");
_Static_assert(offsetof(struct darwin_ifdrv, ifd_len) == 24, "ifdrv.ifd_len");
_Static_assert(offsetof(struct darwin_ifdrv, ifd_data) == 32, "ifdrv.ifd_data");
_Static_assert(sizeof(struct darwin_ifconf) == 12, "ifconf");
_Static_assert(sizeof(struct darwin_sockaddr_ndrv) == 18, "sockaddr_ndrv");
_Static_assert(sizeof(struct darwin_if_descreq) == 148, "if_descreq");
_Static_assert(DARWIN_SIOCSIFDESC == 0xC094698Fu && DARWIN_SIOCGIFDESC == 0xC0946990u,
               "SIOCSIFDESC/SIOCGIFDESC");
_Static_assert(offsetof(struct darwin_sockaddr_ndrv, snd_name) == 2, "sockaddr_ndrv.snd_name");
_Static_assert(sizeof(struct darwin_ifaliasreq) == 64, "ifaliasreq");
_Static_assert(offsetof(struct darwin_ifaliasreq, ifra_mask) == 48, "ifaliasreq.ifra_mask");
_Static_assert(sizeof(struct darwin_in6_addrlifetime) == 24, "in6_addrlifetime");
_Static_assert(sizeof(struct darwin_in6_aliasreq) == 128, "in6_aliasreq");
_Static_assert(offsetof(struct darwin_in6_aliasreq, ifra_dstaddr) == 44, "in6_aliasreq.dstaddr");
_Static_assert(offsetof(struct darwin_in6_aliasreq, ifra_prefixmask) == 72, "in6_aliasreq.mask");
_Static_assert(offsetof(struct darwin_in6_aliasreq, ifra_flags) == 100, "in6_aliasreq.flags");
_Static_assert(offsetof(struct darwin_in6_aliasreq, ifra_lifetime) == 104, "in6_aliasreq.life");
_Static_assert(sizeof(struct darwin_in6_ifreq) == 288, "in6_ifreq");
_Static_assert(sizeof(struct darwin_if_fake_request) == 160, "if_fake_request");
_Static_assert(offsetof(struct darwin_if_fake_request, iffr_u) == 32, "if_fake_request union");
_Static_assert(sizeof(struct darwin_bpf_stat) == 8, "bpf_stat");
_Static_assert(sizeof(struct darwin_timeval) == 16, "timeval");
_Static_assert(DARWIN_BIOCSBLEN == 0xC0044266ul, "BIOCSBLEN");
_Static_assert(DARWIN_BIOCSETIF == 0x8020426Cul, "BIOCSETIF");
_Static_assert(DARWIN_BIOCGDLT == 0x4004426Aul, "BIOCGDLT");
_Static_assert(DARWIN_BIOCGSTATS == 0x4008426Ful, "BIOCGSTATS");
_Static_assert(DARWIN_BIOCIMMEDIATE == 0x80044270ul, "BIOCIMMEDIATE");
_Static_assert(DARWIN_BIOCSHDRCMPLT == 0x80044275ul, "BIOCSHDRCMPLT");
_Static_assert(DARWIN_BIOCSSEESENT == 0x80044277ul, "BIOCSSEESENT");
_Static_assert(DARWIN_BIOCSRTIMEOUT == 0x8010426Dul, "BIOCSRTIMEOUT");
_Static_assert(DARWIN_BIOCFLUSH == 0x20004268ul, "BIOCFLUSH");
_Static_assert(DARWIN_BIOCGBLEN == 0x40044266ul, "BIOCGBLEN");
_Static_assert(DARWIN_BIOCGETIF == 0x4020426Bul, "BIOCGETIF");
_Static_assert(DARWIN_BIOCGRTIMEOUT == 0x4010426Eul, "BIOCGRTIMEOUT");
_Static_assert(DARWIN_BIOCGHDRCMPLT == 0x40044274ul, "BIOCGHDRCMPLT");
_Static_assert(DARWIN_BIOCGSEESENT == 0x40044276ul, "BIOCGSEESENT");
_Static_assert(DARWIN_FIONBIO == 0x8004667Eul, "FIONBIO");
_Static_assert(DARWIN_FIONREAD == 0x4004667Ful, "FIONREAD");
_Static_assert(DARWIN_BIOCGBATCHWRITE == 0x4004428Eul, "BIOCGBATCHWRITE");
_Static_assert(DARWIN_BIOCSBATCHWRITE == 0x8004428Ful, "BIOCSBATCHWRITE");
_Static_assert(DARWIN_SIOCSDRVSPEC == 0x8028697Bul, "SIOCSDRVSPEC");
_Static_assert(DARWIN_SIOCGDRVSPEC == 0xC028697Bul, "SIOCGDRVSPEC");
_Static_assert(DARWIN_SIOCIFCREATE2 == 0xC020697Aul, "SIOCIFCREATE2");
_Static_assert(DARWIN_SIOCAIFADDR == 0x8040691Aul, "SIOCAIFADDR");
_Static_assert(DARWIN_SIOCAIFADDR_IN6 == 0x8080691Aul, "SIOCAIFADDR_IN6");
_Static_assert(DARWIN_SIOCDIFADDR_IN6 == 0x81206919ul, "SIOCDIFADDR_IN6");
_Static_assert(DARWIN_SIOCGIFCONF == 0xC00C6924ul, "SIOCGIFCONF");
_Static_assert(DARWIN_SIOCGIFDEVMTU == 0xC0206944ul, "SIOCGIFDEVMTU");

#endif /* FETH_DARWIN_ABI_H */
