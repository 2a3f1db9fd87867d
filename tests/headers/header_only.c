/* The public header compiles on its own, first and alone, in strict C. */
#include <feth/feth.h>

int feth_header_only_check(void);
int feth_header_only_check(void)
{
	struct feth_pair_opts o;
	struct feth_if_entry e;
	struct feth_tap_opts to = {sizeof(to),         "", "", 0, FETH_TAP_ADOPT, {0}, {0}, 0,
	                           FETH_TAP_SEND_AUTO, FETH_TAP_RX_AUTO,  0};
	struct feth_tap_info ti;
	struct feth_tap_stats ts;
	struct feth_tap *tap = (struct feth_tap *)0;
	struct iovec iov;

	o.sz = sizeof(o);
	ti.sz = sizeof(ti);
	ts.sz = sizeof(ts);
	iov.iov_len = 0;
	(void)e;
	(void)tap;
	return (int)(o.sz + to.sz + ti.sz + ts.sz + iov.iov_len) + FETH_IFNAMSIZ;
}
