/*
 * ucheck.h - what the test programs (utest, worker, kfail, init) use to
 * put known contents in memory and find them again, and to make the stack
 * grow.
 */
#ifndef PAGETRACK_UCHECK_H
#define PAGETRACK_UCHECK_H

#include "types.h"

/* v, hidden from the optimiser: an address it cannot reason about. */
static inline uintptr_t opaque(uintptr_t v)
{
	__asm__ volatile("" : "+r"(v));
	return v;
}

/* The word pattern_fill writes at address w for seed: it depends on both. */
static inline uint32_t pattern(const volatile uint32_t *w, uint32_t seed)
{
	return seed * 0x9E3779B9u ^ (uint32_t)w;
}

/* Fill n pages from p with the pattern of seed. */
void pattern_fill(void *p, uint32_t n, uint32_t seed);

/* Whether the n pages from p hold the pattern of seed. */
bool pattern_holds(const void *p, uint32_t n, uint32_t seed);

/* Whether the n pages from p are all zero. */
bool pages_zero(const void *p, uint32_t n);

/*
 * Use `bytes` of stack below the caller, STACK_FRAME_BYTES at a time,
 * filling each frame and checking it on the way back: returns how many
 * frames found their bytes changed.  The stack grows a page at a time as
 * the frames touch it; with bytes past the stack limit the process is
 * killed on the way down.
 */
#define STACK_FRAME_BYTES 512u
uint32_t stack_dive(uint32_t bytes);

#endif
