/* SPDX-License-Identifier: MIT */
/*
 * A driver for a libFuzzer target where libFuzzer is not available (tests/fuzz/fuzz32.sh uses
 * it when the compiler has no i386 libFuzzer): runs LLVMFuzzerTestOneInput() once on every
 * file named (directories: on every file in them), then on MUTATIONS inputs derived from those
 * files by a PRNG with a fixed seed, so that a run is the same everywhere. A failing input is
 * the target's abort() or a sanitizer's report: the driver names each file before running it
 * (stderr, unbuffered), and writes a failing or hanging (SIGTERM) mutation to
 * ./crash-mutation-N (the prefix is RUN_INPUTS_ARTIFACTS if set), which the driver then runs
 * alone as a file.
 *   usage: run_inputs [-n MUTATIONS] [-s SEED] FILE_OR_DIR...
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS 4096
#define MAX_LEN   65536

struct seed {
	uint8_t *data;
	size_t len;
};

static struct seed seeds[MAX_SEEDS];
static size_t n_seeds;
static uint64_t rng_state;

/* The mutation being run, written out if it fails. */
static const uint8_t *cur;
static size_t cur_len;
static char cur_path[4096];

/* Called by the sanitizers' runtime before it exits (weak: absent without sanitizers). */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void save_current(void)
{
	int fd;

	if (!cur || !cur_path[0])
		return;
	fd = open(cur_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, cur, cur_len) == (ssize_t)cur_len &&
		    write(2, "failing input written to ", 25) > 0 &&
		    write(2, cur_path, strlen(cur_path)) > 0)
			(void)!write(2, "\n", 1);
		close(fd);
	}
	cur = NULL;
}

static void on_abort(int sig)
{
	save_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static uint32_t rnd(void) /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static void run_file(const char *path)
{
	struct seed s = {0};
	FILE *f = fopen(path, "rb");
	uint8_t *grown;
	size_t got;

	if (!f) {
		perror(path);
		exit(2);
	}
	s.data = malloc(MAX_LEN);
	if (!s.data)
		exit(2);
	got = fread(s.data, 1, MAX_LEN, f);
	fclose(f);
	s.len = got;
	fprintf(stderr, "input %s (%zu bytes)\n", path, s.len);
	LLVMFuzzerTestOneInput(s.data, s.len);
	grown = realloc(s.data, s.len ? s.len : 1);
	s.data = grown ? grown : s.data;
	if (n_seeds < MAX_SEEDS)
		seeds[n_seeds++] = s;
	else
		free(s.data);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	DIR *d;

	if (stat(path, &st) != 0) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	d = opendir(path);
	if (!d) {
		perror(path);
		exit(2);
	}
	while ((e = readdir(d)) != NULL) {
		char **more;

		if (e->d_name[0] == '.')
			continue;
		more = realloc(names, (n + 1) * sizeof(*names));
		if (!more)
			exit(2);
		names = more;
		names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
		if (!names[n])
			exit(2);
		sprintf(names[n], "%s/%s", path, e->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name); /* the same order, so the same mutations */
	for (size_t i = 0; i < n; i++) {
		run_file(names[i]);
		free(names[i]);
	}
	free(names);
}

/* Lengths and offsets a record walker gets wrong: zero, the header's size, sign bits, and the
 * values whose sum with a header length wraps 32 bits. */
static const uint32_t interesting[] = {0,          1,          17,         18,         19,
                                       20,         0x7fff,     0x8000,     0xffff,     0x10000,
                                       0x7fffffff, 0x80000000, 0xffff0001, 0xffffffee, 0xfffffff0,
                                       0xfffffffc, 0xfffffffe, 0xffffffff};

static size_t mutate(uint8_t *out, const struct seed *s)
{
	size_t len = s->len, k = 1 + rnd() % 4;

	memcpy(out, s->data, len);
	while (k--) {
		uint32_t op = rnd() % 7, v;
		size_t at = len ? rnd() % len : 0;

		switch (op) {
		case 0: /* a bit */
			if (len)
				out[at] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1: /* a byte */
			if (len)
				out[at] = (uint8_t)rnd();
			break;
		case 2: /* an interesting 32-bit value, at a record field's alignment or anywhere */
		case 3:
			v = interesting[rnd() % (sizeof(interesting) / sizeof(interesting[0]))];
			if (op == 2)
				at &= ~(size_t)3;
			if (at + 4 <= len)
				memcpy(out + at, &v, 4);
			break;
		case 4: /* twice, side by side: a caplen and a datalen that agree */
			v = interesting[rnd() % (sizeof(interesting) / sizeof(interesting[0]))];
			at &= ~(size_t)3;
			if (at + 8 <= len) {
				memcpy(out + at, &v, 4);
				memcpy(out + at + 4, &v, 4);
			}
			break;
		case 5: /* cut the end */
			len = len ? rnd() % (len + 1) : 0;
			break;
		default: /* append a slice of another seed */
		{
			const struct seed *o = &seeds[rnd() % n_seeds];
			size_t from = o->len ? rnd() % o->len : 0, take = o->len - from;

			if (take > MAX_LEN - len)
				take = MAX_LEN - len;
			memcpy(out + len, o->data + from, take);
			len += take;
		}
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	const char *prefix = getenv("RUN_INPUTS_ARTIFACTS") ? getenv("RUN_INPUTS_ARTIFACTS") : "./";
	unsigned long mutations = 0, seed = 1;
	int i = 1;
	uint8_t *in;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-n") == 0)
			mutations = strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "-s") == 0)
			seed = strtoul(argv[i + 1], NULL, 0);
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [-n MUTATIONS] [-s SEED] FILE_OR_DIR...\n", argv[0]);
		return 2;
	}
	setvbuf(stderr, NULL, _IONBF, 0);
	for (; i < argc; i++)
		run_path(argv[i]);
	fprintf(stderr, "%zu inputs from files: passed\n", n_seeds);
	if (!mutations || !n_seeds)
		return 0;
	rng_state = 0x9e3779b97f4a7c15ull ^ seed;
	in = malloc(MAX_LEN);
	if (!in)
		return 2;
	signal(SIGABRT, on_abort);
	signal(SIGSEGV, on_abort);
	signal(SIGTERM, on_abort); /* timeout(1): a walk that never ends */
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(save_current);
	for (unsigned long m = 0; m < mutations; m++) {
		const struct seed *s = &seeds[rnd() % n_seeds];
		size_t len = mutate(in, s);

		snprintf(cur_path, sizeof(cur_path), "%scrash-mutation-%lu", prefix, m);
		cur = in;
		cur_len = len;
		LLVMFuzzerTestOneInput(in, len);
		cur = NULL;
	}
	fprintf(stderr, "%lu mutations (seed %lu): passed\n", mutations, seed);
	free(in);
	return 0;
}
