/*
 * tests.c - the suites this kernel runs, and the kernel's side of the
 * shared fixture (tests/fixture.h): the cases share the live paging
 * system, so each starts from what the kernel has and must leave it so.
 */
#include <pagetrack/vmspace.h>
#include "fixture.h"
#include "hhtest.h"
#include "suites.h"

extern const struct test_suite boot_suite;

static const struct test_suite *const suites[] = {
	&boot_suite,
	&hw_suite,
	&vm_suite,
	&oom_suite,
};

void fx_setup(void)
{
	pt_vm_activate(0);
	fx_counts(&fx_start);
}

int run_suites(void)
{
	int failed = 0;

	test_platform = "example-hh";
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		failed += test_run_suite(suites[i]);
	return failed;
}
