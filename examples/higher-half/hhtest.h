/* hhtest.h - the suites this kernel runs, and what they share with the kernel. */
#ifndef HH_HHTEST_H
#define HH_HHTEST_H

#include <stdint.h>

/* Run every suite; returns the number of failed cases. */
int run_suites(void);

#endif
