/* A program outside the project, built against an installed libfeth. */
#include <stdio.h>

#include <feth/feth.h>

int main(void)
{
	uint32_t v = feth_version();

	if ((v >> 16) != FETH_VERSION_MAJOR)
		return 1;
	printf("libfeth %s\n", feth_version_string());
	return 0;
}
