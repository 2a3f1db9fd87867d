/* SPDX-License-Identifier: MIT */
/*
 * The simulator on its own, against docs/darwin-notes.md: raw seam calls with Darwin's
 * structs and request numbers, no library code in between.
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
#include <sys/file.h>
#include <sys/stat.h>
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
	if (!w->sim) {
		free(w);
		return -1;
	}
	w->s = sim_sys(w->sim);
	w->fd4 = w->s->socket(w->s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0);
	w->fd6 = w->s->socket(w->s->ctx, DARWIN_AF_INET6, DARWIN_SOCK_DGRAM, 0);
	if (w->fd4 < 0 || w->fd6 < 0) {
		sim_free(w->sim);
		free(w);
		return -1;
	}
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

/* ---- the cloner (darwin-notes.md F1, F2) ---------------------------------------------------- */

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
	/* The name is gone at once (darwin-notes.md F5.3)... */
	assert_int_not_equal(sim_if_state(w->sim, "feth4", &(struct sim_if_state){0}), 0);
	/* ...but the same unit is EBUSY until the teardown has finished (F1.6). */
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

/* ---- peering (darwin-notes.md F4) ----------------------------------------------------------- */

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

/* ---- destroy (darwin-notes.md F5) ----------------------------------------------------------- */

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

/* ---- MTU and the sysctl (darwin-notes.md F3, F8) -------------------------------------------- */

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
	/* A short buffer: sysctl_io_number fails (ENOMEM, EINVAL), but feth_max_mtu_sysctl
	 * returns 0 whatever it said: nothing copied, nothing set (if_fake.c@11417:351-369;
	 * kern_newsysctl.c@11417:428-492). */
	{
		int16_t small = 7;
		size_t len = sizeof(small);

		assert_int_equal(w->s->sysctlbyname(w->s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, &small,
		                                    &len, NULL, 0),
		                 0);
		assert_int_equal(small, 7);
		assert_int_equal(len, 0);
		assert_int_equal(w->s->sysctlbyname(w->s->ctx, DARWIN_FETH_SYSCTL_MAX_MTU, NULL,
		                                    NULL, &small, sizeof(small)),
		                 0);
		assert_int_equal(sysctl_get(w), 1500);
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

/* ---- flags, MAC (darwin-notes.md F7) -------------------------------------------------------- */

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
	/* The Ethernet IPv4 module sees the address first: the interface is not RUNNING, so it
	 * sets UP and sends SIOCSIFFLAGS, to which feth answers RUNNING
	 * (ether_inet_pr_module.c@11417:341-344; if_fake.c@11417:4238-4249). */
	assert_int_equal(st.flags, 0x8843);
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

/* proc_id's start time of a process in its default state: microseconds since the epoch. */
#define START_OF(pid) ((int64_t)1700000000 * 1000000 + (pid))

static void test_processes_and_clock(void **state)
{
	struct w *w = W(state);
	struct feth__proc_id id;
	unsigned long before = sim_calls_of(w->sim, SIM_CALL_PROC_ID);

	assert_int_equal(w->s->getpid(w->s->ctx), 4242);
	sim_set_pid(w->sim, 77);
	assert_int_equal(w->s->getpid(w->s->ctx), 77);
	/* Every pid is alive, its start time telling it apart; there are no PID namespaces. */
	memset(&id, 0xff, sizeof(id));
	assert_int_equal(w->s->proc_id(w->s->ctx, 5000, &id), 0);
	assert_int_equal(id.start, START_OF(5000));
	assert_int_equal(id.pidns, 0);
	/* pid 0 is the caller. */
	assert_int_equal(w->s->proc_id(w->s->ctx, 0, &id), 0);
	assert_int_equal(id.start, START_OF(77));
	assert_int_equal(w->s->proc_id(w->s->ctx, -1, &id), -ESRCH);
	/* Dead, and alive again with the same start time. */
	sim_set_pid_alive(w->sim, 5000, false);
	sim_set_pid_alive(w->sim, 5001, false);
	sim_set_pid_alive(w->sim, 5002, true); /* already so: nothing changes */
	assert_int_equal(w->s->proc_id(w->s->ctx, 5000, &id), -ESRCH);
	sim_set_pid_alive(w->sim, 5000, true);
	assert_int_equal(w->s->proc_id(w->s->ctx, 5000, &id), 0);
	assert_int_equal(id.start, START_OF(5000));
	assert_int_equal(w->s->proc_id(w->s->ctx, 5001, &id), -ESRCH);
	assert_int_equal(w->s->proc_id(w->s->ctx, 5002, &id), 0);
	/* A reused pid: alive, started later. */
	sim_set_pid_start(w->sim, 5001, START_OF(5001) + 3000000);
	assert_int_equal(w->s->proc_id(w->s->ctx, 5001, &id), 0);
	assert_int_equal(id.start, START_OF(5001) + 3000000);
	sim_set_pid_start(w->sim, 0, 12345); /* the caller's own */
	assert_int_equal(w->s->proc_id(w->s->ctx, 0, &id), 0);
	assert_int_equal(id.start, 12345);
	assert_int_equal(w->s->proc_id(w->s->ctx, 77, &id), 0);
	assert_int_equal(id.start, 12345);
	/* Counted and faulted like every call. */
	assert_int_equal(sim_calls_of(w->sim, SIM_CALL_PROC_ID) - before, 10);
	sim_fail_kind(w->sim, SIM_CALL_PROC_ID, EPERM, 1);
	assert_int_equal(w->s->proc_id(w->s->ctx, 5000, &id), -EPERM);
	assert_int_equal(w->s->proc_id(w->s->ctx, 5000, &id), 0);
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

/* ---- BPF devices (darwin-notes.md B) --------------------------------------------------------- */

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

/* Addresses a frame to fethN's MAC, 66:65:74:68:(N>>8):(N&0xff). */
static void to_host(uint8_t *f, const char *feth)
{
	int unit = atoi(feth + 4);

	memcpy(f, "feth", 4);
	f[4] = (uint8_t)(unit >> 8);
	f[5] = (uint8_t)unit;
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
	/* What was buffered is still returned (immediate); the detacher then detaches the
	 * descriptor, after which it reads ENXIO and polls ready. */
	assert_true(readable(fd));
	assert_int_equal(w->s->read(w->s->ctx, fd, buf, sizeof(buf)), 78);
	assert_false(readable(fd));
	assert_int_equal(sim_run_detacher(w->sim), 1);
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

/* ---- AF_NDRV (darwin-notes.md N) and BPF write (B8, B9) ------------------------------------ */

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
	/* No interface at all: EADDRNOTAVAIL before the address is recorded, so the socket can
	 * still bind (ndrv.c@11417:372-374). */
	assert_int_equal(ndrv_bind(w, fd, "feth0"), -EADDRNOTAVAIL);
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(ndrv_bind(w, fd, "feth0"), 0);
	assert_int_equal(w->s->close(w->s->ctx, fd), 0);
	/* An unknown name is found unknown after the address is recorded: poisoned, every later
	 * bind is EINVAL (ndrv.c@11417:383-411). */
	fd = ndrv_socket(w);
	assert_int_equal(ndrv_bind(w, fd, "feth00"), -EADDRNOTAVAIL); /* exact names only */
	assert_int_equal(ndrv_bind(w, fd, "feth0"), -EINVAL);
	w->s->close(w->s->ctx, fd);
	fd = ndrv_socket(w);
	assert_int_equal(ndrv_bind(w, fd, ""), -EINVAL);
	w->s->close(w->s->ctx, fd);
	fd = ndrv_socket(w);
	assert_int_equal(ndrv_bind(w, fd, "feth0"), 0);       /* the interface may be down */
	assert_int_equal(ndrv_bind(w, fd, "feth0"), -EINVAL); /* already bound */
	/* Options: SO_SNDBUF up to kern.ipc.maxsockbuf, SO_NOSIGPIPE; nothing else. From macOS
	 * 14.4 a larger size is clamped to the 8 MiB sb_max, and refused once the buffer is that
	 * large (uipc_socket2.c@11417:804-822). */
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, 20000), 0);
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, (int32_t)(9u << 20)), 0);
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, (int32_t)(9u << 20)), -ENOBUFS);
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, 0), -EINVAL);
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
	to_host(f, "feth0"); /* the host stack keeps unicast frames for its own MAC only */
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

/* ---- the send path, destroy, NDRV, sysctls: the stricter rules, after xnu ----------------- */

/* feth0 and feth1 created, peered and up (on the macOS the world simulates now). */
static void pair_up(struct w *w)
{
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(set_peer(w, "feth0", "feth1"), 0);
	up(w, "feth0");
	up(w, "feth1");
}

/* pair_up's interfaces destroyed, and gone once the detacher has run. */
static void pair_down(struct w *w)
{
	assert_int_equal(destroy(w, "feth0"), 0);
	assert_int_equal(destroy(w, "feth1"), 0);
	assert_int_equal(sim_run_detacher(w->sim), 2);
}

/* The first free BPF device, as libraries look for one. */
static int bpf_any(struct w *w, int flags)
{
	int fd = -EBUSY;

	for (int minor = 0; fd == -EBUSY; minor++)
		fd = bpf_open(w, minor, flags);
	assert_true(fd >= 0);
	return fd;
}

/* A non-blocking, immediate BPF descriptor on ifname with a buffer of `size`. */
static int tap_sized(struct w *w, const char *ifname, uint32_t size)
{
	int fd = bpf_any(w, O_NONBLOCK);

	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSBLEN, size), 0);
	assert_int_equal(bpf_setif(w, fd, ifname), 0);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCIMMEDIATE, 1), 0);
	return fd;
}

