/* SPDX-License-Identifier: MIT */
/*
 * The simulator on its own, against docs/darwin-kernel.md: raw seam calls with Darwin's
 * structs and request numbers, no library code in between. Section numbers (§) refer to the
 * doc.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cmocka.h>

#include "darwin/abi.h"
#include "sim.h"

struct w {
	struct sim *sim;
	const struct feth__sys *s;
	int fd4, fd6; /* AF_INET and AF_INET6 control sockets */
};

#define W(state) ((struct w *)*(state))

static int setup(void **state)
{
	struct w *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	w->sim = sim_new();
	w->s = sim_sys(w->sim);
	w->fd4 = w->s->socket(w->s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0);
	w->fd6 = w->s->socket(w->s->ctx, DARWIN_AF_INET6, DARWIN_SOCK_DGRAM, 0);
	if (w->fd4 < 0 || w->fd6 < 0)
		return -1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct w *w = *state;
	int left;

	w->s->close(w->s->ctx, w->fd4);
	w->s->close(w->s->ctx, w->fd6);
	left = sim_open_fds(w->sim);
	sim_free(w->sim);
	free(w);
	return left == 0 ? 0 : -1;
}

/* ---- helpers -------------------------------------------------------------------------------- */

static int ioc(struct w *w, unsigned long req, void *arg)
{
	return w->s->ioctl(w->s->ctx, w->fd4, req, arg);
}

static int ifreq_call(struct w *w, unsigned long req, const char *name, struct darwin_ifreq *ifr)
{
	struct darwin_ifreq local;

	if (!ifr)
		ifr = &local;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	return ioc(w, req, ifr);
}

static int create(struct w *w, const char *name)
{
	return ifreq_call(w, DARWIN_SIOCIFCREATE, name, NULL);
}

static int destroy(struct w *w, const char *name)
{
	return ifreq_call(w, DARWIN_SIOCIFDESTROY, name, NULL);
}

static int drv(struct w *w, unsigned long req, const char *name, uint64_t cmd, uint64_t len,
               void *data)
{
	struct darwin_ifdrv ifd;

	memset(&ifd, 0, sizeof(ifd));
	snprintf(ifd.ifd_name, sizeof(ifd.ifd_name), "%s", name);
	ifd.ifd_cmd = cmd;
	ifd.ifd_len = len;
	ifd.ifd_data = data;
	return ioc(w, req, &ifd);
}

static int set_peer(struct w *w, const char *name, const char *peer)
{
	struct darwin_if_fake_request r;

	memset(&r, 0, sizeof(r));
	snprintf(r.iffr_u.iffru_peer_name, DARWIN_IFNAMSIZ, "%s", peer);
	return drv(w, DARWIN_SIOCSDRVSPEC, name, DARWIN_IF_FAKE_S_CMD_SET_PEER, sizeof(r), &r);
}

static struct sim_if_state state_of(struct w *w, const char *name)
{
	struct sim_if_state st;

	assert_int_equal(sim_if_state(w->sim, name, &st), 0);
	return st;
}

static int set_mtu(struct w *w, const char *name, int mtu)
{
	struct darwin_ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_ifru.ifru_mtu = mtu;
	return ioc(w, DARWIN_SIOCSIFMTU, &ifr);
}

static int sysctl_set(struct w *w, int32_t v)
{
	return w->s->sysctlbyname(w->s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, NULL, NULL, &v, sizeof(v));
}

static int32_t sysctl_get(struct w *w)
{
	int32_t v = -1;
	size_t len = sizeof(v);

	assert_int_equal(
	    w->s->sysctlbyname(w->s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, &v, &len, NULL, 0), 0);
	assert_int_equal(len, sizeof(v));
	return v;
}

/* ---- the cloner (§2.2, §2.3) ---------------------------------------------------------------- */

static void test_create_explicit_initial_state(void **state)
{
	struct w *w = W(state);
	struct darwin_ifreq ifr;
	struct sim_if_state st;
	static const uint8_t mac258[6] = {0x66, 0x65, 0x74, 0x68, 0x01, 0x02};

	assert_int_equal(ifreq_call(w, DARWIN_SIOCIFCREATE, "feth258", &ifr), 0);
	assert_string_equal(ifr.ifr_name, "feth258"); /* an explicit name stays as given */
	st = state_of(w, "feth258");
	assert_int_equal(st.unit, 258);
	assert_memory_equal(st.mac, mac258, 6);
	assert_int_equal(st.flags, 0x8802);
	assert_int_equal(st.mtu, 1500);
	assert_int_equal(st.max_mtu, 2048);
	assert_string_equal(st.peer, "");
	assert_int_equal(sim_if_count(w->sim), 1);
	/* SIOCIFCREATE2 behaves the same for feth. */
	assert_int_equal(ifreq_call(w, DARWIN_SIOCIFCREATE2, "feth0", &ifr), 0);
	assert_int_equal(sim_if_count(w->sim), 2);
}

static void test_create_wildcard_writes_name_back(void **state)
{
	struct w *w = W(state);
	struct darwin_ifreq ifr;

	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(ifreq_call(w, DARWIN_SIOCIFCREATE, "feth", &ifr), 0);
	assert_string_equal(ifr.ifr_name, "feth0");
	assert_int_equal(ifreq_call(w, DARWIN_SIOCIFCREATE, "feth", &ifr), 0);
	assert_string_equal(ifr.ifr_name, "feth2"); /* the lowest free unit */
	/* Right after a destroy the unit's old ifnet is still tearing down: the wildcard skips
	 * it (EBUSY moves on to the next bit); once torn down it is reused. */
	assert_int_equal(destroy(w, "feth0"), 0);
	assert_int_equal(ifreq_call(w, DARWIN_SIOCIFCREATE, "feth", &ifr), 0);
	assert_string_equal(ifr.ifr_name, "feth3");
	w->s->sleep_us(w->s->ctx, 30000);
	assert_int_equal(ifreq_call(w, DARWIN_SIOCIFCREATE, "feth", &ifr), 0);
	assert_string_equal(ifr.ifr_name, "feth0");
}

static void test_create_errors(void **state)
{
	struct w *w = W(state);

	assert_int_equal(create(w, "feth7"), 0);
	assert_int_equal(create(w, "feth7"), -EEXIST);
	assert_int_equal(create(w, "feth07"), -EEXIST); /* ifunit reads feth07 as feth7 */
	assert_int_equal(create(w, "feth32768"), -ENXIO);
	assert_int_equal(create(w, "feth99999"), -ENXIO);
	assert_int_equal(create(w, "feth32767"), 0);
	assert_int_equal(create(w, "feth7x"), -EINVAL);
	assert_int_equal(create(w, "en0"), -EINVAL);
	assert_int_equal(create(w, ""), -EINVAL);
	assert_int_equal(sim_if_count(w->sim), 2);
}

static void test_create_busy_while_tearing_down(void **state)
{
	struct w *w = W(state);

	sim_set_teardown_us(w->sim, 50000);
	assert_int_equal(create(w, "feth4"), 0);
	assert_int_equal(destroy(w, "feth4"), 0);
	/* The name is gone at once (§2.7)... */
	assert_int_not_equal(sim_if_state(w->sim, "feth4", &(struct sim_if_state){0}), 0);
	/* ...but the same unit is EBUSY until the teardown has finished. */
	assert_int_equal(create(w, "feth4"), -EBUSY);
	w->s->sleep_us(w->s->ctx, 49999);
	assert_int_equal(create(w, "feth4"), -EBUSY);
	w->s->sleep_us(w->s->ctx, 1);
	assert_int_equal(sim_now_us(w->sim), 50000);
	assert_int_equal(create(w, "feth4"), 0);
}

