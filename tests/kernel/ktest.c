/* ktest.c - runs the kernel test suites (kernel/runs.h). */
#include "runs.h"
#include "suites.h"

static const struct test_suite *const suites[] = {
	&printf_suite,
	&kframe_suite,
	&hw_suite,
	&vm_suite,
	&oom_suite,
	&random_suite,
	&proc_suite,
	&kfail_suite,
};

int ktest_run(void)
{
	int failed = 0;

	test_platform = "kernel";
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		failed += test_run_suite(suites[i]);
	if (failed)
		kprintf("ktest: FAIL: %d failed cases in %zu suites\n", failed, ARRAY_SIZE(suites));
	else
		kprintf("ktest: pass: %zu suites\n", ARRAY_SIZE(suites));
	return failed;
}
