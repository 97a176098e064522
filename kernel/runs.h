/*
 * runs.h - what the kernel runs once it has booted, each from a folder of
 * its own: the demo (demo/, the default), the kernel test suites
 * (tests/kernel/, with the word "test" on the command line) and the kernel
 * benchmarks (bench/kernel/, with "bench").  The kernel proper includes
 * nothing else of theirs.
 */
#ifndef PAGETRACK_RUNS_H
#define PAGETRACK_RUNS_H

#include "types.h"

/* Demo part 1: address spaces until the kernel zone is full, growth, teardown.  True if all went well. */
bool demo_paging(void);

/* Demo part 2: init and its tree of workers, then a `summary:` line.  True if all went well. */
bool demo_processes(void);

/*
 * Demo part 3: workers that together touch several times the user zone,
 * through swap, then a `summary:` line.  Skipped (true, saying why)
 * without swap slots.  True if all went well.
 */
bool demo_overcommit(void);

/*
 * Demo part 4, with more than one CPU: a process with a thread on each,
 * then a `summary:` line (cpus, threads, shootdowns, ipis,
 * relocations_while_shared, data_errors, frames_leaked).  Skipped (true)
 * on one CPU.  True if all went well.
 */
bool demo_cpus(void);

/*
 * With on (the word "pictures"), print the dumps scripts/pictures.py
 * draws: demo_picture_kzone(tag) the kernel zone (part 1 calls it at its
 * fullest and at its end), demo_picture_process() a process's address
 * space, after part 2 (true if it went well; true at once when off).
 */
void demo_set_pictures(bool on);
void demo_picture_kzone(const char *tag);
bool demo_picture_process(void);

/*
 * Run the kernel test suites, each printing its closing line
 * ("kernel-kframe: 12 passed, 0 failed"), then one verdict line.  Returns
 * the number of cases that failed.  The suites read their options from the
 * command line `cmdline`: with only=<suite>, that suite alone runs, which
 * is how the suites that need a machine made for them (a disk that fails)
 * are run; without it, every other suite runs.
 */
int ktest_run(const char *cmdline);

/*
 * Run every kernel benchmark; each figure is printed as a line
 * `bench: kernel_<name>_cycles=<n>` that scripts/bench.sh collects.  With
 * only=disk on the command line `cmdline`, only the paging-out figures
 * run, timed in nanoseconds (`kernel_<name>_ns`), for a boot without
 * -icount.  Returns 0, or -1 after printing what failed.
 */
int kbench_run(const char *cmdline);

#endif
