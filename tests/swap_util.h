/*
 * swap_util.h - what the swap suites share: their fixture (the vm
 * suite's, with the swap slots started over a disk and checked back at
 * the end), and helpers around pager.h.
 *
 *   swap_pager.c   paging out and in, on the host and in the kernel
 *                  (suite swap-pager): pages, the clock, copy-on-write
 *                  across swap, blocks, what calls do on a space that is
 *                  out, swap full;
 *   swap_io.c      host only (suite swap-io): the model disk's failures,
 *                  every transfer and every allocation of the pager's
 *                  paths failing in turn, blocks whose tables are lost;
 *   swap_model.c   host only (suite swap-model): random operations with
 *                  page-outs at any point, against the reference model.
 *
 * The cases touch pages as the kernel does for a system call (pt_vm_resolve,
 * then a kmap window), or through probe() in the live space.
 */
#ifndef PAGETRACK_SWAP_UTIL_H
#define PAGETRACK_SWAP_UTIL_H

#include "pager.h"
#include "swap.h"
#include "vm_util.h"

#define SWAP_TEST_PAGES 2048u /* the disk the cases need at least */

/*
 * Setup: fx_setup, the slots started over a disk of SWAP_TEST_PAGES pages
 * at least, the counts recorded after (swap_start, fx_start).  Teardown:
 * fx_teardown (every frame back), then every slot free again but those the
 * case retired, and the slots' metadata given back.
 */
void swap_setup(void);
void swap_teardown(void);

extern struct swap_counts swap_start;

struct pager_stats pstats(void);
struct swap_counts slot_counts(void);

/* The word at va of space as, read or written as a system call does: pt_vm_resolve, then kmap. */
int read_at(int as, vaddr_t va, uint32_t *v);
int write_at(int as, vaddr_t va, uint32_t v);

/* The slot pt_vm_query reports for va (0: the page is in a frame, or not mapped). */
uint32_t slot_at(int as, vaddr_t va);

/* Whether va of space as is in swap (mapped, VM_SWAPPED), or in a frame. */
bool in_swap(int as, vaddr_t va);
bool in_frame(int as, vaddr_t va);

/* Space as reads `want` at va (a system call's read, which brings it back). */
#define CHECK_HOLDS(as, va, want)                                                       \
	do {                                                                            \
		uint32_t w_ = ~(uint32_t)(want);                                       \
		CHECK_OK(read_at((as), (va), &w_));                                     \
		CHECK_EQ(w_, (uint32_t)(want));                                         \
	} while (0)

/* Page out va of space as now, and check the invariants. */
#define EVICT(as, va) STEP(pt_pager_evict((as), (va)))

/* Hold every free slot, so that the disk is full; give them back. */
void fill_swap(void);
void unfill_swap(void);

#endif
