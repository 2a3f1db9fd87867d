/* SPDX-License-Identifier: MIT */
/* Interface control through the public API, over the simulated Darwin kernel. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "darwin/abi.h"
#include "testenv.h"

#define T(state) ((struct testenv *)*(state))

static void state_of(struct testenv *t, const char *name, struct sim_if_state *st)
{
	assert_int_equal(sim_if_state(t->sim, name, st), 0);
}

/* ---- create ------------------------------------------------------------------------------- */

static void test_create_explicit_unit(void **state)
{
	struct testenv *t = T(state);
	struct sim_if_state st;
	char name[FETH_IFNAMSIZ] = "unchanged";
	static const uint8_t mac[6] = {0x66, 0x65, 0x74, 0x68, 0x01, 0x02}; /* feth258 */

	assert_int_equal(feth_if_create("feth258", name, sizeof(name)), 0);
	assert_string_equal(name, "feth258");
	state_of(t, "feth258", &st);
	assert_memory_equal(st.mac, mac, 6);
	assert_int_equal(st.flags, 0x8802);
	assert_int_equal(st.mtu, 1500);
	assert_string_equal(st.peer, "");
	/* NULL ret_name is fine with an explicit unit. */
	assert_int_equal(feth_if_create("feth7", NULL, 0), 0);
	assert_int_equal(sim_if_count(t->sim), 2);
}

static void test_create_wildcard_writes_name_back(void **state)
{
	struct testenv *t = T(state);
	char a[FETH_IFNAMSIZ], b[FETH_IFNAMSIZ];

	assert_int_equal(sim_if_create_external(t->sim, "feth0"), 0);
	assert_int_equal(feth_if_create("feth", a, sizeof(a)), 0);
	assert_string_equal(a, "feth1");
	assert_int_equal(feth_if_create("feth", b, sizeof(b)), 0);
	assert_string_equal(b, "feth2");
}

static void test_create_wildcard_needs_buffer(void **state)
{
	struct testenv *t = T(state);
	char small[8];

	assert_int_equal(feth_if_create("feth", NULL, 0), -EINVAL);
	assert_int_equal(feth_if_create("feth", small, sizeof(small)), -EINVAL);
	assert_int_equal(feth_if_create("feth3", small, sizeof(small)), -EINVAL);
	assert_int_equal(sim_calls(t->sim), 0);
	assert_int_equal(sim_if_count(t->sim), 0);
}