static void test_root_checks(void **state)
{
	struct w *w = W(state);
	struct darwin_ifreq ifr;
	struct darwin_if_fake_request r;
	struct darwin_ifaliasreq ifra;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	sim_set_root(w->sim, false);
	assert_int_equal(create(w, "feth2"), -EPERM);
	assert_int_equal(destroy(w, "feth0"), -EPERM);
	assert_int_equal(set_peer(w, "feth0", "feth1"), -EPERM);
	assert_int_equal(set_mtu(w, "feth0", 1400), -EPERM);
	assert_int_equal(ifreq_call(w, DARWIN_SIOCSIFFLAGS, "feth0", NULL), -EPERM);
	assert_int_equal(ifreq_call(w, DARWIN_SIOCSIFLLADDR, "feth0", NULL), -EPERM);
	memset(&ifra, 0, sizeof(ifra));
	strcpy(ifra.ifra_name, "feth0");
	assert_int_equal(ioc(w, DARWIN_SIOCAIFADDR, &ifra), -EPERM);
	assert_int_equal(sysctl_set(w, 4000), -EPERM);
	/* The GET requests are unprivileged; an unknown name is ENXIO before EPERM. */
	assert_int_equal(ifreq_call(w, DARWIN_SIOCGIFFLAGS, "feth0", &ifr), 0);
	assert_int_equal((uint16_t)ifr.ifr_ifru.ifru_flags, 0x8802);
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    drv(w, DARWIN_SIOCGDRVSPEC, "feth0", DARWIN_IF_FAKE_G_CMD_GET_PEER, sizeof(r), &r), 0);
	assert_int_equal(sysctl_get(w), 2048);
	assert_int_equal(set_mtu(w, "feth9", 1400), -ENXIO);
	assert_int_equal(sim_if_count(w->sim), 2);
	assert_int_equal(sim_peer_count(w->sim), 0);
}

/* ---- peering (§2.5, §2.6) ------------------------------------------------------------------- */

static void test_peer_rules(void **state)
{
	struct w *w = W(state);
	struct darwin_if_fake_request r;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(create(w, "feth2"), 0);
	assert_int_equal(sim_if_add_other(w->sim, "en0", true), 0);
	assert_int_equal(sim_if_add_other(w->sim, "lo0", false), 0);

	assert_int_equal(set_peer(w, "feth0", "feth1"), 0);
	assert_string_equal(state_of(w, "feth0").peer, "feth1");
	assert_string_equal(state_of(w, "feth1").peer, "feth0");
	assert_int_equal(sim_peer_count(w->sim), 1);
	/* Re-peering is not idempotent; either side peered is EBUSY. */
	assert_int_equal(set_peer(w, "feth0", "feth1"), -EBUSY);
	assert_int_equal(set_peer(w, "feth1", "feth0"), -EBUSY);
	assert_int_equal(set_peer(w, "feth2", "feth1"), -EBUSY);
	assert_int_equal(set_peer(w, "feth0", "feth2"), -EBUSY);
	/* Unknown peer, non-feth peers. */
	assert_int_equal(set_peer(w, "feth2", "feth9"), -ENXIO);
	assert_int_equal(set_peer(w, "feth2", "en0"), -EINVAL);
	assert_int_equal(set_peer(w, "feth2", "lo0"), -EINVAL);
	/* Unknown interface: ENXIO; a non-feth interface's driver knows no DRVSPEC. */
	assert_int_equal(set_peer(w, "feth9", "feth2"), -ENXIO);
	assert_int_equal(set_peer(w, "en0", "feth2"), -EOPNOTSUPP);
	/* The request itself: reserved words, length, pointer, command. */
	memset(&r, 0, sizeof(r));
	strcpy(r.iffr_u.iffru_peer_name, "feth0");
	r.iffr_reserved[3] = 1;
	assert_int_equal(drv(w, DARWIN_SIOCSDRVSPEC, "feth2", 1, sizeof(r), &r), -EINVAL);
	r.iffr_reserved[3] = 0;
	assert_int_equal(drv(w, DARWIN_SIOCSDRVSPEC, "feth2", 1, sizeof(r) - 1, &r), -EINVAL);
	assert_int_equal(drv(w, DARWIN_SIOCSDRVSPEC, "feth2", 1, sizeof(r), NULL), -EINVAL);
	assert_int_equal(drv(w, DARWIN_SIOCSDRVSPEC, "feth2", 9, sizeof(r), &r), -EOPNOTSUPP);
	/* Empty name unpeers both sides; unpeering an unpeered interface is 0. */
	assert_int_equal(set_peer(w, "feth1", ""), 0);
	assert_string_equal(state_of(w, "feth0").peer, "");
	assert_string_equal(state_of(w, "feth1").peer, "");
	assert_int_equal(set_peer(w, "feth1", ""), 0);
	assert_int_equal(sim_peer_count(w->sim), 0);
	/* ifd_cmd is truncated to 32 bits: 2^32 + 1 is SET_PEER. */
	memset(&r, 0, sizeof(r));
	strcpy(r.iffr_u.iffru_peer_name, "feth2");
	assert_int_equal(drv(w, DARWIN_SIOCSDRVSPEC, "feth0", (1ull << 32) | 1, sizeof(r), &r), 0);
	assert_string_equal(state_of(w, "feth2").peer, "feth0");
	/* The peer's name is looked up with ifunit, so an alias designates it. */
	assert_int_equal(set_peer(w, "feth0", ""), 0);
	assert_int_equal(set_peer(w, "feth0", "feth02"), 0);
	assert_string_equal(state_of(w, "feth0").peer, "feth2");
}

static void test_self_peer_allowed(void **state)
{
	struct w *w = W(state);

	assert_int_equal(create(w, "feth3"), 0);
	assert_int_equal(set_peer(w, "feth3", "feth3"), 0);
	assert_string_equal(state_of(w, "feth3").peer, "feth3");
	assert_int_equal(sim_peer_count(w->sim), 1);
	assert_int_equal(destroy(w, "feth3"), 0);
	assert_int_equal(sim_peer_count(w->sim), 0);
}

static void test_get_peer(void **state)
{
	struct w *w = W(state);
	struct darwin_if_fake_request r;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	memset(&r, 0xaa, sizeof(r));
	assert_int_equal(
	    drv(w, DARWIN_SIOCGDRVSPEC, "feth0", DARWIN_IF_FAKE_G_CMD_GET_PEER, sizeof(r), &r), 0);
	/* The whole 160 bytes come back zeroed when not peered. */
	for (size_t i = 0; i < sizeof(r); i++)
		assert_int_equal(((uint8_t *)&r)[i], 0);
	assert_int_equal(set_peer(w, "feth0", "feth1"), 0);
	assert_int_equal(
	    drv(w, DARWIN_SIOCGDRVSPEC, "feth0", DARWIN_IF_FAKE_G_CMD_GET_PEER, sizeof(r), &r), 0);
	assert_string_equal(r.iffr_u.iffru_peer_name, "feth1");
	assert_int_equal(
	    drv(w, DARWIN_SIOCGDRVSPEC, "feth0", DARWIN_IF_FAKE_G_CMD_GET_PEER, sizeof(r) - 1, &r),
	    -EINVAL);
	assert_int_equal(drv(w, DARWIN_SIOCGDRVSPEC, "feth0", 7, sizeof(r), &r), -EOPNOTSUPP);
	assert_int_equal(
	    drv(w, DARWIN_SIOCGDRVSPEC, "feth5", DARWIN_IF_FAKE_G_CMD_GET_PEER, sizeof(r), &r),
	    -ENXIO);
}

/* ---- destroy (§2.7) ------------------------------------------------------------------------- */

static void test_destroy_rules(void **state)
{
	struct w *w = W(state);

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(create(w, "feth2"), 0);
	assert_int_equal(sim_if_add_other(w->sim, "en0", true), 0);
	assert_int_equal(set_peer(w, "feth0", "feth1"), 0);
	/* The survivor is unpeered and can be peered again. */
	assert_int_equal(destroy(w, "feth0"), 0);
	assert_string_equal(state_of(w, "feth1").peer, "");
	assert_int_equal(sim_peer_count(w->sim), 0);
	assert_int_equal(set_peer(w, "feth1", "feth2"), 0);
	/* Errors. */
	assert_int_equal(destroy(w, "feth0"), -ENXIO);
	assert_int_equal(destroy(w, "feth"), -ENXIO);
	assert_int_equal(destroy(w, "feth1x"), -EINVAL);
	assert_int_equal(destroy(w, "en0"), -EINVAL);
	assert_int_equal(sim_if_count(w->sim), 2);
}

/* ---- MTU and the sysctl (§2.4, §2.10) ------------------------------------------------------- */

