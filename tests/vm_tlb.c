/*
 * vm_tlb.c - the TLB: a change to the live space is seen at once (invlpg,
 * or one flush for a long range), a copy-on-write broken without a fault
 * and an unlinked table included; a change to a space not live costs none;
 * each invalidation is counted where it is decided.
 */
#include "kmap.h"
#include "seam.h"
#include "tlb.h"
#include "vm_util.h"

static void unmapping_a_live_page_is_seen_at_once(void)
{
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0), 0x10, URW, NULL));
	STEP(map_filled(as, REGION(0) + PAGE(1), 0x11, URW, NULL));
	STEP(pt_vm_activate(as));
	CHECK_WRITES(REGION(0), USR_WR, 0x20);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0x11);
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_unmap(as, REGION(0)));
	CHECK_GT(stats_now().invlpgs, s0.invlpgs);
	CHECK_FAULTS(REGION(0), USR_RD, PF_U);
	CHECK_FAULTS(REGION(0), SUP_WR, PF_W);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0x11);
	/* past TLB_RANGE_FLUSH pages, one flush instead of invlpg per page */
	STEP(map_filled(as, REGION(0) + PAGE(40), 0x12, URW, NULL));
	CHECK_READS(REGION(0) + PAGE(40), USR_RD, 0x12);
	s0 = stats_now();
	STEP(pt_vm_unmap_range(as, REGION(0), TLB_RANGE_FLUSH + 20));
	CHECK_EQ(stats_now().tlb_flushes - s0.tlb_flushes, 1);
	CHECK_FAULTS(REGION(0) + PAGE(1), USR_RD, PF_U);
	CHECK_FAULTS(REGION(0) + PAGE(40), USR_RD, PF_U);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

static void narrowing_a_live_page_is_seen_at_once(void)
{
	vaddr_t va = REGION(4) + PAGE(4);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x40, URW, NULL));
	STEP(pt_vm_activate(as));
	CHECK_WRITES(va, USR_WR, 0x41); /* cached writable and dirty */
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_protect(as, va, 1, VM_USER));
	CHECK_GT(stats_now().invlpgs, s0.invlpgs);
	CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
	CHECK_FAULTS(va, SUP_WR, PF_P | PF_W);
	CHECK_READS(va, USR_RD, 0x41);
	STEP(pt_vm_protect(as, va, 1, 0)); /* now the kernel's only */
	CHECK_FAULTS(va, USR_RD, PF_P | PF_U);
	CHECK_READS(va, SUP_RD, 0x41);
	STEP(pt_vm_protect(as, va, 1, URW)); /* and widened again */
	CHECK_WRITES(va, USR_WR, 0x42);
	CHECK_READS(va, USR_RD, 0x42);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

static void changes_to_a_space_not_live_skip_the_tlb(void)
{
	int a = pt_vm_create(), b = pt_vm_create();
	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	STEP(map_filled(b, REGION(1), 0x50, URW, NULL));
	STEP(map_filled(b, REGION(1) + PAGE(1), 0x51, URW, NULL));
	STEP(pt_vm_activate(b));
	CHECK_WRITES(REGION(1), USR_WR, 0x52);
	CHECK_READS(REGION(1) + PAGE(1), USR_RD, 0x51);
	STEP(pt_vm_activate(a));
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_protect(b, REGION(1), 1, VM_USER));
	STEP(pt_vm_unmap(b, REGION(1) + PAGE(1)));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.invalidations_skipped - s0.invalidations_skipped, 2);
	CHECK_EQ(s1.invlpgs, s0.invlpgs);
	CHECK_EQ(s1.tlb_flushes, s0.tlb_flushes);
	STEP(pt_vm_activate(b));
	CHECK_FAULTS(REGION(1), USR_WR, PF_P | PF_W | PF_U);
	CHECK_READS(REGION(1), USR_RD, 0x52);
	CHECK_FAULTS(REGION(1) + PAGE(1), USR_RD, PF_U);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(a));
	STEP(pt_vm_destroy(b));
}

/* Write w into the first word of frame pa, as a system call's copy-out does (kmap). */
static void set_frame_word(paddr_t pa, uint32_t w)
{
	vaddr_t va = pt_kmap(pa);

	*(uint32_t *)hw_kva(va) = w;
	pt_kunmap(va);
}

/*
 * A system call that copies out to a copy-on-write page breaks the sharing
 * with pt_vm_fault before it writes, without a fault: the read-only
 * translation the process used before must not outlive it, whether the
 * page was copied (the process would read the old frame) or reused (a
 * write would fault again).
 */