static int tap_on(struct w *w, const char *ifname)
{
	return tap_sized(w, ifname, 65536);
}

/* Everything fd has buffered: the frames' lengths into lens (at most max), their bytes one
 * after another into out; returns how many frames. */
static int tapped(struct w *w, int fd, uint8_t *out, size_t cap, size_t *lens, int max)
{
	static uint8_t buf[1 << 20];
	uint32_t size = 0;
	size_t at = 0;
	int n = 0;
	ssize_t got;

	assert_int_equal(bpf_u32(w, fd, DARWIN_BIOCGBLEN, &size), 0);
	assert_true(size <= sizeof(buf));
	while ((got = w->s->read(w->s->ctx, fd, buf, size)) > 0) {
		for (size_t off = 0; off < (size_t)got;) {
			struct rec r = rec_at(buf, off);

			assert_true(n < max && at + r.caplen <= cap);
			assert_int_equal(r.caplen, r.datalen);
			memcpy(out + at, buf + off + r.hdrlen, r.caplen);
			at += r.caplen;
			lens[n++] = r.caplen;
			off += (r.hdrlen + r.caplen + 3u) & ~3u;
		}
	}
	assert_int_equal(got, -EAGAIN);
	return n;
}

static int tapped_count(struct w *w, int fd)
{
	static uint8_t out[1 << 20];
	size_t lens[4096];

	return tapped(w, fd, out, sizeof(out), lens, 4096);
}

/* An NDRV socket bound to ifname, SO_NOSIGPIPE set, SO_SNDBUF raised to `sndbuf` if given. */
static int ndrv_on(struct w *w, const char *ifname, int32_t sndbuf)
{
	int fd = ndrv_socket(w);

	assert_true(fd >= 0);
	assert_int_equal(setopt(w, fd, DARWIN_SO_NOSIGPIPE, 1), 0);
	if (sndbuf)
		assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, sndbuf), 0);
	assert_int_equal(ndrv_bind(w, fd, ifname), 0);
	return fd;
}

/* A BPF descriptor that writes complete frames on ifname, see-sent 0. */
static int writer_on(struct w *w, const char *ifname, bool batch)
{
	int fd = tap_on(w, ifname);

	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSHDRCMPLT, 1), 0);
	assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSSEESENT, 0), 0);
	if (batch)
		assert_int_equal(bpf_set(w, fd, DARWIN_BIOCSBATCHWRITE, 1), 0);
	return fd;
}

static int drv_stall(struct w *w, const char *name, uint32_t on)
{
	struct darwin_if_fake_request r;

	memset(&r, 0, sizeof(r));
	r.iffr_u.iffru_dequeue_stall = on;
	return drv(w, DARWIN_SIOCSDRVSPEC, name, DARWIN_IF_FAKE_S_CMD_SET_DEQUEUE_STALL, sizeof(r),
	           &r);
}

static int fake_set(struct w *w, const char *name, int32_t v)
{
	return w->s->sysctlbyname(w->s->ctx, name, NULL, NULL, &v, sizeof(v));
}

static int32_t fake_get(struct w *w, const char *name)
{
	int32_t v = -1;
	size_t len = sizeof(v);

	assert_int_equal(w->s->sysctlbyname(w->s->ctx, name, &v, &len, NULL, 0), 0);
	return v;
}

/*
 * Up to macOS 14 feth_start copies each packet into one mbuf of at most a 16 KiB cluster
 * (copy_mbuf, if_fake.c@10063:3373-3427); a longer one is parked and every later start retries
 * it first and gives up (if_fake.c@10063:3537-3549, 3563-3590): the side never transmits
 * again while peered, sends still succeed, and only a start without a peer clears it.
 */
static void test_copy_wedge_up_to_macos14(void **state)
{
	struct w *w = W(state);
	static uint8_t f[16400];
	int fd, rx, wr;

	sim_set_macos(w->sim, 14, 6);
	assert_int_equal(sysctl_set(w, 16370), 0);
	pair_up(w);
	assert_int_equal(set_mtu(w, "feth1", 16370), 0);
	rx = tap_on(w, "feth0");
	fd = ndrv_on(w, "feth1", 20000);
	frame_of(f, sizeof(f), 1); /* an odd first byte: multicast, for any host stack */
	/* 16384 bytes fit the cluster. */
	assert_int_equal(ndrv_send(w, fd, f, 16384), 16384);
	assert_int_equal(tapped_count(w, rx), 1);
	assert_false(sim_if_wedged(w->sim, "feth1"));
	/* One byte more: parked, success reported, and nothing after it goes either. */
	assert_int_equal(ndrv_send(w, fd, f, 16385), 16385);
	assert_true(sim_if_wedged(w->sim, "feth1"));
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(ndrv_send(w, fd, f, 61), 61);
	assert_int_equal(tapped_count(w, rx), 0);
	assert_int_equal(state_of(w, "feth1").txq_len, 2);
	/* The other path is wedged the same way: a BPF write, here a batch (14.1+). */
	wr = writer_on(w, "feth1", true);
	{
		static uint8_t b[16500];
		size_t len = put_record(b, 0, f, 60, 60);

		assert_int_equal(bpf_write(w, wr, b, len), (ssize_t)len);
	}
	assert_int_equal(tapped_count(w, rx), 0);
	/* Unpeered, the wedge stays until a start runs without a peer: the next send, whose
	 * frame goes nowhere, along with what was queued. */
	assert_int_equal(set_peer(w, "feth1", ""), 0);
	assert_true(sim_if_wedged(w->sim, "feth1"));
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_false(sim_if_wedged(w->sim, "feth1"));
	assert_int_equal(state_of(w, "feth1").txq_len, 0);
	assert_int_equal(set_peer(w, "feth1", "feth0"), 0);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(tapped_count(w, rx), 1);
	/* Re-peered before any start: the parked packet is retried with the new peer and
	 * still fails. */
	assert_int_equal(ndrv_send(w, fd, f, 16385), 16385);
	assert_int_equal(set_peer(w, "feth1", ""), 0);
	assert_int_equal(set_peer(w, "feth1", "feth0"), 0);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_true(sim_if_wedged(w->sim, "feth1"));
	assert_int_equal(tapped_count(w, rx), 0);
	w->s->close(w->s->ctx, wr);
	w->s->close(w->s->ctx, fd);
	w->s->close(w->s->ctx, rx);
}

/* macOS 15 (xnu-11215+) moves the mbuf without a copy (if_fake.c@11417:3829-3876): any size
 * goes; and txstart 0 (feth_output) drops an uncopyable packet alone on 14
 * (if_fake.c@10063:3594-3631). */
static void test_copy_no_wedge(void **state)
{
	struct w *w = W(state);
	static uint8_t f[16400];
	int fd, rx;

	assert_int_equal(sysctl_set(w, 16370), 0);
	pair_up(w);
	assert_int_equal(set_mtu(w, "feth1", 16370), 0);
	rx = tap_on(w, "feth0");
	fd = ndrv_on(w, "feth1", 20000);
	frame_of(f, sizeof(f), 1);
	assert_int_equal(ndrv_send(w, fd, f, 16388), 16388);
	assert_false(sim_if_wedged(w->sim, "feth1"));
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(tapped_count(w, rx), 2);
	w->s->close(w->s->ctx, fd);
	w->s->close(w->s->ctx, rx);

	pair_down(w);
	sim_set_macos(w->sim, 14, 6);
	assert_int_equal(fake_set(w, "net.link.fake.txstart", 0), 0);
	pair_up(w);
	assert_int_equal(set_mtu(w, "feth1", 16370), 0);
	rx = tap_on(w, "feth0");
	fd = ndrv_on(w, "feth1", 20000);
	assert_int_equal(ndrv_send(w, fd, f, 16385), 16385);
	assert_false(sim_if_wedged(w->sim, "feth1"));
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(tapped_count(w, rx), 1);
	w->s->close(w->s->ctx, fd);
	w->s->close(w->s->ctx, rx);
}

/*
 * The send queue is FQ-CoDel with a drop limit of 2048 packets (classq/if_classq.h@11417:39;
 * kpi_interface.c@11417:544). Stalled (IF_FAKE_S_CMD_SET_DEQUEUE_STALL: ifnet_disable_output,
 * if_fake.c@11417:826-837), it fills; at the limit the flow holding 15000 bytes or more pays
 * with its head packet and the new one is queued, a success (classq_fq_codel.c@11417:477-512;
 * pktsched_fq_codel.c@11417:2014-2035); a queue under 15000 bytes refuses the new packet,
 * ENOBUFS (classq_fq_codel.c@11417:514-532; pktsched_fq_codel.c@11417:591-593). Released, it
 * sends what waits, in order.
 */
