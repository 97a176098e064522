/*
 * host_main.c - runs the host test suites: all of them, or those named on
 * the command line ("frame mmu"); a name with a '-' in front leaves that
 * suite out ("-stress": all but the stress).  Exits 1 if any case failed,
 * 2 if a name is no suite's.
 * PAGETRACK_TEST_PLATFORM replaces "host" in front of the suites' names
 * (the valgrind run calls itself "valgrind"); PAGETRACK_TEST_LIST=1 prints
 * each case's name as it starts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "suites.h"

static const struct test_suite *const suites[] = {
	&printf_suite,
	&frame_suite,
	&frame_source_suite,
	&mmu_suite,
	&paging_suite,
	&hw_suite,
	&vm_suite,
	&oom_suite,
	&random_suite,
	&stress_suite,
	&disk_suite,
	&swap_slots_suite,
	&swap_pager_suite,
	&swap_io_suite,
	&swap_model_suite,
	&cpus_suite,
};

static bool wanted(const char *name, int argc, char **argv)
{
	bool named = false, any_named = false;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			if (strcmp(argv[i] + 1, name) == 0)
				return false;
			continue;
		}
		any_named = true;
		named |= strcmp(argv[i], name) == 0;
	}
	return named || !any_named;
}

/* Whether name (with or without a '-' in front) is a suite's. */
static bool is_suite(const char *name)
{
	if (name[0] == '-')
		name++;
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		if (strcmp(suites[i]->name, name) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *platform = getenv("PAGETRACK_TEST_PLATFORM");
	const char *list = getenv("PAGETRACK_TEST_LIST");
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!is_suite(argv[i])) {
			fprintf(stderr, "pagetrack-tests: no suite named %s\n", argv[i]);
			return 2;
		}
	}
	test_platform = platform && *platform ? platform : "host";
	test_list_cases = list && strcmp(list, "1") == 0;
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		if (wanted(suites[i]->name, argc, argv))
			failed += test_run_suite(suites[i]);
	machine_release();
	return failed ? 1 : 0;
}
