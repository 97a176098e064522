/*
 * vm_tlb.c - the TLB: a change to the live space is seen at once (invlpg,
 * or one flush for a long range); a change to a space not live costs none.
 */
#include "tlb.h"
#include "vm_util.h"

static void unmapping_a_live_page_is_seen_at_once(void)
{
	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0), 0x10, URW, NULL));
	STEP(map_filled(as, REGION(0) + PAGE(1), 0x11, URW, NULL));
	STEP(vm_activate(as));
	CHECK_WRITES(REGION(0), USR_WR, 0x20);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0x11);
	struct vm_stats s0 = stats_now();
	STEP(vm_unmap(as, REGION(0)));
	CHECK_GT(stats_now().invlpgs, s0.invlpgs);
	CHECK_FAULTS(REGION(0), USR_RD, PF_U);
	CHECK_FAULTS(REGION(0), SUP_WR, PF_W);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0x11);
	/* past TLB_RANGE_FLUSH pages, one flush instead of invlpg per page */
	STEP(map_filled(as, REGION(0) + PAGE(40), 0x12, URW, NULL));
	CHECK_READS(REGION(0) + PAGE(40), USR_RD, 0x12);
	s0 = stats_now();
	STEP(vm_unmap_range(as, REGION(0), TLB_RANGE_FLUSH + 20));
	CHECK_EQ(stats_now().tlb_flushes - s0.tlb_flushes, 1);
	CHECK_FAULTS(REGION(0) + PAGE(1), USR_RD, PF_U);
	CHECK_FAULTS(REGION(0) + PAGE(40), USR_RD, PF_U);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

static void narrowing_a_live_page_is_seen_at_once(void)
{
	vaddr_t va = REGION(4) + PAGE(4);

	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x40, URW, NULL));
	STEP(vm_activate(as));
	CHECK_WRITES(va, USR_WR, 0x41); /* cached writable and dirty */
	struct vm_stats s0 = stats_now();
	STEP(vm_protect(as, va, 1, VM_USER));
	CHECK_GT(stats_now().invlpgs, s0.invlpgs);
	CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
	CHECK_FAULTS(va, SUP_WR, PF_P | PF_W);
	CHECK_READS(va, USR_RD, 0x41);
	STEP(vm_protect(as, va, 1, 0)); /* now the kernel's only */
	CHECK_FAULTS(va, USR_RD, PF_P | PF_U);
	CHECK_READS(va, SUP_RD, 0x41);
	STEP(vm_protect(as, va, 1, URW)); /* and widened again */
	CHECK_WRITES(va, USR_WR, 0x42);
	CHECK_READS(va, USR_RD, 0x42);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

static void changes_to_a_space_not_live_skip_the_tlb(void)
{
	int a = vm_create(), b = vm_create();
	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	STEP(map_filled(b, REGION(1), 0x50, URW, NULL));
	STEP(map_filled(b, REGION(1) + PAGE(1), 0x51, URW, NULL));
	STEP(vm_activate(b));
	CHECK_WRITES(REGION(1), USR_WR, 0x52);
	CHECK_READS(REGION(1) + PAGE(1), USR_RD, 0x51);
	STEP(vm_activate(a));
	struct vm_stats s0 = stats_now();
	STEP(vm_protect(b, REGION(1), 1, VM_USER));
	STEP(vm_unmap(b, REGION(1) + PAGE(1)));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.invalidations_skipped - s0.invalidations_skipped, 2);
	CHECK_EQ(s1.invlpgs, s0.invlpgs);
	CHECK_EQ(s1.tlb_flushes, s0.tlb_flushes);
	STEP(vm_activate(b));
	CHECK_FAULTS(REGION(1), USR_WR, PF_P | PF_W | PF_U);
	CHECK_READS(REGION(1), USR_RD, 0x52);
	CHECK_FAULTS(REGION(1) + PAGE(1), USR_RD, PF_U);
	STEP(vm_activate(0));
	STEP(vm_destroy(a));
	STEP(vm_destroy(b));
}

static const struct test_case cases[] = {
	TEST_CASE(unmapping_a_live_page_is_seen_at_once),
	TEST_CASE(narrowing_a_live_page_is_seen_at_once),
	TEST_CASE(changes_to_a_space_not_live_skip_the_tlb),
};

DEFINE_PART(vm_tlb_part, cases);