static void test_send_queue_stall_and_limit(void **state)
{
	struct w *w = W(state);
	static uint8_t f[64], out[1 << 20];
	static size_t lens[4096];
	int fd, rx, wr, n;

	pair_up(w);
	rx = tap_sized(w, "feth0", 1u << 20);
	fd = ndrv_on(w, "feth1", 0);
	frame_of(f, sizeof(f), 1);
	assert_int_equal(drv_stall(w, "feth1", 1), 0);
	assert_true(state_of(w, "feth1").stalled);
	for (int i = 0; i < 2048; i++) {
		f[20] = (uint8_t)i;
		f[21] = (uint8_t)(i >> 8);
		assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	}
	assert_int_equal(state_of(w, "feth1").txq_len, 2048);
	assert_int_equal(tapped_count(w, rx), 0);
	/* 2048 x 60 bytes is a large flow: the 2049th goes in, the first one out. */
	f[20] = 0;
	f[21] = 8;
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(state_of(w, "feth1").txq_len, 2048);
	assert_int_equal(state_of(w, "feth1").txq_head_drops, 1);
	assert_int_equal(drv_stall(w, "feth1", 0), 0);
	assert_int_equal(state_of(w, "feth1").txq_len, 0);
	n = tapped(w, rx, out, sizeof(out), lens, 4096);
	assert_int_equal(n, 2048);
	assert_int_equal(out[20] | out[21] << 8, 1);
	assert_int_equal(out[60 * 2047 + 20] | out[60 * 2047 + 21] << 8, 2048);

	/* Small packets (a BPF write may carry 7 bytes): 2048 of them are under 15000 bytes, so
	 * the 2049th is refused. */
	wr = writer_on(w, "feth1", false);
	assert_int_equal(sim_if_stall(w->sim, "feth1", true), 0);
	for (int i = 0; i < 2048; i++)
		assert_int_equal(bpf_write(w, wr, f, 7), 7);
	assert_int_equal(bpf_write(w, wr, f, 7), -ENOBUFS);
	assert_int_equal(ndrv_send(w, fd, f, 60), -ENOBUFS);
	assert_int_equal(state_of(w, "feth1").txq_drops, 2);
	assert_int_equal(sim_if_stall(w->sim, "feth1", false), 0);
	assert_int_equal(tapped_count(w, rx), 2048);
	/* No interface of that name, and another driver's interface, which has no feth queue
	 * (ifnet_disable_output, dlil.c@11417:7203-7213; a txstart-0 feth: see the bsd_mode and
	 * txstart test). */
	assert_int_equal(sim_if_stall(w->sim, "feth9", true), -ENXIO);
	assert_int_equal(sim_if_add_other(w->sim, "en0", true), 0);
	assert_int_equal(sim_if_stall(w->sim, "en0", true), -EINVAL);
	w->s->close(w->s->ctx, wr);
	w->s->close(w->s->ctx, fd);
	w->s->close(w->s->ctx, rx);
}

/* A dropped enqueue is ENOBUFS to the sender; EQFULL and EQSUSPENDED become success although
 * the packet is gone (dlil_output.c@11417:453-461; pktsched_fq_codel.c@11417:578-601). */
static void test_send_queue_injected_results(void **state)
{
	struct w *w = W(state);
	uint8_t f[60], got[64];
	unsigned long e0;
	int fd, rx;

	pair_up(w);
	rx = tap_on(w, "feth0");
	fd = ndrv_on(w, "feth1", 0);
	frame_of(f, sizeof(f), 1);
	e0 = sim_enqueues(w->sim);
	sim_fail_enqueue(w->sim, 2, ENOBUFS);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(ndrv_send(w, fd, f, 60), -ENOBUFS);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(sim_enqueues(w->sim) - e0, 3);
	assert_int_equal(tapped_count(w, rx), 2);
	sim_fail_enqueue(w->sim, 1, SIM_EQFULL);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	sim_fail_enqueue(w->sim, 1, SIM_EQSUSPENDED);
	assert_int_equal(sim_host_send(w->sim, "feth1", f, 60), 0);
	assert_int_equal(tapped_count(w, rx), 0);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 60);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 60);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), -EAGAIN);
	/* sim_fail_clear cancels it. */
	sim_fail_enqueue(w->sim, 1, ENOBUFS);
	sim_fail_clear(w->sim);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	w->s->close(w->s->ctx, fd);
	w->s->close(w->s->ctx, rx);
}

/*
 * A batch write is validated whole (bpf_movein_batch, bpf.c@11417:1663-1672), then dlil_output
 * sends it packet by packet keeping only the last packet's error (bpf.c@11417:1707-1712;
 * dlil_output.c@11417:453-487), and writev returns that error although every byte was
 * consumed (fp_writev, sys_generic.c@11417:578-617).
 */
static void test_bpf_batch_last_error_wins(void **state)
{
	struct w *w = W(state);
	static uint8_t f[2000], buf[8192], out[8192];
	size_t len = 0, lens[8];
	int wr, rx;

	pair_up(w);
	rx = tap_on(w, "feth0");
	wr = writer_on(w, "feth1", true);
	frame_of(f, sizeof(f), 1);
	for (uint32_t n = 100; n <= 102; n++)
		len = put_record(buf, len, f, n, n);
	/* The middle one dropped: invisible, the count is whole. */
	sim_fail_enqueue(w->sim, 2, ENOBUFS);
	assert_int_equal(bpf_write(w, wr, buf, len), (ssize_t)len);
	assert_int_equal(tapped(w, rx, out, sizeof(out), lens, 8), 2);
	assert_int_equal(lens[0], 100);
	assert_int_equal(lens[1], 102);
	/* The last one dropped: the error, although the first two went. */
	sim_fail_enqueue(w->sim, 3, ENOBUFS);
	assert_int_equal(bpf_write(w, wr, buf, len), -ENOBUFS);
	assert_int_equal(tapped(w, rx, out, sizeof(out), lens, 8), 2);
	assert_int_equal(lens[1], 101);
	/* A frame over MTU + 18 anywhere: EMSGSIZE, nothing sent. */
	len = put_record(buf, 0, f, 60, 60);
	len = put_record(buf, len, f, 1519, 1519);
	len = put_record(buf, len, f, 60, 60);
	assert_int_equal(bpf_write(w, wr, buf, len), -EMSGSIZE);
	assert_int_equal(tapped_count(w, rx), 0);
	/* The interface's current limit: a larger MTU lets it through. */
	assert_int_equal(set_mtu(w, "feth1", 2000), 0);
	assert_int_equal(bpf_write(w, wr, buf, len), (ssize_t)len);
	assert_int_equal(tapped_count(w, rx), 3);
	w->s->close(w->s->ctx, wr);
	w->s->close(w->s->ctx, rx);
}

/*
 * Batch records are parsed per iovec: the skips over header bytes past 18 and over padding are
 * uio_update calls, which move only within the current iovec but take the whole skip off the
 * residual count (bpf.c@11417:609-611, 638-641; kern_subr.c@11417:1251-1285). A skip that
 * crosses into the next iovec makes the kernel read the rest shifted.
 */
static void test_bpf_batch_skips_stay_in_their_iovec(void **state)
{
	struct w *w = W(state);
	static uint8_t f[200], buf[1024], out[1024];
	size_t lens[8];
	int wr, rx;

	pair_up(w);
	rx = tap_on(w, "feth0");
	wr = writer_on(w, "feth1", true);
	frame_of(f, sizeof(f), 1);
	/* One record with a 24-byte header (6 bytes skipped) and 60 bytes of frame. */
	{
		uint32_t caplen = 60;
		uint16_t hdrlen = 24;

		memset(buf, 0xee, 24);
		memcpy(buf + 8, &caplen, 4);
		memcpy(buf + 12, &caplen, 4);
		memcpy(buf + 16, &hdrlen, 2);
		memcpy(buf + 24, f, 60);
	}
	/* In one iovec, the frame is the frame. */
	assert_int_equal(bpf_write(w, wr, buf, 84), 84);
	assert_int_equal(tapped(w, rx, out, sizeof(out), lens, 8), 1);
	assert_memory_equal(out, f, 60);
	/* The header split after 20 bytes: the skip of 6 ends the first iovec after 2, the frame
	 * is read from the second one's start (the last 4 header bytes, then 56 of the frame). */
	{
		struct iovec iov[2] = {{buf, 20}, {buf + 20, 64}};

		assert_int_equal(w->s->writev(w->s->ctx, wr, iov, 2), 84);
	}
	assert_int_equal(tapped(w, rx, out, sizeof(out), lens, 8), 1);
	assert_int_equal(lens[0], 60);
	assert_memory_equal(out, buf + 20, 60);
	/* Padding split: record 1 (61 bytes, 3 of padding) ends its iovec after one padding
	 * byte; the next header is then read 2 bytes early, its bh_hdrlen from record 2's
	 * bh_datalen: 0, EINVAL, and the whole batch is discarded. */
	{
		size_t len = put_record(buf, 0, f, 61, 61);
		struct iovec iov[2];

		len = put_record(buf, len, f, 60, 60);
		iov[0].iov_base = buf;
		iov[0].iov_len = 82;
		iov[1].iov_base = buf + 82;
		iov[1].iov_len = len - 82;
		assert_int_equal(w->s->writev(w->s->ctx, wr, iov, 2), -EINVAL);
		assert_int_equal(tapped_count(w, rx), 0);
		/* Header, frame and padding each in an iovec of their own: no skip crosses. */
		{
			struct iovec v[6] = {{buf, 20},      {buf + 20, 61},  {buf + 81, 3},
			                     {buf + 84, 20}, {buf + 104, 60}, {buf + 164, 0}};

			assert_int_equal(w->s->writev(w->s->ctx, wr, v, 6), (ssize_t)len);
		}
		assert_int_equal(tapped_count(w, rx), 2);
	}
	w->s->close(w->s->ctx, wr);
	w->s->close(w->s->ctx, rx);
}

/*
 * Destroy is asynchronous for BPF: ifnet_detach takes the interface down (dlil.c@11417:5415),
 * tells NDRV at once (5588: EPIPE), and leaves bpfdetach to the detacher thread (5590-5593,
 * 5689-5701). Until then a BPF write is ENETDOWN (bpf.c@11417:1647-1649) and a non-blocking
 * read EAGAIN; ENXIO after. The unit is EBUSY for a create until then (dlil_ctl.c@11417:73-96).
 */
