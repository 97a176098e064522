/*
 * host_main.c - runs the host test suites: all of them, or those named on
 * the command line ("frame mmu").  Exits 1 if any case failed.
 */
#include <stdio.h>

#include "machine.h"
#include "suites.h"

static const struct test_suite *const suites[] = {
	&printf_suite,
	&frame_suite,
	&mmu_suite,
	&paging_suite,
	&hw_suite,
	&vm_suite,
	&oom_suite,
	&random_suite,
};

static bool wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_platform = "host";
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		if (wanted(suites[i]->name, argc, argv))
			failed += test_run_suite(suites[i]);
	machine_release();
	return failed ? 1 : 0;
}