static void test_create_existing_is_eexist(void **state)
{
	struct testenv *t = T(state);
	char reg[512];

	assert_int_equal(feth_if_create("feth4", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth4", NULL, 0), -EEXIST);
	assert_int_equal(sim_if_count(t->sim), 1);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "feth4 o 4242\n");
}

static void test_bad_names_refused_without_syscalls(void **state)
{
	struct testenv *t = T(state);
	static const char *const invalid[] = {"en0",    "feth",    "feth01", "feth7x",
	                                      "FETH1",  "",        "fet",    "feth-1",
	                                      "feth 1", "bridge0", "feth+1", "feth00"};
	uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	struct feth_mtu m;
	char peer[FETH_IFNAMSIZ];

	for (size_t i = 0; i < FETH_ARRAY_SIZE(invalid); i++) {
		const char *n = invalid[i];

		if (strcmp(n, "feth") != 0) /* "feth" is the wildcard for create */
			assert_int_equal(feth_if_create(n, NULL, 0), -EINVAL);
		assert_int_equal(feth_if_destroy(n), -EINVAL);
		assert_int_equal(feth_if_set_mtu(n, 1500), -EINVAL);
		assert_int_equal(feth_if_get_mtu(n, &m), -EINVAL);
		assert_int_equal(feth_if_set_mac(n, mac), -EINVAL);
		assert_int_equal(feth_if_set_up(n, 1), -EINVAL);
		assert_int_equal(feth_if_get_peer(n, peer, sizeof(peer)), -EINVAL);
		assert_int_equal(feth_if_set_peer("feth1", n), -EINVAL);
		assert_int_equal(feth_if_clear_peer(n), -EINVAL);
	}
	assert_int_equal(feth_if_create("feth32768", NULL, 0), -ERANGE);
	assert_int_equal(feth_if_create("feth99999999999", NULL, 0), -ERANGE);
	assert_int_equal(feth_if_destroy("feth40000"), -ERANGE);
	assert_int_equal(feth_if_create("feth1234567890123", NULL, 0), -ENAMETOOLONG);
	assert_int_equal(feth_if_create("feth000000000001", NULL, 0), -ENAMETOOLONG);
	assert_int_equal(sim_calls(t->sim), 0);
}

static void test_largest_unit(void **state)
{
	char name[FETH_IFNAMSIZ];

	(void)state;
	assert_int_equal(feth_if_create("feth32767", name, sizeof(name)), 0);
	assert_string_equal(name, "feth32767");
	assert_int_equal(feth_if_destroy("feth32767"), 0);
}

static void test_null_pointers(void **state)
{
	struct testenv *t = T(state);
	uint8_t a4[4] = {10, 0, 0, 1};

	assert_int_equal(feth_if_create(NULL, NULL, 0), -EINVAL);
	assert_int_equal(feth_if_destroy(NULL), -EINVAL);
	assert_int_equal(feth_if_set_peer(NULL, "feth1"), -EINVAL);
	assert_int_equal(feth_if_set_peer("feth1", NULL), -EINVAL);
	assert_int_equal(feth_if_get_peer("feth1", NULL, 16), -EINVAL);
	assert_int_equal(feth_if_get_mtu("feth1", NULL), -EINVAL);
	assert_int_equal(feth_if_set_mac("feth1", NULL), -EINVAL);
	assert_int_equal(feth_if_get_flags("feth1", NULL), -EINVAL);
	assert_int_equal(feth_if_add_ipv4("feth1", NULL, 24), -EINVAL);
	assert_int_equal(feth_if_add_ipv4(NULL, a4, 24), -EINVAL);
	assert_int_equal(feth_if_del_ipv6("feth1", NULL), -EINVAL);
	assert_int_equal(feth_if_list(NULL, 1), -EINVAL);
	assert_int_equal(feth_pair_create(NULL, NULL), -EINVAL);
	assert_int_equal(sim_calls(t->sim), 0);
}

static void test_create_retries_busy_unit(void **state)
{
	struct testenv *t = T(state);
	uint64_t before;

	assert_int_equal(feth_if_create("feth3", NULL, 0), 0);
	assert_int_equal(feth_if_destroy("feth3"), 0);
	before = sim_now_us(t->sim);
	/* Teardown takes 30 ms here: the create waits it out in 10 ms steps. */
	assert_int_equal(feth_if_create("feth3", NULL, 0), 0);
	assert_true(sim_now_us(t->sim) - before >= 30000);
	assert_true(sim_ioctl_calls(t->sim, DARWIN_SIOCIFCREATE) >= 3);
}

static void test_create_busy_gives_up(void **state)
{
	struct testenv *t = T(state);

	sim_set_teardown_us(t->sim, 60ull * 1000 * 1000);
	assert_int_equal(feth_if_create("feth3", NULL, 0), 0);
	assert_int_equal(feth_if_destroy("feth3"), 0);
	assert_int_equal(feth_if_create("feth3", NULL, 0), -EBUSY);
	/* The first try and 600 retries 10 ms apart, as xnu's own test helper does. */
	assert_int_equal(sim_ioctl_calls(t->sim, DARWIN_SIOCIFCREATE), 1 + 1 + 600);
	assert_int_equal(sim_if_count(t->sim), 0);
}

/* ---- destroy -------------------------------------------------------------------------------- */

static void test_destroy(void **state)
{
	struct testenv *t = T(state);
	char reg[512];

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_destroy("feth1"), 0);
	assert_int_equal(sim_if_count(t->sim), 0);
	testenv_registry_text(t, reg, sizeof(reg));
	assert_string_equal(reg, "");
	assert_int_equal(feth_if_destroy("feth1"), -ENXIO);
}

