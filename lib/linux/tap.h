/* SPDX-License-Identifier: MIT */
/* The Linux tap's tunables, chosen by measurement (docs/linux-io.md); the bench varies them. */
#ifndef FETH_LINUX_TAP_H
#define FETH_LINUX_TAP_H

/* Receive ring in bytes when the caller asks for none (either mode). */
#define FETH__LINUX_RX_BUFSIZE (8u << 20)
/* FETH_TAP_RX_BATCH: the size of a block, unless the largest frame needs more. Many small
 * blocks: on a quiet link every block is handed over with what 1-2 ms brought, however
 * little, so the block count bounds how long a reader may stall. */
#define FETH__LINUX_RX_BLOCK (64u << 10)
/* FETH_TAP_RX_LOW_LATENCY: the size of a block of slots (a slot holds the largest frame). */
#define FETH__LINUX_RX_SLOT_BLOCK (128u << 10)
/* The receive mode FETH_TAP_RX_AUTO stands for. */
#define FETH__LINUX_RX_AUTO FETH_TAP_RX_LOW_LATENCY
/* The send path FETH_TAP_SEND_AUTO stands for. */
#define FETH__LINUX_SEND_AUTO FETH_TAP_SEND_SENDMMSG

#ifdef FETH_TEST_HOOKS
/* The test suite's build only (the benchmark's sweep): the block count of FETH_TAP_RX_BATCH
 * rings opened from now on (0: blocks of FETH__LINUX_RX_BLOCK). */
extern unsigned feth__linux_rx_blocks;
#endif

#endif /* FETH_LINUX_TAP_H */
