/* SPDX-License-Identifier: MIT */
/* Helpers of the Linux tests: /proc (or /sys) files, and the process's descriptors. */
#ifndef FETH_TESTS_PROCFS_H
#define FETH_TESTS_PROCFS_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>

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

/* The first line of a file, without its newline; "" if it cannot be read. */
static inline void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

/* How many descriptors the process has open, or -1. */
static inline int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own */
}

#endif
