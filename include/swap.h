/*
 * swap.h - the swap slots: the pages of the swap disk (seam.h), handed out
 * to hold user pages and page-table blocks while they are paged out.
 *
 * Slot s is disk page s, so a slot needs no table to be found.  Slot 0 is
 * never handed out: 0 means "no slot" wherever a slot number is kept.  A
 * swap entry keeps its slot in 20 bits, so at most SWAP_SLOTS_MAX pages of
 * the disk are used; slots 1 .. min(disk pages, SWAP_SLOTS_MAX) - 1 are the
 * `total` the allocator hands out.
 *
 * Each slot has a reference count, at most SWAP_REF_MAX, one per holder
 * (a swap entry naming it, a frame that keeps a clean copy of it, a block
 * that is out), and a state:
 *
 *   free      no reference, not retired: the allocator may hand it out;
 *   used      1 .. SWAP_REF_MAX references, not retired;
 *   retired   its disk page failed: never handed out again.  A slot is
 *             retired while in use (the holder that met the error calls
 *             pt_swap_retire); the references it still has go away as usual,
 *             and when the last one does the slot stays retired.
 *
 *   pt_swap_alloc / pt_swap_alloc_run          free -> used (1 reference each)
 *   pt_swap_ref                             one more reference (used or retired)
 *   pt_swap_unref / pt_swap_free_run           one fewer; used -> free at 0
 *   pt_swap_retire                          used -> retired
 *
 * Invariants (pt_swap_check() verifies them):
 *  - slot 0 is neither free nor retired and has no reference;
 *  - a slot is free exactly when its bit in the free bitmap is set, and
 *    then it has no reference and is not retired;
 *  - free + used + retired == total, each count the number of slots in
 *    that state;
 *  - no free slot lies below the search hint;
 *  - the metadata frames are kernel-zone frames in use, pinned once.
 *
 * Metadata, in one run of pinned kernel-zone frames taken by pt_swap_init:
 * the reference counts (2 bytes a slot), the free bitmap and the retired
 * bitmap (1 bit a slot each), and a bounce page for transfers that have no
 * frame of their own (pt_swap_bounce): 37 frames for a 256 MiB disk, 577 for
 * the largest (4 GiB).  The kernel-zone dump names it.
 *
 * Transfers: pt_swap_read and pt_swap_write move a page between a frame and a
 * slot someone holds, through the seam (hw_disk_read, hw_disk_write),
 * marking the frame under I/O meanwhile (frame.h) and counting every
 * transfer and every failure.  What a failure costs is the caller's to
 * decide: the pager retires the slot.
 *
 * Costs: a single slot is the lowest free one, found in the free bitmap 32
 * slots at a time from the lowest word that may hold a free slot; a run is
 * the first fit of n free slots.  Every function that takes a slot checks
 * it: 0 or past the last gets -E_INVAL; a failing call changes nothing.
 */
#ifndef PAGETRACK_SWAP_H
#define PAGETRACK_SWAP_H

#include "types.h"

#define SWAP_NO_SLOT 0u
#define SWAP_SLOTS_MAX (1u << 20)   /* slot numbers fit in a swap entry's 20 bits */
#define SWAP_REF_MAX UINT16_MAX     /* references a slot can hold */

enum swap_state { SWAP_FREE, SWAP_USED, SWAP_RETIRED };

struct swap_counts {
	uint32_t total;   /* slots the allocator can hand out: free + used + retired */
	uint32_t free, used, retired;
};

/*
 * Take over the disk (hw_disk_pages()): every slot free, the metadata in a
 * new run of pinned kernel-zone frames.  Call after pt_frame_init, once per
 * boot or after pt_swap_fini; what was there before is forgotten, not given
 * back.  Without a disk (or with a disk of one page) there are no slots
 * and no metadata.  Returns 0, or -E_NOMEM if the metadata does not fit in
 * the kernel zone (there are then no slots).
 */
int pt_swap_init(void);

/*
 * Give the metadata back to the kernel zone; there are no slots after.
 * Every slot must be free or retired without references (-E_BUSY if not,
 * and nothing changes).
 */
int pt_swap_fini(void);

/* A free slot, now used with one reference: its number (> 0), or -E_NOMEM. */
int pt_swap_alloc(void);

