/* The public header compiles on its own, first and alone, in strict C. */
#include <feth/feth.h>

int feth_header_only_check(void);
int feth_header_only_check(void)
{
	struct feth_pair_opts o;
	struct feth_if_entry e;

	o.sz = sizeof(o);
	(void)e;
	return (int)o.sz + FETH_IFNAMSIZ;
}
