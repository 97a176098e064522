/*
 * tlb.h - every TLB invalidation pagetrack makes goes through here, so that
 * a shootdown of other CPUs can be added in one place.
 *
 * The rule: a change that removes or narrows a translation of the live
 * address space (the block CR3 holds) invalidates it before the old frame
 * or table can be reused; changes to address spaces that are not live cost
 * nothing, because loading CR3 to switch to them drops their old entries.
 * Kernel mappings are global and shared by all, so a change to one is
 * always invalidated.  invlpg also drops the CPU's cached directory
 * entries (SDM 4.10.4.1), which a moved or unlinked table needs.
 */
#ifndef PAGETRACK_TLB_H
#define PAGETRACK_TLB_H

#include "tracker.h"

struct tlb_stats {
	uint32_t invlpgs;  /* single pages invalidated */
	uint32_t flushes;  /* CR3 reloads for ranges */
	uint32_t skipped;  /* changes to address spaces that were not live */
};

/* Past this many pages, a range is invalidated by reloading CR3. */
#define TLB_RANGE_FLUSH 32u

/* The counts of pt_tlb_get_stats, kept by tlb.c and by pt_tlb_page below. */
extern struct tlb_stats pt_tlb_counts;

/* invlpg of va in the live block, counted (pt_tlb_page's half that is not inline). */
void pt_tlb_page_live(vaddr_t va);

/* Debug builds: panic unless CR3 holds the live block, which pt_tlb_page relies on. */
void pt_tlb_assert_cr3(void);

/*
 * The translation of va in block t changed.  Inline, because every change
 * to an entry asks, and most are to address spaces that are not live.
 */
static inline void pt_tlb_page(const struct pg_tracker *t, vaddr_t va)
{
#ifdef PT_DEBUG
	pt_tlb_assert_cr3(); /* out of line: pt_tlb_page is inlined wherever an entry changes */
#endif
	if (pt_trk_is_live(t))
		pt_tlb_page_live(va);
	else
		pt_tlb_counts.skipped++;
}

/* The translations of npages pages from va in block t changed. */
void pt_tlb_range(const struct pg_tracker *t, vaddr_t va, uint32_t npages);

/* Many translations of block t changed. */
void pt_tlb_all(const struct pg_tracker *t);

/* A kernel mapping changed. */
void pt_tlb_kernel_page(vaddr_t va);

void pt_tlb_get_stats(struct tlb_stats *s);
void pt_tlb_reset_stats(void);

#endif
