/* tlb.c - TLB invalidation, in one place (see tlb.h). */
#include "tlb.h"
#include "debug.h"
#include "seam.h"
#include "tracker.h"

struct tlb_stats tlb_counts;

void tlb_assert_cr3(void)
{
	DEBUG_ASSERT(trk_live_in_cr3());
}

/* Whether a change to block t needs invalidating: t is live, in CR3. */
static bool live(const struct pg_tracker *t)
{
	tlb_assert_cr3();
	return trk_is_live(t);
}

void tlb_page_live(vaddr_t va)
{
	hw_invlpg(va);
	tlb_counts.invlpgs++;
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
		tlb_counts.skipped++;
		return;
	}
	hw_flush_tlb();
	tlb_counts.flushes++;
}

void tlb_kernel_page(vaddr_t va)
{
	hw_invlpg(va); /* kernel mappings are in every address space: always live */
	tlb_counts.invlpgs++;
}

void tlb_get_stats(struct tlb_stats *s) { *s = tlb_counts; }
void tlb_reset_stats(void) { tlb_counts = (struct tlb_stats){ 0 }; }
