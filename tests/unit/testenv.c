/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testenv.h"

int testenv_setup(void **state)
{
	struct testenv *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	strcpy(t->dir, "/tmp/feth-test-XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->registry_dir, sizeof(t->registry_dir), "%s/run", t->dir);
	t->sim = sim_new();
	if (!t->sim) {
		rmdir(t->dir);
		free(t);
		return -1;
	}
	t->env.be = &feth__backend_darwin;
	t->env.sys = sim_sys(t->sim);
	t->env.registry_dir = t->registry_dir;
	feth__env_set(&t->env);
	*state = t;
	return 0;
}

int testenv_teardown(void **state)
{
	struct testenv *t = *state;
	char path[400];
	int fds = sim_open_fds(t->sim);
	DIR *d;

	feth__env_set(NULL);
	/* Whatever the registry directory holds (owned, lock, set-aside damaged files, or
	 * what a test put there). */
	d = opendir(t->registry_dir);
	for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
		snprintf(path, sizeof(path), "%s/%s", t->registry_dir, de->d_name);
		if (de->d_name[0] != '.')
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(t->registry_dir);
	rmdir(t->dir);
	sim_free(t->sim);
	free(t);
	if (fds != 0) {
		fprintf(stderr, "teardown: %d descriptor(s) left open through the seam\n", fds);
		return -1;
	}
	return 0;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void testenv_registry_text(const struct testenv *t, char *buf, size_t len)
{
	char path[160], raw[4096];
	char *lines[128];
	size_t n = 0, got;
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/owned", t->registry_dir);
	f = fopen(path, "r");
	if (!f)
		return;
	got = fread(raw, 1, sizeof(raw) - 1, f);
	fclose(f);
	raw[got] = '\0';
	for (char *save = NULL, *l = strtok_r(raw, "\n", &save); l && n < 128;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	/* "v2 <name> <state> <index> <tag> <pid> <start> <pidns> <time>" reads as
	 * "<name> <state> <pid>"; anything else as "?<line>". */
	for (size_t i = 0; i < n; i++) {
		char name[32], state;
		long pid;
		static char out[128][96];

		if (sscanf(lines[i], "v2 %31s %c %*u %*x %ld", name, &state, &pid) == 3)
			snprintf(out[i], sizeof(out[i]), "%s %c %ld", name, state, pid);
		else
			snprintf(out[i], sizeof(out[i]), "?%s", lines[i]);
		lines[i] = out[i];
	}
	qsort(lines, n, sizeof(lines[0]), cmp_lines);
	for (size_t i = 0; i < n; i++) {
		strncat(buf, lines[i], len - strlen(buf) - 1);
		strncat(buf, "\n", len - strlen(buf) - 1);
	}
}

void testenv_registry_append(const struct testenv *t, const char *line)
{
	char path[160];
	FILE *f;

	mkdir(t->registry_dir, 0700);
	snprintf(path, sizeof(path), "%s/owned", t->registry_dir);
	f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "%s\n", line);
	fclose(f);
}

void testenv_snapshot(const struct testenv *t, struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->fds = sim_open_fds(t->sim);
	w->ifs = sim_if_count(t->sim);
	w->peers = sim_peer_count(t->sim);
	/* Names of feth0..feth63 that exist: enough for every test here. */
	for (int u = 0, k = 0; u < 64; u++) {
		struct sim_if_state st;
		char name[16];

		snprintf(name, sizeof(name), "feth%d", u);
		if (sim_if_state(t->sim, name, &st) == 0)
			strcpy(w->names[k++], name);
	}
	testenv_registry_text(t, w->registry, sizeof(w->registry));
}

void testenv_assert_same(const struct world *a, const struct world *b, const char *what)
{
	if (a->fds != b->fds || a->ifs != b->ifs || a->peers != b->peers ||
	    memcmp(a->names, b->names, sizeof(a->names)) != 0 ||
	    strcmp(a->registry, b->registry) != 0) {
		fail_msg("%s: world changed: fds %d->%d, interfaces %d->%d, peerings %d->%d, "
		         "registry [%s] -> [%s]",
		         what, a->fds, b->fds, a->ifs, b->ifs, a->peers, b->peers, a->registry,
		         b->registry);
	}
}
