/*
 * debug.h - invariants asserted where they are relied on, in debug builds
 * only (PT_DEBUG: the kernel and the tests).  Builds for use (make bench)
 * do not evaluate the condition, so they pay nothing for it.
 */
#ifndef PAGETRACK_DEBUG_H
#define PAGETRACK_DEBUG_H

#include "lib.h"

#ifdef PT_DEBUG
/* lib.h's ASSERT, but the message shows the condition as written, macros unexpanded */
#define DEBUG_ASSERT(cond)                                                              \
	do {                                                                            \
		if (!(cond))                                                            \
			panic("%s: assertion failed: %s (%s:%d)", __func__, #cond,      \
			      __FILE__, __LINE__);                                      \
	} while (0)
#else
#define DEBUG_ASSERT(cond) ((void)sizeof(!(cond))) /* type-checked, not evaluated */
#endif

#endif
