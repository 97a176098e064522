/*
 * vm_grow.c - growing an address space's block: in place when the frames
 * after it are free, else by relocation to a run twice as large, the live
 * space included; and the slots tables take in it, zeroed only when they
 * are taken.
 */
#include "frame.h"
#include "seam.h"
#include "vm_util.h"

static void block_grows_in_place_when_the_frames_after_it_are_free(void)
{
	int as = fx_space_with_room(4);
	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_check());
	struct vm_space_info i0 = info_of(as);
	struct vm_stats s0 = stats_now();
	CHECK_EQ(i0.pages, 2);
	for (uint32_t r = 0; r < 4; r++) {
		STEP(pt_vm_map(as, REGION(r * 100), DEVICE_PA + PAGE(r), VM_USER));
		CHECK_EQ(info_of(as).block, i0.block);
		CHECK_EQ(info_of(as).pages, MAX(2, r + 2)); /* in place: just what is needed */
	}
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths, 3);
	CHECK_EQ(s1.relocations - s0.relocations, 0);
	CHECK_EQ(s1.pages_copied - s0.pages_copied, 0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), fx_start.free_kernel - 5);
	for (uint32_t r = 0; r < 4; r++)
		CHECK_EQ(query_pa(as, REGION(r * 100)), DEVICE_PA + PAGE(r));
	STEP(pt_vm_destroy(as));
}

static void block_relocates_when_the_frame_after_it_is_taken(void)
{
	paddr_t pa[2], plug;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0), 0xAAAA0000, URW, &pa[0]));
	STEP(map_filled(as, REGION(0) + PAGE(1), 0xAAAA0001, VM_USER, &pa[1]));
	struct vm_space_info i0 = info_of(as);
	CHECK_EQ(i0.pages, 2);
	STEP(block_the_way(as, &plug));
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_map(as, REGION(1), DEVICE_PA, URW));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.relocations - s0.relocations, 1);
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths, 0);
	CHECK_EQ(s1.pages_copied - s0.pages_copied, 2); /* the directory and one table */
	struct vm_space_info i1 = info_of(as);
	CHECK_NE(i1.block, i0.block);
	CHECK_EQ(i1.pages, 4); /* room to double */
	CHECK_EQ(i1.tables, 2);
	CHECK(fx_kframes_free(i0.block, 2)); /* the old run went back */
	/* the same handle, the same mappings */
	CHECK_EQ(query_pa(as, REGION(0)), pa[0]);
	CHECK_EQ(query_flags(as, REGION(0)), URW);
	CHECK_EQ(query_pa(as, REGION(0) + PAGE(1)), pa[1]);
	CHECK_EQ(query_flags(as, REGION(0) + PAGE(1)), VM_USER);
	CHECK_EQ(fx_frame_word(pa[1]), 0xAAAA0001);
	give_back_plug(plug);
	STEP(pt_vm_destroy(as));
}

/*
 * The live space moves:
 *
 *   before:  CR3 -> | PD | PT r0 |[plug]
 *   after:                        [plug] ... CR3 -> | PD | PT r0 | PT r3 | spare |
 *
 * Cached translations stay right, CR3 follows the block, and a page mapped
 * after the move is found by walking the new block.
 */
static void relocating_the_live_space_keeps_every_translation(void)
{
	paddr_t plug;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	for (uint32_t i = 0; i < 4; i++)
		STEP(map_filled(as, REGION(0) + PAGE(i), 0x100 + i, URW, NULL));
	struct vm_space_info i0 = info_of(as);
	STEP(pt_vm_activate(as));
	CHECK_EQ(hw_cr3(), i0.block);
	for (uint32_t i = 0; i < 4; i++)
		CHECK_READS(REGION(0) + PAGE(i), USR_RD, 0x100 + i);
	CHECK_WRITES(REGION(0), USR_WR, 0xD1);
	STEP(block_the_way(as, &plug));
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_map_zero(as, REGION(3), URW));
	CHECK_EQ(stats_now().relocations - s0.relocations, 1);
	struct vm_space_info i1 = info_of(as);
	CHECK_NE(i1.block, i0.block);
	CHECK_EQ(hw_cr3(), i1.block);
	CHECK_EQ(pt_vm_live(), as);
	CHECK_READS(REGION(0), USR_RD, 0xD1);
	for (uint32_t i = 1; i < 4; i++)
		CHECK_READS(REGION(0) + PAGE(i), USR_RD, 0x100 + i);
	CHECK_WRITES(REGION(0) + PAGE(1), USR_WR, 0xD2);
	CHECK_READS(REGION(3), USR_RD, 0);
	CHECK_WRITES(REGION(3) + 4, USR_WR, 0xD3);
	hw_flush_tlb(); /* and once more, every translation walked from the new block */
	CHECK_READS(REGION(0), USR_RD, 0xD1);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0xD2);
	CHECK_READS(REGION(0) + PAGE(3), USR_RD, 0x103);
	CHECK_READS(REGION(3) + 4, USR_RD, 0xD3);
	CHECK_FAULTS(REGION(1), USR_RD, PF_U);
	STEP(pt_vm_activate(0));
	give_back_plug(plug);
	STEP(pt_vm_destroy(as));
}