static void test_destroy_detaches_bpf_later(void **state)
{
	struct w *w = W(state);
	uint8_t f[60], buf[65536];
	int rx, nd, blk;

	frame_of(f, sizeof(f), 1);
	sim_set_teardown_us(w->sim, UINT64_MAX); /* only sim_run_detacher */
	pair_up(w);
	rx = writer_on(w, "feth1", false);
	nd = ndrv_on(w, "feth1", 0);
	blk = bpf_any(w, 0);
	assert_int_equal(bpf_set(w, blk, DARWIN_BIOCSBLEN, 65536), 0);
	assert_int_equal(bpf_setif(w, blk, "feth1"), 0);
	assert_int_equal(destroy(w, "feth1"), 0);
	assert_int_equal(sim_detaching(w->sim), 1);
	assert_int_equal(ndrv_send(w, nd, f, 60), -EPIPE);
	assert_int_equal(bpf_write(w, rx, f, 60), -ENETDOWN);
	assert_int_equal(w->s->read(w->s->ctx, rx, buf, sizeof(buf)), -EAGAIN);
	assert_false(readable(rx));
	/* A blocking read would sleep until the detacher, which never runs here. */
	assert_int_equal(w->s->read(w->s->ctx, blk, buf, sizeof(buf)), -EDEADLK);
	assert_int_equal(create(w, "feth1"), -EBUSY);
	w->s->sleep_us(w->s->ctx, 10000000);
	assert_int_equal(w->s->read(w->s->ctx, rx, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(sim_run_detacher(w->sim), 1);
	assert_int_equal(sim_detaching(w->sim), 0);
	assert_true(readable(rx));
	assert_int_equal(w->s->read(w->s->ctx, rx, buf, sizeof(buf)), -ENXIO);
	assert_int_equal(bpf_write(w, rx, f, 60), -ENXIO);
	assert_int_equal(w->s->read(w->s->ctx, blk, buf, sizeof(buf)), -ENXIO);
	assert_int_equal(create(w, "feth1"), 0);
	w->s->close(w->s->ctx, blk);
	w->s->close(w->s->ctx, nd);
	w->s->close(w->s->ctx, rx);
}

/* Left alone, the detacher runs teardown_us after the destroy: code that sleeps sees it done,
 * a blocking read sleeps until it and wakes to ENXIO, a poll that would outlast it sees the
 * descriptor ready (bpfdetach wakes the reader, bpf.c@11417:4473-4528). */
static void test_destroy_detacher_runs_in_time(void **state)
{
	struct w *w = W(state);
	uint8_t buf[65536];
	int rx, blk;
	uint64_t t0;

	pair_up(w);
	rx = tap_on(w, "feth1");
	blk = bpf_any(w, 0);
	assert_int_equal(bpf_set(w, blk, DARWIN_BIOCSBLEN, 65536), 0);
	assert_int_equal(bpf_setif(w, blk, "feth0"), 0);
	/* Time: 30 ms by default. */
	t0 = sim_now_us(w->sim);
	assert_int_equal(destroy(w, "feth1"), 0);
	w->s->sleep_us(w->s->ctx, 29999);
	assert_int_equal(w->s->read(w->s->ctx, rx, buf, sizeof(buf)), -EAGAIN);
	w->s->sleep_us(w->s->ctx, 1);
	assert_int_equal(w->s->read(w->s->ctx, rx, buf, sizeof(buf)), -ENXIO);
	assert_int_equal(sim_now_us(w->sim) - t0, 30000);
	assert_int_equal(create(w, "feth1"), 0);
	/* A blocking read on a destroyed interface: woken by the detach. */
	t0 = sim_now_us(w->sim);
	assert_int_equal(destroy(w, "feth0"), 0);
	assert_int_equal(w->s->read(w->s->ctx, blk, buf, sizeof(buf)), -ENXIO);
	assert_int_equal(sim_now_us(w->sim) - t0, 30000);
	/* poll with a timeout past the due time. */
	assert_int_equal(bpf_setif(w, rx, "feth1"), 0);
	assert_false(readable(rx));
	assert_int_equal(destroy(w, "feth1"), 0);
	{
		struct pollfd p = {.fd = rx, .events = POLLIN};

		t0 = sim_now_us(w->sim);
		assert_int_equal(w->s->poll(w->s->ctx, &p, 1, 0), 0);
		assert_int_equal(w->s->poll(w->s->ctx, &p, 1, 100), 1);
		assert_int_equal(sim_now_us(w->sim) - t0, 30000);
	}
	w->s->close(w->s->ctx, blk);
	w->s->close(w->s->ctx, rx);
}

/*
 * NDRV hears of a detach through the PF_NDRV protocol attached to the detaching interface
 * (ndrv_event, ndrv.c@11417:345-356; dlil.c@11417:3724-3805) and then kills every socket whose
 * interface has the same family and unit, whatever its name (ndrv.c@11417:906-943, 914): an
 * en1 unplugged kills a socket bound to feth1, which lives on. The close-time cleanup uses the
 * same match to decide whether PF_NDRV leaves an interface (ndrv.c@11417:614-637, 628).
 */
static void test_ndrv_killed_by_family_and_unit(void **state)
{
	struct w *w = W(state);
	uint8_t f[60];
	int a, b, c, d;

	frame_of(f, sizeof(f), 1);
	pair_up(w);
	assert_int_equal(create(w, "feth2"), 0);
	assert_int_equal(create(w, "feth3"), 0);
	up(w, "feth2");
	up(w, "feth3");
	assert_int_equal(sim_if_add_other(w->sim, "en1", true), 0);
	assert_int_equal(sim_if_add_other(w->sim, "en2", true), 0);
	assert_int_equal(sim_if_add_other(w->sim, "en3", true), 0);
	assert_int_equal(sim_if_add_other(w->sim, "lo1", false), 0);
	/* Someone has an NDRV socket on en1: en1 going away kills ours on feth1. */
	a = ndrv_on(w, "feth1", 0);
	assert_int_equal(sim_ndrv_bind_external(w->sim, "en1"), 0);
	assert_int_equal(sim_ndrv_bind_external(w->sim, "en9"), -EADDRNOTAVAIL);
	assert_int_equal(sim_if_detach_other(w->sim, "lo1"), 0); /* another family */
	assert_int_equal(ndrv_send(w, a, f, 60), 60);
	assert_int_equal(sim_if_detach_other(w->sim, "en1"), 0);
	assert_int_equal(ndrv_send(w, a, f, 60), -EPIPE);
	assert_string_equal(state_of(w, "feth1").name, "feth1");
	/* Nobody's NDRV on en2: its detach reaches no NDRV code at all. */
	b = ndrv_on(w, "feth2", 0);
	assert_false(state_of(w, "en2").ndrv_attached);
	assert_int_equal(sim_if_detach_other(w->sim, "en2"), 0);
	assert_int_equal(ndrv_send(w, b, f, 60), 60);
	/* Closing a socket on en3 while one on feth3 exists leaves PF_NDRV on en3 (same family
	 * and unit), so en3's detach still kills the feth3 one. */
	c = ndrv_on(w, "en3", 0);
	d = ndrv_on(w, "feth3", 0);
	assert_int_equal(w->s->close(w->s->ctx, c), 0);
	assert_true(state_of(w, "en3").ndrv_attached);
	assert_int_equal(sim_if_detach_other(w->sim, "en3"), 0);
	assert_int_equal(ndrv_send(w, d, f, 60), -EPIPE);
	/* The last socket of a family and unit closed, PF_NDRV leaves its interface. */
	assert_true(state_of(w, "feth2").ndrv_attached);
	assert_int_equal(w->s->close(w->s->ctx, b), 0);
	assert_false(state_of(w, "feth2").ndrv_attached);
	assert_int_equal(sim_if_detach_other(w->sim, "feth2"), -EINVAL);
	assert_int_equal(sim_if_detach_other(w->sim, "en9"), -ENXIO);
	w->s->close(w->s->ctx, a);
	w->s->close(w->s->ctx, d);
}

/* The creation-time sysctls exist from the macOS that brought them (SYSCTL_* lines of
 * if_fake.c in xnu-4570.71.2, -7195.141.2, -8792.41.9, -10002.1.13), default to the safe
 * values, are root-only to write, and only trailer_length (<= 28) and max_mtu check a range
 * (if_fake.c@11417:146-207, 284-308, 351-373). */
static void test_fake_sysctls(void **state)
{
	struct w *w = W(state);
	static const char *const names[] = {
	    "net.link.fake.bsd_mode", "net.link.fake.txstart",        "net.link.fake.hwcsum",
	    "net.link.fake.fcs",      "net.link.fake.trailer_length", "net.link.fake.tso_support",
	    "net.link.fake.lro"};
	static const int32_t defaults[] = {1, 1, 0, 0, 0, 0, 0};

	for (size_t i = 0; i < 7; i++)
		assert_int_equal(fake_get(w, names[i]), defaults[i]);
	assert_int_equal(fake_set(w, "net.link.fake.trailer_length", 28), 0);
	assert_int_equal(fake_set(w, "net.link.fake.trailer_length", 29), -EINVAL);
	assert_int_equal(fake_set(w, "net.link.fake.trailer_length", -1), -EINVAL);
	assert_int_equal(fake_get(w, "net.link.fake.trailer_length"), 28);
	assert_int_equal(fake_set(w, "net.link.fake.fcs", 7), 0); /* SYSCTL_INT: any value */
	assert_int_equal(fake_get(w, "net.link.fake.fcs"), 7);
	{
		int16_t small = 0;
		size_t len = sizeof(small);

		/* A SYSCTL_INT with a short buffer: ENOMEM (kern_newsysctl.c@11417:1636-1660). */
		assert_int_equal(
		    w->s->sysctlbyname(w->s->ctx, "net.link.fake.fcs", &small, &len, NULL, 0),
		    -ENOMEM);
		assert_int_equal(fake_set(w, "net.link.fake.fcs", 0), 0);
	}
	sim_set_root(w->sim, false);
	assert_int_equal(fake_set(w, "net.link.fake.hwcsum", 1), -EPERM);
	assert_int_equal(fake_get(w, "net.link.fake.hwcsum"), 0);
	sim_set_root(w->sim, true);
	sim_set_macos(w->sim, 13, 6);
	assert_int_equal(fake_get(w, "net.link.fake.tso_support"), 0);
	assert_int_equal(fake_set(w, "net.link.fake.lro", 1), -ENOENT);
	sim_set_macos(w->sim, 10, 15);
	assert_int_equal(fake_set(w, "net.link.fake.fcs", 1), -ENOENT);
	assert_int_equal(fake_get(w, "net.link.fake.txstart"), 1);
	/* What someone else sets (no seam call) is what the seam reads. */
	sim_set_macos(w->sim, 15, 0);
	assert_int_equal(sim_set_fake_sysctl(w->sim, "net.link.fake.lro", 1), 0);
	assert_int_equal(sim_set_fake_sysctl(w->sim, "net.link.fake.trailer_length", 40), -EINVAL);
	assert_int_equal(sim_set_fake_sysctl(w->sim, "net.link.fake.nope", 1), -ENOENT);
	assert_int_equal(fake_get(w, "net.link.fake.lro"), 1);
	assert_int_equal(sim_fake_sysctl(w->sim, "net.link.fake.lro"), 1);
	assert_int_equal(create(w, "feth0"), 0);
	assert_true(state_of(w, "feth0").lro);
	assert_false(state_of(w, "feth0").hwcsum);
	/* vlan_tagging, the sysctl macOS 15 added (default 1), is how the library tells 15 from
	 * the kernels that wedge on frames over 16 KiB (darwin-notes.md F6.6, F8.2). */
	assert_int_equal(fake_get(w, "net.link.fake.vlan_tagging"), 1);
	sim_set_macos(w->sim, 14, 6);
	assert_int_equal(fake_set(w, "net.link.fake.vlan_tagging", 0), -ENOENT);
}

/* bsd_mode 0 makes a Skywalk native netif, whose BSD output goes nowhere without a channel
 * (if_fake.c@11417:1505-1515, 2276-2295); txstart 0 the legacy feth_output, called without
 * the IFF_UP check of the start model (if_fake.c@11417:3576-3580; dlil.c@11417:3364-3374). */
static void test_fake_bsd_mode_and_txstart(void **state)
{
	struct w *w = W(state);
	uint8_t f[60];
	int rx, fd;

	frame_of(f, sizeof(f), 1);
	assert_int_equal(fake_set(w, "net.link.fake.bsd_mode", 0), 0);
	pair_up(w);
	assert_int_equal(fake_set(w, "net.link.fake.bsd_mode", 1), 0);
	assert_false(state_of(w, "feth1").bsd_mode);
	rx = tap_on(w, "feth0");
	fd = ndrv_on(w, "feth1", 0);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(sim_host_send(w->sim, "feth1", f, 60), 0);
	assert_int_equal(tapped_count(w, rx), 0);
	w->s->close(w->s->ctx, fd);
	w->s->close(w->s->ctx, rx);
	pair_down(w);

	assert_int_equal(fake_set(w, "net.link.fake.txstart", 0), 0);
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(set_peer(w, "feth0", "feth1"), 0);
	rx = tap_on(w, "feth0");
	fd = ndrv_on(w, "feth1", 0);
	/* feth1 is down: sent all the same. */
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(sim_host_send(w->sim, "feth1", f, 60), 0);
	assert_int_equal(tapped_count(w, rx), 2);
	/* bpfwrite's own IFF_UP check stays (bpf.c@11417:1647-1649). */
	{
		int wr = writer_on(w, "feth1", false);

		assert_int_equal(bpf_write(w, wr, f, 60), -ENETDOWN);
		w->s->close(w->s->ctx, wr);
	}
	assert_int_equal(drv_stall(w, "feth1", 1), -ENXIO);
	w->s->close(w->s->ctx, fd);
	w->s->close(w->s->ctx, rx);
}

/* IEEE CRC-32, bit by bit. */
static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c & 1u) ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

/* fcs / trailer_length: the trailer ("trailer..." cut to its length) and a CRC-32 follow each
 * frame before the peer's BPF sees it (if_fake.c@11417:3727-3770, 3785-3790); the sender's BPF
 * sees them from macOS 15 on, not before (@10063:3488-3495); the host stack has the FCS
 * stripped (ether_if_module.c@11417:481-489). */
static void test_fake_fcs_and_trailer(void **state)
{
	struct w *w = W(state);
	uint8_t f[60], out[256], got[256], want[80];
	size_t lens[4];
	int rx, own, fd;
	uint32_t crc;

	assert_int_equal(crc32_of((const uint8_t *)"123456789", 9), 0xcbf43926u);
	frame_of(f, sizeof(f), 1);
	to_host(f, "feth0");
	memcpy(want, f, 60);
	memcpy(want + 60, "traile", 6);
	crc = crc32_of(want, 66);
	for (int k = 0; k < 4; k++)
		want[66 + k] = (uint8_t)(crc >> (8 * k));
	for (int round = 0; round < 2; round++) {
		if (round == 1) {
			sim_set_macos(w->sim, 14, 6);
			pair_down(w);
		}
		assert_int_equal(fake_set(w, "net.link.fake.fcs", 1), 0);
		assert_int_equal(fake_set(w, "net.link.fake.trailer_length", 6), 0);
		assert_int_equal(create(w, "feth1"), 0);
		assert_int_equal(fake_set(w, "net.link.fake.fcs", 0), 0);
		assert_int_equal(fake_set(w, "net.link.fake.trailer_length", 0), 0);
		assert_int_equal(create(w, "feth0"), 0);
		assert_int_equal(set_peer(w, "feth0", "feth1"), 0);
		up(w, "feth0");
		up(w, "feth1");
		assert_true(state_of(w, "feth1").fcs);
		assert_int_equal(state_of(w, "feth1").trailer_len, 6);
		rx = tap_on(w, "feth0");
		own = tap_on(w, "feth1");
		fd = ndrv_on(w, "feth1", 0);
		assert_int_equal(ndrv_send(w, fd, f, 60), 60);
		assert_int_equal(tapped(w, rx, out, sizeof(out), lens, 4), 1);
		assert_int_equal(lens[0], 70);
		assert_memory_equal(out, want, 70);
		assert_int_equal(tapped(w, own, out, sizeof(out), lens, 4), 1);
		assert_int_equal(lens[0], round == 0 ? 70 : 60);
		assert_memory_equal(out, want, lens[0]);
		assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 66);
		assert_memory_equal(got, want, 66);
		/* The other side was created without: nothing added to what it sends. */
		assert_int_equal(sim_host_send(w->sim, "feth0", f, 60), 0);
		assert_int_equal(tapped(w, own, out, sizeof(out), lens, 4), 1);
		assert_int_equal(lens[0], 60);
		w->s->close(w->s->ctx, fd);
		w->s->close(w->s->ctx, own);
		w->s->close(w->s->ctx, rx);
	}
}