static void breaking_cow_without_a_fault_is_seen_at_once(void)
{
	vaddr_t copied = REGION(2) + PAGE(3), reused = REGION(2) + PAGE(4);
	paddr_t old;

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, copied, 0x70, URW, &old));
	STEP(map_filled(p, reused, 0x74, URW, NULL));
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	STEP(pt_vm_unmap(c, reused)); /* p is its last owner */
	STEP(pt_vm_activate(p));
	CHECK_READS(copied, USR_RD, 0x70); /* cached read-only */
	CHECK_READS(reused, USR_RD, 0x74);
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_fault(p, copied, PF_P | PF_W | PF_U));
	STEP(pt_vm_fault(p, reused, PF_P | PF_W | PF_U));
	CHECK_EQ(stats_now().cow_copies - s0.cow_copies, 1);
	CHECK_EQ(stats_now().cow_reuses - s0.cow_reuses, 1);
	paddr_t copy = query_pa(p, copied);
	CHECK_NE(copy, old);
	set_frame_word(copy, 0x71);
	CHECK_READS(copied, USR_RD, 0x71);
	CHECK_WRITES(reused, USR_WR, 0x75);
	CHECK_READS(reused, USR_RD, 0x75);
	CHECK_EQ(fx_frame_word(old), 0x70);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(c));
	STEP(pt_vm_destroy(p));
}

/*
 * An unlinked table's slot may serve another region at once: a CPU that
 * kept the old PDE in its paging-structure cache would walk the new table
 * for the old region.  (QEMU has no such cache: only the host sees it.)
 */
static void an_unlinked_table_is_not_walked_again(void)
{
	vaddr_t gone = REGION(0) + PAGE(3), other = REGION(5) + PAGE(3);
	/* filled now: the pt_kunmap of a fill invalidates, which would hide a missing one */
	paddr_t f = fx_user_frame(0x81);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, gone, 0x80, URW, NULL));
	STEP(pt_vm_activate(as));
	CHECK_READS(gone, USR_RD, 0x80); /* the PDE is walked, and may be cached */
	STEP(pt_vm_unmap(as, gone));
	CHECK_EQ(info_of(as).tables, 0);
	STEP(pt_vm_map(as, other, f, URW));
	CHECK_EQ(slot_of(as, other), 1); /* the slot the unlinked table had */
	CHECK_READS(other, USR_RD, 0x81);
	CHECK_FAULTS(gone, USR_RD, PF_U);
	CHECK_FAULTS(gone, SUP_WR, PF_W);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

/*
 * Each invalidation is counted where it is decided: a kernel page's always
 * (a kmap window, whatever space is live), a range's of a space not live
 * as one skipped flush.
 */
static void invalidations_are_counted_where_they_are_decided(void)
{
	int a = pt_vm_create(), b = pt_vm_create();
	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	STEP(map_filled(b, REGION(3), 0x90, URW, NULL));
	STEP(map_filled(b, REGION(3) + PAGE(50), 0x91, URW, NULL));
	STEP(map_filled(b, REGION(3) + PAGE(60), 0x92, URW, NULL)); /* keeps the table */
	STEP(pt_vm_activate(a));
	struct vm_stats s0 = stats_now();
	CHECK_EQ(fx_frame_word(query_pa(b, REGION(3))), 0x90); /* a kmap window, mapped and dropped */
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.invlpgs - s0.invlpgs, 1);
	CHECK_EQ(s1.invalidations_skipped, s0.invalidations_skipped);
	STEP(pt_vm_unmap_range(b, REGION(3), TLB_RANGE_FLUSH + 20));
	struct vm_stats s2 = stats_now();
	CHECK_EQ(s2.invalidations_skipped - s1.invalidations_skipped, 1);
	CHECK_EQ(s2.tlb_flushes, s1.tlb_flushes);
	CHECK_EQ(s2.invlpgs, s1.invlpgs);
	CHECK_EQ(info_of(b).mapped, 1);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(a));
	STEP(pt_vm_destroy(b));
}

static const struct test_case cases[] = {
	TEST_CASE(unmapping_a_live_page_is_seen_at_once),
	TEST_CASE(narrowing_a_live_page_is_seen_at_once),
	TEST_CASE(changes_to_a_space_not_live_skip_the_tlb),
	TEST_CASE(breaking_cow_without_a_fault_is_seen_at_once),
	TEST_CASE(an_unlinked_table_is_not_walked_again),
	TEST_CASE(invalidations_are_counted_where_they_are_decided),
};

DEFINE_PART(vm_tlb_part, cases);
