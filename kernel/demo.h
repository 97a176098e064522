/*
 * demo.h - the demo `make run` shows: the paging system at work, ending
 * with a `summary:` line.
 */
#ifndef PAGETRACK_DEMO_H
#define PAGETRACK_DEMO_H

#include "types.h"

/* Part 1: address spaces until the kernel zone is full, growth, teardown.  True if all went well. */
bool demo_paging(void);

/* Part 2: init and its tree of workers, then a `summary:` line.  True if all went well. */
bool demo_processes(void);

#endif