/* The maximum MTU is read at creation (if_fake.c@11417:3561): a write by someone else between
 * a caller's sysctl and its create decides it. */
static void test_fake_max_mtu_race(void **state)
{
	struct w *w = W(state);

	assert_int_equal(sysctl_set(w, 9000), 0);
	assert_int_equal(sim_race_fake_sysctl(w->sim, DARWIN_FETH_SYSCTL_MAX_MTU, 2048), 0);
	assert_int_equal(sysctl_get(w), 9000);
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(state_of(w, "feth0").max_mtu, 2048);
	assert_int_equal(set_mtu(w, "feth0", 9000), -EINVAL);
	assert_int_equal(sysctl_get(w), 2048);
	assert_int_equal(create(w, "feth1"), 0);
	assert_int_equal(state_of(w, "feth1").max_mtu, 2048);
	assert_int_equal(sim_race_fake_sysctl(w->sim, DARWIN_FETH_SYSCTL_MAX_MTU, 100), -EINVAL);
	sim_set_macos(w->sim, 10, 14);
	assert_int_equal(sim_race_fake_sysctl(w->sim, DARWIN_FETH_SYSCTL_MAX_MTU, 9000), -ENOENT);
}

/* An address added to a down feth makes it UP and RUNNING, IPv4 and IPv6 alike
 * (ether_inet_pr_module.c@11417:341-344; ether_inet6_pr_module.c@11417:234-237;
 * if_fake.c@11417:4238-4249). */
static void test_address_brings_feth_up_and_running(void **state)
{
	struct w *w = W(state);
	static const uint8_t a6[16] = {0xfd, 0x77, [15] = 1};
	struct darwin_ifaliasreq ifra;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	memset(&ifra, 0, sizeof(ifra));
	strcpy(ifra.ifra_name, "feth0");
	sin_put(&ifra.ifra_addr, 10, 9, 0, 1);
	sin_put(&ifra.ifra_mask, 255, 255, 255, 0);
	assert_int_equal(ioc(w, DARWIN_SIOCAIFADDR, &ifra), 0);
	assert_int_equal(state_of(w, "feth0").flags, 0x8843);
	assert_int_equal(ip6_call(w, DARWIN_SIOCAIFADDR_IN6, "feth1", a6, 64, 28), 0);
	assert_int_equal(state_of(w, "feth1").flags, 0x8843);
}

