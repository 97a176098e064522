/*
 * tracker.h - the trackers that list every page-table block (the notes'
 * pg_alloc_page and pg_tracker).
 *
 * A tracker page holds 512 trackers; a tracker records one page-table
 * block, the page directory and page tables of one address space:
 *
 *   ptPtr   bits 31:12  physical address of the block (blocks are page aligned)
 *           bit  11     0: the block is in RAM (TRK_OUT)
 *           bits 10:0   the number of page tables in use: block pages 1..n
 *                       hold the tables that PDEs point at; 0..1024
 *   pcount  the number of pages the block holds: the directory, the tables
 *           in use and spare zeroed pages ready to become tables; >= 2
 *
 * A block may be paged out (pager.h): its directory and tables, 1 + n
 * pages, are written to a run of swap slots and its frames go back to the
 * kernel zone.  The tracker then says where it went:
 *
 *   ptPtr   bits 31:12  the first slot of the run (slot s of the run holds
 *                       block page s; a slot number is at most 20 bits)
 *           bit  11     1 (TRK_OUT)
 *           bits 10:0   the number of page tables, as in RAM
 *   pcount  bits 30:0   the pages the space maps, every one of them in swap
 *                       (a block goes out only when its tables map no frame)
 *           bit  31     TRK_LOST: the tables could not all be read back, and
 *                       the references they held were counted again without
 *                       them; the space can only be destroyed
 *
 * pt_trk_base() of a tracker that is out is a slot number, not an address:
 * whoever reaches a block's pages asks pt_trk_out() first (the calls on an
 * address space bring its block back in, vmspace.h).  The master (tracker
 * 0) and the tracker pages are never paged out.
 *
 * A free tracker has ptPtr == 0.  The index of a tracker (page * 512 +
 * slot) names its address space: it is the handle the kernel keeps in the
 * process structure, and it stays valid when the block moves, because only
 * the tracker holds the block's address.  Tracker 0 is the kernel master
 * table.
 *
 * Tracker pages are pinned kernel-zone frames, found through a directory of
 * up to 1024 tracker pages; a new tracker page is taken when every tracker
 * is in use, and given back when its last tracker is released (the first
 * page, which holds the master, stays).
 *
 * The live address space of each CPU, the one whose block its CR3 holds, is
 * recorded here and only here, below every module that asks for it:
 *
 *   frame <- cpus <- tracker <- tlb <- ptblock <- vmspace <- pager <- paging, check
 *
 * A module calls only those to its left (kmap, which uses tlb and frame,
 * sits beside ptblock; swap, the slots, which uses frame, beside
 * tracker; cpus reads tracker's live blocks only to check pt_smp_init's
 * argument, and tells tracker when the count of CPUs changed).  Whenever
 * paging is on, each CPU's CR3 holds its live tracker's block.
 */
#ifndef PAGETRACK_TRACKER_H
#define PAGETRACK_TRACKER_H

#include "cpus.h"
#include "types.h"

struct pg_tracker {
	uint32_t ptPtr;
	uint32_t pcount;
};

struct pg_alloc_page {
	struct pg_tracker pagetables[512];
} __attribute__((aligned(4096)));

_Static_assert(sizeof(struct pg_alloc_page) == 4096, "a tracker page is one page");

#define TRK_PER_PAGE 512u
#define TRK_MAX_PAGES 1024u
#define TRK_MAX (TRK_PER_PAGE * TRK_MAX_PAGES)
#define TRK_MASTER 0 /* tracker 0: the kernel master table */

#define TRK_OUT BIT(11)  /* in ptPtr: the block is in swap */
#define TRK_LOST BIT(31) /* in pcount of a block that is out: its tables are lost */

/* The block's address: only for a tracker in RAM (!pt_trk_out). */
static inline paddr_t pt_trk_base(const struct pg_tracker *t) { return t->ptPtr & ~MASK(12); }
static inline uint32_t pt_trk_ntables(const struct pg_tracker *t) { return t->ptPtr & MASK(11); }
static inline bool pt_trk_in_use(const struct pg_tracker *t) { return t->ptPtr != 0; }
static inline bool pt_trk_out(const struct pg_tracker *t) { return t->ptPtr & TRK_OUT; }

/* Of a tracker that is out: its first slot, the pages it maps, whether its tables are lost. */
static inline uint32_t pt_trk_out_slot(const struct pg_tracker *t) { return t->ptPtr >> 12; }
static inline uint32_t pt_trk_out_mapped(const struct pg_tracker *t) { return t->pcount & ~TRK_LOST; }
static inline bool pt_trk_lost(const struct pg_tracker *t) { return t->pcount & TRK_LOST; }

static inline void pt_trk_set(struct pg_tracker *t, paddr_t base, uint32_t ntables, uint32_t pcount)
{
	t->ptPtr = base | ntables;
	t->pcount = pcount;
}

