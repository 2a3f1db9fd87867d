// The public header compiles on its own, first and alone, as C++11.
#include <feth/feth.h>

int feth_header_only_check();
int feth_header_only_check()
{
	feth_pair_opts o = feth_pair_opts();
	o.sz = sizeof(o);
	return static_cast<int>(o.sz) + FETH_IFNAMSIZ + (feth_version_string() != nullptr);
}
