/* SPDX-License-Identifier: MIT */
/*
 * A build-time check of the public structs' layout (docs/abi-policy.md): this file is compiled
 * with -Wpadded as an error, so a struct of <feth/feth.h> with implicit padding (bytes that
 * are no field, which a caller never sets and a later version might read as an option) stops
 * the build. It holds on LP64 platforms and on i386; on 32-bit ABIs that align 64-bit integers
 * to 8 bytes only struct feth_frame has 4 bytes of padding (before ts_nsec), in a struct the
 * library fills and the caller never passes in, and the check there is a warning. The sizes
 * below are the ABI on LP64.
 */
#include <feth/feth.h>

#if defined(__LP64__) || defined(_LP64)
_Static_assert(sizeof(struct feth_frame) == 32, "feth_frame");
_Static_assert(sizeof(struct feth_pair_opts) == 64, "feth_pair_opts");
_Static_assert(sizeof(struct feth_tap_opts) == 72, "feth_tap_opts");
_Static_assert(sizeof(struct feth_tap_info) == 88, "feth_tap_info");
_Static_assert(sizeof(struct feth_tap_stats) == 136, "feth_tap_stats");
_Static_assert(sizeof(struct feth_cleanup_report) == 32, "feth_cleanup_report");
#endif

/* Something to compile: the structs are checked where they are defined, in the header. */
int feth__abi_layout_checked(void);
int feth__abi_layout_checked(void)
{
	return 1;
}