/* The host stack drops a unicast frame for another MAC address: ether_demux marks it
 * M_PROMISC by comparing addresses only (ether_if_module.c@11417:462-479), and dlil_input
 * frees it unless a VLAN or bond protocol takes it (dlil_input.c@11417:1017-1030), IFF_PROMISC
 * or not. The peer's BPF sees it all the same (feth_output_common taps first). */
static void test_host_drops_foreign_unicast(void **state)
{
	struct w *w = W(state);
	uint8_t f[60], got[64];
	struct darwin_ifreq ifr;
	int rx, fd;

	pair_up(w);
	rx = tap_on(w, "feth0");
	fd = ndrv_on(w, "feth1", 0);
	frame_of(f, sizeof(f), 2);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60); /* 02:03:...: unicast, not feth0's */
	memset(f, 0xff, 6);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60); /* broadcast */
	memcpy(f, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60); /* multicast */
	to_host(f, "feth0");
	assert_int_equal(ndrv_send(w, fd, f, 60), 60); /* to feth0 */
	assert_int_equal(tapped_count(w, rx), 4);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 60);
	assert_memory_equal(got, f, 60);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), -EAGAIN);
	assert_int_equal(state_of(w, "feth0").host_filtered, 1);
	/* Promiscuous changes nothing for the stack. */
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "feth0");
	ifr.ifr_ifru.ifru_flags = (int16_t)(0x8843 | 0x100);
	assert_int_equal(ioc(w, DARWIN_SIOCSIFFLAGS, &ifr), 0);
	frame_of(f, sizeof(f), 2);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), -EAGAIN);
	/* After SIOCSIFLLADDR, the new address is the host's. */
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "feth0");
	ifr.ifr_ifru.ifru_addr.sa_len = 6;
	memcpy(ifr.ifr_ifru.ifru_addr.sa_data, f, 6);
	assert_int_equal(ioc(w, DARWIN_SIOCSIFLLADDR, &ifr), 0);
	assert_int_equal(ndrv_send(w, fd, f, 60), 60);
	assert_int_equal(sim_host_recv(w->sim, "feth0", got, sizeof(got)), 60);
	w->s->close(w->s->ctx, fd);
	w->s->close(w->s->ctx, rx);
}

/* IPv6 prefix masks: sin6_len 0 or over 28 is EINVAL, and so is a length of 0 (in6_update_ifa,
 * in6.c@11417:2453-2467); the mask is read up to sin6_len only (in6_mask2len,
 * in6.c@11417:409-448). */
static void test_ipv6_prefix_mask_rules(void **state)
{
	struct w *w = W(state);
	static const uint8_t a[16] = {0xfd, 0x77, [15] = 1};
	struct darwin_in6_aliasreq ifra;

	assert_int_equal(create(w, "feth0"), 0);
	memset(&ifra, 0, sizeof(ifra));
	strcpy(ifra.ifra_name, "feth0");
	ifra.ifra_addr.sin6_len = sizeof(struct darwin_sockaddr_in6);
	ifra.ifra_addr.sin6_family = DARWIN_AF_INET6;
	memcpy(ifra.ifra_addr.sin6_addr, a, 16);
	memset(ifra.ifra_prefixmask.sin6_addr, 0xff, 8);
	ifra.ifra_prefixmask.sin6_len = 0;
	assert_int_equal(w->s->ioctl(w->s->ctx, w->fd6, DARWIN_SIOCAIFADDR_IN6, &ifra), -EINVAL);
	ifra.ifra_prefixmask.sin6_len = 29;
	assert_int_equal(w->s->ioctl(w->s->ctx, w->fd6, DARWIN_SIOCAIFADDR_IN6, &ifra), -EINVAL);
	ifra.ifra_prefixmask.sin6_len = 28;
	memset(ifra.ifra_prefixmask.sin6_addr, 0, 16);
	assert_int_equal(w->s->ioctl(w->s->ctx, w->fd6, DARWIN_SIOCAIFADDR_IN6, &ifra), -EINVAL);
	assert_int_equal(state_of(w, "feth0").n_ipv6, 0);
	/* sin6_len 12: the first 4 mask bytes count, the rest is not looked at. */
	memset(ifra.ifra_prefixmask.sin6_addr, 0xff, 4);
	ifra.ifra_prefixmask.sin6_addr[9] = 0x42;
	ifra.ifra_prefixmask.sin6_len = 12;
	assert_int_equal(w->s->ioctl(w->s->ctx, w->fd6, DARWIN_SIOCAIFADDR_IN6, &ifra), 0);
	assert_int_equal(state_of(w, "feth0").ipv6_prefix[0], 32);
}

/* Smaller rules. On macOS <= 13 a single BPF write is EIO past MCLBYTES or under a header
 * before it is EMSGSIZE past the MTU (bpf.c@8796.141.3:368-372, 1480-1486); a batch record
 * longer than the data left is EMSGSIZE (bpf.c@11417:466-470); SO_SNDBUF's cap is 7456540
 * bytes up to macOS 14.3 (uipc_socket2.c@8796.141.3 sbreserve; socketvar.h@10002.1.13:190,
 * 360). */
static void test_small_rules(void **state)
{
	struct w *w = W(state);
	static uint8_t f[4000], buf[4096];
	int wr, fd;

	pair_up(w);
	wr = writer_on(w, "feth1", true);
	frame_of(f, sizeof(f), 1);
	{
		size_t len = put_record(buf, 0, f, 60, 60);
		uint32_t caplen = 100;

		len = put_record(buf, len, f, 60, 60);
		memcpy(buf + 80 + 8, &caplen, 4);
		memcpy(buf + 80 + 12, &caplen, 4);
		assert_int_equal(bpf_write(w, wr, buf, len), -EMSGSIZE);
	}
	w->s->close(w->s->ctx, wr);
	sim_set_macos(w->sim, 13, 6);
	wr = writer_on(w, "feth1", false);
	assert_int_equal(bpf_write(w, wr, f, 3000), -EIO); /* over the MTU too: EIO first */
	assert_int_equal(bpf_write(w, wr, f, 13), -EIO);
	assert_int_equal(bpf_write(w, wr, f, 1515), -EMSGSIZE);
	assert_int_equal(bpf_write(w, wr, f, 1514), 1514);
	w->s->close(w->s->ctx, wr);
	fd = ndrv_socket(w);
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, 7456540), 0);
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, 7456541), -ENOBUFS);
	sim_set_macos(w->sim, 14, 3);
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, 7456541), -ENOBUFS);
	sim_set_macos(w->sim, 14, 4);
	assert_int_equal(setopt(w, fd, DARWIN_SO_SNDBUF, 7456541), 0);
	w->s->close(w->s->ctx, fd);
}

/* A destroyed feth's ifnet is kept for the next interface of the same unique id, its name
 * (dlil_if_acquire, dlil_ctl.c@11417:44-110; if_fake.c@11417:3565-3570, 3620-3621), and keeps
 * its index: a new one is given only to an ifnet without (dlil.c@11417:4987-5011). */
static void test_ifnet_reuse_keeps_index(void **state)
{
	struct w *w = W(state);
	uint16_t i0, i1;
	uint8_t buf[512];
	int32_t len, links = 0;
	struct darwin_sockaddr_dl sdl;

	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(create(w, "feth1"), 0);
	i0 = state_of(w, "feth0").index;
	i1 = state_of(w, "feth1").index;
	assert_int_not_equal(i0, i1);
	assert_int_equal(destroy(w, "feth0"), 0);
	assert_int_equal(sim_run_detacher(w->sim), 1);
	assert_int_equal(create(w, "feth2"), 0);
	assert_true(state_of(w, "feth2").index > i1);
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(state_of(w, "feth0").index, i0);
	/* SIOCGIFCONF's link-level address says so too. */
	assert_int_equal(ifconf(w, buf, sizeof(buf), &len), 0);
	for (int32_t off = 0; off < len;) {
		memcpy(&sdl, buf + off + 16, sizeof(sdl));
		if (strcmp((char *)buf + off, "feth0") == 0 && sdl.sdl_family == DARWIN_AF_LINK) {
			assert_int_equal(sdl.sdl_index, i0);
			links++;
		}
		off += buf[off + 16] <= 16 ? 32 : 16 + buf[off + 16];
	}
	assert_int_equal(links, 1);
}

/* ---- files, the random helper ------------------------------------------------------------- */