static void test_mtu_rules(void **state)
{
	struct w *w = W(state);
	struct darwin_ifreq ifr;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(set_mtu(w, "feth0", 72), 0);
	assert_int_equal(set_mtu(w, "feth0", 71), -EINVAL);
	assert_int_equal(set_mtu(w, "feth0", 2048), 0);
	assert_int_equal(set_mtu(w, "feth0", 2049), -EINVAL);
	assert_int_equal(set_mtu(w, "feth0", 65536), -EINVAL);
	assert_int_equal(set_mtu(w, "feth0", -1), -EINVAL);
	assert_int_equal(set_mtu(w, "feth0", 1501), 0); /* odd values are fine */
	assert_int_equal(ifreq_call(w, DARWIN_SIOCGIFDEVMTU, "feth0", &ifr), 0);
	assert_int_equal(ifr.ifr_ifru.ifru_devmtu.ifdm_current, 1501);
	assert_int_equal(ifr.ifr_ifru.ifru_devmtu.ifdm_min, 72);
	assert_int_equal(ifr.ifr_ifru.ifru_devmtu.ifdm_max, 2048);
	assert_int_equal(ifreq_call(w, DARWIN_SIOCGIFMTU, "feth0", &ifr), 0);
	assert_int_equal(ifr.ifr_ifru.ifru_mtu, 1501);
}

static void test_max_mtu_frozen_at_creation(void **state)
{
	struct w *w = W(state);

	assert_int_equal(sysctl_get(w), 2048);
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(sysctl_set(w, 9000), 0);
	assert_int_equal(sysctl_get(w), 9000);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(state_of(w, "feth0").max_mtu, 2048);
	assert_int_equal(state_of(w, "feth1").max_mtu, 9000);
	assert_int_equal(set_mtu(w, "feth0", 9000), -EINVAL);
	assert_int_equal(set_mtu(w, "feth1", 9000), 0);
	/* The sysctl's own range: 1500..16370. */
	assert_int_equal(sysctl_set(w, 1499), -EINVAL);
	assert_int_equal(sysctl_set(w, 16371), -EINVAL);
	assert_int_equal(sysctl_set(w, 16370), 0);
	assert_int_equal(sysctl_set(w, 1500), 0);
	assert_int_equal(sysctl_get(w), 1500);
	/* A short read buffer. */
	{
		int16_t small;
		size_t len = sizeof(small);

		assert_int_equal(w->s->sysctlbyname(w->s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, &small,
		                                    &len, NULL, 0),
		                 -ENOMEM);
	}
	assert_int_equal(
	    w->s->sysctlbyname(w->s->ctx, "net.link.fake.nonexistent", NULL, NULL, NULL, 0),
	    -ENOENT);
}

static void test_old_macos_has_no_sysctl(void **state)
{
	struct w *w = W(state);
	int32_t v;
	size_t len = sizeof(v);

	sim_set_macos(w->sim, 10, 14);
	assert_int_equal(
	    w->s->sysctlbyname(w->s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, &v, &len, NULL, 0), -ENOENT);
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(state_of(w, "feth0").max_mtu, 16370);
	assert_int_equal(set_mtu(w, "feth0", 16370), 0);
	assert_int_equal(set_mtu(w, "feth0", 16371), -EINVAL);
	sim_set_macos(w->sim, 10, 15);
	assert_int_equal(sysctl_get(w), 2048);
}

/* ---- flags, MAC (§2.9) ---------------------------------------------------------------------- */

static void test_flags(void **state)
{
	struct w *w = W(state);
	struct darwin_ifreq ifr;

	assert_int_equal(create(w, "feth0"), 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "feth0");
	ifr.ifr_ifru.ifru_flags = (int16_t)(uint16_t)(0x8802 | DARWIN_IFF_UP);
	assert_int_equal(ioc(w, DARWIN_SIOCSIFFLAGS, &ifr), 0);
	assert_int_equal(state_of(w, "feth0").flags, 0x8843);
	/* BROADCAST, SIMPLEX, MULTICAST and RUNNING cannot be changed from userland. */
	ifr.ifr_ifru.ifru_flags = 0;
	assert_int_equal(ioc(w, DARWIN_SIOCSIFFLAGS, &ifr), 0);
	assert_int_equal(state_of(w, "feth0").flags, 0x8802);
	ifr.ifr_ifru.ifru_flags = DARWIN_IFF_RUNNING;
	assert_int_equal(ioc(w, DARWIN_SIOCSIFFLAGS, &ifr), 0);
	assert_int_equal(state_of(w, "feth0").flags, 0x8802);
}

static void test_lladdr(void **state)
{
	struct w *w = W(state);
	struct darwin_ifreq ifr;
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t zero[6];

	assert_int_equal(create(w, "feth0"), 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "feth0");
	ifr.ifr_ifru.ifru_addr.sa_len = 6;
	ifr.ifr_ifru.ifru_addr.sa_family = DARWIN_AF_LINK;
	memcpy(ifr.ifr_ifru.ifru_addr.sa_data, mcast, 6); /* not validated by the kernel */
	assert_int_equal(ioc(w, DARWIN_SIOCSIFLLADDR, &ifr), 0);
	assert_memory_equal(state_of(w, "feth0").mac, mcast, 6);
	ifr.ifr_ifru.ifru_addr.sa_len = 5;
	assert_int_equal(ioc(w, DARWIN_SIOCSIFLLADDR, &ifr), -EINVAL);
	ifr.ifr_ifru.ifru_addr.sa_len = 16;
	assert_int_equal(ioc(w, DARWIN_SIOCSIFLLADDR, &ifr), -EINVAL);
	ifr.ifr_ifru.ifru_addr.sa_len = 0;
	assert_int_equal(ioc(w, DARWIN_SIOCSIFLLADDR, &ifr), 0);
	assert_memory_equal(state_of(w, "feth0").mac, zero, 6);
}

/* ---- addresses ------------------------------------------------------------------------------ */

static void sin_put(struct darwin_sockaddr *sa, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct darwin_sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_len = sizeof(sin);
	sin.sin_family = DARWIN_AF_INET;
	sin.sin_addr[0] = a;
	sin.sin_addr[1] = b;
	sin.sin_addr[2] = c;
	sin.sin_addr[3] = d;
	memcpy(sa, &sin, sizeof(sin));
}

static void test_ipv4_addresses(void **state)
{
	struct w *w = W(state);
	struct darwin_ifaliasreq ifra;
	struct darwin_ifreq ifr;
	struct sim_if_state st;

	assert_int_equal(create(w, "feth0"), 0);
	memset(&ifra, 0, sizeof(ifra));
	strcpy(ifra.ifra_name, "feth0");
	sin_put(&ifra.ifra_addr, 10, 77, 0, 1);
	sin_put(&ifra.ifra_mask, 255, 255, 255, 0);
	assert_int_equal(ioc(w, DARWIN_SIOCAIFADDR, &ifra), 0);
	st = state_of(w, "feth0");
	assert_int_equal(st.n_ipv4, 1);
	assert_int_equal(st.ipv4_prefix[0], 24);
	/* The first address sends SIOCSIFADDR to the driver, which sets UP but not RUNNING. */
	assert_int_equal(st.flags, 0x8803);
	/* Re-adding updates the mask; the protocol is AF_INET's: an AF_INET6 socket's
	 * in6_control does not know the request. */
	sin_put(&ifra.ifra_mask, 255, 255, 0, 0);
	assert_int_equal(ioc(w, DARWIN_SIOCAIFADDR, &ifra), 0);
	assert_int_equal(state_of(w, "feth0").ipv4_prefix[0], 16);
	assert_int_equal(w->s->ioctl(w->s->ctx, w->fd6, DARWIN_SIOCAIFADDR, &ifra), -EOPNOTSUPP);
	ifra.ifra_addr.sa_family = DARWIN_AF_INET6;
	assert_int_equal(ioc(w, DARWIN_SIOCAIFADDR, &ifra), -EINVAL);
	/* Delete: present, then absent. */
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "feth0");
	sin_put(&ifr.ifr_ifru.ifru_addr, 10, 77, 0, 1);
	assert_int_equal(ioc(w, DARWIN_SIOCDIFADDR, &ifr), 0);
	assert_int_equal(state_of(w, "feth0").n_ipv4, 0);
	assert_int_equal(ioc(w, DARWIN_SIOCDIFADDR, &ifr), -EADDRNOTAVAIL);
	strcpy(ifr.ifr_name, "feth9");
	assert_int_equal(ioc(w, DARWIN_SIOCDIFADDR, &ifr), -ENXIO);
}

