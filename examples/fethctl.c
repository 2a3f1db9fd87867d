/* SPDX-License-Identifier: MIT */
/*
 * fethctl: a small ifconfig for feth interfaces, written only against <feth/feth.h>.
 *
 *   fethctl create [fethN]          fethctl pair [--mtu N] [--no-up] [HOST [IO]]
 *   fethctl destroy fethN           fethctl peer fethN fethM | unpeer fethN
 *   fethctl mtu fethN [N]           fethctl lladdr fethN [xx:xx:xx:xx:xx:xx]
 *   fethctl up|down fethN           fethctl addr add|del fethN ADDRESS[/PREFIX]
 *   fethctl list                    fethctl cleanup
 *
 * Exit status: 0 success, 1 the operation failed, 2 bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <feth/feth.h>

#include "hints.h"
#include "stdio_fds.h"

#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: fethctl COMMAND [ARGS]\n"
    "\n"
    "Controls feth fake-Ethernet interfaces through libfeth (no ifconfig involved).\n"
    "Commands that change anything need root.\n"
    "\n"
    "  create [fethN]                 create fethN, or the lowest free unit; print its name\n"
    "  pair [--mtu N] [--no-up] [HOST [IO]]\n"
    "                                 create two peered interfaces, up, with different MACs\n"
    "                                 (HOST, IO: fethN, or feth for the lowest free unit)\n"
    "  destroy fethN                  destroy an interface (its peer survives, unpeered)\n"
    "  peer fethN fethM               peer two interfaces\n"
    "  unpeer fethN                   unpeer an interface\n"
    "  peer-of fethN                  print the peer's name (nothing if not peered)\n"
    "  mtu fethN [N]                  print, or set, the MTU\n"
    "  lladdr fethN [xx:xx:xx:xx:xx:xx]\n"
    "                                 print, or set, the Ethernet address\n"
    "  up fethN | down fethN          bring an interface up or down\n"
    "  addr add|del fethN ADDR[/LEN]  add or remove an IPv4 or IPv6 address\n"
    "  list                           list feth interfaces; 'owned' marks libfeth's\n"
    "  cleanup                        destroy libfeth's interfaces whose process is gone\n"
    "  --version                      print the library version\n"
    "  --help                         print this text\n";

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "fethctl: %s\n\n", why);
	fputs(usage_text, why ? stderr : stdout);
	return why ? EXIT_USAGE : 0;
}

/* Prints a libfeth error with a hint about what to do. */
static int fail(const char *what, const char *name, int err)
{
	int named = name && *name;
	/* Where interfaces exist only in pairs (Linux veth), one alone cannot be made or peered. */
	int pairs_only =
	    err == -EOPNOTSUPP && (strcmp(what, "create") == 0 || strcmp(what, "peer") == 0 ||
	                           strcmp(what, "unpeer") == 0);

	fprintf(stderr, "fethctl: %s%s%s: %s%s\n", what, named ? " " : "", named ? name : "",
	        strerror(-err),
	        pairs_only ? " (here interfaces come in pairs: use 'fethctl pair')"
	                   : feth_example_hint(err));
	return EXIT_FAILURE;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* An MTU any feth could have; what one interface accepts the library says. */
static int parse_mtu(const char *s, uint32_t *out)
{
	return parse_u32(s, out) < 0 || *out < FETH_MTU_MIN || *out > FETH_MTU_MAX ? -1 : 0;
}

/* A unicast Ethernet address: not all zero, not multicast (nor broadcast). */
static int parse_mac(const char *s, uint8_t mac[FETH_MAC_LEN])
{
	unsigned v[FETH_MAC_LEN], any = 0;
	char extra;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	           &extra) != FETH_MAC_LEN)
		return -1;
	for (int i = 0; i < FETH_MAC_LEN; i++) {
		mac[i] = (uint8_t)v[i];
		any |= v[i];
	}
	return !any || (mac[0] & 1) ? -1 : 0;
}

