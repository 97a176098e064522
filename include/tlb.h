/*
 * tlb.h - every TLB invalidation pagetrack makes goes through here, so that
 * a shootdown of other CPUs can be added in one place.
 *
 * The rule: a change that removes or narrows a translation of a live
 * address space (a block some CPU's CR3 holds) invalidates it on every CPU
 * where it is live before the old frame or table can be reused: here with
 * invlpg, on the others by a shootdown (cpus.h) that returns when each has
 * done it.  Changes to address spaces live nowhere cost nothing, because
 * loading CR3 to switch to them drops their old entries.  Kernel mappings
 * are global and shared by all, so a change to one is always invalidated
 * everywhere (but the kmap window's, which only its own CPU uses).  invlpg
 * also drops the CPU's cached directory entries (SDM 4.10.4.1), which a
 * moved or unlinked table needs.
 *
 * A shootdown, in order: the sender (inside the core, holding the changed
 * space's lock and, while it waits, the request's) has already changed the entries;
 * it posts one request (the block, the first page, the count), sets the
 * mask of CPUs still to answer, interrupts them, and spins until the
 * mask is empty.  Each target runs pt_tlb_ipi from its interrupt handler,
 * or pt_tlb_poll while it spins on a lock with interrupts off (lock.h):
 * invlpg of each page, or a CR3 reload for more than TLB_RANGE_FLUSH pages
 * or for a block that moved (from the block's new base), then answers by
 * clearing its bit; the second of the two to come finds it clear.  A
 * CPU records its live block before it loads CR3 (pt_trk_set_live), so a
 * CPU the sender does not see has not yet cached anything of the block.
 */
#ifndef PAGETRACK_TLB_H
#define PAGETRACK_TLB_H

#include "tracker.h"

struct tlb_stats {
	uint32_t invlpgs;  /* single pages invalidated */
	uint32_t flushes;  /* CR3 reloads for ranges */
	uint32_t skipped;  /* changes to address spaces that were not live */
	uint32_t shootdowns; /* changes that interrupted other CPUs */
	uint32_t ipis;       /* the CPUs interrupted, summed over the shootdowns */
	uint32_t moves_shared; /* blocks moved while live on another CPU */
};

/* Past this many pages, a range is invalidated by reloading CR3. */
#define TLB_RANGE_FLUSH 32u

/* The counts of pt_tlb_get_stats, kept by tlb.c and by pt_tlb_page below. */
extern struct tlb_stats pt_tlb_counts;

/* invlpg of va in the live block of a lone CPU, counted (pt_tlb_page's half that is not inline). */
void pt_tlb_page_live(vaddr_t va);

/* pt_tlb_page with several CPUs: here and on every other CPU where t is live. */
void pt_tlb_page_cpus(const struct pg_tracker *t, vaddr_t va);

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
	if (t == pt_trk_live_alone)
		pt_tlb_page_live(va);
	else if (pt_one_cpu())
		pt_tlb_counts.skipped++;
	else
		pt_tlb_page_cpus(t, va);
}

/* The translations of npages pages from va in block t changed. */
void pt_tlb_range(const struct pg_tracker *t, vaddr_t va, uint32_t npages);

/* Many translations of block t changed. */
void pt_tlb_all(const struct pg_tracker *t);

/* Block t moved to a new run: every CPU where it is live loads CR3 from its new base. */
void pt_tlb_block_moved(const struct pg_tracker *t);

/* A kernel mapping changed: every CPU invalidates it. */
void pt_tlb_kernel_page(vaddr_t va);

/* A kmap window's mapping changed: only this CPU ever uses its windows. */
void pt_tlb_kmap_page(vaddr_t va);

/*
 * The work of a shootdown on a CPU it interrupted: the kernel's handler of
 * the shootdown interrupt calls this, with the core's lock not taken (the
 * sender holds it and waits).
 */
void pt_tlb_ipi(void);

/*
 * pt_tlb_ipi's work, if a shootdown waits for this CPU: what a CPU does
 * while it spins on a lock with interrupts off (lock.h), as the CPU it
 * waits for may be waiting for it.  Nothing on one CPU.
 */
void pt_tlb_poll(void);

void pt_tlb_get_stats(struct tlb_stats *s);
void pt_tlb_reset_stats(void);

#endif