static int ip6_call(struct w *w, unsigned long req, const char *name, const uint8_t a[16], int plen,
                    uint8_t sin6_len)
{
	struct darwin_in6_aliasreq ifra;
	struct darwin_in6_ifreq ifr;

	if (req == DARWIN_SIOCAIFADDR_IN6) {
		memset(&ifra, 0, sizeof(ifra));
		strcpy(ifra.ifra_name, name);
		ifra.ifra_addr.sin6_len = sin6_len;
		ifra.ifra_addr.sin6_family = DARWIN_AF_INET6;
		memcpy(ifra.ifra_addr.sin6_addr, a, 16);
		ifra.ifra_prefixmask.sin6_len = sizeof(struct darwin_sockaddr_in6);
		ifra.ifra_prefixmask.sin6_family = DARWIN_AF_INET6;
		for (int i = 0; i < plen; i++)
			ifra.ifra_prefixmask.sin6_addr[i / 8] |= (uint8_t)(0x80u >> (i % 8));
		return w->s->ioctl(w->s->ctx, w->fd6, req, &ifra);
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	ifr.ifr_ifru.ifru_addr.sin6_len = sin6_len;
	ifr.ifr_ifru.ifru_addr.sin6_family = DARWIN_AF_INET6;
	memcpy(ifr.ifr_ifru.ifru_addr.sin6_addr, a, 16);
	return w->s->ioctl(w->s->ctx, w->fd6, req, &ifr);
}

static void test_ipv6_addresses(void **state)
{
	struct w *w = W(state);
	static const uint8_t a[16] = {0xfd, 0x77, [15] = 1};
	static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1};
	static const uint8_t mcast[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t unspec[16];
	struct sim_if_state st;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(ip6_call(w, DARWIN_SIOCAIFADDR_IN6, "feth0", a, 64, 28), 0);
	st = state_of(w, "feth0");
	assert_int_equal(st.n_ipv6, 1);
	assert_memory_equal(st.ipv6[0], a, 16);
	assert_int_equal(st.ipv6_prefix[0], 64);
	assert_int_equal(st.flags & DARWIN_IFF_UP, DARWIN_IFF_UP);
	assert_int_equal(ip6_call(w, DARWIN_SIOCAIFADDR_IN6, "feth0", a, 64, 27), -EAFNOSUPPORT);
	assert_int_equal(ip6_call(w, DARWIN_SIOCAIFADDR_IN6, "feth0", mapped, 64, 28), -EINVAL);
	assert_int_equal(ip6_call(w, DARWIN_SIOCAIFADDR_IN6, "feth0", mcast, 64, 28), -EINVAL);
	assert_int_equal(ip6_call(w, DARWIN_SIOCAIFADDR_IN6, "feth0", unspec, 64, 28), -EINVAL);
	/* The request is in6_control's: an AF_INET socket cannot carry it. */
	{
		struct darwin_in6_aliasreq ifra;

		memset(&ifra, 0, sizeof(ifra));
		strcpy(ifra.ifra_name, "feth0");
		assert_int_equal(ioc(w, DARWIN_SIOCAIFADDR_IN6, &ifra), -EOPNOTSUPP);
	}
	assert_int_equal(ip6_call(w, DARWIN_SIOCDIFADDR_IN6, "feth0", a, 0, 28), 0);
	assert_int_equal(state_of(w, "feth0").n_ipv6, 0);
	assert_int_equal(ip6_call(w, DARWIN_SIOCDIFADDR_IN6, "feth0", a, 0, 28), -EADDRNOTAVAIL);
}

/* ---- SIOCGIFCONF ---------------------------------------------------------------------------- */

static int ifconf(struct w *w, void *buf, int32_t len, int32_t *ret_len)
{
	struct darwin_ifconf ifc;
	int r;

	memset(&ifc, 0, sizeof(ifc));
	ifc.ifc_len = len;
	ifc.ifc_buffer = buf;
	r = ioc(w, DARWIN_SIOCGIFCONF, &ifc);
	*ret_len = ifc.ifc_len;
	return r;
}

static void test_ifconf_layout(void **state)
{
	struct w *w = W(state);
	struct darwin_ifaliasreq ifra;
	uint8_t buf[512];
	int32_t len;
	struct darwin_sockaddr_dl sdl;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth100"), 0);
	memset(&ifra, 0, sizeof(ifra));
	strcpy(ifra.ifra_name, "feth0");
	sin_put(&ifra.ifra_addr, 10, 0, 0, 1);
	sin_put(&ifra.ifra_mask, 255, 0, 0, 0);
	assert_int_equal(ioc(w, DARWIN_SIOCAIFADDR, &ifra), 0);
	assert_int_equal(ifconf(w, buf, sizeof(buf), &len), 0);
	/* feth0: name + sockaddr_dl (8 + 5 + 6 = 19, rounded to 20) = 36, then name + a whole
	 * 16-byte sockaddr_in = 32. feth100: 8 + 7 + 6 = 21, rounded to 24: 16 + 24 = 40. */
	assert_int_equal(len, 36 + 32 + 40);
	assert_string_equal((char *)buf, "feth0");
	memcpy(&sdl, buf + 16, sizeof(sdl));
	assert_int_equal(sdl.sdl_len, 20);
	assert_int_equal(sdl.sdl_family, DARWIN_AF_LINK);
	assert_int_equal(sdl.sdl_type, DARWIN_IFT_ETHER);
	assert_int_equal(sdl.sdl_nlen, 5);
	assert_int_equal(sdl.sdl_alen, 6);
	assert_memory_equal(buf + 16 + 8, "feth0feth\0\0", 11);
	assert_string_equal((char *)buf + 36, "feth0");
	assert_int_equal(buf[36 + 16], 16);
	assert_int_equal(buf[36 + 17], DARWIN_AF_INET);
	assert_string_equal((char *)buf + 68, "feth100");
	assert_int_equal(buf[68 + 16], 24);
}

static void test_ifconf_small_buffers(void **state)
{
	struct w *w = W(state);
	uint8_t buf[128];
	int32_t len;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	/* Both loops need more than 32 bytes left. */
	assert_int_equal(ifconf(w, buf, 32, &len), 0);
	assert_int_equal(len, 0);
	/* 35 bytes: more than 32, but the 36-byte entry does not fit. */
	assert_int_equal(ifconf(w, buf, 35, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(ifconf(w, buf, 36, &len), 0);
	assert_int_equal(len, 36); /* 36 - 4 - 32 = 0 left: feth1 is not reached */
	assert_int_equal(ifconf(w, buf, 69, &len), 0);
	assert_int_equal(len, 36);
	assert_int_equal(ifconf(w, buf, 72, &len), 0);
	assert_int_equal(len, 72);
	assert_int_equal(ifconf(w, NULL, 64, &len), -EFAULT);
	assert_int_equal(ifconf(w, buf, -1, &len), -EFAULT);
}

/* ---- descriptors, faults, processes --------------------------------------------------------- */

static void test_descriptors(void **state)
{
	struct w *w = W(state);
	char path[] = "/tmp/feth-sim-XXXXXX";
	int tmp = mkstemp(path), fd, r;
	char buf[8];

	assert_true(tmp >= 0);
	close(tmp);
	assert_int_equal(sim_open_fds(w->sim), 2);
	fd = w->s->open(w->s->ctx, path, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(sim_open_fds(w->sim), 3);
	assert_int_equal(w->s->write(w->s->ctx, fd, "abc", 3), 3);
	assert_int_equal(w->s->close(w->s->ctx, fd), 0);
	fd = w->s->open(w->s->ctx, path, O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	/* Interface ioctls need a socket. */
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_SIOCGIFFLAGS, buf), -ENOTTY);
	assert_int_equal(w->s->close(w->s->ctx, fd), 0);
	assert_int_equal(w->s->close(w->s->ctx, fd), -EBADF);
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_SIOCGIFFLAGS, buf), -EBADF);
	assert_int_equal(sim_open_fds(w->sim), 2);
	{
		char moved[sizeof(path) + 4];

		snprintf(moved, sizeof(moved), "%s.new", path);
		assert_int_equal(w->s->rename(w->s->ctx, path, moved), 0);
		assert_int_equal(w->s->unlink(w->s->ctx, path), -ENOENT);
		assert_int_equal(w->s->unlink(w->s->ctx, moved), 0);
	}
	assert_int_equal(sim_calls_of(w->sim, SIM_CALL_RENAME), 1);
	assert_int_equal(sim_calls_of(w->sim, SIM_CALL_UNLINK), 2);
	/* Of the device nodes only /dev/bpfN exists. */
	assert_int_equal(w->s->open(w->s->ctx, "/dev/null", O_RDWR, 0), -ENOENT);
	assert_int_equal(w->s->open(w->s->ctx, "/dev/bpf01", O_RDWR, 0), -ENOENT);
	/* Socket domains: Darwin's numbers. */
	r = w->s->socket(w->s->ctx, 99, DARWIN_SOCK_DGRAM, 0);
	assert_int_equal(r, -EAFNOSUPPORT);
	r = w->s->socket(w->s->ctx, DARWIN_AF_NDRV, DARWIN_SOCK_DGRAM, 0);
	assert_int_equal(r, -EPROTOTYPE);
	assert_int_equal(w->s->ioctl(w->s->ctx, w->fd4, DARWIN_BIOCGDLT, buf), -EOPNOTSUPP);
	assert_int_equal(sim_open_fds(w->sim), 2);
}

static void test_fault_injection(void **state)
{
	struct w *w = W(state);
	unsigned long before = sim_calls(w->sim);
	int fd;

	/* The Nth call from now, one shot; the failed call has no effect. */
	sim_fail_nth(w->sim, 2, EIO);
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), -EIO);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(sim_if_count(w->sim), 2);
	assert_int_equal(sim_calls(w->sim) - before, 3);
	assert_int_equal(sim_calls_of(w->sim, SIM_CALL_IOCTL), 3);
	assert_int_equal(sim_ioctl_calls(w->sim, DARWIN_SIOCIFCREATE), 3);
	assert_int_equal(sim_ioctl_calls(w->sim, DARWIN_SIOCIFDESTROY), 0);
	/* Every call of a kind, a number of times. */
	sim_fail_kind(w->sim, SIM_CALL_SOCKET, EMFILE, 2);
	assert_int_equal(w->s->socket(w->s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0), -EMFILE);
	assert_int_equal(w->s->socket(w->s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0), -EMFILE);
	fd = w->s->socket(w->s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	/* A failed close still releases the descriptor. */
	sim_fail_kind(w->sim, SIM_CALL_CLOSE, EINTR, 0);
	assert_int_equal(w->s->close(w->s->ctx, fd), -EINTR);
	sim_fail_clear(w->sim);
	assert_int_equal(sim_open_fds(w->sim), 2);
	/* One request number. */
	sim_fail_ioctl(w->sim, DARWIN_SIOCIFDESTROY, EIO, 0);
	assert_int_equal(destroy(w, "feth0"), -EIO);
	assert_int_equal(destroy(w, "feth0"), -EIO);
	assert_int_equal(set_mtu(w, "feth0", 1400), 0);
	sim_fail_clear(w->sim);
	assert_int_equal(destroy(w, "feth0"), 0);
	assert_int_equal(sim_if_count(w->sim), 1);
	/* The infallible helpers are not counted. */
	before = sim_calls(w->sim);
	(void)w->s->getpid(w->s->ctx);
	(void)w->s->time_now(w->s->ctx);
	w->s->sleep_us(w->s->ctx, 1);
	assert_int_equal(sim_calls(w->sim), before);
}

