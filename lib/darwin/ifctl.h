/* SPDX-License-Identifier: MIT */
/* Interface lookups of the Darwin backend (ifctl.c) that its tap uses as well. */
#ifndef FETH_DARWIN_IFCTL_H
#define FETH_DARWIN_IFCTL_H

#include "../sys.h"

/*
 * 1 when an interface named `name` exists, 0 when none does, or -errno (a SIOCGIFFLAGS on a
 * control socket of its own). A destroyed interface leaves the kernel's list at once
 * (ifnet_detach, dlil.c@xnu-11417:5474), before its BPF descriptors are detached, and its unit
 * cannot be created again until that detach is over (docs/darwin-notes.md F5.4, F1.6): while a
 * tap's descriptors still refer to it, "no such name" means it is gone.
 */
int feth__darwin_if_exists(const struct feth__sys *s, const char *name);

/* The current MTU of `name`, or -errno (-ENXIO: no such interface). */
int feth__darwin_if_mtu(const struct feth__sys *s, const char *name);

#endif /* FETH_DARWIN_IFCTL_H */
