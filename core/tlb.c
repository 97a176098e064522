/* tlb.c - TLB invalidation, in one place (see tlb.h). */
#include "tlb.h"
#include "debug.h"
#include "seam.h"
#include "tracker.h"

static struct tlb_stats stats;

/* Whether a change to block t needs invalidating: t is live, in CR3. */
static bool live(const struct pg_tracker *t)
{
	DEBUG_ASSERT(trk_live_in_cr3());
	return trk_is_live(t);
}

void tlb_page(const struct pg_tracker *t, vaddr_t va)
{
	if (!live(t)) {
		stats.skipped++;
		return;
	}
	hw_invlpg(va);
	stats.invlpgs++;
}

void tlb_range(const struct pg_tracker *t, vaddr_t va, uint32_t npages)
{
	if (npages > TLB_RANGE_FLUSH) {
		tlb_all(t);
		return;
	}
	for (uint32_t i = 0; i < npages; i++)
		tlb_page(t, va + i * PAGE_SIZE);
}

void tlb_all(const struct pg_tracker *t)
{
	if (!live(t)) {
		stats.skipped++;
		return;
	}
	hw_flush_tlb();
	stats.flushes++;
}

void tlb_kernel_page(vaddr_t va)
{
	hw_invlpg(va);
	stats.invlpgs++;
}

void tlb_get_stats(struct tlb_stats *s) { *s = stats; }
void tlb_reset_stats(void) { stats = (struct tlb_stats){ 0 }; }