static void test_processes_and_clock(void **state)
{
	struct w *w = W(state);

	assert_int_equal(w->s->getpid(w->s->ctx), 4242);
	sim_set_pid(w->sim, 77);
	assert_int_equal(w->s->getpid(w->s->ctx), 77);
	assert_int_equal(w->s->kill(w->s->ctx, 5000, 0), 0);
	sim_set_pid_alive(w->sim, 5000, false);
	sim_set_pid_alive(w->sim, 5001, false);
	assert_int_equal(w->s->kill(w->s->ctx, 5000, 0), -ESRCH);
	sim_set_pid_alive(w->sim, 5000, true);
	assert_int_equal(w->s->kill(w->s->ctx, 5000, 0), 0);
	assert_int_equal(w->s->kill(w->s->ctx, 5001, 0), -ESRCH);
	assert_int_equal(w->s->time_now(w->s->ctx), 1700000000);
	w->s->sleep_us(w->s->ctx, 2500000);
	assert_int_equal(w->s->time_now(w->s->ctx), 1700000002);
	assert_int_equal(sim_now_us(w->sim), 2500000);
}

static void test_external_helpers(void **state)
{
	struct w *w = W(state);
	unsigned long before = sim_calls(w->sim);

	assert_int_equal(sim_if_create_external(w->sim, "feth3"), 0);
	assert_int_equal(sim_if_create_external(w->sim, "feth3"), -EEXIST);
	assert_int_equal(sim_if_create_external(w->sim, "feth4"), 0);
	assert_int_equal(sim_if_peer_external(w->sim, "feth3", "feth4"), 0);
	assert_int_equal(sim_if_peer_external(w->sim, "feth3", "feth4"), -EBUSY);
	assert_int_equal(sim_if_add_other(w->sim, "en0", true), 0);
	assert_int_equal(sim_if_add_other(w->sim, "en0", true), -EEXIST);
	assert_int_equal(sim_if_add_other(w->sim, "feth9", true), -EINVAL);
	assert_int_equal(sim_if_count(w->sim), 2); /* feth only */
	assert_int_equal(sim_peer_count(w->sim), 1);
	assert_int_equal(sim_calls(w->sim), before); /* none of it goes through the seam */
}

/* ---- BPF devices (§3) ------------------------------------------------------------------------ */

static int bpf_open(struct w *w, int minor, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/bpf%d", minor);
	return w->s->open(w->s->ctx, path, O_RDWR | flags, 0);
}

static int bpf_u32(struct w *w, int fd, unsigned long req, uint32_t *v)
{
	return w->s->ioctl(w->s->ctx, fd, req, v);
}

static int bpf_set(struct w *w, int fd, unsigned long req, uint32_t v)
{
	return w->s->ioctl(w->s->ctx, fd, req, &v);
}

static int bpf_setif(struct w *w, int fd, const char *name)
{
	struct darwin_ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCSETIF, &ifr);
}

static void up(struct w *w, const char *name)
{
	struct darwin_ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	ifr.ifr_ifru.ifru_flags = (int16_t)(uint16_t)(0x8802 | DARWIN_IFF_UP);
	assert_int_equal(ioc(w, DARWIN_SIOCSIFFLAGS, &ifr), 0);
}

/* feth0 (host side, up) peered with feth1 (I/O side); a descriptor on feth1 with `bufsize`. */
static int rx_setup(struct w *w, uint32_t bufsize, int flags, int immediate)
{
	int fd;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(set_peer(w, "feth0", "feth1"), 0);
	up(w, "feth0");
	fd = bpf_open(w, 0, flags);
	assert_true(fd >= 0);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSBLEN, bufsize), 0);
	assert_int_equal(bpf_setif(w, fd, "feth1"), 0);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCIMMEDIATE, (uint32_t)immediate), 0);
	return fd;
}

static void frame_of(uint8_t *f, size_t len, uint8_t tag)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(tag + i);
}

struct rec {
	int32_t sec, usec;
	uint32_t caplen, datalen;
	uint16_t hdrlen;
};

static struct rec rec_at(const uint8_t *buf, size_t off)
{
	struct rec r;

