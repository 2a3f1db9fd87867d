/* SPDX-License-Identifier: MIT */
/* feth-bench's commands that live in files of their own. */
#ifndef FETH_BENCH_H
#define FETH_BENCH_H

/* linux.c and linux_latency.c: 0, 1 on failure, 2 for bad usage. */
int feth_bench_linux_rx(int argc, char **argv);
int feth_bench_linux_tx(int argc, char **argv);
int feth_bench_linux_latency(int argc, char **argv);

#endif
