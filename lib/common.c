/* SPDX-License-Identifier: MIT */
/* Version, option-struct handling and the backend environment. */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define FETH_STR2(x) #x
#define FETH_STR(x)  FETH_STR2(x)

uint32_t feth_version(void)
{
	return ((uint32_t)FETH_VERSION_MAJOR << 16) | ((uint32_t)FETH_VERSION_MINOR << 8) |
	       (uint32_t)FETH_VERSION_PATCH;
}

const char *feth_version_string(void)
{
	return FETH_STR(FETH_VERSION_MAJOR) "." FETH_STR(FETH_VERSION_MINOR) "." FETH_STR(
	    FETH_VERSION_PATCH);
}

int feth__opts_check(const void *opts, size_t known_size)
{
	size_t sz;
	const unsigned char *p = opts;

	if (!opts)
		return 0;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t) || sz > FETH_STRUCT_SZ_MAX)
		return -EINVAL;
	/* A newer caller: everything this library does not know must be zero. */
	for (size_t i = known_size; i < sz; i++)
		if (p[i])
			return -EINVAL;
	return 0;
}

void feth__opts_copy(void *dst, size_t known_size, const void *opts)
{
	size_t sz = 0;

	memset(dst, 0, known_size);
	if (!opts)
		return;
	memcpy(&sz, opts, sizeof(sz));
	memcpy(dst, opts, sz < known_size ? sz : known_size);
}

int feth__result_check(const void *dst)
{
	size_t sz;

	if (!dst)
		return -EINVAL;
	memcpy(&sz, dst, sizeof(sz));
	return sz < sizeof(size_t) || sz > FETH_STRUCT_SZ_MAX ? -EINVAL : 0;
}

int feth__result_copy(void *dst, const void *src, size_t known_size)
{
	size_t sz;
	int r = feth__result_check(dst);

	if (r < 0)
		return r;
	memcpy(&sz, dst, sizeof(sz));
	/* The caller's sz stays; fields past it (added after the caller was built) are left out. */
	if (sz > known_size)
		sz = known_size;
	memcpy((unsigned char *)dst + sizeof(size_t), (const unsigned char *)src + sizeof(size_t),
	       sz - sizeof(size_t));
	return 0;
}

long feth__unit(const char *name, int wildcard)
{
	const char *d = name + 4;
	long unit = 0;

	if (strncmp(name, "feth", 4) != 0)
		return -EINVAL;
	if (*d == '\0')
		return wildcard ? -1 : -EINVAL;
	if (d[0] == '0' && d[1] != '\0')
		return -EINVAL;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return -EINVAL;
		if (unit <= FETH_UNIT_MAX)
			unit = unit * 10 + (*d - '0');
	}
	return unit > FETH_UNIT_MAX ? -ERANGE : unit;
}

int feth__unit_cmp(const void *a, const void *b)
{
	long ua = feth__unit(a, 0), ub = feth__unit(b, 0);

	return (ua > ub) - (ua < ub);
}

void feth__name_copy(char dst[FETH_IFNAMSIZ], const char *src)
{
	size_t n = strnlen(src, FETH_IFNAMSIZ - 1);

	memcpy(dst, src, n);
	memset(dst + n, 0, FETH_IFNAMSIZ - n);
}

/* ---- environment --------------------------------------------------------------------------- */

#ifdef __APPLE__
static const struct feth__env default_env = {
    .be = &feth__backend_darwin,
    .sys = &feth__sys_real,
    .registry_dir = "/var/run/libfeth",
};
#elif defined(__linux__)
static const struct feth__env default_env = {
    .be = &feth__backend_linux,
    .sys = &feth__sys_real,
    .registry_dir = "/run/libfeth",
    .registry_per_netns = 1,
};
#else
static const struct feth__env default_env = {
    .be = &feth__backend_unsupported,
    .sys = &feth__sys_real,
    .registry_dir = "/run/libfeth",
};
#endif

#ifdef FETH_TEST_HOOKS
/* The test suite's build of the library (tests/CMakeLists.txt) swaps the environment. The
 * library that ships has no such switch: its environment is a constant. */
static const struct feth__env *current_env = &default_env;

const struct feth__env *feth__env_get(void)
{
	return current_env;
}

void feth__env_set(const struct feth__env *env)
{
	current_env = env ? env : &default_env;
}
#else
const struct feth__env *feth__env_get(void)
{
	return &default_env;
}
#endif