	memcpy(&r.sec, buf + off, 4);
	memcpy(&r.usec, buf + off + 4, 4);
	memcpy(&r.caplen, buf + off + 8, 4);
	memcpy(&r.datalen, buf + off + 12, 4);
	memcpy(&r.hdrlen, buf + off + 16, 2);
	return r;
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_bpf_nodes(void **state)
{
	struct w *w = W(state);
	int fds[256];

	/* bpf0..bpf3 exist at boot; opening the highest makes the next. */
	assert_int_equal(bpf_open(w, 5, 0), -ENOENT);
	for (int i = 0; i < 4; i++)
		assert_true((fds[i] = bpf_open(w, i, 0)) >= 0);
	assert_int_equal(bpf_open(w, 0, 0), -EBUSY);
	assert_int_equal(bpf_open(w, 5, 0), -ENOENT);
	for (int i = 4; i < 256; i++)
		assert_true((fds[i] = bpf_open(w, i, 0)) >= 0);
	/* All 256 busy: bpf255 EBUSY, bpf256 ENOENT. */
	assert_int_equal(bpf_open(w, 255, 0), -EBUSY);
	assert_int_equal(bpf_open(w, 256, 0), -ENOENT);
	assert_int_equal(sim_open_fds(w->sim), 2 + 256);
	for (int i = 0; i < 256; i++)
		assert_int_equal(w->s->close(w->s->ctx, fds[i]), 0);
	/* Closed devices can be opened again; the nodes stay. */
	fds[0] = bpf_open(w, 200, 0);
	assert_true(fds[0] >= 0);
	assert_int_equal(w->s->close(w->s->ctx, fds[0]), 0);
	/* 0600 root:wheel. */
	sim_set_root(w->sim, false);
	assert_int_equal(bpf_open(w, 0, 0), -EACCES);
}

static void test_bpf_defaults_and_blen(void **state)
{
	struct w *w = W(state);
	uint8_t buf[4096];
	uint32_t v = 0;
	int fd;

	assert_int_equal(create(w, "feth0"), 0);
	fd = bpf_open(w, 0, 0);
	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCGBLEN, &v), 0);
	assert_int_equal(v, 4096);
	/* Not attached: the size check first, then ENXIO; no DLT. */
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, 100), -EINVAL);
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, 4096), -ENXIO);
	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCGDLT, &v), -EINVAL);
	assert_true(readable(fd)); /* an unattached descriptor polls ready (ENXIO) */
	/* Clamped and written back. */
	v = 10;
	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCSBLEN, &v), 0);
	assert_int_equal(v, 32);
	v = 64u << 20;
	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCSBLEN, &v), 0);
	assert_int_equal(v, 32u << 20);
	sim_set_macos(w->sim, 12, 6);
	v = 1u << 20;
	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCSBLEN, &v), 0);
	assert_int_equal(v, 512u << 10);
	assert_int_equal(bpf_setif(w, fd, "feth9"), -ENXIO);
	assert_int_equal(bpf_setif(w, fd, "feth0"), 0);
	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCGDLT, &v), 0);
	assert_int_equal(v, DARWIN_DLT_EN10MB);
	/* Too late for the size now. */
	v = 4096;
	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCSBLEN, &v), -EINVAL);
	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCGBLEN, &v), 0);
	assert_int_equal(v, 512u << 10);
	/* bpfioctl knows no interface ioctl. */
	assert_int_equal(bpf_u32(w, fd, DARWIN_SIOCGIFFLAGS, &v), -EINVAL);
	assert_int_equal(w->s->close(w->s->ctx, fd), 0);
}

static void test_bpf_records(void **state)
{
	struct w *w = W(state);
	uint8_t f1[60], f2[61], buf[4096];
	int fd = rx_setup(w, 4096, O_NONBLOCK, 1);
	struct rec r;
	ssize_t n;

	frame_of(f1, sizeof(f1), 1);
	frame_of(f2, sizeof(f2), 100);
	assert_false(readable(fd));
	w->s->sleep_us(w->s->ctx, 1500000);
	assert_int_equal(sim_host_send(w->sim, "feth0", f1, sizeof(f1)), 0);
	assert_true(readable(fd));
	assert_int_equal(sim_host_send(w->sim, "feth0", f2, sizeof(f2)), 0);
	n = w->s->read(w->s->ctx, fd, buf, sizeof(buf));
	/* 18 + 60 = 78, padded to 80; then 18 + 61 = 79: the length is the unpadded end. */
	assert_int_equal(n, 80 + 79);
	r = rec_at(buf, 0);
	assert_int_equal(r.hdrlen, 18);
	assert_int_equal(r.caplen, 60);
	assert_int_equal(r.datalen, 60);
	assert_int_equal(r.sec, 1700000001);
	assert_int_equal(r.usec, 500000);
	assert_memory_equal(buf + 18, f1, sizeof(f1));
	r = rec_at(buf, 80);
	assert_int_equal(r.caplen, 61);
	assert_memory_equal(buf + 80 + 18, f2, sizeof(f2));
	assert_false(readable(fd));
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(w->s->close(w->s->ctx, fd), 0);
}

static void test_bpf_direction(void **state)
{
	struct w *w = W(state);
	uint8_t f[64], buf[4096];
	struct darwin_bpf_stat st;
	int out = rx_setup(w, 4096, O_NONBLOCK, 1);
	int snd = bpf_open(w, 1, O_NONBLOCK);
	uint32_t v = 9;

	/* A descriptor on the sender sees its frames outbound, unless see-sent is 0. */
	assert_int_equal(bpf_setif(w, snd, "feth0"), 0);
	assert_int_equal(bpf_set(w, snd, DARWIN_BIOCIMMEDIATE, 1), 0);
	assert_int_equal(bpf_u32(w, snd, DARWIN_BIOCGSEESENT, &v), 0);
	assert_int_equal(v, 1);
	frame_of(f, sizeof(f), 7);
	assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(w->s->read(w->s->ctx, snd, buf, sizeof(buf)), 18 + 64);
	assert_int_equal(bpf_set(w, snd, DARWIN_BIOCSSEESENT, 0), 0);
	assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(w->s->read(w->s->ctx, snd, buf, sizeof(buf)), -EAGAIN);
	/* The hidden frame is not even counted as received (the direction filter comes first). */
	assert_int_equal(w->s->ioctl(w->s->ctx, snd, DARWIN_BIOCGSTATS, &st), 0);
	assert_int_equal(st.bs_recv, 1);
	/* The peer saw both, inbound. */
	assert_int_equal(w->s->read(w->s->ctx, out, buf, sizeof(buf)), 84 + 82);
	assert_int_equal(w->s->ioctl(w->s->ctx, out, DARWIN_BIOCGSTATS, &st), 0);
	assert_int_equal(st.bs_recv, 2);
	assert_int_equal(st.bs_drop, 0);
	w->s->close(w->s->ctx, snd);
	w->s->close(w->s->ctx, out);
}

static void test_bpf_host_send_rules(void **state)
{
	struct w *w = W(state);
	uint8_t f[60] = {0};
	struct darwin_bpf_stat st;
	int fd = rx_setup(w, 4096, O_NONBLOCK, 1);

	assert_int_equal(sim_host_send(w->sim, "feth7", f, sizeof(f)), -ENXIO);
	/* The sender must be up; the receiving side need not be. */
	assert_int_equal(sim_host_send(w->sim, "feth1", f, sizeof(f)), -ENETDOWN);
	/* Without a peer the frame vanishes: no tap anywhere. */
	assert_int_equal(set_peer(w, "feth0", ""), 0);
	assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCGSTATS, &st), 0);
	assert_int_equal(st.bs_recv, 0);
	w->s->close(w->s->ctx, fd);
}

static void test_bpf_blocking_reads(void **state)
{
	struct w *w = W(state);
	uint8_t f[60] = {0}, buf[4096];
	struct darwin_timeval tv = {0, 15000, 0};
	int fd = rx_setup(w, 4096, 0, 0); /* blocking, not immediate */
	uint64_t t0;

	/* Data waits in the store buffer: a non-immediate descriptor does not poll ready, and a
	 * read with no timeout would sleep until the buffer fills. */
	assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_false(readable(fd));
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), -EDEADLK);
	/* With a timeout the data comes when it expires (15 ms is two 10 ms ticks). */
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCSRTIMEOUT, &tv), 0);
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCGRTIMEOUT, &tv), 0);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 20000);
	t0 = sim_now_us(w->sim);
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 78);
	assert_int_equal(sim_now_us(w->sim) - t0, 20000);
	/* Nothing buffered: 0 bytes after the timeout, which is not end of file. */
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 0);
	assert_int_equal(sim_now_us(w->sim) - t0, 40000);
	/* FIONBIO makes it non-blocking: data in the store buffer is returned at once. */
	assert_int_equal(bpf_set(w, fd, DARWIN_FIONBIO, 1), 0);
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 78);
	/* Bad timeouts. */
	tv.tv_usec = 1000000;
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCSRTIMEOUT, &tv), -EINVAL);
	tv.tv_usec = 0;
	tv.tv_sec = -1;
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCSRTIMEOUT, &tv), -EINVAL);
	w->s->close(w->s->ctx, fd);
}

