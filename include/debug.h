/*
 * debug.h - invariants asserted where they are relied on, in debug builds
 * only (PT_DEBUG: the kernel and the tests).  Builds for use (make bench)
 * do not evaluate the condition, so they pay nothing for it.
 */
#ifndef PAGETRACK_DEBUG_H
#define PAGETRACK_DEBUG_H

#include "lib.h"

#ifdef PT_DEBUG
#define DEBUG_ASSERT(cond) ASSERT(cond)
#else
#define DEBUG_ASSERT(cond) ((void)sizeof(!(cond))) /* type-checked, not evaluated */
#endif

#endif
