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

#endif
