/* SPDX-License-Identifier: MIT */
/*
 * The Linux backend's interface control against the real kernel, in a network namespace of
 * its own (unshare(CLONE_NEWNET) at start; skipped, exit 77, without root). Every result is
 * checked through an independent path: ioctls, getifaddrs(3) and /sys, never the library.
 */
#define _GNU_SOURCE /* unshare */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "internal.h"

struct lenv {
	char dir[64];
	struct feth__env env;
};

static int setup(void **state)
{
	struct lenv *l = calloc(1, sizeof(*l));

	if (!l)
		return -1;
	strcpy(l->dir, "/tmp/feth-linux-XXXXXX");
	if (!mkdtemp(l->dir)) {
		free(l);
		return -1;
	}
	l->env.be = &feth__backend_linux;
	l->env.sys = &feth__sys_real;
	l->env.registry_dir = l->dir;
	l->env.registry_per_netns = 1;
	feth__env_set(&l->env);
	*state = l;
	return 0;
}

/* Removes every interface of the namespace but lo, and the registry. */
static int teardown(void **state)
{
	struct lenv *l = *state;
	char cmd[128];

	feth__env_set(NULL);
	/* Whatever a failed test left, removed without the library. */
	{
		struct if_nameindex *ni = if_nameindex(), *p;

		for (p = ni; p && p->if_index; p++) {
			if (strncmp(p->if_name, "feth", 4) == 0) {
				snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null",
				         p->if_name);
				if (system(cmd) != 0)
					continue; /* gone with its peer already */
			}
		}
		if_freenameindex(ni);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", l->dir);
	if (system(cmd) != 0)
		return -1;
	free(l);
	return 0;
}

/* ---- independent reads ---------------------------------------------------------------------- */

static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	r = ioctl(fd, req, ifr);
	close(fd);
	return r;
}

static int exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

static int mtu_of(const char *name)
{
	struct ifreq ifr;

	assert_int_equal(ifreq_ioctl(name, SIOCGIFMTU, &ifr), 0);
	return ifr.ifr_mtu;
}

static void mac_of(const char *name, uint8_t mac[6])
{
	struct ifreq ifr;

	assert_int_equal(ifreq_ioctl(name, SIOCGIFHWADDR, &ifr), 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

static int is_up(const char *name)
{
	struct ifreq ifr;

	assert_int_equal(ifreq_ioctl(name, SIOCGIFFLAGS, &ifr), 0);
	return (ifr.ifr_flags & IFF_UP) != 0;
}

/* The peer's index, from /sys/class/net/NAME/iflink. */
static unsigned iflink_of(const char *name)
{
	char path[96];
	unsigned v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/iflink", name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%u", &v), 1);
	fclose(f);
	return v;
}