static void test_destroy_unpeers_survivor(void **state)
{
	struct testenv *t = T(state);
	char peer[FETH_IFNAMSIZ];

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth2", NULL, 0), 0);
	assert_int_equal(feth_if_set_peer("feth1", "feth2"), 0);
	assert_int_equal(feth_if_destroy("feth2"), 0);
	assert_int_equal(feth_if_get_peer("feth1", peer, sizeof(peer)), 0);
	assert_string_equal(peer, "");
	assert_int_equal(sim_peer_count(t->sim), 0);
	/* The survivor can be peered again. */
	assert_int_equal(feth_if_create("feth3", NULL, 0), 0);
	assert_int_equal(feth_if_set_peer("feth3", "feth1"), 0);
}

static void test_destroy_foreign_feth_allowed(void **state)
{
	struct testenv *t = T(state);

	/* Explicit destroy works on any feth; only cleanup is restricted to our own. */
	assert_int_equal(sim_if_create_external(t->sim, "feth9"), 0);
	assert_int_equal(feth_if_destroy("feth9"), 0);
	assert_int_equal(sim_if_count(t->sim), 0);
}

/* ---- peering -------------------------------------------------------------------------------- */

static void test_peer_get_clear(void **state)
{
	struct testenv *t = T(state);
	char peer[FETH_IFNAMSIZ];

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth5001", NULL, 0), 0);
	assert_int_equal(feth_if_get_peer("feth1", peer, sizeof(peer)), 0);
	assert_string_equal(peer, "");
	assert_int_equal(feth_if_set_peer("feth1", "feth5001"), 0);
	assert_int_equal(feth_if_get_peer("feth1", peer, sizeof(peer)), 1);
	assert_string_equal(peer, "feth5001");
	assert_int_equal(feth_if_get_peer("feth5001", peer, sizeof(peer)), 1);
	assert_string_equal(peer, "feth1");
	assert_int_equal(sim_peer_count(t->sim), 1);
	assert_int_equal(feth_if_clear_peer("feth5001"), 0);
	assert_int_equal(sim_peer_count(t->sim), 0);
	assert_int_equal(feth_if_get_peer("feth1", peer, sizeof(peer)), 0);
	/* Unpeering what is not peered succeeds, as the kernel does. */
	assert_int_equal(feth_if_clear_peer("feth1"), 0);
}

static void test_peer_errors(void **state)
{
	struct testenv *t = T(state);
	unsigned long calls;
	char small[4];

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth2", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth3", NULL, 0), 0);
	calls = sim_calls(t->sim);
	/* Self-peering: the kernel would accept it; the library refuses before any call. */
	assert_int_equal(feth_if_set_peer("feth1", "feth1"), -EINVAL);
	assert_int_equal(feth_if_get_peer("feth1", small, sizeof(small)), -EINVAL);
	assert_int_equal(sim_calls(t->sim), calls);
	assert_int_equal(feth_if_set_peer("feth1", "feth99"), -ENXIO);
	assert_int_equal(feth_if_set_peer("feth99", "feth1"), -ENXIO);
	assert_int_equal(feth_if_get_peer("feth99", small, 16), -ENXIO);
	assert_int_equal(feth_if_set_peer("feth1", "feth2"), 0);
	/* Re-peering is not idempotent, and a peered side cannot take a second peer. */
	assert_int_equal(feth_if_set_peer("feth1", "feth2"), -EBUSY);
	assert_int_equal(feth_if_set_peer("feth2", "feth1"), -EBUSY);
	assert_int_equal(feth_if_set_peer("feth3", "feth1"), -EBUSY);
	assert_int_equal(feth_if_set_peer("feth1", "feth3"), -EBUSY);
	assert_int_equal(sim_peer_count(t->sim), 1);
}

