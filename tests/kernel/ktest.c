/* ktest.c - runs the kernel test suites (kernel/runs.h). */
#include "cmdline.h"
#include "kfixture.h"
#include "proc.h"
#include "smp.h"
#include "runs.h"
#include "suites.h"

#define SUITE_NAME_MAX 32

/* What `make test-kernel` runs in its main boot. */
static const struct test_suite *const suites[] = {
	&printf_suite,
	&kframe_suite,
	&hw_suite,
	&vm_suite,
	&oom_suite,
	&random_suite,
	&proc_suite,
	&kfail_suite,
	&swap_disk_suite,
	&swap_pager_suite,
	&swap_proc_suite,
	&smp_suite,
};

/* Suites that need a machine made for them: they run only when only= names them. */
static const struct test_suite *const on_request[] = {
	&swap_disk_errors_suite,
	&swap_proc_errors_suite,
};

const char *ktest_cmdline = "";

/* The suite only= names, from either list; NULL (after saying so) if none has that name. */
static const struct test_suite *named(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		if (strcmp(suites[i]->name, name) == 0)
			return suites[i];
	for (size_t i = 0; i < ARRAY_SIZE(on_request); i++)
		if (strcmp(on_request[i]->name, name) == 0)
			return on_request[i];
	kprintf("ktest: only=%s: no suite has that name\n", name);
	return NULL;
}

static int verdict(int failed, size_t nsuites)
{
	if (failed)
		kprintf("ktest: FAIL: %d failed cases in %zu suites\n", failed, nsuites);
	else
		kprintf("ktest: pass: %zu suites\n", nsuites);
	return failed;
}

int ktest_run(const char *cmdline)
{
	char only[SUITE_NAME_MAX];
	int failed = 0;

	test_platform = "kernel";
	ktest_cmdline = cmdline;
	proc_set_cpus(smp_running()); /* the processes of the suites run on every CPU */
	if (cmdline_option(cmdline, "only", only, sizeof(only)) == 0) {
		const struct test_suite *s = named(only);
		return s ? verdict(test_run_suite(s), 1) : verdict(1, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		failed += test_run_suite(suites[i]);
	return verdict(failed, ARRAY_SIZE(suites));
}