static void print_mac(const uint8_t *m)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int cmd_addr(int argc, char **argv)
{
	char text[INET6_ADDRSTRLEN + 8];
	uint8_t a[16];
	uint32_t len = 0;
	char *slash;
	int add, r;

	if (argc != 3)
		return usage("addr needs: add|del fethN ADDRESS[/PREFIX]");
	if (strcmp(argv[0], "add") == 0)
		add = 1;
	else if (strcmp(argv[0], "del") == 0)
		add = 0;
	else
		return usage("addr needs add or del");
	if (strlen(argv[2]) >= sizeof(text))
		return usage("address too long");
	strcpy(text, argv[2]);
	slash = strchr(text, '/');
	if (slash) {
		*slash = '\0';
		if (parse_u32(slash + 1, &len) < 0)
			return usage("bad prefix length");
	}
	if (inet_pton(AF_INET, text, a) == 1) {
		if (add && !slash)
			len = 24;
		if (add && (len < 1 || len > 32))
			return usage("bad prefix length: 1 to 32 for IPv4");
		r = add ? feth_if_add_ipv4(argv[1], a, len) : feth_if_del_ipv4(argv[1], a);
	} else if (inet_pton(AF_INET6, text, a) == 1) {
		if (add && !slash)
			len = 64;
		if (add && (len < 1 || len > 128))
			return usage("bad prefix length: 1 to 128 for IPv6");
		r = add ? feth_if_add_ipv6(argv[1], a, len) : feth_if_del_ipv6(argv[1], a);
	} else {
		return usage("not an IPv4 or IPv6 address");
	}
	return r < 0 ? fail(add ? "addr add" : "addr del", argv[1], r) : 0;
}

static int cmd_list(void)
{
	struct feth_if_entry *e = NULL;
	int n, cap = 0;

	/* The count can grow between calls: retry until the array holds them all. */
	for (;;) {
		n = feth_if_list(e, (size_t)cap);
		if (n < 0) {
			free(e);
			return fail("list", NULL, n);
		}
		if (n <= cap)
			break;
		free(e);
		cap = n + 8;
		e = calloc((size_t)cap, sizeof(*e));
		if (!e)
			return fail("list", NULL, -ENOMEM);
	}
	for (int i = 0; i < n; i++) {
		char peer[FETH_IFNAMSIZ] = "";
		char mtu_text[16] = "?";
		struct feth_mtu mtu;
		uint32_t flags = 0;
		const char *state = "?";
		uint8_t mac[FETH_MAC_LEN];

		/* The interface may vanish between the list and these calls: show "?" then. */
		if (feth_if_get_peer(e[i].name, peer, sizeof(peer)) < 0)
			strcpy(peer, "?");
		if (feth_if_get_mtu(e[i].name, &mtu) == 0)
			snprintf(mtu_text, sizeof(mtu_text), "%u", (unsigned)mtu.current);
		if (feth_if_get_flags(e[i].name, &flags) == 0)
			state = (flags & FETH_IF_UP) ? "up" : "down";
		printf("%-10s %-4s mtu %-5s ", e[i].name, state, mtu_text);
		if (feth_if_get_mac(e[i].name, mac) == 0)
			print_mac(mac);
		else
			printf("%-17s", "?");
		printf(" peer %-10s", peer[0] ? peer : "-");
		if (e[i].flags & FETH_IF_ENTRY_OWNED)
			printf(" owned pid %d%s", (int)e[i].owner_pid,
			       (e[i].flags & FETH_IF_ENTRY_ORPHAN) ? " (orphan)" : "");
		putchar('\n');
	}
	free(e);
	return 0;
}