static void test_peer_sends_zeroed_request(void **state)
{
	struct testenv *t = T(state);

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth2", NULL, 0), 0);
	/* The simulator refuses non-zero reserved words and ifd_len < 160 with EINVAL (as
	 * if_fake.c does), so a success proves the request was well formed. */
	assert_int_equal(feth_if_set_peer("feth2", "feth1"), 0);
	assert_int_equal(sim_ioctl_calls(t->sim, DARWIN_SIOCSDRVSPEC), 1);
}

/* ---- MTU, MAC, flags ------------------------------------------------------------------------ */

static void test_mtu(void **state)
{
	struct testenv *t = T(state);
	struct feth_mtu m;
	struct sim_if_state st;
	unsigned long calls;

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_get_mtu("feth1", &m), 0);
	assert_int_equal(m.current, 1500);
	assert_int_equal(m.min, 72);
	assert_int_equal(m.max, 2048); /* net.link.fake.max_mtu default, frozen at creation */
	assert_int_equal(feth_if_set_mtu("feth1", 2048), 0);
	assert_int_equal(feth_if_set_mtu("feth1", 72), 0);
	assert_int_equal(feth_if_set_mtu("feth1", 1001), 0); /* odd values are fine */
	state_of(t, "feth1", &st);
	assert_int_equal(st.mtu, 1001);
	assert_int_equal(feth_if_set_mtu("feth1", 2049), -EINVAL); /* the kernel says so */
	calls = sim_calls(t->sim);
	assert_int_equal(feth_if_set_mtu("feth1", 71), -EINVAL); /* we say so */
	assert_int_equal(feth_if_set_mtu("feth1", 16371), -EINVAL);
	assert_int_equal(feth_if_set_mtu("feth1", 0), -EINVAL);
	assert_int_equal(feth_if_set_mtu("feth1", UINT32_MAX), -EINVAL);
	assert_int_equal(sim_calls(t->sim), calls);
	assert_int_equal(feth_if_set_mtu("feth2", 1500), -ENXIO);
	assert_int_equal(feth_if_get_mtu("feth2", &m), -ENXIO);
}

static void test_mac(void **state)
{
	struct testenv *t = T(state);
	static const uint8_t good[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	static const uint8_t multicast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[6];
	/* The address the kernel gives feth258 (darwin-notes.md F2.2). */
	static const uint8_t kernel[6] = {0x66, 0x65, 0x74, 0x68, 0x01, 0x02};
	struct sim_if_state st;
	uint8_t got[6];

	assert_int_equal(feth_if_create("feth258", NULL, 0), 0);
	assert_int_equal(feth_if_get_mac("feth258", got), 0);
	assert_memory_equal(got, kernel, 6);
	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_set_mac("feth1", good), 0);
	state_of(t, "feth1", &st);
	assert_memory_equal(st.mac, good, 6);
	/* Read back from the interface's link-level address (SIOCGIFCONF), not remembered. */
	assert_int_equal(feth_if_get_mac("feth1", got), 0);
	assert_memory_equal(got, good, 6);
	assert_int_equal(feth_if_get_mac("feth1", NULL), -EINVAL);
	assert_int_equal(feth_if_get_mac("feth2", got), -ENXIO);
	assert_int_equal(feth_if_get_mac("en0", got), -EINVAL);
	assert_int_equal(feth_if_set_mac("feth1", multicast), -EINVAL);
	assert_int_equal(feth_if_set_mac("feth1", bcast), -EINVAL);
	assert_int_equal(feth_if_set_mac("feth1", zero), -EINVAL);
	state_of(t, "feth1", &st);
	assert_memory_equal(st.mac, good, 6);
	assert_int_equal(feth_if_set_mac("feth2", good), -ENXIO);
}

