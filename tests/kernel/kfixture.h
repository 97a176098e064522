/*
 * kfixture.h - the kernel's side of the test fixture: on top of
 * tests/fixture.h, what the suites that run user processes share
 * (test_proc.c, test_kfail.c).
 *
 * Such a suite starts each case with the kernel's "killed: ..." lines off
 * and the process counts noted, runs programs with proc_spawn, proc_run
 * and proc_reap, and must end with every process collected as well as
 * every frame, address space and kmap slot back.
 */
#ifndef PAGETRACK_KFIXTURE_H
#define PAGETRACK_KFIXTURE_H

#include "fixture.h"
#include "proc.h"

/* The kernel command line, for suites that take options from it (ktest.c sets it). */
extern const char *ktest_cmdline;

/* The process counts recorded by fx_proc_setup. */
extern struct proc_stats fx_proc_start;

/*
 * Setup and teardown for suites that run processes: fx_setup with the kill
 * reports turned off and the process counts recorded; the reports back on,
 * fx_teardown, and no process left (fx_proc_teardown asserts).
 */
void fx_proc_setup(void);
void fx_proc_teardown(void);

/* Assert fx_check_back(&fx_start), and that no process is left. */
void fx_proc_check_back(void);

/*
 * Start the embedded program `name` with argument arg, run every process
 * until none can run, and collect it: its wait() status in *status.
 * Asserts that it started, that nothing was left blocked and that it ended.
 */
void fx_run_program(const char *name, int arg, int *status);

/*
 * fx_run_program for n copies of `name` (arg) started together, which
 * share the CPUs proc_run opens: asserts that each ended with status 0.
 */
void fx_run_copies(const char *name, int arg, int n);

#endif
