// The public header compiles on its own, first and alone, as C++11.
#include <feth/feth.h>

int feth_header_only_check();
int feth_header_only_check()
{
	feth_pair_opts o = feth_pair_opts();
	feth_tap_opts to = feth_tap_opts();
	feth_tap_stats ts = feth_tap_stats();
	feth_tap_info ti = feth_tap_info();
	feth_tap *tap = nullptr;
	o.sz = sizeof(o);
	to.sz = sizeof(to);
	ts.sz = sizeof(ts);
	ti.sz = sizeof(ti);
	(void)tap;
	return static_cast<int>(o.sz + to.sz + ts.sz + ti.sz) + FETH_IFNAMSIZ +
	       (feth_version_string() != nullptr);
}