static void test_up_down(void **state)
{
	struct testenv *t = T(state);
	struct sim_if_state st;
	uint32_t flags = 99;

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_get_flags("feth1", &flags), 0);
	assert_int_equal(flags, 0);
	assert_int_equal(feth_if_set_up("feth1", 1), 0);
	state_of(t, "feth1", &st);
	assert_int_equal(st.flags, 0x8843);
	assert_int_equal(feth_if_get_flags("feth1", &flags), 0);
	assert_int_equal(flags, FETH_IF_UP | FETH_IF_RUNNING);
	assert_int_equal(feth_if_set_up("feth1", 1), 0); /* idempotent */
	assert_int_equal(feth_if_set_up("feth1", 0), 0);
	state_of(t, "feth1", &st);
	assert_int_equal(st.flags, 0x8802);
	assert_int_equal(feth_if_set_up("feth2", 1), -ENXIO);
	assert_int_equal(feth_if_get_flags("feth2", &flags), -ENXIO);
}

/* ---- addresses ------------------------------------------------------------------------------ */

static void test_ipv4(void **state)
{
	struct testenv *t = T(state);
	static const uint8_t a[4] = {10, 77, 0, 1}, b[4] = {192, 168, 9, 9};
	static const uint8_t zero[4], mcast[4] = {224, 0, 0, 1}, bc[4] = {255, 255, 255, 255};
	struct sim_if_state st;
	unsigned long calls;

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_add_ipv4("feth1", a, 24), 0);
	assert_int_equal(feth_if_add_ipv4("feth1", b, 32), 0);
	state_of(t, "feth1", &st);
	assert_int_equal(st.n_ipv4, 2);
	assert_memory_equal(st.ipv4[0], a, 4);
	assert_int_equal(st.ipv4_prefix[0], 24);
	assert_int_equal(st.ipv4_prefix[1], 32);
	calls = sim_calls(t->sim);
	assert_int_equal(feth_if_add_ipv4("feth1", a, 0), -EINVAL);
	assert_int_equal(feth_if_add_ipv4("feth1", a, 33), -EINVAL);
	assert_int_equal(feth_if_add_ipv4("feth1", zero, 24), -EINVAL);
	assert_int_equal(feth_if_add_ipv4("feth1", mcast, 24), -EINVAL);
	assert_int_equal(feth_if_add_ipv4("feth1", bc, 24), -EINVAL);
	assert_int_equal(sim_calls(t->sim), calls);
	assert_int_equal(feth_if_del_ipv4("feth1", a), 0);
	assert_int_equal(feth_if_del_ipv4("feth1", a), -EADDRNOTAVAIL);
	state_of(t, "feth1", &st);
	assert_int_equal(st.n_ipv4, 1);
	assert_memory_equal(st.ipv4[0], b, 4);
	assert_int_equal(feth_if_add_ipv4("feth2", a, 24), -ENXIO);
}

static void test_ipv6(void **state)
{
	struct testenv *t = T(state);
	static const uint8_t a[16] = {0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t zero[16], mc[16] = {0xff, 0x02, [15] = 1};
	struct sim_if_state st;

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_add_ipv6("feth1", a, 64), 0);
	state_of(t, "feth1", &st);
	assert_int_equal(st.n_ipv6, 1);
	assert_memory_equal(st.ipv6[0], a, 16);
	assert_int_equal(st.ipv6_prefix[0], 64);
	assert_int_equal(feth_if_add_ipv6("feth1", a, 0), -EINVAL);
	assert_int_equal(feth_if_add_ipv6("feth1", a, 129), -EINVAL);
	assert_int_equal(feth_if_add_ipv6("feth1", zero, 64), -EINVAL);
	assert_int_equal(feth_if_add_ipv6("feth1", mc, 64), -EINVAL);
	assert_int_equal(feth_if_del_ipv6("feth1", a), 0);
	assert_int_equal(feth_if_del_ipv6("feth1", a), -EADDRNOTAVAIL);
	state_of(t, "feth1", &st);
	assert_int_equal(st.n_ipv6, 0);
}

/* ---- privilege, platform, version ------------------------------------------------------------ */

