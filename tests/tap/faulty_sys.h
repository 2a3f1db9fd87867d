/* SPDX-License-Identifier: MIT */
/*
 * The real system calls with fault injection: a seam table that counts every fallible call and
 * can make the nth one fail with an errno without making it, as the Darwin simulator does. For
 * the Linux tests, which run the library against the real kernel.
 */
#ifndef FETH_TESTS_FAULTY_SYS_H
#define FETH_TESTS_FAULTY_SYS_H

#include "sys.h"

extern const struct feth__sys faulty_sys;

unsigned long faulty_calls(void);
/* The nth fallible call from now (1: the next) fails with -err; one shot. */
void faulty_fail_nth(unsigned long n, int err);
/* Every fallible call from the nth on fails with -err, until faulty_clear(). */
void faulty_fail_from(unsigned long n, int err);
void faulty_clear(void);

#endif
