/* timing.c - the host benchmarks' clock and statistics (see timing.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "timing.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_report(const char *key, double value)
{
	/* integers print as integers; fractions keep three significant decimals */
	if (value == (double)(int64_t)value)
		printf("bench: %s=%lld\n", key, (long long)value);
	else
		printf("bench: %s=%.3f\n", key, value);
	fflush(stdout);
}
