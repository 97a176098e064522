/*
 * vm_shrink.c - a table goes with its last page, the table in the last slot
 * moves into the slot of one unlinked, and the block shrinks when a quarter
 * or less of it is used, without growing and shrinking at every call.
 */
#include "frame.h"
#include "seam.h"
#include "vm_util.h"

static void a_table_goes_with_its_last_page(void)
{
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(pt_vm_map(as, REGION(0), DEVICE_PA, VM_USER));
	STEP(pt_vm_map(as, REGION(0) + PAGE(700), DEVICE_PA, VM_USER));
	STEP(pt_vm_map(as, REGION(1), DEVICE_PA, VM_USER));
	struct vm_stats s0 = stats_now();
	CHECK_EQ(info_of(as).tables, 2);
	STEP(pt_vm_unmap(as, REGION(0)));
	CHECK_EQ(info_of(as).tables, 2);
	CHECK(pde_present(pde_of(as, REGION(0))));
	STEP(pt_vm_unmap(as, REGION(0) + PAGE(700)));
	CHECK_EQ(info_of(as).tables, 1);
	CHECK_EQ(pde_of(as, REGION(0)).v, 0);
	CHECK_EQ(stats_now().tables, s0.tables - 1);
	CHECK_EQ(query_pa(as, REGION(1)), DEVICE_PA);
	STEP(pt_vm_unmap(as, REGION(1)));
	CHECK_EQ(info_of(as).tables, 0);
	CHECK_EQ(stats_now().tables, s0.tables - 2);
	STEP(pt_vm_destroy(as));
}

/*
 * Unlinking a table that is not in the last slot moves the last one in:
 *
 *   before:  | PD | PT REGION(0) | PT REGION(1) | PT REGION(2) |
 *   unmap all of REGION(0):
 *   after:   | PD | PT REGION(2) | PT REGION(1) | spare, zero  |
 */
static void unlinking_a_middle_table_moves_the_last_one_into_its_slot(void)
{
	/* filled now: the pt_kunmap of a fill invalidates, which would hide a missing one */
	paddr_t f = fx_user_frame(0x3099);
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	for (uint32_t r = 0; r < 3; r++)
		STEP(map_filled(as, REGION(r) + PAGE(r), 0x3000 + r, URW, NULL));
	CHECK_EQ(slot_of(as, REGION(2)), 3);
	STEP(pt_vm_activate(as));
	for (uint32_t r = 0; r < 3; r++)
		CHECK_READS(REGION(r) + PAGE(r), USR_RD, 0x3000 + r);
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_unmap_range(as, REGION(0), PT_ENTRIES));
	CHECK_EQ(stats_now().table_moves - s0.table_moves, 1);
	CHECK_EQ(slot_of(as, REGION(2)), 1);
	CHECK_EQ(slot_of(as, REGION(1)), 2);
	CHECK_EQ(info_of(as).tables, 2);
	CHECK_FAULTS(REGION(0), USR_RD, PF_U);
	CHECK_READS(REGION(1) + PAGE(1), USR_RD, 0x3001);
	CHECK_READS(REGION(2) + PAGE(2), USR_RD, 0x3002);
	/*
	 * The old slot still holds a copy of the moved table (the room a move
	 * leaves is not zeroed): only an entry new since the move tells which
	 * table a walk of REGION(2) uses, the PDE cached before it or now.
	 */
	STEP(pt_vm_map(as, REGION(2) + PAGE(5), f, URW));
	CHECK_READS(REGION(2) + PAGE(5), USR_RD, 0x3099);
	CHECK_WRITES(REGION(2) + PAGE(2) + 4, USR_WR, 0x3302);
	hw_flush_tlb();
	CHECK_READS(REGION(2) + PAGE(2) + 4, USR_RD, 0x3302);
	CHECK_READS(REGION(1) + PAGE(1), USR_RD, 0x3001);
	/* the table in the last slot goes without a move */
	s0 = stats_now();
	STEP(pt_vm_unmap(as, REGION(1) + PAGE(1)));
	CHECK_EQ(stats_now().table_moves - s0.table_moves, 0);
	CHECK_EQ(slot_of(as, REGION(2)), 1);
	CHECK_READS(REGION(2) + PAGE(2), USR_RD, 0x3002);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