static void test_not_root(void **state)
{
	struct testenv *t = T(state);
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 9}, a[4] = {10, 0, 0, 1};
	struct feth_mtu m;
	char peer[FETH_IFNAMSIZ];
	uint32_t flags;

	assert_int_equal(feth_if_create("feth1", NULL, 0), 0);
	assert_int_equal(feth_if_create("feth2", NULL, 0), 0);
	sim_set_root(t->sim, false);
	assert_int_equal(feth_if_create("feth3", NULL, 0), -EPERM);
	assert_int_equal(feth_if_set_peer("feth1", "feth2"), -EPERM);
	assert_int_equal(feth_if_set_mtu("feth1", 1400), -EPERM);
	assert_int_equal(feth_if_set_mac("feth1", mac), -EPERM);
	assert_int_equal(feth_if_set_up("feth1", 1), -EPERM);
	assert_int_equal(feth_if_add_ipv4("feth1", a, 24), -EPERM);
	assert_int_equal(feth_if_destroy("feth1"), -EPERM);
	/* Reading needs no privilege. */
	assert_int_equal(feth_if_get_mtu("feth1", &m), 0);
	assert_int_equal(feth_if_get_peer("feth1", peer, sizeof(peer)), 0);
	assert_int_equal(feth_if_get_flags("feth1", &flags), 0);
	assert_int_equal(sim_if_count(t->sim), 2);
}

static void test_unsupported_platform(void **state)
{
	struct testenv *t = T(state);
	struct feth__env env = t->env;
	struct feth_if_entry e[2];
	struct feth_pair p;
	static const uint8_t a[4] = {10, 0, 0, 1};

	env.be = &feth__backend_unsupported;
	feth__env_set(&env);
	assert_int_equal(feth_if_create("feth1", NULL, 0), -EOPNOTSUPP);
	assert_int_equal(feth_if_set_peer("feth1", "feth2"), -EOPNOTSUPP);
	assert_int_equal(feth_if_destroy("feth1"), -EOPNOTSUPP);
	assert_int_equal(feth_if_add_ipv4("feth1", a, 24), -EOPNOTSUPP);
	assert_int_equal(feth_if_list(e, 2), -EOPNOTSUPP);
	assert_int_equal(feth_if_cleanup_orphans(), -EOPNOTSUPP);
	assert_int_equal(feth_pair_create(NULL, &p), -EOPNOTSUPP);
	/* Bad input still says so first. */
	assert_int_equal(feth_if_create(NULL, NULL, 0), -EINVAL);
	assert_int_equal(sim_calls(t->sim), 0);
	feth__env_set(&t->env);
}

static void test_version(void **state)
{
	char expect[32];

	(void)state;
	assert_int_equal(feth_version(), (FETH_VERSION_MAJOR << 16) | (FETH_VERSION_MINOR << 8) |
	                                     FETH_VERSION_PATCH);
	snprintf(expect, sizeof(expect), "%d.%d.%d", FETH_VERSION_MAJOR, FETH_VERSION_MINOR,
	         FETH_VERSION_PATCH);
	assert_string_equal(feth_version_string(), expect);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, testenv_setup, testenv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_create_explicit_unit),
	    TEST(test_create_wildcard_writes_name_back),
	    TEST(test_create_wildcard_needs_buffer),
	    TEST(test_create_existing_is_eexist),
	    TEST(test_bad_names_refused_without_syscalls),
	    TEST(test_largest_unit),
	    TEST(test_null_pointers),
	    TEST(test_create_retries_busy_unit),
	    TEST(test_create_busy_gives_up),
	    TEST(test_destroy),
	    TEST(test_destroy_unpeers_survivor),
	    TEST(test_destroy_foreign_feth_allowed),
	    TEST(test_peer_get_clear),
	    TEST(test_peer_errors),
	    TEST(test_peer_sends_zeroed_request),
	    TEST(test_mtu),
	    TEST(test_mac),
	    TEST(test_up_down),
	    TEST(test_ipv4),
	    TEST(test_ipv6),
	    TEST(test_not_root),
	    TEST(test_unsupported_platform),
	    TEST(test_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
