/* SPDX-License-Identifier: MIT */
/*
 * Built on Apple only: proves at compile time that every Darwin constant and struct layout in
 * abi.h equals the SDK's. If the SDK ever disagrees, the build fails here, not at run time.
 * Values the SDK lacks (if_fake_request, ND6_INFINITE_LIFETIME) are checked in abi.h against
 * the numbers read from xnu.
 */
#ifdef __APPLE__
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/sockio.h>
#include <net/if.h>
#include <net/bpf.h>
#include <net/ndrv.h>
#include <limits.h>
#include <net/if_dl.h>
#include <netinet/in.h>
#include <netinet6/in6_var.h>
#include <stddef.h>

#include "../bpf_records.h"
#include "abi.h"

#define SAME_VALUE(ours, sdk) _Static_assert((ours) == (sdk), #ours " != SDK " #sdk)
#define SAME_SIZE(ours, sdk)                                                                       \
	_Static_assert(sizeof(struct ours) == sizeof(struct sdk), "sizeof " #ours);                \
	_Static_assert(_Alignof(struct ours) == _Alignof(struct sdk), "alignof " #ours)
#define SAME_FIELD(ours, of, sdk, sf)                                                              \
	_Static_assert(offsetof(struct ours, of) == offsetof(struct sdk, sf), #ours "." #of);      \
	_Static_assert(sizeof(((struct ours *)0)->of) == sizeof(((struct sdk *)0)->sf),            \
	               #ours "." #of " size")

SAME_VALUE(DARWIN_IFNAMSIZ, IFNAMSIZ);
SAME_VALUE(DARWIN_AF_UNSPEC, AF_UNSPEC);
SAME_VALUE(DARWIN_AF_INET, AF_INET);
SAME_VALUE(DARWIN_AF_LINK, AF_LINK);
SAME_VALUE(DARWIN_AF_INET6, AF_INET6);
SAME_VALUE(DARWIN_SOCK_DGRAM, SOCK_DGRAM);
SAME_VALUE(DARWIN_SOCK_RAW, SOCK_RAW);
SAME_VALUE(DARWIN_AF_NDRV, AF_NDRV);
SAME_VALUE(DARWIN_SOL_SOCKET, SOL_SOCKET);
SAME_VALUE(DARWIN_SO_SNDBUF, SO_SNDBUF);
SAME_VALUE(DARWIN_SO_NOSIGPIPE, SO_NOSIGPIPE);
SAME_VALUE(DARWIN_IOV_MAX, IOV_MAX);
SAME_VALUE(DARWIN_BPF_HDR_SIZE, sizeof(struct bpf_hdr));
SAME_SIZE(darwin_sockaddr_ndrv, sockaddr_ndrv);
SAME_FIELD(darwin_sockaddr_ndrv, snd_len, sockaddr_ndrv, snd_len);
SAME_FIELD(darwin_sockaddr_ndrv, snd_family, sockaddr_ndrv, snd_family);
SAME_FIELD(darwin_sockaddr_ndrv, snd_name, sockaddr_ndrv, snd_name);
SAME_VALUE(DARWIN_IFF_UP, IFF_UP);
SAME_VALUE(DARWIN_IFF_BROADCAST, IFF_BROADCAST);
SAME_VALUE(DARWIN_IFF_RUNNING, IFF_RUNNING);
SAME_VALUE(DARWIN_IFF_SIMPLEX, IFF_SIMPLEX);
SAME_VALUE(DARWIN_IFF_MULTICAST, IFF_MULTICAST);

SAME_VALUE(DARWIN_SIOCSIFFLAGS, SIOCSIFFLAGS);
SAME_VALUE(DARWIN_SIOCGIFFLAGS, SIOCGIFFLAGS);
SAME_VALUE(DARWIN_SIOCDIFADDR, SIOCDIFADDR);
SAME_VALUE(DARWIN_SIOCAIFADDR, SIOCAIFADDR);
SAME_VALUE(DARWIN_SIOCGIFCONF, SIOCGIFCONF);
SAME_VALUE(DARWIN_SIOCGIFMTU, SIOCGIFMTU);
SAME_VALUE(DARWIN_SIOCSIFMTU, SIOCSIFMTU);
SAME_VALUE(DARWIN_SIOCSIFLLADDR, SIOCSIFLLADDR);
SAME_VALUE(DARWIN_SIOCGIFDEVMTU, SIOCGIFDEVMTU);
SAME_VALUE(DARWIN_SIOCIFCREATE, SIOCIFCREATE);
SAME_VALUE(DARWIN_SIOCIFDESTROY, SIOCIFDESTROY);
SAME_VALUE(DARWIN_SIOCIFCREATE2, SIOCIFCREATE2);
SAME_VALUE(DARWIN_SIOCSDRVSPEC, SIOCSDRVSPEC);
SAME_VALUE(DARWIN_SIOCGDRVSPEC, SIOCGDRVSPEC);
SAME_VALUE(DARWIN_SIOCAIFADDR_IN6, SIOCAIFADDR_IN6);
SAME_VALUE(DARWIN_SIOCDIFADDR_IN6, SIOCDIFADDR_IN6);
/* The private description ioctls: the SDK's own encoding macro over the xnu layout. */
SAME_VALUE(DARWIN_SIOCSIFDESC, _IOWR('i', 143, struct darwin_if_descreq));
SAME_VALUE(DARWIN_SIOCGIFDESC, _IOWR('i', 144, struct darwin_if_descreq));

SAME_VALUE(DARWIN_DLT_EN10MB, DLT_EN10MB);
SAME_VALUE(DARWIN_BPF_MINBUFSIZE, BPF_MINBUFSIZE);
SAME_VALUE(DARWIN_BPF_MAXBUFSIZE_OLD, BPF_MAXBUFSIZE);
SAME_VALUE(DARWIN_BIOCGBLEN, BIOCGBLEN);
SAME_VALUE(DARWIN_BIOCSBLEN, BIOCSBLEN);
SAME_VALUE(DARWIN_BIOCFLUSH, BIOCFLUSH);
SAME_VALUE(DARWIN_BIOCGDLT, BIOCGDLT);
SAME_VALUE(DARWIN_BIOCSETIF, BIOCSETIF);
SAME_VALUE(DARWIN_BIOCSRTIMEOUT, BIOCSRTIMEOUT);
SAME_VALUE(DARWIN_BIOCGSTATS, BIOCGSTATS);
SAME_VALUE(DARWIN_BIOCGETIF, BIOCGETIF);
SAME_VALUE(DARWIN_BIOCGRTIMEOUT, BIOCGRTIMEOUT);
SAME_VALUE(DARWIN_BIOCGHDRCMPLT, BIOCGHDRCMPLT);
SAME_VALUE(DARWIN_BIOCGSEESENT, BIOCGSEESENT);
SAME_VALUE(DARWIN_FIONBIO, FIONBIO);
SAME_VALUE(DARWIN_FIONREAD, FIONREAD);
SAME_VALUE(DARWIN_BIOCIMMEDIATE, BIOCIMMEDIATE);
SAME_VALUE(DARWIN_BIOCSHDRCMPLT, BIOCSHDRCMPLT);
SAME_VALUE(DARWIN_BIOCSSEESENT, BIOCSSEESENT);
SAME_SIZE(darwin_bpf_stat, bpf_stat);
SAME_FIELD(darwin_bpf_stat, bs_recv, bpf_stat, bs_recv);
SAME_FIELD(darwin_bpf_stat, bs_drop, bpf_stat, bs_drop);
SAME_SIZE(darwin_timeval, timeval);
SAME_FIELD(darwin_timeval, tv_sec, timeval, tv_sec);
SAME_FIELD(darwin_timeval, tv_usec, timeval, tv_usec);
/* The record layout the walker (lib/bpf_records.h) reads. */
SAME_VALUE(FETH_BPF_OFF_CAPLEN, offsetof(struct bpf_hdr, bh_caplen));
SAME_VALUE(FETH_BPF_OFF_DATALEN, offsetof(struct bpf_hdr, bh_datalen));
SAME_VALUE(FETH_BPF_OFF_HDRLEN, offsetof(struct bpf_hdr, bh_hdrlen));
SAME_VALUE(FETH_BPF_ALIGN, BPF_ALIGNMENT);
SAME_VALUE(FETH_BPF_WORDALIGN(18), BPF_WORDALIGN(18));

SAME_SIZE(darwin_sockaddr, sockaddr);
SAME_FIELD(darwin_sockaddr, sa_len, sockaddr, sa_len);
SAME_FIELD(darwin_sockaddr, sa_family, sockaddr, sa_family);
SAME_FIELD(darwin_sockaddr, sa_data, sockaddr, sa_data);

SAME_SIZE(darwin_sockaddr_in, sockaddr_in);
SAME_FIELD(darwin_sockaddr_in, sin_len, sockaddr_in, sin_len);
SAME_FIELD(darwin_sockaddr_in, sin_family, sockaddr_in, sin_family);
SAME_FIELD(darwin_sockaddr_in, sin_port, sockaddr_in, sin_port);
SAME_FIELD(darwin_sockaddr_in, sin_addr, sockaddr_in, sin_addr);

SAME_SIZE(darwin_sockaddr_in6, sockaddr_in6);
SAME_FIELD(darwin_sockaddr_in6, sin6_len, sockaddr_in6, sin6_len);
SAME_FIELD(darwin_sockaddr_in6, sin6_family, sockaddr_in6, sin6_family);
SAME_FIELD(darwin_sockaddr_in6, sin6_addr, sockaddr_in6, sin6_addr);
SAME_FIELD(darwin_sockaddr_in6, sin6_scope_id, sockaddr_in6, sin6_scope_id);

SAME_SIZE(darwin_sockaddr_dl, sockaddr_dl);
SAME_FIELD(darwin_sockaddr_dl, sdl_index, sockaddr_dl, sdl_index);
SAME_FIELD(darwin_sockaddr_dl, sdl_type, sockaddr_dl, sdl_type);
SAME_FIELD(darwin_sockaddr_dl, sdl_nlen, sockaddr_dl, sdl_nlen);
SAME_FIELD(darwin_sockaddr_dl, sdl_alen, sockaddr_dl, sdl_alen);
SAME_FIELD(darwin_sockaddr_dl, sdl_data, sockaddr_dl, sdl_data);

SAME_SIZE(darwin_ifdevmtu, ifdevmtu);
SAME_FIELD(darwin_ifdevmtu, ifdm_current, ifdevmtu, ifdm_current);
SAME_FIELD(darwin_ifdevmtu, ifdm_min, ifdevmtu, ifdm_min);
SAME_FIELD(darwin_ifdevmtu, ifdm_max, ifdevmtu, ifdm_max);

SAME_SIZE(darwin_ifreq, ifreq);
SAME_FIELD(darwin_ifreq, ifr_name, ifreq, ifr_name);
SAME_FIELD(darwin_ifreq, ifr_ifru, ifreq, ifr_ifru);
SAME_FIELD(darwin_ifreq, ifr_ifru.ifru_addr, ifreq, ifr_addr);
SAME_FIELD(darwin_ifreq, ifr_ifru.ifru_flags, ifreq, ifr_flags);
SAME_FIELD(darwin_ifreq, ifr_ifru.ifru_mtu, ifreq, ifr_mtu);
SAME_FIELD(darwin_ifreq, ifr_ifru.ifru_data, ifreq, ifr_data);
SAME_FIELD(darwin_ifreq, ifr_ifru.ifru_devmtu, ifreq, ifr_devmtu);

SAME_SIZE(darwin_ifdrv, ifdrv);
SAME_FIELD(darwin_ifdrv, ifd_name, ifdrv, ifd_name);
SAME_FIELD(darwin_ifdrv, ifd_cmd, ifdrv, ifd_cmd);
SAME_FIELD(darwin_ifdrv, ifd_len, ifdrv, ifd_len);
SAME_FIELD(darwin_ifdrv, ifd_data, ifdrv, ifd_data);

SAME_SIZE(darwin_ifconf, ifconf);
SAME_FIELD(darwin_ifconf, ifc_len, ifconf, ifc_len);
SAME_FIELD(darwin_ifconf, ifc_buffer, ifconf, ifc_buf);

SAME_SIZE(darwin_ifaliasreq, ifaliasreq);
SAME_FIELD(darwin_ifaliasreq, ifra_name, ifaliasreq, ifra_name);
SAME_FIELD(darwin_ifaliasreq, ifra_addr, ifaliasreq, ifra_addr);
SAME_FIELD(darwin_ifaliasreq, ifra_broadaddr, ifaliasreq, ifra_broadaddr);
SAME_FIELD(darwin_ifaliasreq, ifra_mask, ifaliasreq, ifra_mask);

SAME_SIZE(darwin_in6_addrlifetime, in6_addrlifetime);
SAME_FIELD(darwin_in6_addrlifetime, ia6t_expire, in6_addrlifetime, ia6t_expire);
SAME_FIELD(darwin_in6_addrlifetime, ia6t_preferred, in6_addrlifetime, ia6t_preferred);
SAME_FIELD(darwin_in6_addrlifetime, ia6t_vltime, in6_addrlifetime, ia6t_vltime);
SAME_FIELD(darwin_in6_addrlifetime, ia6t_pltime, in6_addrlifetime, ia6t_pltime);

SAME_SIZE(darwin_in6_aliasreq, in6_aliasreq);
SAME_FIELD(darwin_in6_aliasreq, ifra_name, in6_aliasreq, ifra_name);
SAME_FIELD(darwin_in6_aliasreq, ifra_addr, in6_aliasreq, ifra_addr);
SAME_FIELD(darwin_in6_aliasreq, ifra_dstaddr, in6_aliasreq, ifra_dstaddr);
SAME_FIELD(darwin_in6_aliasreq, ifra_prefixmask, in6_aliasreq, ifra_prefixmask);
SAME_FIELD(darwin_in6_aliasreq, ifra_flags, in6_aliasreq, ifra_flags);
SAME_FIELD(darwin_in6_aliasreq, ifra_lifetime, in6_aliasreq, ifra_lifetime);

SAME_SIZE(darwin_in6_ifreq, in6_ifreq);
SAME_FIELD(darwin_in6_ifreq, ifr_name, in6_ifreq, ifr_name);
SAME_FIELD(darwin_in6_ifreq, ifr_ifru.ifru_addr, in6_ifreq, ifr_addr);
#else
/* Elsewhere the layouts are checked by the _Static_asserts in abi.h alone. */
typedef int feth_darwin_abi_check_unused;
#endif