static void test_files(void **state)
{
	struct w *w = W(state);
	char dir[] = "/tmp/feth-sim-dir-XXXXXX", path[64], names[64];
	struct feth__stat st, st2;
	struct stat hst;
	int fd, n;

	assert_non_null(mkdtemp(dir));
	/* An empty directory lists nothing. */
	assert_int_equal(w->s->list_dir(w->s->ctx, dir, names, sizeof(names)), 0);
	snprintf(path, sizeof(path), "%s/a", dir);
	fd = w->s->open(w->s->ctx, path, O_RDWR | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	assert_int_equal(w->s->write(w->s->ctx, fd, "hello", 5), 5);
	/* fstat and lstat: the host's values. */
	assert_int_equal(w->s->fstat(w->s->ctx, fd, &st), 0);
	assert_int_equal(stat(path, &hst), 0);
	assert_true(S_ISREG(st.mode));
	assert_int_equal(st.mode, hst.st_mode);
	assert_int_equal(st.uid, hst.st_uid);
	assert_int_equal(st.size, 5);
	assert_int_equal(st.dev, (uint64_t)hst.st_dev);
	assert_int_equal(st.ino, (uint64_t)hst.st_ino);
	assert_int_equal(w->s->lstat(w->s->ctx, path, &st2), 0);
	assert_memory_equal(&st, &st2, sizeof(st));
	/* A symlink is reported as one. */
	snprintf(path, sizeof(path), "%s/bb", dir);
	assert_int_equal(symlink("a", path), 0);
	assert_int_equal(w->s->lstat(w->s->ctx, path, &st2), 0);
	assert_true(S_ISLNK(st2.mode));
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(w->s->lstat(w->s->ctx, path, &st2), -ENOENT);
	/* fstat is for files: not sockets, not closed descriptors. */
	assert_int_equal(w->s->fstat(w->s->ctx, w->fd4, &st2), -EBADF);
	assert_int_equal(w->s->close(w->s->ctx, fd), 0);
	assert_int_equal(w->s->fstat(w->s->ctx, fd, &st2), -EBADF);
	/* list_dir: every name but . and .., NUL-terminated; ENOSPC when they do not fit. */
	n = w->s->list_dir(w->s->ctx, dir, names, sizeof(names));
	assert_int_equal(n, 2);
	assert_true((strcmp(names, "a") == 0 && strcmp(names + 2, "bb") == 0) ||
	            (strcmp(names, "bb") == 0 && strcmp(names + 3, "a") == 0));
	assert_int_equal(w->s->list_dir(w->s->ctx, dir, names, 5), 2);
	assert_int_equal(w->s->list_dir(w->s->ctx, dir, names, 4), -ENOSPC);
	assert_int_equal(w->s->list_dir(w->s->ctx, path, names, sizeof(names)), -ENOENT);
	/* rmdir: only an empty directory. */
	assert_int_equal(w->s->rmdir(w->s->ctx, dir), -ENOTEMPTY);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(w->s->unlink(w->s->ctx, path), 0);
	snprintf(path, sizeof(path), "%s/bb", dir);
	assert_int_equal(w->s->unlink(w->s->ctx, path), 0);
	assert_int_equal(w->s->rmdir(w->s->ctx, dir), 0);
	assert_int_equal(w->s->rmdir(w->s->ctx, dir), -ENOENT);
	assert_int_equal(sim_calls_of(w->sim, SIM_CALL_RMDIR), 3);
	assert_int_equal(sim_calls_of(w->sim, SIM_CALL_LSTAT), 3);
	assert_int_equal(sim_calls_of(w->sim, SIM_CALL_FSTAT), 3);
	assert_int_equal(sim_calls_of(w->sim, SIM_CALL_LIST_DIR), 5);
	/* Faulted like every call, without any effect. */
	sim_fail_kind(w->sim, SIM_CALL_LIST_DIR, EIO, 1);
	assert_int_equal(w->s->list_dir(w->s->ctx, "/", names, sizeof(names)), -EIO);
	sim_fail_kind(w->sim, SIM_CALL_LSTAT, EACCES, 1);
	assert_int_equal(w->s->lstat(w->s->ctx, "/", &st), -EACCES);
	assert_int_equal(w->s->lstat(w->s->ctx, "/", &st), 0);
	assert_true(S_ISDIR(st.mode));
	assert_int_equal(sim_open_fds(w->sim), 2);
}

static void test_random_is_deterministic(void **state)
{
	struct w *w = W(state);
	struct sim *other = sim_new();
	const struct feth__sys *o;
	unsigned long before = sim_calls(w->sim);
	uint8_t a[37], b[37], c[37];

	assert_non_null(other);
	o = sim_sys(other);
	/* The same bytes in every world; different bytes from one call to the next. */
	w->s->random(w->s->ctx, a, sizeof(a));
	o->random(o->ctx, b, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
	w->s->random(w->s->ctx, c, sizeof(c));
	assert_memory_not_equal(a, c, sizeof(a));
	w->s->random(w->s->ctx, c, 0);
	/* Not a fallible call: neither counted nor faulted. */
	sim_fail_nth(w->sim, 1, EIO);
	w->s->random(w->s->ctx, c, sizeof(c));
	assert_int_equal(sim_calls(w->sim), before);
	sim_fail_clear(w->sim);
	assert_null(o->netns_self);
	assert_null(o->netns_alive);
	sim_free(other);
}

/* ---- interface descriptions (SIOCSIFDESC, SIOCGIFDESC) ------------------------------------- */

static int desc_call(struct w *w, int fd, unsigned long req, const char *name, uint32_t len,
                     const void *desc, struct darwin_if_descreq *out)
{
	struct darwin_if_descreq local;

	if (!out)
		out = &local;
	memset(out, 0, sizeof(*out));
	snprintf(out->ifdr_name, sizeof(out->ifdr_name), "%s", name);
	out->ifdr_len = len;
	if (desc)
		memcpy(out->ifdr_desc, desc, len < DARWIN_IF_DESCSIZE ? len : DARWIN_IF_DESCSIZE);
	return w->s->ioctl(w->s->ctx, fd, req, out);
}

/* ifioctl_ifdesc (if.c@11417:1958-2003), the interface looked up by ifdr_name
 * (if.c@11417:3551-3556); the description wiped by ifnet_detach_final (dlil.c@11417:5977-5981). */
static void test_if_desc(void **state)
{
	struct w *w = W(state);
	struct darwin_if_descreq r;
	uint8_t bin[128], zero[128] = {0};
	char buf[200];
	int nd;

	assert_int_equal(create(w, "feth0"), 0);
	/* None at first. */
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCGIFDESC, "feth0", 77, NULL, &r), 0);
	assert_int_equal(r.ifdr_len, 0);
	assert_memory_equal(r.ifdr_desc, zero, sizeof(zero));
	assert_int_equal(sim_if_desc(w->sim, "feth0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Set and read back, on any socket: the bytes past the length come back zeroed. */
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCSIFDESC, "feth0", 5, "hello", NULL), 0);
	memset(&r, 0xee, sizeof(r));
	memcpy(r.ifdr_name, "feth0", 6);
	assert_int_equal(w->s->ioctl(w->s->ctx, w->fd6, DARWIN_SIOCGIFDESC, &r), 0);
	assert_int_equal(r.ifdr_len, 5);
	assert_memory_equal(r.ifdr_desc, "hello", 5);
	assert_memory_equal(r.ifdr_desc + 5, zero, sizeof(r.ifdr_desc) - 5);
	assert_string_equal(r.ifdr_name, "feth0");
	assert_int_equal(sim_if_desc(w->sim, "feth0", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(sim_if_desc(w->sim, "feth0", buf, 3), 5); /* truncated */
	assert_string_equal(buf, "he");
	nd = w->s->socket(w->s->ctx, DARWIN_AF_NDRV, DARWIN_SOCK_RAW, 0);
	assert_true(nd >= 0);
	/* "feth00" designates feth0, as ifunit() reads names. */
	assert_int_equal(desc_call(w, nd, DARWIN_SIOCGIFDESC, "feth00", 0, NULL, &r), 0);
	assert_int_equal(r.ifdr_len, 5);
	w->s->close(w->s->ctx, nd);
	/* A shorter one replaces it whole; 128 opaque bytes at most. */
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCSIFDESC, "feth0", 2, "hi", NULL), 0);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCGIFDESC, "feth0", 0, NULL, &r), 0);
	assert_int_equal(r.ifdr_len, 2);
	assert_memory_equal(r.ifdr_desc, "hi\0\0\0", 5);
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i * 7);
	bin[3] = 0;
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCSIFDESC, "feth0", 128, bin, NULL), 0);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCGIFDESC, "feth0", 0, NULL, &r), 0);
	assert_int_equal(r.ifdr_len, 128);
	assert_memory_equal(r.ifdr_desc, bin, sizeof(bin));
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCSIFDESC, "feth0", 129, bin, NULL),
	                 -EINVAL);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCGIFDESC, "feth0", 0, NULL, &r), 0);
	assert_int_equal(r.ifdr_len, 128);
	/* Length 0 clears it. */
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCSIFDESC, "feth0", 0, NULL, NULL), 0);
	assert_int_equal(sim_if_desc(w->sim, "feth0", buf, sizeof(buf)), 0);
	/* Root to set, nobody to get; the interface is looked up first. */
	sim_set_root(w->sim, false);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCSIFDESC, "feth0", 1, "x", NULL), -EPERM);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCSIFDESC, "feth9", 1, "x", NULL), -ENXIO);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCGIFDESC, "feth0", 0, NULL, NULL), 0);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCGIFDESC, "feth9", 0, NULL, NULL), -ENXIO);
	sim_set_root(w->sim, true);
	/* Other interfaces have one too. */
	assert_int_equal(sim_if_add_other(w->sim, "en0", true), 0);
	assert_int_equal(sim_if_set_desc(w->sim, "en0", "uplink"), 0);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCGIFDESC, "en0", 0, NULL, &r), 0);
	assert_int_equal(r.ifdr_len, 6);
	assert_memory_equal(r.ifdr_desc, "uplink", 6);
	/* The operator's way: no seam call, no root check. */
	{
		unsigned long before = sim_calls(w->sim);
		char longer[130];

		sim_set_root(w->sim, false);
		assert_int_equal(sim_if_set_desc(w->sim, "feth0", "ours"), 0);
		sim_set_root(w->sim, true);
		memset(longer, 'x', sizeof(longer) - 1);
		longer[sizeof(longer) - 1] = '\0';
		assert_int_equal(sim_if_set_desc(w->sim, "feth0", longer), -EINVAL);
		longer[128] = '\0';
		assert_int_equal(sim_if_set_desc(w->sim, "feth9", longer), -ENXIO);
		assert_int_equal(sim_calls(w->sim), before);
		assert_int_equal(sim_if_desc(w->sim, "feth0", buf, sizeof(buf)), 4);
		assert_string_equal(buf, "ours");
		assert_int_equal(sim_if_desc(w->sim, "feth9", buf, sizeof(buf)), -ENXIO);
	}
	/* Destroyed: gone with its name at once; the detacher wipes it, so the same ifnet (its
	 * index kept) comes back to a re-created feth0 without it. */
	assert_int_equal(destroy(w, "feth0"), 0);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCGIFDESC, "feth0", 0, NULL, NULL), -ENXIO);
	assert_int_equal(sim_if_desc(w->sim, "feth0", buf, sizeof(buf)), -ENXIO);
	assert_int_equal(sim_run_detacher(w->sim), 1);
	assert_int_equal(create(w, "feth0"), 0);
	assert_int_equal(desc_call(w, w->fd4, DARWIN_SIOCGIFDESC, "feth0", 0, NULL, &r), 0);
	assert_int_equal(r.ifdr_len, 0);
	assert_memory_equal(r.ifdr_desc, zero, sizeof(zero));
	assert_int_equal(sim_if_desc(w->sim, "feth0", buf, sizeof(buf)), 0);
	assert_int_equal(sim_ioctl_calls(w->sim, DARWIN_SIOCSIFDESC), 7);
}

