/* SPDX-License-Identifier: MIT */
/*
 * What every tool does first in main(): descriptors 0, 1 and 2 that its launcher left closed
 * (`fethdump >&-`, a daemon manager, a careless fork) are opened on /dev/null. Otherwise the
 * library's descriptors (the tap's packet socket or BPF device, a netlink or control socket)
 * could get those numbers, and a line printed to stdout or stderr would go out as a frame.
 */
#ifndef FETH_EXAMPLES_STDIO_FDS_H
#define FETH_EXAMPLES_STDIO_FDS_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Each closed one of 0, 1, 2 opened on /dev/null (open() takes the lowest free number, and the
 * lower ones are open by then). Exits with EXIT_FAILURE, silently, if /dev/null cannot be
 * opened: there is nowhere safe to say so. */
static inline void feth_example_fill_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) < 0)
			_exit(EXIT_FAILURE);
}

#endif
