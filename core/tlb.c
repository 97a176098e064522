/* tlb.c - TLB invalidation, in one place (see tlb.h). */
#include "tlb.h"
#include "debug.h"
#include "seam.h"
#include "tracker.h"

struct tlb_stats pt_tlb_counts;

void pt_tlb_assert_cr3(void)
{
	DEBUG_ASSERT(pt_trk_live_in_cr3());
}

/* Whether a change to block t needs invalidating: t is live, in CR3. */
static bool live(const struct pg_tracker *t)
{
	pt_tlb_assert_cr3();
	return pt_trk_is_live(t);
}

void pt_tlb_page_live(vaddr_t va)
{
	hw_invlpg(va);
	pt_tlb_counts.invlpgs++;
}

void pt_tlb_range(const struct pg_tracker *t, vaddr_t va, uint32_t npages)
{
	if (npages > TLB_RANGE_FLUSH) {
		pt_tlb_all(t);
		return;
	}
	for (uint32_t i = 0; i < npages; i++)
		pt_tlb_page(t, va + i * PAGE_SIZE);
}

void pt_tlb_all(const struct pg_tracker *t)
{
	if (!live(t)) {
		pt_tlb_counts.skipped++;
		return;
	}
	hw_flush_tlb();
	pt_tlb_counts.flushes++;
}

void pt_tlb_kernel_page(vaddr_t va)
{
	hw_invlpg(va); /* kernel mappings are in every address space: always live */
	pt_tlb_counts.invlpgs++;
}

void pt_tlb_get_stats(struct tlb_stats *s) { *s = pt_tlb_counts; }
void pt_tlb_reset_stats(void) { pt_tlb_counts = (struct tlb_stats){ 0 }; }