/*
 * Growth by relocation doubles the block, so 64 tables cost 6 moves
 * (2 -> 4 -> 8 -> 16 -> 32 -> 64 -> 128 pages) and 2 + 4 + ... + 64 = 126
 * pages copied, though every move is forced.
 */
static void relocations_double_the_block_so_copying_stays_linear(void)
{
	paddr_t plugs[8];
	uint32_t nplugs = 0;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	struct vm_stats s0 = stats_now();
	for (uint32_t r = 0; r < 64; r++) {
		struct vm_space_info info = info_of(as);
		if (info.tables + 1 == info.pages) {
			CHECK_LT(nplugs, ARRAY_SIZE(plugs));
			STEP(block_the_way(as, &plugs[nplugs]));
			nplugs++;
		}
		STEP(pt_vm_map(as, REGION(r * 11), DEVICE_PA, VM_USER));
	}
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.relocations - s0.relocations, 6);
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths, 0);
	CHECK_EQ(s1.pages_copied - s0.pages_copied, 126);
	CHECK_EQ(info_of(as).pages, 128);
	CHECK_EQ(info_of(as).tables, 64);
	while (nplugs > 0)
		give_back_plug(plugs[--nplugs]);
	STEP(pt_vm_destroy(as));
}

/*
 * Tables take block slots in the order they are first needed, whatever
 * their directory index:
 *
 *   map REGION(700), then REGION(0), then REGION(300):
 *   block: | PD | PT REGION(700) | PT REGION(0) | PT REGION(300) |
 */
static void tables_take_slots_in_order_of_first_use(void)
{
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(pt_vm_map(as, REGION(700) + PAGE(9), DEVICE_PA, VM_USER));
	STEP(pt_vm_map(as, REGION(0), DEVICE_PA, VM_USER));
	STEP(pt_vm_map(as, REGION(300) + PAGE(1023), DEVICE_PA, VM_USER));
	STEP(pt_vm_map(as, REGION(0) + PAGE(1), DEVICE_PA, VM_USER)); /* no new table */
	CHECK_EQ(slot_of(as, REGION(700)), 1);
	CHECK_EQ(slot_of(as, REGION(0)), 2);
	CHECK_EQ(slot_of(as, REGION(300)), 3);
	CHECK_EQ(info_of(as).tables, 3);
	CHECK_EQ(info_of(as).pages, 4);
	STEP(pt_vm_destroy(as));
}

/* Fill the spare pages of the block of as with a word that no entry holds. */
static void scribble_on_spares(int as)
{
	struct vm_space_info info = info_of(as);

	for (uint32_t s = 1 + info.tables; s < info.pages; s++) {
		uint32_t *w = hw_phys(info.block + PAGE(s));
		for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
			w[i] = 0xFFFFFFFFu;
	}
}

/*
 * A spare page is zeroed when it becomes a table, not before: whatever it
 * held, the new table maps only the page just mapped.
 */
static void a_spare_page_is_zeroed_when_it_becomes_a_table(void)
{
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	RUN(scribble_on_spares(as)); /* page B */
	STEP(pt_vm_map(as, REGION(3) + PAGE(4), DEVICE_PA, VM_USER));
	CHECK_EQ(info_of(as).mapped, 1);
	CHECK_EQ(pte_of(as, REGION(3)).v, 0);
	CHECK_EQ(pte_of(as, REGION(3) + PAGE(1023)).v, 0);
	/* room a growth takes, and the slot a removed table leaves */
	STEP(pt_vm_map_range(as, REGION(5), DEVICE_PA, 3, VM_USER));
	STEP(pt_vm_map(as, REGION(9), DEVICE_PA, VM_USER));
	STEP(pt_vm_unmap_range(as, REGION(5), 3));
	RUN(scribble_on_spares(as));
	STEP(pt_vm_map(as, REGION(12) + PAGE(1), DEVICE_PA, URW));
	STEP(pt_vm_map(as, REGION(13) + PAGE(2), DEVICE_PA, URW));
	CHECK_EQ(info_of(as).mapped, 4);
	CHECK_EQ(pte_of(as, REGION(12)).v, 0);
	CHECK_EQ(pte_of(as, REGION(13) + PAGE(1)).v, 0);
	STEP(pt_vm_destroy(as));
}

static const struct test_case cases[] = {
	TEST_CASE(block_grows_in_place_when_the_frames_after_it_are_free),
	TEST_CASE(block_relocates_when_the_frame_after_it_is_taken),
	TEST_CASE(relocating_the_live_space_keeps_every_translation),
	TEST_CASE(relocations_double_the_block_so_copying_stays_linear),
	TEST_CASE(tables_take_slots_in_order_of_first_use),
	TEST_CASE(a_spare_page_is_zeroed_when_it_becomes_a_table),
};

DEFINE_PART(vm_grow_part, cases);
