/*
 * ptblock.h - the page-table block of one address space (the notes'
 * page_table_info): a page directory and its page tables in one run of
 * contiguous kernel-zone frames, identity-mapped, so the kernel reads and
 * writes any address space's tables directly.
 *
 *   page:   0      1      2            n     n+1        pcount-1
 *        +------+------+------+-----+------+------+-----+------+
 *        |  PD  | PT   | PT   | ... | PT   |spare | ... |spare |
 *        +------+------+------+-----+------+------+-----+------+
 *         page A page B
 *
 * - A new block is page A (the directory) and page B (a zeroed table not
 *   yet linked): 8 KiB.
 * - Tables are placed in order of first use, not at their directory index:
 *   the PDE says which 4 MiB a table maps, so slot order is free.  Slots
 *   1..n hold the n tables in use, each referenced by exactly one PDE;
 *   slots n+1.. are spare, always zeroed, so linking a table costs nothing.
 * - Growth: in place, by just the pages needed, when the frames after the
 *   block are free; otherwise the used pages are copied to a new run with
 *   room to double, the PDEs that point into the block are rebased, the
 *   tracker is updated, and CR3 is reloaded if the block is live
 *   (trk_is_live).  Building a block of n tables copies O(n) pages in all.
 * - A table whose entries are all non-present is unlinked: the last table
 *   moves into its slot.  The block gives frames back when a quarter or
 *   less of it is used (down to half), and all but pages A and B when no
 *   table is left: map/unmap at a boundary does not grow and shrink it
 *   in turn.
 *
 * All frames of a block are pinned.  The block is named by its tracker
 * index; only the tracker holds its address.
 */
#ifndef PAGETRACK_PTBLOCK_H
#define PAGETRACK_PTBLOCK_H

#include "mmu.h"
#include "tracker.h"

#define PTB_MIN_PAGES 2u
#define PTB_MAX_PAGES (1u + PT_ENTRIES) /* a directory and a table for every PDE */

/* Forget the statistics (paging initialisation starts from no blocks). */
void ptb_init(void);

/*
 * The frames of a new block: `pages` (PTB_MIN_PAGES..PTB_MAX_PAGES)
 * zeroed, pinned, contiguous kernel-zone frames, at *base.  Returns 0,
 * -E_INVAL or -E_NOMEM.
 */
int ptb_alloc(uint32_t pages, paddr_t *base);

/*
 * A new block of `pages` pages with a tracker, its directory starting with
 * the n entries of head (an address space's kernel PDEs) and zero after
 * them: returns the tracker index, -E_INVAL or -E_NOMEM.
 */
int ptb_create(uint32_t pages, const pde_t *head, uint32_t n);

/* Free the block of tracker idx and release the tracker. */
void ptb_destroy(int idx);

/* The page directory of a block, and a page table by its physical address. */
pde_t *ptb_pd(const struct pg_tracker *t);
pte_t *ptb_table(paddr_t table);

/* Pages in use: the directory and the tables. */
static inline uint32_t ptb_used(const struct pg_tracker *t) { return 1 + trk_ntables(t); }

/*
 * Make sure the block has `more` spare slots, growing it in place or by
 * relocation.  Returns 0, -E_NOMEM (the block is unchanged) or -E_RANGE
 * (more than PTB_MAX_PAGES would be needed).
 */
int ptb_reserve(int idx, uint32_t more);

/*
 * Link the next spare slot as the table of PDE pdi, with PDE flags
 * pde_flags; returns the table's physical address.  The PDE must not be
 * present and a spare slot must exist (ptb_reserve).
 */
paddr_t ptb_link(int idx, uint32_t pdi, uint32_t pde_flags);

/*
 * Unlink the table of PDE pdi, whose entries must all be zero: clear the
 * PDE, move the last table into the freed slot, and shrink the block if
 * the policy above says so.
 */
void ptb_unlink(int idx, uint32_t pdi);

/*
 * A new block holding a copy of block src: the same tables in the same
 * slots, its PDEs rebased onto the new block.  Returns the new tracker
 * index, or -E_NOMEM.
 */
int ptb_clone(int src);

/* Give back every spare page of a block (keeping PTB_MIN_PAGES). */
void ptb_trim(int idx);

struct ptb_stats {
	uint32_t blocks;          /* blocks in existence */
	uint32_t pages;           /* frames they hold */
	uint32_t pages_peak;
	uint32_t tables;          /* tables in use */
	uint32_t tables_peak;
	uint32_t relocations;     /* growths that moved the block */
	uint32_t inplace_growths; /* growths that extended the run */
	uint32_t shrinks;         /* times frames were given back */
	uint32_t pages_copied;    /* by relocations */
	uint32_t table_moves;     /* tables moved into a freed slot */
};

void ptb_get_stats(struct ptb_stats *s);
void ptb_reset_stats(void);

#endif
