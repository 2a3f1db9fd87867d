/* SPDX-License-Identifier: MIT */
/*
 * What tap_suite.c needs from a platform: a fresh world per test, and the far end of a tap's
 * pair (the host side) to send frames into the tap and receive what it sends. Two
 * implementations: peer_sim.c (the Darwin backend over the simulated Darwin kernel) and
 * peer_linux.c (the Linux backend over the real kernel, in a network namespace of its own).
 */
#ifndef FETH_TESTS_PEER_H
#define FETH_TESTS_PEER_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

#include "feth/feth.h"

struct peer;

/* Once, before the tests: 0, or 77 (printed why) when they cannot run here. */
int peer_init(void);
const char *peer_platform(void);
/* cmocka setup/teardown: *state becomes a struct peer *, with the public API pointed at it. */
int peer_setup(void **state);
int peer_teardown(void **state);

/* The platform's send paths (FETH_TAP_SEND_AUTO first), one it does not have, and whether a
 * path sends a batch in one system call. */
size_t peer_send_paths(const uint32_t **ret);
uint32_t peer_foreign_path(void);
/* The send path in force when `asked` is asked for. */
uint32_t peer_path_in_force(uint32_t asked);
int peer_path_batches(uint32_t path);
/* The receive modes to run the suite in (the platform's default first), one the platform
 * does not have (or FETH_TAP_RX_AUTO when it has them all), and the mode in force when
 * `asked` is asked for. */
size_t peer_rx_modes(const uint32_t **ret);
uint32_t peer_foreign_rx_mode(void);
uint32_t peer_rx_mode_in_force(uint32_t asked);
/* The longest untagged frame the kernel sends at MTU `mtu` (Linux: MTU + 14; macOS: any
 * frame up to the tap's max_frame, MTU + 18). */
size_t peer_untagged_max(uint32_t mtu);
/* How long frames may take to cross (ms) for feth_tap_wait(). */
int peer_cross_ms(void);

/* The kernel's index of interface `name`, 0 when there is none. */
uint32_t peer_if_index(struct peer *p, const char *name);
/* Starts listening on the host side `host` (call right after the tap is open). */
void peer_attach(struct peer *p, const char *host);
/* The host side sends a frame into the tap: 0 or -errno. */
int peer_host_send(struct peer *p, const char *host, const void *frame, size_t len);
/* The next frame the tap sent, as the host side received it: its length, or -EAGAIN when
 * none arrives within peer_cross_ms(). */
ssize_t peer_host_recv(struct peer *p, const char *host, void *buf, size_t cap);
/* 1 when nothing more arrives at the host side (within a short while), else 0. */
int peer_host_quiet(struct peer *p, const char *host);
/* How many frames fill the ring of tap `in` (opened with rx_bufsize 640 KiB) with a light
 * stream (a frame at a time, each handed over alone), and some more; 0 where the platform has
 * no such ring. peer_light_gap() waits between two such frames. */
size_t peer_light_burst(const struct feth_tap_info *in);
void peer_light_gap(const struct feth_tap_info *in);
/* Puts a very slow queueing discipline (a few hundred bytes a second) on the egress of
 * interface `ifname`: 0, or -EOPNOTSUPP where the platform has none. */
int peer_slow_queue(struct peer *p, const char *ifname);
/* Fault injection: seam calls made so far; make the nth call from now on fail with -err
 * (without being made); back to no faults. */
unsigned long peer_calls(struct peer *p);
void peer_fail_nth(struct peer *p, unsigned long n, int err);
void peer_fail_clear(struct peer *p);
/* Every seam call from the nth from now on fails with -err until peer_fail_clear(); 0 where the
 * platform's fault injection has no such mode (then nothing is armed). */
int peer_fail_from(struct peer *p, unsigned long n, int err);
/* 1 where a fork()ed child that keeps the tap's mapping makes the kernel refuse to remake the
 * rings (Linux: -EBUSY), 0 where nothing is mapped that way. */
int peer_fork_holds_rings(void);
/* No interface, descriptor or registry record is left. */
void peer_assert_nothing_left(struct peer *p);

#endif
