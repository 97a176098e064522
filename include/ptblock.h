/*
 * ptblock.h - the page-table block of one address space (the notes'
 * page_table_info): a page directory and its page tables in one run of
 * contiguous kernel-zone frames, mapped in every space (layout.h), so the
 * kernel reads and writes any address space's tables directly.
 *
 *   page:   0      1      2            n     n+1        pcount-1
 *        +------+------+------+-----+------+------+-----+------+
 *        |  PD  | PT   | PT   | ... | PT   |spare | ... |spare |
 *        +------+------+------+-----+------+------+-----+------+
 *         page A page B
 *
 * - A new block is page A (the directory) and page B (a spare table not
 *   yet linked): 8 KiB.
 * - Tables are placed in order of first use, not at their directory index:
 *   the PDE says which 4 MiB a table maps, so slot order is free.  Slots
 *   1..n hold the n tables in use, each referenced by exactly one PDE;
 *   slots n+1.. are spare, and a spare page is zeroed when it is linked,
 *   not before: the room a block takes to grow may never be used (page B of
 *   a space that maps nothing, the half a move leaves free).
 * - Growth: in place, by just the pages needed, when the frames after the
 *   block are free; otherwise the used pages are copied to a new run with
 *   room to double, the PDEs that point into the block are rebased, the
 *   tracker is updated, and CR3 is reloaded if the block is live
 *   (pt_trk_is_live).  Building a block of n tables copies O(n) pages in all.
 * - Each table in use has a count of its live (non-zero) entries, which
 *   its user keeps up to date (pt_ptb_live): a table whose count falls to zero
 *   is unlinked without looking at its entries, and the last table moves
 *   into its slot.  The block gives frames back when a quarter or
 *   less of it is used (down to half), and all but pages A and B when no
 *   table is left: map/unmap at a boundary does not grow and shrink it
 *   in turn.
 *
 * All frames of a block are pinned.  The block is named by its tracker
 * index; only the tracker holds its address.  The functions that change a
 * block in use take its tracker (pt_trk_get), which the caller has looked up
 * once for the whole call.
 *
 * The live-entry counts are kept in the frame allocator's word of each
 * table's frame (pt_frame_kzone_words), not in the block: the notes' block
 * and tracker have no room for them (a PDE has five bits the CPU ignores,
 * a count needs eleven), and a word per kernel-zone frame (two bytes per
 * 4 KiB, 0.05% of the zone) costs no allocation when a table is linked or
 * a block grows, so no operation gains a way to run out of memory.  A
 * count belongs to a frame: when a table moves to another frame (a
 * relocation, a clone, a table moved into a freed slot) its count is
 * copied with it.  A count counts entries that are not zero, so that
 * non-present entries that still mean something (swap entries, mmu.h)
 * keep their table.
 */
#ifndef PAGETRACK_PTBLOCK_H
#define PAGETRACK_PTBLOCK_H

#include "frame.h"
#include "mmu.h"
#include "tracker.h"
#include "types.h"

#define PTB_MIN_PAGES 2u
#define PTB_MAX_PAGES (1u + PT_ENTRIES) /* a directory and a table for every PDE */

/* Forget the statistics (paging initialisation starts from no blocks). */
void pt_ptb_init(void);

/*
 * The frames of a new block: `pages` (PTB_MIN_PAGES..PTB_MAX_PAGES)
 * pinned, contiguous kernel-zone frames, at *base, the first (the
 * directory) zeroed.  Returns 0, -E_INVAL or -E_NOMEM.
 */
int pt_ptb_alloc(uint32_t pages, paddr_t *base);

/*
 * A new block of `pages` pages with a tracker, its directory zeroed:
 * returns the tracker index, -E_INVAL or -E_NOMEM.  Its pages count toward
 * the peaks from pt_ptb_note_peaks on.
 */
int pt_ptb_create(uint32_t pages);

/* Free the block of tracker idx (its run of slots if it is out) and release the tracker. */
void pt_ptb_destroy(int idx);

/*
 * Copy the kernel's PDEs (every one but the user PDEs, layout.h) of
 * directory src to directory dst: a block's are the master's.
 */
void pt_ptb_copy_kernel_pdes(pde_t *dst, const pde_t *src);

/*
 * The kernel zone is mapped at one offset (frame.h): what the kernel reaches at
 * hw_phys(FRAME_LOW_RESERVED) goes on, one byte per address, to the zone's
 * end.  pt_ptb_init takes that pointer from the seam once, so that reaching a
 * block's pages costs no call.
 */
extern uint8_t *pt_ptb_kzone;