static void map_unmap_at_a_table_boundary_does_not_grow_and_shrink_each_time(void)
{
	int as = fx_space_with_room(2);
	CHECK_GT(as, 0);
	STEP(pt_vm_map(as, REGION(1) - PAGE_SIZE, DEVICE_PA, VM_USER));
	struct vm_stats s0 = stats_now();
	for (uint32_t i = 0; i < 10; i++) {
		STEP(pt_vm_map(as, REGION(1), DEVICE_PA, VM_USER));
		CHECK_EQ(info_of(as).tables, 2);
		STEP(pt_vm_unmap(as, REGION(1)));
		CHECK_EQ(info_of(as).tables, 1);
		CHECK_EQ(info_of(as).pages, 3);
	}
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths + s1.relocations - s0.relocations, 1);
	CHECK_EQ(s1.shrinks - s0.shrinks, 0);
	/* with no table left, the block goes back to pages A and B */
	STEP(pt_vm_unmap(as, REGION(1) - PAGE_SIZE));
	CHECK_EQ(info_of(as).pages, 2);
	CHECK_EQ(stats_now().shrinks - s0.shrinks, 1);
	/* one table alone: mapping and unmapping its page never resizes the block */
	int b = pt_vm_create();
	CHECK_GT(b, 0);
	s0 = stats_now();
	for (uint32_t i = 0; i < 10; i++) {
		STEP(pt_vm_map(b, USER_LAST, DEVICE_PA, VM_USER));
		STEP(pt_vm_unmap(b, USER_LAST));
		CHECK_EQ(info_of(b).pages, 2);
	}
	s1 = stats_now();
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths + s1.relocations - s0.relocations, 0);
	CHECK_EQ(s1.shrinks - s0.shrinks, 0);
	STEP(pt_vm_destroy(b));
	STEP(pt_vm_destroy(as));
}

/*
 * 8 tables grown in place (9 pages); the block keeps its pages until a
 * quarter or less is used, then halves to twice what it uses, and with no
 * table left goes back to pages A and B.  It then grows again in place.
 */
static void block_grows_shrinks_and_grows_again(void)
{
	int as = fx_space_with_room(8);
	CHECK_GT(as, 0);
	paddr_t base = info_of(as).block;
	for (uint32_t r = 0; r < 8; r++)
		STEP(map_filled(as, REGION(r), 0x800 + r, URW, NULL));
	CHECK_EQ(info_of(as).pages, 9);
	struct vm_stats s0 = stats_now();
	for (uint32_t r = 7; r >= 2; r--) {
		STEP(pt_vm_unmap(as, REGION(r)));
		CHECK_EQ(info_of(as).pages, 9); /* 3 of 9 pages used is more than a quarter */
	}
	CHECK_EQ(stats_now().shrinks - s0.shrinks, 0);
	STEP(pt_vm_unmap(as, REGION(1)));
	CHECK_EQ(info_of(as).pages, 4);
	CHECK_EQ(stats_now().shrinks - s0.shrinks, 1);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), fx_start.free_kernel - 4);
	STEP(pt_vm_unmap(as, REGION(0)));
	CHECK_EQ(info_of(as).pages, 2);
	CHECK_EQ(info_of(as).tables, 0);
	CHECK_EQ(stats_now().shrinks - s0.shrinks, 2);
	CHECK_EQ(stats_now().table_moves - s0.table_moves, 0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), fx_start.free_kernel - 2);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user);
	s0 = stats_now();
	for (uint32_t r = 10; r < 13; r++)
		STEP(map_filled(as, REGION(r), 0x900 + r, URW, NULL));
	CHECK_EQ(info_of(as).pages, 4);
	CHECK_EQ(info_of(as).block, base);
	CHECK_EQ(stats_now().inplace_growths - s0.inplace_growths, 2);
	STEP(pt_vm_activate(as));
	for (uint32_t r = 10; r < 13; r++)
		CHECK_READS(REGION(r) + 12, USR_RD, 0x900 + r);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

static const struct test_case cases[] = {
	TEST_CASE(a_table_goes_with_its_last_page),
	TEST_CASE(unlinking_a_middle_table_moves_the_last_one_into_its_slot),
	TEST_CASE(map_unmap_at_a_table_boundary_does_not_grow_and_shrink_each_time),
	TEST_CASE(block_grows_shrinks_and_grows_again),
};

DEFINE_PART(vm_shrink_part, cases);
