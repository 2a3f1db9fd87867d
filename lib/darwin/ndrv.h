/* SPDX-License-Identifier: MIT */
/*
 * The AF_NDRV send socket (darwin-notes.md N): whole Ethernet frames out of one interface,
 * unmodified. Every system call goes through the sys seam.
 */
#ifndef FETH_DARWIN_NDRV_H
#define FETH_DARWIN_NDRV_H

#include <stddef.h>
#include <stdint.h>

#include "../sys.h"
#include "abi.h"

struct feth__ndrv {
	const struct feth__sys *sys;
	int fd;
	uint32_t max_frame; /* the largest frame to send: the send buffer holds it */
	struct darwin_sockaddr_ndrv addr;
};

/*
 * Opens an AF_NDRV socket bound to `ifname`, close-on-exec, with SO_NOSIGPIPE (a send after
 * the interface is destroyed must never raise SIGPIPE) and a send buffer of at least
 * `max_frame` bytes (the kernel's 8192 would refuse jumbo frames with EMSGSIZE).
 * Errors: -EPERM not root; -EADDRNOTAVAIL no such interface; -ENOBUFS max_frame above what the
 * kernel lets a socket buffer hold; -ENOMEM; others from the kernel. A failed bind poisons an
 * NDRV socket on Darwin (darwin-notes.md N2.4), so every attempt uses a new socket.
 */
int feth__ndrv_open(const struct feth__sys *sys, const char *ifname, uint32_t max_frame,
                    struct feth__ndrv **ret);
void feth__ndrv_close(struct feth__ndrv *n);
/* A new largest frame: the send buffer grows to hold it (as at open). 0, or -errno. */
int feth__ndrv_set_max_frame(struct feth__ndrv *n, uint32_t max_frame);

/*
 * Sends one frame, Ethernet header included, which has passed the size rule against max_frame
 * (feth__tx_check_len(): send.c checks every frame first). The kernel checks neither bound: it
 * takes a frame shorter than a header, which confuses feth (darwin-notes.md N4.3), and limits
 * the size only by the send buffer (N4.4). Returns 0, or: -ENOBUFS the interface queue was
 * full and the frame dropped; -ENETDOWN the interface is down; -EPIPE the socket is dead (the
 * kernel killed it when an interface of the same family and unit detached: its own, or an
 * unrelated `en<unit>`, darwin-notes.md N5); -ENXIO the interface is detaching; others from
 * sendto().
 */
int feth__ndrv_send(struct feth__ndrv *n, const void *frame, size_t len);

#endif
