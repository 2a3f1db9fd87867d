/* SPDX-License-Identifier: MIT */
/*
 * What the example tools tell a user to do about a libfeth error: the part of an error
 * message after strerror(), e.g. " (this needs root: run it with sudo)", or "".
 */
#ifndef FETH_EXAMPLES_HINTS_H
#define FETH_EXAMPLES_HINTS_H

#include <errno.h>

static inline const char *feth_example_hint(int err)
{
	switch (-err) {
	case EPERM:
		return " (this needs root, or on Linux CAP_NET_ADMIN and for a tap CAP_NET_RAW: run "
		       "it with sudo)";
	case EACCES:
		return " (not root: libfeth keeps this user's records in $XDG_RUNTIME_DIR/libfeth, "
		       "or /run/user/UID/libfeth: neither exists)";
	case EOPNOTSUPP:
		return " (not available on this platform: see the man page)";
	case ENAMETOOLONG:
	case ERANGE:
		return " (names are feth0 to feth32767)";
	case ENXIO:
		return " (no such interface: see 'fethctl list')";
	case EEXIST:
		return " (that interface exists: pick another name)";
	case ENOTCONN:
		return " (the interface has no peer: peer it with 'fethctl peer')";
	default:
		return "";
	}
}

#endif
