/*
 * kfixture.c - the kernel's side of tests/fixture.h: the paging tests run
 * on the live paging system, so a case starts from whatever the kernel has
 * and must leave it as it found it.  And what the process suites share
 * (kfixture.h).
 */
#include "kfixture.h"
#include "seam.h"
#include "swap.h"
#include "vmspace.h"

struct proc_stats fx_proc_start;

void fx_setup(void)
{
	pt_vm_activate(0);
	fx_counts(&fx_start);
}

int fx_swap_on(uint32_t pages)
{
	struct swap_counts c;
	int rc;

	if (hw_disk_pages() < pages)
		return -E_NOMEM;
	if ((rc = pt_swap_init()) < 0)
		return rc;
	pt_swap_get_counts(&c);
	return c.total + 1 >= pages ? 0 : -E_NOMEM;
}

int fx_swap_off(void)
{
	return pt_swap_fini();
}

/* ---- suites that run processes -------------------------------------------------- */

static uint32_t live_processes(void)
{
	struct proc_stats s;

	proc_get_stats(&s);
	return s.live;
}

void fx_proc_setup(void)
{
	fx_setup();
	proc_set_verbose(false);
	proc_get_stats(&fx_proc_start);
}

void fx_proc_teardown(void)
{
	proc_set_verbose(true);
	RUN(fx_teardown());
	CHECK_EQ(live_processes(), 0);
}

void fx_proc_check_back(void)
{
	RUN(fx_check_back(&fx_start));
	CHECK_EQ(live_processes(), 0);
}

void fx_run_program(const char *name, int arg, int *status)
{
	int pid = proc_spawn(name, arg);

	CHECK_GT(pid, 0);
	CHECK_EQ(proc_run(), 0);
	CHECK_OK(proc_reap(pid, status));
}

#define COPIES_MAX 8

void fx_run_copies(const char *name, int arg, int n)
{
	int pids[COPIES_MAX];

	CHECK_LE(n, COPIES_MAX);
	for (int i = 0; i < n && i < COPIES_MAX; i++)
		CHECK_GT(pids[i] = proc_spawn(name, arg), 0);
	CHECK_EQ(proc_run(), 0);
	for (int i = 0; i < n && i < COPIES_MAX; i++) {
		int status = -1;
		CHECK_OK(proc_reap(pids[i], &status));
		CHECK_EQ(status, 0);
	}
}