/* Tracker t's block is out: in the run of slots from `slot`, mapping `mapped` pages. */
static inline void pt_trk_set_out(struct pg_tracker *t, uint32_t slot, uint32_t ntables,
			       uint32_t mapped)
{
	t->ptPtr = slot << 12 | TRK_OUT | ntables;
	t->pcount = mapped;
}

/*
 * Forget every tracker and allocate the first tracker page (step 1 of the
 * paging initialisation).  Returns 0 or -E_NOMEM.
 */
int pt_trk_init(void);

/*
 * Take a free tracker for the block at base (page aligned, not 0) and
 * return its index, allocating a tracker page if all are in use.  Returns
 * the index, or -E_NOMEM (no frame for a tracker page, or TRK_MAX reached).
 * With several CPUs the tracker is being made until pt_trk_made: the
 * space's handle is not yet out, and pt_trk_next passes it over, so the
 * pager and the checks see no half-made block.  A CPU makes one at a time.
 */
int pt_trk_claim(paddr_t base, uint32_t ntables, uint32_t pcount);

/* Tracker idx, claimed on this CPU, is made: pt_trk_next shows it from now on. */
void pt_trk_made(int idx);

/* Free tracker idx (made or not); gives its tracker page back when that empties. */
void pt_trk_release(int idx);

/*
 * The tracker pages by directory slot, NULL where there is none: kept by
 * tracker.c, read here so that pt_trk_get, with which every call on an
 * address space starts, is inline.
 */
extern struct pg_alloc_page *pt_trk_page_ptrs[TRK_MAX_PAGES];

/* Tracker idx if it is in use, else NULL. */
static inline struct pg_tracker *pt_trk_get(int idx)
{
	if ((uint32_t)idx >= TRK_MAX) /* a negative idx too */
		return NULL;
	struct pg_alloc_page *page = pt_trk_page_ptrs[(uint32_t)idx / TRK_PER_PAGE];
	if (!page)
		return NULL;
	struct pg_tracker *t = &page->pagetables[(uint32_t)idx % TRK_PER_PAGE];
	return pt_trk_in_use(t) ? t : NULL;
}

/* The first tracker in use and made at index >= from, or -1. */
int pt_trk_next(int from);

/*
 * Whether tracker idx is in use and made, as pt_trk_next would show it.
 * Under idx's space lock the answer holds: a made tracker is released
 * only under that lock.  For a caller that kept an index from an earlier
 * pt_trk_next, which a new space being made may have taken since.
 */
bool pt_trk_made_and_used(int idx);

/* Trackers in use, and tracker pages held. */
uint32_t pt_trk_count(void);
uint32_t pt_trk_pages(void);

/* The physical address of tracker page i, or 0. */
paddr_t pt_trk_page_addr(uint32_t i);

/*
 * The live tracker of the CPU running the caller (cpus.h), whose block its
 * CR3 holds, or -1 before paging is on.  Whoever loads CR3 records it here
 * (pt_trk_set_live), before the load: a tracker is live on every CPU whose
 * CR3 may hold its block.  A tracker live on any CPU is never released
 * (pt_ptb_destroy refuses it) nor paged out.
 */
int pt_trk_live(void);
void pt_trk_set_live(int idx);

/* Each CPU's live tracker, pt_trk_get(its pt_trk_live()), or NULL: kept by pt_trk_set_live. */
extern struct pg_tracker *pt_trk_live_on[PT_MAX_CPUS];

/*
 * pt_trk_live_on[0] while the core serves one CPU and it has a live
 * tracker; otherwise a tracker of no block, which no t equals.  So one
 * compare inline tells a change to the live block of a lone CPU, the case
 * every fault and unmap of a running process is, from all the others.
 * Kept by pt_trk_set_live and pt_trk_ncpus_changed.
 */
extern const struct pg_tracker *pt_trk_live_alone;

/* pt_ncpus changed (pt_smp_init): pt_trk_live_alone follows it. */
void pt_trk_ncpus_changed(void);

/* The CPUs (a mask of BIT(cpu)) on which t is live. */
uint32_t pt_trk_live_cpus(const struct pg_tracker *t);

/* Whether t is live on any CPU (inline: every change to a table asks). */
static inline bool pt_trk_is_live(const struct pg_tracker *t)
{
	if (t == pt_trk_live_alone)
		return true;
	return !pt_one_cpu() && pt_trk_live_cpus(t) != 0;
}

/* Whether CR3 holds this CPU's live tracker's block, as it must whenever paging is on (and it has one). */
bool pt_trk_live_in_cr3(void);

/* Verify the tracker directory: pages pinned, counts right.  0 or -E_INVAL. */
int pt_trk_check(void);

#endif