/* 1 if name carries the address with that prefix (family AF_INET or AF_INET6). */
static int has_addr(const char *name, int family, const uint8_t *addr, int prefix)
{
	struct ifaddrs *ifa, *p;
	int found = 0;

	assert_int_equal(getifaddrs(&ifa), 0);
	for (p = ifa; p; p = p->ifa_next) {
		const uint8_t *a, *m;
		size_t len = family == AF_INET ? 4 : 16;
		int bits = 0;

		if (!p->ifa_addr || p->ifa_addr->sa_family != family || strcmp(p->ifa_name, name))
			continue;
		a = family == AF_INET
		        ? (const uint8_t *)&((struct sockaddr_in *)p->ifa_addr)->sin_addr
		        : ((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr.s6_addr;
		m = family == AF_INET
		        ? (const uint8_t *)&((struct sockaddr_in *)p->ifa_netmask)->sin_addr
		        : ((struct sockaddr_in6 *)p->ifa_netmask)->sin6_addr.s6_addr;
		for (size_t i = 0; i < len; i++)
			bits += __builtin_popcount(m[i]);
		if (memcmp(a, addr, len) == 0 && bits == prefix)
			found = 1;
	}
	freeifaddrs(ifa);
	return found;
}

static void registry_text(const struct lenv *l, char *buf, size_t len)
{
	char path[160];
	struct stat st;
	FILE *f;
	size_t n;

	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	snprintf(path, sizeof(path), "%s/net-%llu/owned", l->dir, (unsigned long long)st.st_ino);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* ---- tests ------------------------------------------------------------------------------------
 */

static void test_pair_defaults(void **state)
{
	struct lenv *l = *state;
	struct feth_pair p;
	uint8_t a[6], b[6];
	char reg[512], line[64];

	assert_int_equal(feth_pair_create(NULL, &p), 0);
	assert_string_equal(p.host_name, "feth0");
	assert_string_equal(p.io_name, "feth1");
	assert_true(exists("feth0") && exists("feth1"));
	assert_int_equal(iflink_of("feth0"), if_nametoindex("feth1"));
	assert_int_equal(iflink_of("feth1"), if_nametoindex("feth0"));
	assert_true(is_up("feth0") && is_up("feth1"));
	assert_int_equal(mtu_of("feth0"), 1500);
	mac_of("feth0", a);
	mac_of("feth1", b);
	assert_memory_not_equal(a, b, 6);
	/* Both recorded, in this namespace's registry. */
	registry_text(l, reg, sizeof(reg));
	snprintf(line, sizeof(line), "feth0 %d ", (int)getpid());
	assert_non_null(strstr(reg, line));
	snprintf(line, sizeof(line), "feth1 %d ", (int)getpid());
	assert_non_null(strstr(reg, line));
	/* Destroying one side destroys both (a veth dies with its peer), records included. */
	assert_int_equal(feth_if_destroy("feth1"), 0);
	assert_false(exists("feth0") || exists("feth1"));
	registry_text(l, reg, sizeof(reg));
	assert_string_equal(reg, "");
	assert_int_equal(feth_if_destroy("feth1"), -ENXIO);
}

static void test_pair_options(void **state)
{
	struct feth_pair_opts o = {.sz = sizeof(o), .mtu = 9000, .host_mac = {2, 0x77, 0, 0, 0, 8}};
	struct feth_pair p;
	uint8_t m[6], want_io[6] = {2, 0x77, 0, 0, 0, 9};
	struct feth_mtu mt;
	char peer[FETH_IFNAMSIZ];
	uint32_t flags;

	(void)state;
	snprintf(o.host_name, sizeof(o.host_name), "feth20");
	assert_int_equal(feth_pair_create(&o, &p), 0);
	assert_string_equal(p.host_name, "feth20");
	assert_string_equal(p.io_name, "feth0");
	assert_int_equal(mtu_of("feth20"), 9000);
	assert_int_equal(mtu_of("feth0"), 9000);
	mac_of("feth20", m);
	assert_memory_equal(m, o.host_mac, 6);
	mac_of("feth0", m);
	assert_memory_equal(m, want_io, 6);
	/* The getters agree with the kernel. */
	assert_int_equal(feth_if_get_peer("feth20", peer, sizeof(peer)), 1);
	assert_string_equal(peer, "feth0");
	assert_int_equal(feth_if_get_mtu("feth0", &mt), 0);
	assert_int_equal(mt.current, 9000);
	assert_true(mt.min > 0 && mt.min <= 72 && mt.max >= 16370);
	assert_int_equal(feth_if_get_mac("feth0", m), 0);
	assert_memory_equal(m, want_io, 6);
	assert_int_equal(feth_if_get_flags("feth0", &flags), 0);
	assert_true(flags & FETH_IF_UP);
	/* Setters, read back independently. */
	assert_int_equal(feth_if_set_mtu("feth0", 1280), 0);
	assert_int_equal(mtu_of("feth0"), 1280);
	assert_int_equal(feth_if_set_mtu("feth0", 70000), -EINVAL);
	m[5] = 0x42;
	assert_int_equal(feth_if_set_mac("feth0", m), 0);
	mac_of("feth0", want_io);
	assert_memory_equal(m, want_io, 6);
	assert_int_equal(feth_if_set_up("feth0", 0), 0);
	assert_false(is_up("feth0"));
	assert_int_equal(feth_if_get_flags("feth20", &flags), 0);
	assert_false(flags & FETH_IF_RUNNING); /* no carrier while the peer is down */
	assert_int_equal(feth_if_set_up("feth0", 1), 0);
	assert_true(is_up("feth0"));
	assert_int_equal(feth_if_destroy("feth20"), 0);
}

static void test_addresses(void **state)
{
	static const uint8_t v4[4] = {10, 77, 0, 1};
	static const uint8_t v6[16] = {0xfd, 0x77, [15] = 1};
	struct feth_pair p;

	(void)state;
	assert_int_equal(feth_pair_create(NULL, &p), 0);
	assert_int_equal(feth_if_add_ipv4("feth0", v4, 24), 0);
	assert_true(has_addr("feth0", AF_INET, v4, 24));
	assert_int_equal(feth_if_add_ipv4("feth0", v4, 24), -EEXIST);
	assert_int_equal(feth_if_add_ipv6("feth0", v6, 64), 0);
	assert_true(has_addr("feth0", AF_INET6, v6, 64));
	assert_int_equal(feth_if_del_ipv6("feth0", v6), 0);
	assert_false(has_addr("feth0", AF_INET6, v6, 64));
	assert_int_equal(feth_if_del_ipv6("feth0", v6), -EADDRNOTAVAIL);
	assert_int_equal(feth_if_del_ipv4("feth0", v4), 0);
	assert_false(has_addr("feth0", AF_INET, v4, 24));
	assert_int_equal(feth_if_del_ipv4("feth0", v4), -EADDRNOTAVAIL);
	assert_int_equal(feth_if_add_ipv4("feth9", v4, 24), -ENXIO);
	assert_int_equal(feth_if_destroy("feth0"), 0);
}

/* list and cleanup: a pair recorded for a dead process goes; one made outside libfeth, a
 * living process's pair, and a non-veth interface named feth* stay. */
static void test_list_and_cleanup(void **state)
{
	struct lenv *l = *state;
	struct feth_if_entry e[8];
	struct feth_pair p;
	char h[FETH_IFNAMSIZ], io[FETH_IFNAMSIZ];
	char reg[512];
	int dummy;

	assert_int_equal(feth_pair_create(NULL, &p), 0); /* feth0, feth1: ours */
	assert_int_equal(feth__backend_linux.pair_create(&l->env, "feth5", "feth6", h, io), 0);
	dummy = system("ip link add feth9 type dummy 2>/dev/null") == 0; /* not a veth */
	assert_int_equal(feth_if_list(e, 8), 4);
	assert_string_equal(e[0].name, "feth0");
	assert_string_equal(e[3].name, "feth6");
	assert_true(e[0].flags & FETH_IF_ENTRY_OWNED);
	assert_false(e[2].flags & FETH_IF_ENTRY_OWNED);
	assert_int_equal(feth_if_destroy("feth9"), -ENXIO); /* the dummy is not ours to touch */
	/* A dead owner's pair: rewrite the records of feth0/feth1 to a pid that cannot exist. */
	registry_text(l, reg, sizeof(reg));
	{
		struct feth__reg_entry r0 = {.pid = 0x7ffffff0, .time = 1}, r1 = r0;

		feth__name_copy(r0.name, "feth0");
		feth__name_copy(r1.name, "feth1");
		assert_int_equal(feth__registry_put(&l->env, &r0), 0);
		assert_int_equal(feth__registry_put(&l->env, &r1), 0);
	}
	assert_int_equal(feth_pair_create(NULL, &p), 0); /* feth2, feth3: a living owner */
	assert_int_equal(feth_if_cleanup_orphans(), 1);  /* feth0 (feth1 went with it) */
	assert_false(exists("feth0") || exists("feth1"));
	assert_true(exists("feth2") && exists("feth3") && exists("feth5") && exists("feth6"));
	if (dummy)
		assert_true(exists("feth9"));
	registry_text(l, reg, sizeof(reg));
	assert_null(strstr(reg, "feth0 "));
	assert_null(strstr(reg, "feth1 "));
	assert_non_null(strstr(reg, "feth2 "));
	assert_int_equal(feth_if_destroy("feth2"), 0);
	assert_int_equal(feth_if_destroy("feth5"), 0);
}

static void test_linux_limits(void **state)
{
	struct feth_pair_opts o = {.sz = sizeof(o)};
	struct feth_pair p;
	char n[FETH_IFNAMSIZ];
	struct feth_if_entry e[4];

	(void)state;
	/* A veth exists only with its peer, and keeps it. */
	assert_int_equal(feth_if_create("feth1", NULL, 0), -EOPNOTSUPP);
	assert_int_equal(feth_if_create("feth", n, sizeof(n)), -EOPNOTSUPP);
	assert_int_equal(feth_pair_create(NULL, &p), 0);
	assert_int_equal(feth_if_set_peer("feth0", "feth1"), -EOPNOTSUPP);
	assert_int_equal(feth_if_clear_peer("feth0"), -EOPNOTSUPP);
	/* A named unit that exists: nothing new is made. */
	snprintf(o.io_name, sizeof(o.io_name), "feth1");
	assert_int_equal(feth_pair_create(&o, &p), -EEXIST);
	assert_int_equal(feth_if_list(e, 4), 2);
	assert_int_equal(feth_if_get_peer("en0", n, sizeof(n)), -EINVAL);
	assert_int_equal(feth_if_destroy("feth0"), 0);
	assert_int_equal(feth_if_list(e, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pair_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pair_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_and_cleanup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_linux_limits, setup, teardown),
	};

	/* A network namespace, and a mount namespace to see it in /sys. */
	if (geteuid() != 0 || unshare(CLONE_NEWNET | CLONE_NEWNS) != 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) != 0) {
		printf("SKIP: needs root and network namespaces (%s)\n",
		       geteuid() ? "not root" : strerror(errno));
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