/* Kernel-zone address pa, as the kernel reaches it: a block's page, a table, a directory. */
static inline void *pt_ptb_kzone_ptr(paddr_t pa)
{
	return pt_ptb_kzone + (pa - FRAME_LOW_RESERVED);
}

/* The page directory of a block, and a page table by its physical address. */
static inline pde_t *pt_ptb_pd(const struct pg_tracker *t) { return pt_ptb_kzone_ptr(pt_trk_base(t)); }
static inline pte_t *pt_ptb_table(paddr_t table) { return pt_ptb_kzone_ptr(table); }

/* Pages in use: the directory and the tables. */
static inline uint32_t pt_ptb_used(const struct pg_tracker *t) { return 1 + pt_trk_ntables(t); }

/* The live-entry counts, pt_frame_kzone_words() (set by pt_ptb_init). */
extern uint16_t *pt_ptb_live_counts;

/* The count of live (non-zero) entries of the table at physical address `table`. */
static inline uint16_t *pt_ptb_live(paddr_t table)
{
	return &pt_ptb_live_counts[pa_to_pfn(table)];
}

/*
 * Make sure block t has `more` spare slots, growing it in place or by
 * relocation.  Returns 0, -E_NOMEM (the block is unchanged) or -E_RANGE
 * (more than PTB_MAX_PAGES would be needed).
 */
int pt_ptb_reserve(struct pg_tracker *t, uint32_t more);

/*
 * Link the next spare slot of block t, zeroed, as the table of PDE pdi,
 * with PDE flags pde_flags, its live count 0; returns the table's physical
 * address.  The PDE must not be present and a spare slot must exist
 * (pt_ptb_reserve).
 */
paddr_t pt_ptb_link(struct pg_tracker *t, uint32_t pdi, uint32_t pde_flags);

/*
 * Unlink the table of PDE pdi of block t, whose live count has fallen to
 * zero: clear the PDE, move the last table (and its count) into the freed
 * slot, and shrink the block if the policy above says so.
 */
void pt_ptb_unlink(struct pg_tracker *t, uint32_t pdi);

/*
 * A new block holding a copy of block src: the same tables in the same
 * slots with the same live counts, its PDEs rebased onto the new block.
 * Returns the new tracker index, or -E_NOMEM.  Its pages count toward the
 * peaks from pt_ptb_note_peaks on.
 */
int pt_ptb_clone(int src);

/* Give back every spare page of block t (keeping PTB_MIN_PAGES). */
void pt_ptb_trim(struct pg_tracker *t);

/*
 * Page block t out (tracker.h says how the tracker records it): its
 * directory and tables, 1 + ntables pages, are written to a run of swap
 * slots, the user PDEs saying meanwhile which page of the block each table
 * is (its slot in the block, as if the block lay at address 0), and its
 * frames, spare ones too, go back to the kernel zone.  The space must not
 * be live, and its tables must map no frame (the pager pages its pages
 * out first): the tracker keeps only how many pages they map.  Returns 0;
 * -E_BUSY (live), -E_NOMEM (no run of slots) or -E_IO (a write failed:
 * that slot is retired, the others freed) leave the block in RAM as it
 * was.
 */
int pt_ptb_out(struct pg_tracker *t);

/*
 * Bring block t, which is out, back: any run of free kernel-zone frames
 * (1 + ntables pages, at least PTB_MIN_PAGES), the pages read into it, the
 * user PDEs rebased onto it as a relocation rebases them, the kernel PDEs
 * copied from the master, the live counts counted, the slots freed, the
 * tracker updated.  Returns 0; -E_NOMEM (no such run), -E_IO (a read
 * failed: that slot is retired; or the block is lost) leave it out.
 */
int pt_ptb_in(struct pg_tracker *t);

/*
 * Block t, which is out, has lost its tables (tracker.h, TRK_LOST); the
 * references of `kept` of their entries could not be given back.
 */
void pt_ptb_set_lost(struct pg_tracker *t, uint32_t kept);

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
	uint32_t out;             /* blocks paged out now (not counted in blocks) */
	uint32_t outs, ins;       /* blocks paged out, and brought back in */
};

/*
 * Raise the peaks to the present totals.  The blocks pt_ptb_create and
 * pt_ptb_clone make count toward the peaks from this call on: vmspace calls it
 * once the new address space is whole, so that one whose making failed
 * half way (an eager clone that ran out of frames) leaves them as they
 * were.  Every other change of the totals raises them at once.
 */
void pt_ptb_note_peaks(void);

void pt_ptb_get_stats(struct ptb_stats *s);
void pt_ptb_reset_stats(void);

#endif
