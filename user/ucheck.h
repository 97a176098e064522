/*
 * ucheck.h - what the test programs (utest, worker, kfail, init) use to
 * check what they see, to put known contents in memory and find them
 * again, and to make the stack grow.
 */
#ifndef PAGETRACK_UCHECK_H
#define PAGETRACK_UCHECK_H

#include "lib.h"
#include "types.h"

/*
 * The checks.  One that fails prints one line,
 *
 *     <who>: pid <P>: <file>:<line>: <what>
 *
 * ("utest 12 heap_ends_at_the_break: pid 5: utest.c:40: CHECK(x) failed")
 * and ends the process with the program's failure status.  A program
 * says once, before its first check, who it is and that status
 * (ucheck_setup); its children inherit both with their copy of it.
 */
void ucheck_setup(int fail_status, const char *who_fmt, ...) PRINTF_LIKE(2, 3);
_Noreturn void ucheck_failed(const char *file, int line, const char *what);
_Noreturn void ucheck_eq_failed(const char *file, int line, const char *a, const char *b,
				int x, int y);

/* cond must hold. */
#define UCHECK(cond)                                                                   \
	do {                                                                           \
		if (!(cond))                                                           \
			ucheck_failed(__FILE__, __LINE__, "CHECK(" #cond ") failed");  \
	} while (0)

/* a and b, as ints, must be equal: a failure prints both, in decimal and hex. */
#define UCHECK_EQ(a, b)                                                                \
	do {                                                                           \
		int a_ = (int)(a), b_ = (int)(b);                                      \
		if (a_ != b_)                                                          \
			ucheck_eq_failed(__FILE__, __LINE__, #a, #b, a_, b_);          \
	} while (0)

/*
 * The wait() status of a child must be want: a failure says both in words
 * ("killed: out of memory, want exited with 0", wait_status_text).
 */
#define UCHECK_STATUS(status, want)                                                    \
	do {                                                                           \
		int s_ = (int)(status), w_ = (int)(want);                              \
		if (s_ != w_)                                                          \
			ucheck_status_failed(__FILE__, __LINE__, #status, s_, w_);     \
	} while (0)

_Noreturn void ucheck_status_failed(const char *file, int line, const char *what, int status,
				    int want);

/* Fail here, saying what went wrong (a check of its own). */
#define UFAIL(what) ucheck_failed(__FILE__, __LINE__, what)

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
