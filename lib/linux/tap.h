/* SPDX-License-Identifier: MIT */
/* The Linux tap's tunables, chosen by measurement (docs/linux-io.md); the bench varies them. */
#ifndef FETH_LINUX_TAP_H
#define FETH_LINUX_TAP_H

/* Receive ring in bytes when the caller asks for none. */
#define FETH__LINUX_RX_BUFSIZE (8u << 20)
/* How many blocks the receive ring is cut into. */
#define FETH__LINUX_RX_BLOCKS 16u
/* The send path FETH_TAP_SEND_AUTO stands for. */
#define FETH__LINUX_SEND_AUTO FETH_TAP_SEND_SENDMMSG

/* Tests and benchmarks only: the block count of rings opened from now on (0: the default). */
extern unsigned feth__linux_rx_blocks;

#endif /* FETH_LINUX_TAP_H */