/*
 * n >= 1 consecutive free slots, the lowest such run, each now used with
 * one reference: the first one's number, -E_INVAL if n is 0, or -E_NOMEM
 * if there is no such run.
 */
int pt_swap_alloc_run(uint32_t n);

/*
 * One more reference to a slot that has one (used or retired): 0,
 * -E_INVAL (not a slot), -E_FREE (no reference to add to), or -E_RANGE if
 * it holds SWAP_REF_MAX already.
 */
int pt_swap_ref(uint32_t slot);

/*
 * Drop one reference: the references left (0: the slot is free again, or
 * stays retired), -E_INVAL (not a slot) or -E_FREE (it has none).
 */
int pt_swap_unref(uint32_t slot);

/*
 * Drop the one reference each slot of [first, first + n) holds (the run of
 * a block that is back in RAM): all or nothing.  0, -E_INVAL if n is 0 or
 * the run is not all slots, -E_FREE if one has no reference, -E_BUSY if
 * one has more than one.
 */
int pt_swap_free_run(uint32_t first, uint32_t n);

/*
 * Retire a slot in use whose disk page failed: it is never handed out
 * again.  0, -E_INVAL (not a slot), -E_FREE (it has no reference: only its
 * holder can know it failed), -E_EXIST (retired already).
 */
int pt_swap_retire(uint32_t slot);

/* The reference count of a slot, or -E_INVAL. */
int pt_swap_refcount(uint32_t slot);

/* The state of a slot (enum swap_state), or -E_INVAL. */
int pt_swap_slot_state(uint32_t slot);

/* The slots in each state now (all 0 without swap). */
void pt_swap_get_counts(struct swap_counts *c);

/* Where the metadata lies, for the kernel-zone dump (0 frames: none). */
void pt_swap_metadata(paddr_t *base, uint32_t *nframes);

/*
 * The bounce page: a pinned kernel-zone frame of the metadata, for a
 * transfer that has no frame of its own (a page table of a block that is
 * out, read to release what it holds) and for the checker's counts; 0
 * without slots.  Nothing holds it between two operations.
 */
paddr_t pt_swap_bounce(void);

/*
 * Write the frame at `frame` to `slot`, or read the slot into it: 0,
 * -E_INVAL if nothing holds the slot (or it is none), the errors of
 * pt_frame_set_io if the frame is not one in use (nothing is moved), or the
 * seam's error (-E_IO: the disk failed; the slot's page, or the frame, then
 * holds unspecified bytes).  The frame is marked under I/O during the
 * transfer.
 */
int pt_swap_write(uint32_t slot, paddr_t frame);
int pt_swap_read(uint32_t slot, paddr_t frame);

/* Transfers since pt_swap_init or pt_swap_reset_io, failed ones included, and failures. */
struct swap_io_counts {
	uint32_t reads, writes;
	uint32_t read_errors, write_errors;
};

/* The transfers counted so far, and zero them (pt_pager_reset_stats does). */
void pt_swap_get_io(struct swap_io_counts *c);
void pt_swap_reset_io(void);

/*
 * Counting every reference again, when some holders were lost (a page
 * table of a block that is out could not be read): pt_swap_recount_begin
 * forgets every count, each holder that is left then takes its reference
 * again with pt_swap_recount_hold (0, -E_INVAL not a slot, -E_FREE a slot
 * that is free, -E_RANGE at the limit), and pt_swap_recount_end frees the
 * slots no holder took (a retired slot stays retired).  Between the
 * first and the last, the counts are not to be believed.
 */
void pt_swap_recount_begin(void);
int pt_swap_recount_hold(uint32_t slot);
void pt_swap_recount_end(void);

/* Give back a reference pt_swap_recount_hold took (a holder turned out to be lost). */
void pt_swap_recount_unhold(uint32_t slot);

/*
 * Fault injection: make the nth allocation from now fail with -E_NOMEM
 * (every call of pt_swap_alloc and pt_swap_alloc_run that passes its argument
 * checks counts as one).  0 turns it off.  pt_swap_alloc_calls counts the
 * calls since pt_swap_init.
 */
void pt_swap_fail_nth(uint32_t n);
uint32_t pt_swap_alloc_calls(void);

/* Verify the invariants above; returns 0 or -E_INVAL after printing the first broken one. */
int pt_swap_check(void);

#endif
