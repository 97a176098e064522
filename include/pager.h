/*
 * pager.h - paging out: user pages to swap slots, and the page-table blocks
 * of address spaces that do not run.
 *
 * The pager sits above the address spaces (tracker.h draws the order):
 * it reaches their tables through the trackers, as the checker does, and
 * never runs inside another operation; the kernel calls it between them.
 * It needs the swap slots (pt_swap_init): without them nothing goes out.
 *
 * Pages.  A present user page whose frame the allocator owns, with one
 * reference, not pinned and not under I/O, may go out: its frame is
 * written to a slot (or not, when the frame keeps a good clean copy:
 * frame.h), its entry becomes a swap entry naming the slot (mmu.h),
 * invalidated when the space is live, and the frame is freed.  A frame
 * shared by several entries (copy-on-write) stays in RAM: the clock passes
 * over it.  A page comes back when it is touched (pt_vm_fault, pt_vm_resolve:
 * vmspace.h).  A write that fails keeps the page in RAM and retires the
 * slot.
 *
 * The clock.  pt_pager_reclaim sweeps the tables of every address space in
 * RAM, the trackers in index order (the notes' list of every page table is
 * the scan list), each space's tables in directory order, entry by entry,
 * from where the last call stopped (the hand: a tracker, a directory
 * entry, an entry of its table).  A page whose A bit is set gets a second
 * chance: A is cleared (and the translation invalidated when the space is
 * live, so that the CPU sets it again on the next access); a page whose A
 * is clear goes out.
 *
 * Blocks.  pt_pager_block_out pages out every page of a space that is not
 * live, then its block (ptblock.h, pt_ptb_out): the tracker records the run
 * of slots (tracker.h).  Its shared frames stay for the others: this
 * space's entry gets a slot holding the frame's contents (written once,
 * then shared through slot references by every other space that pages out
 * its mapping of the frame while it stays shared).  A space whose tables
 * map device memory (frames the allocator does not own), a pinned frame,
 * or a frame shared without copy-on-write (shared memory: one frame mapped
 * in several places by pt_vm_map) keeps its block in RAM: paging out would
 * split what must stay one.  A block out maps nothing but swap entries, so
 * losing it (its tables cannot be read back) loses no frame reference, and
 * its slot references are counted again (vmspace.c).  The master and the
 * tracker pages never go out.
 *
 * What the kernel does with it (the policies are the kernel's):
 *  - when free user frames fall below a low watermark, before a user-frame
 *    allocation (a fault, a pt_vm_resolve, loading a program, a fork), call
 *    pt_pager_reclaim(high - free) to page out up to that many;
 *  - when a process sleeps, pt_pager_block_out(its space) (the space must not
 *    be live); pt_vm_activate brings the block back before it runs, and so
 *    does every other call on the space (vmspace.h);
 *  - -E_IO from pt_vm_fault, pt_vm_resolve or pt_vm_activate means a slot could not
 *    be read: end that process (pt_vm_destroy gives back every frame and slot
 *    it held, out or not).
 */
#ifndef PAGETRACK_PAGER_H
#define PAGETRACK_PAGER_H

#include "types.h"

/* Forget the hand and the counters (paging initialisation). */
void pt_pager_init(void);

/*
 * Sweep the clock until `want` frames are freed, or until every table in
 * RAM has been swept twice (a second chance for every page).  Returns the
 * frames freed: 0 when nothing could go (no swap, every page shared,
 * pinned or dirty with the slots all taken, or every write failed).
 */
uint32_t pt_pager_reclaim(uint32_t want);

/*
 * Page out the page at va of space `as` now, whatever its A bit (tests,
 * the fuzzer).  The space's block is brought in if it is out.  Returns 0;
 * -E_BADH, -E_INVAL (va unaligned), -E_RANGE (not a user page), -E_NOENT
 * (nothing mapped), -E_EXIST (in swap already), -E_BUSY (shared, pinned
 * or not a frame of the allocator), -E_NOMEM (no slot; or no room to
 * bring the block in), -E_IO (the write failed: the page stays, its slot
 * is retired; or the block could not be read).
 */
int pt_pager_evict(int as, vaddr_t va);

/*
 * Page out every page of space `as`, then its block.  Returns 0 (out, or
 * out already); -E_BADH; -E_BUSY (the space is live, or maps device
 * memory, a pinned frame or shared memory: nothing changed); -E_NOMEM (no
 * slots: for a page, or for the block's run) or -E_IO (a write failed, its
 * slot retired).  After -E_NOMEM or -E_IO the pages that went out stay
 * out, the others and the block stay in RAM, and the space is as usable
 * as before.
 */
int pt_pager_block_out(int as);

/*
 * Bring the block of space `as` back into the kernel zone (any free run of
 * frames), if it is out.  Returns 0; -E_BADH; -E_NOMEM (no run: it stays
 * out); -E_IO (a read failed, its slot retired, or the tables are lost: it
 * stays out, and the space can only be destroyed).
 */
int pt_pager_block_in(int as);

struct pager_stats {
	uint32_t swap_outs;      /* pages written out */
	uint32_t clean_drops;    /* pages that went out without a write: a good copy was there */
	uint32_t second_chances; /* A bits the clock cleared */
	uint32_t swap_ins;       /* pages read back */
	uint32_t major_faults;   /* faults that read a slot, failed ones included */
	uint32_t blocks_out, blocks_in, spaces_out; /* blocks paged out, back in; out now */
	uint32_t writes, reads;  /* transfers, failed ones included */
	uint32_t write_errors, read_errors;
	uint32_t slots_total, slots_free, slots_used, slots_retired;
};

/* The pager's figures, with those pt_vm_get_stats and the slots keep. */
void pt_pager_get_stats(struct pager_stats *s);

/* Zero the pager's counters and the transfer counts (pt_vm_reset_stats zeroes the others). */
void pt_pager_reset_stats(void);

#endif
