/* SPDX-License-Identifier: MIT */
/* A helper of the Linux tests: writing a /proc (or /sys) file. */
#ifndef FETH_TESTS_PROCFS_H
#define FETH_TESTS_PROCFS_H

#include <stdio.h>

/* Writes `text` into the file at `path`: 0, or -1 (errno set). */
static inline int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int r;

	if (!f)
		return -1;
	r = fputs(text, f) < 0;
	return fclose(f) != 0 || r ? -1 : 0;
}

#endif