static void test_bpf_buffers_and_drops(void **state)
{
	struct w *w = W(state);
	uint8_t f[100], buf[256];
	struct darwin_bpf_stat st;
	uint32_t v;
	int fd = rx_setup(w, 256, 0, 0); /* blocking, not immediate: buffers fill */

	frame_of(f, sizeof(f), 3);
	/* Records of 118 bytes, 120 with padding: two per 256-byte buffer. Two fill the store,
	 * the third rotates it to hold and starts the new store, the fourth fills that, and the
	 * fifth finds no free buffer: dropped. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCGSTATS, &st), 0);
	assert_int_equal(st.bs_recv, 5);
	assert_int_equal(st.bs_drop, 1);
	/* A full hold buffer polls ready even when not immediate. FIONREAD counts the store
	 * buffer only on macOS 14+, the hold buffer too before. */
	assert_true(readable(fd));
	assert_int_equal(bpf_u32(w, fd, DARWIN_FIONREAD, &v), 0);
	assert_int_equal(v, 238);
	sim_set_macos(w->sim, 13, 0);
	assert_int_equal(bpf_u32(w, fd, DARWIN_FIONREAD, &v), 0);
	assert_int_equal(v, 238 + 238);
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 238);
	assert_memory_equal(buf + 120 + 18, f, sizeof(f));
	assert_false(readable(fd));
	/* The free buffer is back: the next overflow rotates instead of dropping. */
	assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCGSTATS, &st), 0);
	assert_int_equal(st.bs_drop, 1);
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 238);
	/* BIOCFLUSH discards what is buffered and zeroes the counters. */
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCFLUSH, NULL), 0);
	assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCGSTATS, &st), 0);
	assert_int_equal(st.bs_recv, 0);
	assert_int_equal(bpf_set(w, fd, DARWIN_FIONBIO, 1), 0);
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), -EAGAIN);
	w->s->close(w->s->ctx, fd);
}

static void test_bpf_truncates_to_buffer(void **state)
{
	struct w *w = W(state);
	uint8_t f[100], buf[64];
	int fd = rx_setup(w, 64, O_NONBLOCK, 1);
	struct rec r;

	frame_of(f, sizeof(f), 9);
	assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 64);
	r = rec_at(buf, 0);
	assert_int_equal(r.caplen, 64 - 18);
	assert_int_equal(r.datalen, 100);
	assert_memory_equal(buf + 18, f, 64 - 18);
	w->s->close(w->s->ctx, fd);
}

static void test_bpf_detach(void **state)
{
	struct w *w = W(state);
	uint8_t f[60] = {0}, buf[4096];
	int fd = rx_setup(w, 4096, 0, 1); /* blocking, immediate */

	assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_int_equal(destroy(w, "feth1"), 0);
	/* What was buffered is still returned (immediate), then ENXIO; the fd polls ready. */
	assert_true(readable(fd));
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 78);
	assert_true(readable(fd));
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), -ENXIO);
	/* A new attachment revives it; the size can be set again while detached. */
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSBLEN, 8192), 0);
	assert_int_equal(bpf_setif(w, fd, "feth0"), 0);
	assert_false(readable(fd));
	w->s->close(w->s->ctx, fd);
}

static void test_bpf_flag_ioctls(void **state)
{
	struct w *w = W(state);
	uint8_t f[60] = {0}, buf[4096];
	uint32_t v;
	int fd = rx_setup(w, 4096, O_NONBLOCK, 0);

	/* BIOCIMMEDIATE reads only its first byte from macOS 12 on: 0x100 means off. */
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCIMMEDIATE, 0x100), 0);
	assert_int_equal(sim_host_send(w->sim, "feth0", f, sizeof(f)), 0);
	assert_false(readable(fd));
	sim_set_macos(w->sim, 11, 0);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCIMMEDIATE, 0x100), 0);
	assert_true(readable(fd));
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 78);
	/* hdrcmplt: any non-zero is 1. Batch write exists from 14.1 and needs hdrcmplt. */
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSHDRCMPLT, 5), 0);
	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCGHDRCMPLT, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSBATCHWRITE, 1), -EINVAL);
	sim_set_macos(w->sim, 14, 1);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSBATCHWRITE, 1), 0);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSHDRCMPLT, 0), -EINVAL);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSBATCHWRITE, 0), 0);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSHDRCMPLT, 0), 0);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSBATCHWRITE, 1), -EINVAL);
	{
		struct darwin_ifreq ifr;

		assert_int_equal(w->s->ioctl(w->s->ctx, fd, DARWIN_BIOCGETIF, &ifr), 0);
		assert_string_equal(ifr.ifr_name, "feth1");
	}
	w->s->close(w->s->ctx, fd);
}

/* ---- AF_NDRV (§4) and BPF write (§3.8) ----------------------------------------------------- */

static int ndrv_socket(struct w *w)
{
	return w->s->socket(w->s->ctx, DARWIN_AF_NDRV, DARWIN_SOCK_RAW, 0);
}

static int ndrv_bind(struct w *w, int fd, const char *name)
{
	struct darwin_sockaddr_ndrv sa;

	memset(&sa, 0, sizeof(sa));
	sa.snd_len = sizeof(sa);
	sa.snd_family = DARWIN_AF_NDRV;
	snprintf(sa.snd_name, sizeof(sa.snd_name), "%s", name);
	return w->s->bind(w->s->ctx, fd, &sa, sizeof(sa));
}

static ssize_t ndrv_send(struct w *w, int fd, const void *buf, size_t len)
{
	struct darwin_sockaddr_ndrv sa = {sizeof(sa), DARWIN_AF_NDRV, "feth1"};

	return w->s->sendto(w->s->ctx, fd, buf, len, 0, &sa, sizeof(sa));
}

static int setopt(struct w *w, int fd, int name, int32_t v)
{
	return w->s->setsockopt(w->s->ctx, fd, DARWIN_SOL_SOCKET, name, &v, sizeof(v));
}

static void test_ndrv_socket_and_bind(void **state)
{
	struct w *w = W(state);
	int fd;

	sim_set_root(w->sim, false);
	assert_int_equal(ndrv_socket(w), -EPERM);
	sim_set_root(w->sim, true);
	fd = ndrv_socket(w);
	assert_true(fd >= 0);
	assert_int_equal(ndrv_bind(w, fd, "feth0"), -EADDRNOTAVAIL); /* no interface at all */
	/* That failed bind poisoned the socket: every later bind is EINVAL. */
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(ndrv_bind(w, fd, "feth0"), -EINVAL);
	assert_int_equal(w->s->close(w->s->ctx, fd), 0);
	fd = ndrv_socket(w);
	assert_int_equal(ndrv_bind(w, fd, "feth00"), -EADDRNOTAVAIL); /* exact names only */
	w->s->close(w->s->ctx, fd);
	fd = ndrv_socket(w);
	assert_int_equal(ndrv_bind(w, fd, ""), -EINVAL);
	w->s->close(w->s->ctx, fd);
	fd = ndrv_socket(w);
	assert_int_equal(ndrv_bind(w, fd, "feth0"), 0);       /* the interface may be down */
	assert_int_equal(ndrv_bind(w, fd, "feth0"), -EINVAL); /* already bound */
	/* Options: SO_SNDBUF up to kern.ipc.maxsockbuf, SO_NOSIGPIPE; nothing else. */
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, 20000), 0);
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, (int32_t)(9u << 20)), -ENOBUFS);
	assert_int_equal(setopt(w, fd, DARWIN_SO_NOSIGPIPE, 1), 0);
	assert_int_equal(setopt(w, fd, 0x1007 /* SO_ERROR */, 1), -ENOPROTOOPT);
	/* Control sockets have no options or addresses here. */
	assert_int_equal(setopt(w, w->fd4, DARWIN_SO_SNDBUF, 20000), -EOPNOTSUPP);
	w->s->close(w->s->ctx, fd);
}

