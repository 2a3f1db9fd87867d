/* The public header compiles on its own, first and alone, in strict C. */
#include <feth/feth.h>

int feth_header_only_check(void);
int feth_header_only_check(void)
{
	struct feth_pair_opts o = {sizeof(struct feth_pair_opts)};
	struct feth_if_entry e;

	(void)e;
	return (int)o.sz + FETH_IFNAMSIZ;
}
