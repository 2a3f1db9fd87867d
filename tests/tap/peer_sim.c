/* SPDX-License-Identifier: MIT */
/* tap_suite.c's peer on the Darwin backend over the simulated Darwin kernel (tests/sim/). */
#include <errno.h>

#include "peer.h"
#include "sim.h"
#include "testenv.h"

struct peer {
	struct testenv *t;
};

static const uint32_t paths[] = {FETH_TAP_SEND_AUTO, FETH_TAP_SEND_NDRV, FETH_TAP_SEND_BPF,
                                 FETH_TAP_SEND_BPF_BATCH};

static const uint32_t modes[] = {FETH_TAP_RX_AUTO, FETH_TAP_RX_LOW_LATENCY};

size_t peer_rx_modes(const uint32_t **ret)
{
	*ret = modes;
	return sizeof(modes) / sizeof(modes[0]);
}

uint32_t peer_foreign_rx_mode(void)
{
	return FETH_TAP_RX_BATCH;
}

uint32_t peer_rx_mode_in_force(uint32_t asked)
{
	(void)asked;
	return FETH_TAP_RX_LOW_LATENCY; /* BPF in immediate mode */
}

size_t peer_light_burst(const struct feth_tap_info *in)
{
	(void)in;
	return 0; /* BPF's buffers are filled by bytes, not a unit per frame */
}

void peer_light_gap(const struct feth_tap_info *in)
{
	(void)in;
}

int peer_slow_queue(struct peer *p, const char *ifname)
{
	(void)p;
	(void)ifname;
	return -EOPNOTSUPP;
}

int peer_init(void)
{
	return 0;
}

const char *peer_platform(void)
{
	return "the Darwin backend over the simulated Darwin kernel";
}

int peer_setup(void **state)
{
	static struct peer p;
	int r = testenv_setup(state);

	if (r == 0) {
		p.t = *state;
		*state = &p;
	}
	return r;
}

int peer_teardown(void **state)
{
	struct peer *p = *state;

	*state = p->t;
	return testenv_teardown(state);
}

size_t peer_send_paths(const uint32_t **ret)
{
	*ret = paths;
	return sizeof(paths) / sizeof(paths[0]);
}

uint32_t peer_foreign_path(void)
{
	return FETH_TAP_SEND_SENDMMSG;
}

uint32_t peer_path_in_force(uint32_t asked)
{
	/* The simulator plays the newest macOS, where BPF batch write is there. */
	return asked == FETH_TAP_SEND_NDRV ? asked : FETH_TAP_SEND_BPF_BATCH;
}

int peer_path_batches(uint32_t path)
{
	return path == FETH_TAP_SEND_BPF_BATCH;
}

size_t peer_untagged_max(uint32_t mtu)
{
	return mtu + 18u;
}

int peer_cross_ms(void)
{
	return 0; /* the simulated kernel delivers at once */
}

uint32_t peer_if_index(struct peer *p, const char *name)
{
	struct sim_if_state st;

	return sim_if_state(p->t->sim, name, &st) == 0 ? st.index : 0;
}

void peer_attach(struct peer *p, const char *host)
{
	(void)p;
	(void)host;
}

int peer_host_send(struct peer *p, const char *host, const void *frame, size_t len)
{
	return sim_host_send(p->t->sim, host, frame, len);
}

ssize_t peer_host_recv(struct peer *p, const char *host, void *buf, size_t cap)
{
	return sim_host_recv(p->t->sim, host, buf, cap);
}

int peer_host_quiet(struct peer *p, const char *host)
{
	uint8_t b[64];

	return sim_host_recv(p->t->sim, host, b, sizeof(b)) == -EAGAIN;
}

unsigned long peer_calls(struct peer *p)
{
	return sim_calls(p->t->sim);
}

void peer_fail_nth(struct peer *p, unsigned long n, int err)
{
	sim_fail_nth(p->t->sim, n, err);
}

int peer_fail_from(struct peer *p, unsigned long n, int err)
{
	(void)p;
	(void)n;
	(void)err;
	return 0; /* the simulator fails calls one at a time, or by kind */
}

int peer_fork_holds_rings(void)
{
	return 0; /* BPF's buffer is the kernel's, not mapped */
}

void peer_fail_clear(struct peer *p)
{
	sim_fail_clear(p->t->sim);
}

void peer_assert_nothing_left(struct peer *p)
{
	char reg[4096];

	/* Destroyed units finish their teardown in a second of simulated time
	 * (darwin-notes.md F5.4). */
	sim_sys(p->t->sim)->sleep_us(sim_sys(p->t->sim)->ctx, 1000000);
	assert_int_equal(sim_open_fds(p->t->sim), 0);
	assert_int_equal(sim_if_count(p->t->sim), 0);
	assert_int_equal(sim_peer_count(p->t->sim), 0);
	testenv_registry_text(p->t, reg, sizeof(reg));
	assert_string_equal(reg, "");
}