static void test_ndrv_send_rules(void **state)
{
	struct w *w = W(state);
	uint8_t f[9000], got[9000];
	int fd;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(set_peer(w, "feth0", "feth1"), 0);
	fd = ndrv_socket(w);
	frame_of(f, sizeof(f), 4);
	assert_int_equal(ndrv_send(w, fd, f, 60), -EINVAL); /* not bound */
	assert_int_equal(ndrv_bind(w, fd, "feth1"), 0);
	/* Unconnected: write() and a send without address are EDESTADDRREQ. */
	assert_int_equal(w->s->write(w->s->ctx, fd, f, 60), -EDESTADDRREQ);
	assert_int_equal(w->s->sendto(w->s->ctx, fd, f, 60, 0, NULL, 0), -EDESTADDRREQ);
	assert_int_equal(ndrv_send(w, fd, f, 60), -ENETDOWN); /* the sender must be up */
	up(w, "feth1");
	assert_int_equal(ndrv_send(w, fd, f, 13), -EINVAL);
	assert_int_equal(ndrv_send(w, fd, f, 14), 14);
	assert_int_equal(ndrv_send(w, fd, f, 8192), 8192);
	/* The send buffer is the limit, not the MTU: 8193 needs SO_SNDBUF. */
	assert_int_equal(ndrv_send(w, fd, f, 8193), -EMSGSIZE);
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, 9000), 0);
	assert_int_equal(ndrv_send(w, fd, f, 9000), 9000);
	/* The peer's stack received them in order, byte for byte. */
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 14);
	assert_memory_equal(got, f, 14);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 8192);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 9000);
	assert_memory_equal(got, f, 9000);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), -EAGAIN);
	/* Destroyed: EPIPE for ever, with a SIGPIPE unless suppressed. */
	assert_int_equal(destroy(w, "feth1"), 0);
	assert_int_equal(ndrv_send(w, fd, f, 60), -EPIPE);
	assert_int_equal(sim_sigpipes(w->sim), 1);
	assert_int_equal(setopt(w, fd, DARWIN_SO_NOSIGPIPE, 1), 0);
	assert_int_equal(create(w, "feth1"), -EBUSY); /* still tearing down */
	w->s->sleep_us(w->s->ctx, 30000);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(ndrv_send(w, fd, f, 60), -EPIPE); /* never recovers */
	assert_int_equal(sim_sigpipes(w->sim), 1);
	w->s->close(w->s->ctx, fd);
}

static ssize_t bpf_write(struct w *w, int fd, const void *buf, size_t len)
{
	return w->s->write(w->s->ctx, fd, buf, len);
}

static void test_bpf_write_sizes(void **state)
{
	struct w *w = W(state);
	static uint8_t f[20000], got[20000];
	/* Writer on feth1 (the I/O side), a reader on feth0 (the host side). */
	int rd = rx_setup(w, 65536, O_NONBLOCK, 1), wr;
	uint8_t buf[65536];

	wr = bpf_open(w, 1, 0);
	assert_int_equal(bpf_setif(w, wr, "feth1"), 0);
	assert_int_equal(bpf_set(w, wr, DARWIN_BIOCSHDRCMPLT, 1), 0);
	assert_int_equal(bpf_set(w, wr, DARWIN_BIOCSSEESENT, 0), 0);
	frame_of(f, sizeof(f), 11);
	assert_int_equal(bpf_write(w, wr, f, 60), -ENETDOWN); /* feth1 is down */
	up(w, "feth1");
	assert_int_equal(bpf_write(w, wr, f, 0), 0);
	/* macOS 15: MTU + 18. */
	assert_int_equal(bpf_write(w, wr, f, 1518), 1518);
	assert_int_equal(bpf_write(w, wr, f, 1519), -EMSGSIZE);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 1518);
	assert_memory_equal(got, f, 1518);
	/* macOS 13: MTU + 14, and at most 2048 bytes (EIO). */
	sim_set_macos(w->sim, 13, 0);
	assert_int_equal(bpf_write(w, wr, f, 1515), -EMSGSIZE);
	assert_int_equal(bpf_write(w, wr, f, 1514), 1514);
	assert_int_equal(set_mtu(w, "feth1", 2048), 0);
	assert_int_equal(bpf_write(w, wr, f, 2049), -EIO);
	/* The writer's own descriptor (see-sent 0) saw nothing; the peer's saw both frames. */
	assert_int_equal(w->s->read(w->s->ctx, rd, buf, sizeof(buf)), 1536 + 18 + 1514);
	{
		uint8_t own[4096];

		assert_int_equal(bpf_set(w, wr, DARWIN_FIONBIO, 1), 0);
		assert_int_equal(bpf_set(w, wr, DARWIN_BIOCIMMEDIATE, 1), 0);
		assert_int_equal(w->s->read(w->s->ctx, wr, own, sizeof(own)), -EAGAIN);
	}
	w->s->close(w->s->ctx, wr);
	w->s->close(w->s->ctx, rd);
}

/* Appends a batch-write record (hdrlen 20, caplen == datalen) for `len` bytes of f. */
static size_t put_record(uint8_t *buf, size_t at, const uint8_t *f, uint32_t len, uint32_t datalen)
{
	uint16_t hdrlen = DARWIN_BPF_HDR_SIZE;

	memset(buf + at, 0, DARWIN_BPF_HDR_SIZE);
	memcpy(buf + at + 8, &len, 4);
	memcpy(buf + at + 12, &datalen, 4);
	memcpy(buf + at + 16, &hdrlen, 2);
	memcpy(buf + at + DARWIN_BPF_HDR_SIZE, f, len);
	return at + ((DARWIN_BPF_HDR_SIZE + len + 3u) & ~3u);
}

static void test_bpf_batch_write(void **state)
{
	struct w *w = W(state);
	static uint8_t f[2000], buf[8192], got[2000];
	size_t len = 0;
	int wr;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(set_peer(w, "feth0", "feth1"), 0);
	up(w, "feth1");
	wr = bpf_open(w, 0, 0);
	assert_int_equal(bpf_setif(w, wr, "feth1"), 0);
	assert_int_equal(bpf_set(w, wr, DARWIN_BIOCSHDRCMPLT, 1), 0);
	assert_int_equal(bpf_set(w, wr, DARWIN_BIOCSBATCHWRITE, 1), 0);
	frame_of(f, sizeof(f), 21);
	for (uint32_t n = 1020; n <= 1023; n++) /* every alignment residue */
		len = put_record(buf, len, f, n, n);
	{
		struct iovec iov[2] = {{buf, 100}, {buf + 100, len - 100}};

		assert_int_equal(w->s->writev(w->s->ctx, wr, iov, 2), (ssize_t)len);
	}
	for (uint32_t n = 1020; n <= 1023; n++) {
		assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), n);
		assert_memory_equal(got, f, n);
	}
	/* One bad record (caplen != datalen) discards the whole batch. */
	len = put_record(buf, 0, f, 60, 60);
	len = put_record(buf, len, f, 60, 61);
	assert_int_equal(bpf_write(w, wr, buf, len), -EINVAL);
	/* One oversized frame likewise: EMSGSIZE. */
	len = put_record(buf, 0, f, 60, 60);
	len = put_record(buf, len, f, 1519, 1519);
	assert_int_equal(bpf_write(w, wr, buf, len), -EMSGSIZE);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), -EAGAIN);
	/* A tail under 20 bytes is left unconsumed: a short count. */
	len = put_record(buf, 0, f, 60, 60);
	assert_int_equal(bpf_write(w, wr, buf, len + 12), (ssize_t)len);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 60);
	w->s->close(w->s->ctx, wr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_explicit_initial_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_wildcard_writes_name_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_busy_while_tearing_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_root_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_peer_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_self_peer_allowed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_destroy_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mtu_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_mtu_frozen_at_creation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_old_macos_has_no_sysctl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flags, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lladdr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ipv4_addresses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ipv6_addresses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ifconf_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ifconf_small_buffers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_descriptors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_injection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_processes_and_clock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_external_helpers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_nodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_defaults_and_blen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_direction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_host_send_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_blocking_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_buffers_and_drops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_truncates_to_buffer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_detach, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_flag_ioctls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ndrv_socket_and_bind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ndrv_send_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_write_sizes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_batch_write, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
