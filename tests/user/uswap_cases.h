/*
 * uswap_cases.h - what the uswap program and the kernel suite swap-proc
 * (tests/kernel/test_swap.c) agree on: the cases, the statuses they end
 * with, and the test trap.
 *
 * `uswap USWAP_ARG(case, n)` runs one case with its number n (pages, most
 * often).  A case ends with 0 when every check held; a failed check prints
 * a line and ends it with USWAP_FAILED.
 *
 * The test trap is `int $USWAP_VECTOR` with ECX = an op and EBX its
 * argument; the result comes back in EAX:
 *
 *   USWAP_OP_EVICT       page out the caller's page at address EBX, in its
 *                        live address space (pt_pager_evict)
 *   USWAP_OP_BLOCK_LOW   page out process EBX (asleep) whole, its block on
 *                        the lowest free slots: its pages first, the lowest
 *                        slot held meanwhile, then the block (swap-proc-errors
 *                        puts the page that cannot be read there)
 *
 * Only the suite handles the vector; anywhere else the trap kills the
 * process.
 */
#ifndef PAGETRACK_USWAP_CASES_H
#define PAGETRACK_USWAP_CASES_H

#include "uapi.h"

#define USWAP_VECTOR 0x91
#define USWAP_OP_EVICT 0
#define USWAP_OP_BLOCK_LOW 1

enum uswap_case {
	USWAP_EVICT_LIVE = 1, /* n pages, each paged out of the live space and touched again */
	USWAP_FORK_OUT,       /* n pages out, a fork, both sides read and write them */
	USWAP_FILL,           /* fill n pages, check them, write them again, check again */
	USWAP_SLEEPER,        /* fill n pages, sleep long, check them */
	USWAP_HOG,            /* touch heap pages until killed */
	USWAP_OOM_INIT,       /* fork a sleeper of n pages and a hog; the hog must be the one killed */
	USWAP_MANY_SLEEPERS,  /* fork n children that each write a page, sleep and check it */
	USWAP_BLOCK_LOST,     /* a child asleep, its block out on the lowest slots: it must be
				 ended for a disk error when it wakes (swap-proc-errors) */
};

#define USWAP_ARG(c, n) ((int)(c) | (int)((n) << 8))
#define USWAP_CASE(arg) ((arg) & 0xFF)
#define USWAP_N(arg) ((uint32_t)(arg) >> 8)

#define USWAP_FAILED 1
#define USWAP_HOG_SURVIVED 2 /* the hog stopped before the kernel ended it */
#define USWAP_SLEEP_TURNS 100000
#define USWAP_SHORT_SLEEP 1000

#endif
