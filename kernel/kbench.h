/*
 * kbench.h - the kernel benchmarks (docs/PERFORMANCE.md).  The kernel runs
 * them instead of the demo when its command line holds the word "bench".
 */
#ifndef PAGETRACK_KBENCH_H
#define PAGETRACK_KBENCH_H

#include "types.h"

/*
 * Run every kernel benchmark; each figure is printed as a line
 * `bench: kernel_<name>_cycles=<n>` that scripts/bench.sh collects.
 * Returns 0, or -1 after printing what failed.
 */
int kbench_run(void);

/*
 * The hook for kernel_fork_exit_wait_cycles: the TSC cycles of one round of
 * a user process that forks, a child that exits at once, and the parent's
 * wait for it.  Meant to spawn a program that does n rounds, time the whole
 * run with rdtsc and divide by n.  Returns 0 and the figure in *cycles, or
 * -E_NOENT while there is no such program; kbench_run then says that the
 * figure was not measured.
 */
int kbench_fork_exit_wait(uint32_t *cycles);

#endif
