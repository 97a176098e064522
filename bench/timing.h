/*
 * timing.h - the host benchmarks' clock and statistics.
 *
 * Every figure is a median: a benchmark takes one sample per repetition
 * (the time of a batch of operations divided by the batch size), and the
 * median of the samples is what is reported, so a repetition disturbed by
 * the rest of the machine does not move the figure.
 */
#ifndef PAGETRACK_BENCH_TIMING_H
#define PAGETRACK_BENCH_TIMING_H

#include <stdint.h>

/* CLOCK_MONOTONIC, in nanoseconds. */
uint64_t bench_now_ns(void);

/* The median of n samples (n >= 1); sorts them. */
double bench_median(double *v, int n);

/* Keep the compiler from dropping stores to p, or a computation of v. */
static inline void bench_clobber(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static inline void bench_keep(uint64_t v)
{
	__asm__ volatile("" : : "r"(v));
}

/* Print one figure as the line `bench: key=value` that scripts/bench.sh collects. */
void bench_report(const char *key, double value);

#endif