/* ---- process death --------------------------------------------------------------------------- */

static jmp_buf crash_env;
/* Hooks run: static, as what a longjmp skips over must not live in a register. */
static int crashes;

/* What a crash sweep's hook does: the process is gone, no code of it runs any more. */
static void crash_hook(void *arg)
{
	(*(int *)arg)++;
	longjmp(crash_env, 1);
}

/*
 * The process dies right after a seam call: the call had its full effect, the hook ran with
 * the world's lock released, and what the process held stays held until the kernel closes it
 * (sim_kill_process): here a flock() on a file, released once its descriptors are closed.
 */
static void test_crash_after_open_of_locked_file(void **state)
{
	struct w *w = W(state);
	char path[] = "/tmp/feth-sim-lock-XXXXXX";
	int tmp = mkstemp(path), fd, other;
	struct feth__proc_id id;

	assert_true(tmp >= 0);
	close(tmp);
	crashes = 0;
	sim_set_pid(w->sim, 500);
	fd = w->s->open(w->s->ctx, path, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(w->s->flock(w->s->ctx, fd, LOCK_EX | LOCK_NB), 0);
	/* It dies after its next call, an open: the open happened, its result lost. */
	sim_set_crash(w->sim, 1, crash_hook, &crashes);
	if (setjmp(crash_env) == 0) {
		(void)w->s->open(w->s->ctx, path, O_RDONLY, 0);
		fail_msg("the crash hook did not run");
	}
	assert_int_equal(crashes, 1);
	assert_int_equal(sim_open_fds(w->sim), 4); /* the two control sockets, two files */
	/* Another process finds the file locked, the world's lock free. */
	sim_set_pid(w->sim, 501);
	other = w->s->open(w->s->ctx, path, O_RDWR, 0);
	assert_true(other >= 0);
	assert_int_equal(w->s->flock(w->s->ctx, other, LOCK_EX | LOCK_NB), -EWOULDBLOCK);
	assert_int_equal(w->s->proc_id(w->s->ctx, 500, &id), 0);
	/* The kernel closes what 500 had open: the lock is free, 500 is no more. */
	sim_kill_process(w->sim, 500);
	assert_int_equal(sim_open_fds(w->sim), 3);
	assert_int_equal(w->s->flock(w->s->ctx, other, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(w->s->proc_id(w->s->ctx, 500, &id), -ESRCH);
	assert_int_equal(w->s->proc_id(w->s->ctx, 0, &id), 0);
	assert_int_equal(id.start, START_OF(501));
	/* One shot. */
	assert_int_equal(w->s->close(w->s->ctx, other), 0);
	assert_int_equal(crashes, 1);
	assert_int_equal(sim_open_fds(w->sim), 2);
	assert_int_equal(unlink(path), 0);
}

static void test_crash_counting(void **state)
{
	struct w *w = W(state);
	volatile int step = 0;
	uint8_t b[8];

	crashes = 0;
	/* The Nth fallible call: the helpers do not count; the call has its full effect. */
	sim_set_crash(w->sim, 2, crash_hook, &crashes);
	if (setjmp(crash_env) == 0) {
		(void)w->s->getpid(w->s->ctx);
		(void)w->s->time_now(w->s->ctx);
		w->s->sleep_us(w->s->ctx, 1);
		w->s->random(w->s->ctx, b, sizeof(b));
		assert_int_equal(create(w, "feth0"), 0);
		step = 1;
		(void)create(w, "feth1");
		step = 2;
	}
	assert_int_equal(step, 1);
	assert_int_equal(crashes, 1);
	assert_int_equal(sim_if_count(w->sim), 2);
	/* A call that fails (injected) is a call made all the same. */
	sim_fail_nth(w->sim, 1, EIO);
	sim_set_crash(w->sim, 1, crash_hook, &crashes);
	if (setjmp(crash_env) == 0) {
		(void)create(w, "feth2");
		step = 3;
	}
	assert_int_equal(step, 1);
	assert_int_equal(crashes, 2);
	assert_int_equal(sim_if_count(w->sim), 2);
	/* poll: after the wait. */
	sim_set_crash(w->sim, 1, crash_hook, &crashes);
	if (setjmp(crash_env) == 0) {
		(void)w->s->poll(w->s->ctx, NULL, 0, 0);
		step = 4;
	}
	assert_int_equal(step, 1);
	assert_int_equal(crashes, 3);
	assert_int_equal(sim_calls_of(w->sim, SIM_CALL_POLL), 1);
	/* n = 0 cancels. */
	sim_set_crash(w->sim, 1, crash_hook, &crashes);
	sim_set_crash(w->sim, 0, NULL, NULL);
	assert_int_equal(destroy(w, "feth1"), 0);
	assert_int_equal(crashes, 3);
}

/* What the kernel closes for a dead process: its descriptors only, with a close()'s effects
 * (a BPF device detached from its interface, PF_NDRV leaving the interface); interfaces stay. */
static void test_kill_process_closes_its_descriptors(void **state)
{
	struct w *w = W(state);
	int bpf, nd, mine;
	struct feth__proc_id id;

	assert_int_equal(create(w, "feth0"), 0);
	sim_set_pid(w->sim, 600);
	bpf = bpf_open(w, 0, 0);
	assert_true(bpf >= 0);
	assert_int_equal(bpf_setif(w, bpf, "feth0"), 0);
	nd = ndrv_socket(w);
	assert_true(nd >= 0);
	assert_int_equal(ndrv_bind(w, nd, "feth0"), 0);
	assert_int_equal(bpf_open(w, 1, 0) >= 0, 1);
	assert_int_equal(w->s->socket(w->s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0) >= 0, 1);
	{
		int p[2];

		assert_int_equal(w->s->pipe(w->s->ctx, p), 0);
	}
	sim_set_pid(w->sim, 601);
	mine = w->s->socket(w->s->ctx, DARWIN_AF_INET, DARWIN_SOCK_DGRAM, 0);
	assert_true(mine >= 0);
	assert_int_equal(sim_open_fds(w->sim), 9);
	assert_int_equal(sim_bpf_listeners(w->sim, "feth0"), 1);
	assert_true(state_of(w, "feth0").ndrv_attached);
	sim_kill_process(w->sim, 600);
	assert_int_equal(sim_open_fds(w->sim), 3);
	assert_int_equal(sim_bpf_listeners(w->sim, "feth0"), 0);
	assert_false(state_of(w, "feth0").ndrv_attached);
	assert_int_equal(sim_if_count(w->sim), 1);
	assert_int_equal(w->s->proc_id(w->s->ctx, 600, &id), -ESRCH);
	/* Its descriptors are gone for the survivors too; /dev/bpf0 can be opened again. */
	assert_int_equal(w->s->close(w->s->ctx, nd), -EBADF);
	bpf = bpf_open(w, 0, 0);
	assert_true(bpf >= 0);
	/* The caller dying (pid 0): the control sockets, 4242's, stay. */
	sim_kill_process(w->sim, 0);
	assert_int_equal(sim_open_fds(w->sim), 2);
	assert_int_equal(w->s->proc_id(w->s->ctx, 601, &id), -ESRCH);
	/* The next process is another pid; a pid reused is alive again, started later. */
	sim_set_pid_start(w->sim, 600, START_OF(600) + 1);
	assert_int_equal(w->s->proc_id(w->s->ctx, 600, &id), 0);
	assert_int_equal(id.start, START_OF(600) + 1);
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
	    cmocka_unit_test_setup_teardown(test_copy_wedge_up_to_macos14, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_copy_no_wedge, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_send_queue_stall_and_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_send_queue_injected_results, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_batch_last_error_wins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bpf_batch_skips_stay_in_their_iovec, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_destroy_detaches_bpf_later, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_destroy_detacher_runs_in_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ndrv_killed_by_family_and_unit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fake_sysctls, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fake_bsd_mode_and_txstart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fake_fcs_and_trailer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fake_max_mtu_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_address_brings_feth_up_and_running, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_host_drops_foreign_unicast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ipv6_prefix_mask_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_small_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ifnet_reuse_keeps_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_is_deterministic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_if_desc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_after_open_of_locked_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_counting, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kill_process_closes_its_descriptors, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
