/* SPDX-License-Identifier: MIT */
/*
 * libpcap as a contender of the Linux benchmarks (see linux_env.h). Only feth-bench links
 * libpcap, and only when CMake found it (FETH_BENCH_HAVE_PCAP); without it every open says
 * why the libpcap contenders are missing and they are skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux_env.h"

#ifdef FETH_BENCH_HAVE_PCAP
#include <pcap/pcap.h>

struct bench_pcap {
	pcap_t *p;
	bench_pcap_fn *fn;
	void *user;
};

int bench_pcap_built(void)
{
	return 1;
}

const char *bench_pcap_version(void)
{
	return pcap_lib_version();
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct bench_pcap *b = (struct bench_pcap *)(void *)user;

	b->fn(b->user, bytes, h->caplen);
}

int bench_pcap_open(const char *ifname, const struct bench_pcap_opts *o, struct bench_pcap **ret,
                    char *why, size_t why_len)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct bench_pcap *b = calloc(1, sizeof(*b));
	int r;

	if (!b) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	b->p = pcap_create(ifname, err);
	if (!b->p) {
		snprintf(why, why_len, "pcap_create: %s", err);
		free(b);
		return -ENODEV;
	}
	if (pcap_set_snaplen(b->p, o->snaplen) != 0 || pcap_set_promisc(b->p, 0) != 0 ||
	    (o->immediate ? pcap_set_immediate_mode(b->p, 1)
	                  : pcap_set_timeout(b->p, o->timeout_ms)) != 0 ||
	    (o->bufsize && pcap_set_buffer_size(b->p, (int)o->bufsize) != 0)) {
		snprintf(why, why_len, "pcap_set_*: refused before activation");
		goto fail;
	}
	r = pcap_activate(b->p);
	if (r < 0) {
		snprintf(why, why_len, "pcap_activate: %s (%s)", pcap_statustostr(r),
		         pcap_geterr(b->p));
		goto fail;
	}
	/* Non-blocking only now: set before activation, libpcap would give the TPACKET_V3 ring
	 * the kernel's default block timeout instead of timeout_ms. The waits are the callers'
	 * poll() on the selectable descriptor, bounded. */
	if (pcap_setdirection(b->p, PCAP_D_IN) != 0 || pcap_setnonblock(b->p, 1, err) != 0 ||
	    pcap_get_selectable_fd(b->p) < 0) {
		snprintf(why, why_len, "pcap_setdirection/setnonblock: %s", pcap_geterr(b->p));
		goto fail;
	}
	*ret = b;
	return 0;
fail:
	pcap_close(b->p);
	free(b);
	return -EIO;
}

int bench_pcap_fd(const struct bench_pcap *b)
{
	return pcap_get_selectable_fd(b->p);
}

int bench_pcap_dispatch(struct bench_pcap *b, bench_pcap_fn *fn, void *user)
{
	b->fn = fn;
	b->user = user;
	return pcap_dispatch(b->p, -1, on_frame, (u_char *)(void *)b);
}

int bench_pcap_inject(struct bench_pcap *b, const void *frame, size_t len)
{
	return pcap_inject(b->p, frame, len) == (int)len ? 0 : -1;
}

uint64_t bench_pcap_drops(struct bench_pcap *b)
{
	struct pcap_stat st;

	return pcap_stats(b->p, &st) == 0 ? st.ps_drop : 0;
}

void bench_pcap_close(struct bench_pcap *b)
{
	if (!b)
		return;
	pcap_close(b->p);
	free(b);
}

#else /* !FETH_BENCH_HAVE_PCAP */

#define NO_PCAP                                                                                    \
	"feth-bench was built without libpcap (CMake found no libpcap.pc, or "                     \
	"FETH_BENCH_PCAP was OFF; install libpcap-dev and configure again)"

struct bench_pcap {
	int unused;
};

int bench_pcap_built(void)
{
	return 0;
}

const char *bench_pcap_version(void)
{
	return NO_PCAP;
}

int bench_pcap_open(const char *ifname, const struct bench_pcap_opts *o, struct bench_pcap **ret,
                    char *why, size_t why_len)
{
	(void)ifname;
	(void)o;
	(void)ret;
	snprintf(why, why_len, "%s", NO_PCAP);
	return -ENOSYS;
}

int bench_pcap_fd(const struct bench_pcap *b)
{
	(void)b;
	return -1;
}

int bench_pcap_dispatch(struct bench_pcap *b, bench_pcap_fn *fn, void *user)
{
	(void)b;
	(void)fn;
	(void)user;
	return -1;
}

int bench_pcap_inject(struct bench_pcap *b, const void *frame, size_t len)
{
	(void)b;
	(void)frame;
	(void)len;
	return -1;
}

uint64_t bench_pcap_drops(struct bench_pcap *b)
{
	(void)b;
	return 0;
}

void bench_pcap_close(struct bench_pcap *b)
{
	(void)b;
}

#endif