static int cmd_pair(int argc, char **argv)
{
	struct feth_pair_opts o;
	struct feth_pair p;
	int i, r, names = 0;

	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--mtu") == 0 && i + 1 < argc) {
			if (parse_mtu(argv[++i], &o.mtu) < 0)
				return usage("bad MTU: 72 to 16370");
		} else if (strcmp(argv[i], "--no-up") == 0) {
			o.flags |= FETH_PAIR_NO_UP;
		} else if (argv[i][0] != '-' && names < 2) {
			char *dst = names++ ? o.io_name : o.host_name;

			if (strlen(argv[i]) >= FETH_IFNAMSIZ)
				return fail("pair", argv[i], -ENAMETOOLONG);
			/* "feth", the wildcard, goes as "" (the wildcard too): feth_pair_create()
			 * refuses two equal names (one interface asked for twice), while two ""
			 * get two different free units. */
			if (strcmp(argv[i], "feth") != 0)
				strcpy(dst, argv[i]);
		} else {
			return usage("pair: unexpected argument");
		}
	}
	r = feth_pair_create(&o, &p);
	if (r < 0)
		return fail("pair", NULL, r);
	printf("%s %s\n", p.host_name, p.io_name);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	char name[FETH_IFNAMSIZ];
	int n = argc - 2, r;
	char **a = argv + 2;

	feth_example_fill_std_fds(); /* closed ones on /dev/null: never a library socket */
	if (!cmd)
		return usage("no command given");
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
		return usage(NULL);
	if (strcmp(cmd, "--version") == 0) {
		printf("fethctl (libfeth %s)\n", feth_version_string());
		return 0;
	}
	if (strcmp(cmd, "create") == 0) {
		if (n > 1)
			return usage("create takes at most one name");
		r = feth_if_create(n ? a[0] : "feth", name, sizeof(name));
		if (r < 0)
			return fail("create", n ? a[0] : NULL, r);
		puts(name);
		return 0;
	}
	if (strcmp(cmd, "pair") == 0)
		return cmd_pair(n, a);
	if (strcmp(cmd, "destroy") == 0) {
		if (n != 1)
			return usage("destroy needs one name");
		r = feth_if_destroy(a[0]);
		return r < 0 ? fail("destroy", a[0], r) : 0;
	}
	if (strcmp(cmd, "peer") == 0) {
		if (n != 2)
			return usage("peer needs two names");
		r = feth_if_set_peer(a[0], a[1]);
		return r < 0 ? fail("peer", a[0], r) : 0;
	}
	if (strcmp(cmd, "unpeer") == 0) {
		if (n != 1)
			return usage("unpeer needs one name");
		r = feth_if_clear_peer(a[0]);
		return r < 0 ? fail("unpeer", a[0], r) : 0;
	}
	if (strcmp(cmd, "peer-of") == 0) {
		if (n != 1)
			return usage("peer-of needs one name");
		r = feth_if_get_peer(a[0], name, sizeof(name));
		if (r < 0)
			return fail("peer-of", a[0], r);
		if (r)
			puts(name);
		return 0;
	}
	if (strcmp(cmd, "mtu") == 0) {
		struct feth_mtu m;
		uint32_t v;

		if (n == 1) {
			r = feth_if_get_mtu(a[0], &m);
			if (r < 0)
				return fail("mtu", a[0], r);
			printf("%u (min %u, max %u)\n", (unsigned)m.current, (unsigned)m.min,
			       (unsigned)m.max);
			return 0;
		}
		if (n != 2 || parse_u32(a[1], &v) < 0)
			return usage("mtu needs a name and, to set it, a number");
		if (parse_mtu(a[1], &v) < 0)
			return usage("bad MTU: 72 to 16370");
		r = feth_if_set_mtu(a[0], v);
		return r < 0 ? fail("mtu", a[0], r) : 0;
	}
	if (strcmp(cmd, "lladdr") == 0) {
		uint8_t mac[FETH_MAC_LEN];

		if (n == 1) {
			r = feth_if_get_mac(a[0], mac);
			if (r < 0)
				return fail("lladdr", a[0], r);
			print_mac(mac);
			putchar('\n');
			return 0;
		}
		if (n != 2 || parse_mac(a[1], mac) < 0)
			return usage("lladdr needs a name and, to set it, a unicast address like "
			             "02:00:00:00:00:01");
		r = feth_if_set_mac(a[0], mac);
		return r < 0 ? fail("lladdr", a[0], r) : 0;
	}
	if (strcmp(cmd, "up") == 0 || strcmp(cmd, "down") == 0) {
		if (n != 1)
			return usage("up/down need one name");
		r = feth_if_set_up(a[0], cmd[0] == 'u');
		return r < 0 ? fail(cmd, a[0], r) : 0;
	}
	if (strcmp(cmd, "addr") == 0)
		return cmd_addr(n, a);
	if (strcmp(cmd, "list") == 0)
		return n ? usage("list takes no arguments") : cmd_list();
	if (strcmp(cmd, "cleanup") == 0) {
		struct feth_cleanup_report rep = {.sz = sizeof(rep)};

		if (n)
			return usage("cleanup takes no arguments");
		r = feth_if_cleanup(&rep);
		/* What was done is worth saying even when something failed. */
		printf("destroyed %u orphaned interface%s", rep.destroyed,
		       rep.destroyed == 1 ? "" : "s");
		if (rep.records_dropped)
			printf("; dropped %u stale record%s", rep.records_dropped,
			       rep.records_dropped == 1 ? "" : "s");
		if (rep.owners_unknown)
			printf("; left %u whose owner is not visible here", rep.owners_unknown);
		if (rep.bad_lines)
			printf("; %u damaged registry line%s set aside", rep.bad_lines,
			       rep.bad_lines == 1 ? "" : "s");
		if (rep.dirs_removed)
			printf("; removed %u registry director%s of gone namespaces",
			       rep.dirs_removed, rep.dirs_removed == 1 ? "y" : "ies");
		printf("\n");
		return r < 0 ? fail("cleanup", NULL, r) : 0;
	}
	fprintf(stderr, "fethctl: unknown command '%s'\n\n", cmd);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
