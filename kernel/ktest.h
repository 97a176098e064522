/*
 * ktest.h - the kernel test runner: the test suites that run inside the
 * kernel under QEMU, on the real CPU and the live allocator.  The kernel runs
 * them when its command line holds the word "test".
 */
#ifndef PAGETRACK_KTEST_H
#define PAGETRACK_KTEST_H

/*
 * Run every kernel suite, each printing its closing line
 * ("kernel-kframe: 12 passed, 0 failed"), then one verdict line.  Returns
 * the number of cases that failed.
 */
int ktest_run(void);

#endif
