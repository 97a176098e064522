/*
 * vm_bad.c - bad input: every call refuses a bad handle, address, range,
 * flag or frame with an error code, and changes nothing (fx_same).
 */
#include "frame.h"
#include "ptblock.h"
#include "seam.h"
#include "tracker.h"
#include "vm_util.h"

static int never_called(vaddr_t va, const struct vm_mapping *m, void *ctx)
{
	(void)va, (void)m;
	(*(int *)ctx)++;
	return 0;
}

/* Every call that takes a handle, with handle h: each must say -E_BADH. */
static void check_handle_rejected(int h, paddr_t frame)
{
	struct vm_mapping m;
	struct vm_space_info info;
	paddr_t pa;
	int visits = 0;

	CHECK_ERR(pt_vm_map(h, REGION(0), frame, URW), E_BADH);
	CHECK_ERR(pt_vm_map_range(h, REGION(0), frame, 1, URW), E_BADH);
	CHECK_ERR(pt_vm_map_zero(h, REGION(0), URW), E_BADH);
	CHECK_ERR(pt_vm_unmap(h, REGION(0) + PAGE(3)), E_BADH);
	CHECK_ERR(pt_vm_unmap_range(h, REGION(0), 8), E_BADH);
	CHECK_ERR(pt_vm_protect(h, REGION(0) + PAGE(3), 1, VM_USER), E_BADH);
	CHECK_ERR(pt_vm_query(h, REGION(0) + PAGE(3), &m), E_BADH);
	CHECK_ERR(pt_vm_translate(h, REGION(0) + PAGE(3), &pa), E_BADH);
	CHECK_ERR(pt_vm_clone(h, VM_CLONE_COW), E_BADH);
	CHECK_ERR(pt_vm_clone(h, VM_CLONE_EAGER), E_BADH);
	CHECK_ERR(pt_vm_fault(h, REGION(0) + PAGE(3), PF_P | PF_W | PF_U), E_BADH);
	CHECK_ERR(pt_vm_iterate(h, never_called, &visits), E_BADH);
	CHECK_EQ(visits, 0);
	CHECK_ERR(pt_vm_info(h, &info), E_BADH);
	CHECK_ERR(pt_vm_destroy(h), E_BADH);
	if (h != TRK_MASTER)
		CHECK_ERR(pt_vm_activate(h), E_BADH);
}

static void bad_freed_and_master_handles_are_rejected(void)
{
	static pde_t master_pd[PT_ENTRIES];

	int as = populated_space();
	CHECK_GT(as, 0);
	int freed = pt_vm_create();
	CHECK_GT(freed, 0);
	STEP(pt_vm_destroy(freed));
	paddr_t frame = fx_user_frame(0x99);
	memcpy(master_pd, pt_ptb_pd(pt_trk_get(TRK_MASTER)), sizeof(master_pd));
	const int handles[] = { freed, TRK_MASTER, -1, -E_BADH, (int)TRK_MAX, (int)TRK_MAX + 1,
				600, 0x7FFFFFFF, (int)0x80000000u };
	int live = pt_vm_live();
	fx_snap(as, &snap);
	for (uint32_t i = 0; i < ARRAY_SIZE(handles); i++) {
		check_handle_rejected(handles[i], frame);
		if (test_failed()) {
			kprintf("  (handle %d)\n", handles[i]);
			return;
		}
		CHECK_OK(pt_vm_check());
	}
	CHECK(fx_same(as, &snap));
	CHECK_MEM_EQ(pt_ptb_pd(pt_trk_get(TRK_MASTER)), master_pd, sizeof(master_pd));
	CHECK_EQ(pt_frame_refcount(frame), 1);
	CHECK_EQ(pt_vm_live(), live);
	CHECK_OK(pt_vm_activate(TRK_MASTER)); /* the master can be made live, nothing else */
	CHECK_EQ(pt_vm_live(), TRK_MASTER);
	CHECK_OK(pt_frame_free(frame));
	STEP(pt_vm_destroy(as));
}

static void unaligned_addresses_and_empty_ranges_are_rejected(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	paddr_t frame = fx_user_frame(0x98);
	vaddr_t odd = REGION(1) + 0x10;
	fx_snap(as, &snap);
	CHECK_ERR(pt_vm_map(as, odd, frame, URW), E_INVAL);
	CHECK_ERR(pt_vm_map_range(as, odd, frame, 1, URW), E_INVAL);
	CHECK_ERR(pt_vm_map_zero(as, odd, URW), E_INVAL);
	CHECK_ERR(pt_vm_unmap(as, REGION(0) + PAGE(3) + 4), E_INVAL);
	CHECK_ERR(pt_vm_unmap_range(as, REGION(0) + PAGE(3) + 4, 1), E_INVAL);
	CHECK_ERR(pt_vm_protect(as, REGION(0) + PAGE(3) + 0x800, 1, VM_USER), E_INVAL);
	CHECK_ERR(pt_vm_map(as, REGION(1), frame + 8, URW), E_INVAL);
	CHECK_ERR(pt_vm_map_range(as, REGION(1), DEVICE_PA + 1, 2, URW), E_INVAL);
	CHECK_ERR(pt_vm_map_range(as, REGION(1), DEVICE_PA, 0, URW), E_INVAL);
	CHECK_ERR(pt_vm_unmap_range(as, REGION(0), 0), E_INVAL);
	CHECK_ERR(pt_vm_protect(as, REGION(0) + PAGE(3), 0, VM_USER), E_INVAL);
	CHECK_ERR(pt_vm_clone(as, (enum vm_clone_mode)7), E_INVAL);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(pt_frame_refcount(frame), 1);
	CHECK_OK(pt_frame_free(frame));
	STEP(pt_vm_destroy(as));
}

static void kernel_space_addresses_are_rejected(void)
{
	/* page 0, the kernel's part (PT_PHYS_OFFSET + pa), gate, kmap, either side of user space */
	static const vaddr_t kernel_va[] = { 0, PT_PHYS_OFFSET + PAGE_SIZE, PT_PHYS_OFFSET + MiB(1),
					     PT_PHYS_OFFSET + MiB(8), GATE_BASE, KMAP_BASE,
					     USER_BASE - PAGE_SIZE, USER_LAST + PAGE_SIZE };
	struct vm_mapping m;
	paddr_t pa;

	int as = populated_space();
	CHECK_GT(as, 0);
	paddr_t frame = fx_user_frame(0x97);
	fx_snap(as, &snap);
	for (uint32_t i = 0; i < ARRAY_SIZE(kernel_va); i++) {
		vaddr_t va = kernel_va[i];
		CHECK_ERR(pt_vm_map(as, va, frame, URW), E_RANGE);
		CHECK_ERR(pt_vm_map_range(as, va, frame, 1, URW), E_RANGE);
		CHECK_ERR(pt_vm_map_zero(as, va, URW), E_RANGE);
		CHECK_ERR(pt_vm_unmap(as, va), E_RANGE);
		CHECK_ERR(pt_vm_unmap_range(as, va, 1), E_RANGE);
		CHECK_ERR(pt_vm_protect(as, va, 1, URW), E_RANGE);
		CHECK_ERR(pt_vm_query(as, va, &m), E_RANGE);
		CHECK_ERR(pt_vm_translate(as, va + 4, &pa), E_RANGE);
		CHECK_ERR(pt_vm_fault(as, va, PF_P | PF_W), E_FAULT);
	}
	/* a range that starts in kernel space and reaches into user space */
	CHECK_ERR(pt_vm_map_range(as, USER_BASE - PAGE_SIZE, DEVICE_PA, 2, URW), E_RANGE);
	CHECK_ERR(pt_vm_unmap_range(as, USER_BASE - PAGE_SIZE, 5), E_RANGE);
	CHECK_ERR(pt_vm_protect(as, KMAP_BASE, 1024 + 4, URW), E_RANGE);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_OK(pt_frame_free(frame));
	STEP(pt_vm_destroy(as));
}

static void ranges_that_wrap_past_4_gib_are_rejected(void)
{
	const uint32_t user_pages = (USER_LAST - USER_BASE) / PAGE_SIZE + 1;

	int as = populated_space();
	CHECK_GT(as, 0);
	fx_snap(as, &snap);
	CHECK_ERR(pt_vm_map_range(as, USER_LAST, DEVICE_PA, 2, URW), E_RANGE);
	CHECK_ERR(pt_vm_unmap_range(as, USER_LAST, 2), E_RANGE);
	CHECK_ERR(pt_vm_protect(as, USER_LAST, 2, URW), E_RANGE);
	CHECK_ERR(pt_vm_map_range(as, USER_BASE, DEVICE_PA, user_pages + 1, URW), E_RANGE);
	CHECK_ERR(pt_vm_unmap_range(as, USER_BASE, user_pages + 1), E_RANGE);
	CHECK_ERR(pt_vm_unmap_range(as, REGION(0) + PAGE(3), UINT32_MAX), E_RANGE);
	CHECK_ERR(pt_vm_protect(as, REGION(0) + PAGE(3), 0x80000000u, VM_USER), E_RANGE);
	/* frames that would wrap past 4 GiB */
	CHECK_ERR(pt_vm_map_range(as, REGION(5), 0xFFFFF000u, 2, VM_USER), E_RANGE);
	CHECK_ERR(pt_vm_map_range(as, REGION(5), DEVICE_PA, 0x10001, VM_USER), E_RANGE);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	/* the very end is fine */
	STEP(pt_vm_map_range(as, USER_LAST - PAGE_SIZE, 0xFFFFE000u, 2, VM_USER));
	CHECK_EQ(query_pa(as, USER_LAST), 0xFFFFF000u);
	STEP(pt_vm_unmap_range(as, USER_BASE, user_pages));
	CHECK_EQ(info_of(as).mapped, 0);
	STEP(pt_vm_destroy(as));
}

static void unknown_flag_bits_are_rejected(void)
{
	static const uint32_t bad[] = { PG_P, PG_PWT, PG_PCD, PG_A, PG_D, PG_PS, PG_G, VM_COW,
					PG_COW_W, BIT(11), BIT(12), BIT(31) };

	int as = populated_space();
	CHECK_GT(as, 0);
	paddr_t frame = fx_user_frame(0x96);
	fx_snap(as, &snap);
	for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_ERR(pt_vm_map(as, REGION(1), frame, URW | bad[i]), E_INVAL);
		CHECK_ERR(pt_vm_map_range(as, REGION(1), DEVICE_PA, 4, VM_USER | bad[i]), E_INVAL);
		CHECK_ERR(pt_vm_map_zero(as, REGION(1), bad[i]), E_INVAL);
		CHECK_ERR(pt_vm_protect(as, REGION(0) + PAGE(3), 1, VM_USER | bad[i]), E_INVAL);
	}
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(pt_frame_refcount(frame), 1);
	CHECK_OK(pt_frame_free(frame));
	STEP(pt_vm_destroy(as));
}

/*
 * One page mapped in the middle of a range that also needs a new table:
 *
 *   REGION(5) - 4 pages ... REGION(5) + 3 pages    (8 pages)
 *   no table yet          | REGION(5) + 1 mapped
 *
 * The whole range is refused: no page mapped, no table linked, no growth.
 */
static void mapping_over_a_mapped_page_refuses_the_whole_range(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(5) + PAGE(1), 0x31, URW, NULL));
	paddr_t frame = fx_user_frame(0x95);
	fx_snap(as, &snap);
	CHECK_ERR(pt_vm_map_range(as, REGION(5) - PAGE(4), DEVICE_PA, 8, URW), E_EXIST);
	CHECK_ERR(pt_vm_map(as, REGION(5) + PAGE(1), frame, URW), E_EXIST);
	CHECK_ERR(pt_vm_map_zero(as, REGION(5) + PAGE(1), URW), E_EXIST);
	CHECK_ERR(pt_vm_map_range(as, REGION(2) - PAGE(1), DEVICE_PA, 1, URW), E_EXIST);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_ERR(query_rc(as, REGION(5) - PAGE(4)), E_NOENT);
	CHECK_ERR(query_rc(as, REGION(5)), E_NOENT);
	CHECK(!pde_present(pde_of(as, REGION(4))));
	CHECK_EQ(pt_frame_refcount(frame), 1);
	CHECK_EQ(fx_frame_word(query_pa(as, REGION(5) + PAGE(1))), 0x31);
	CHECK_OK(pt_frame_free(frame));
	STEP(pt_vm_destroy(as));
}

static void unmapping_or_protecting_a_hole_is_refused(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0) + PAGE(4), 0x41, URW, NULL));
	STEP(map_filled(as, REGION(0) + PAGE(6), 0x42, URW, NULL));
	fx_snap(as, &snap);
	CHECK_ERR(pt_vm_unmap(as, REGION(0) + PAGE(5)), E_NOENT);     /* in a table */
	CHECK_ERR(pt_vm_unmap(as, REGION(7)), E_NOENT);               /* no table */
	CHECK_ERR(pt_vm_protect(as, REGION(0) + PAGE(3), 4, VM_USER), E_NOENT);
	CHECK_ERR(pt_vm_protect(as, REGION(2) - PAGE(1), 3, VM_USER), E_NOENT); /* a hole last */
	CHECK_ERR(pt_vm_protect(as, REGION(7), 1, VM_USER), E_NOENT);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(query_flags(as, REGION(0) + PAGE(3)), URW);
	STEP(pt_vm_protect(as, REGION(0) + PAGE(3), 2, VM_USER)); /* without the hole: fine */
	CHECK_EQ(query_flags(as, REGION(0) + PAGE(4)), VM_USER);
	STEP(pt_vm_destroy(as));
}

static void kernel_zone_frames_cannot_be_mapped(void)
{
	paddr_t x = pt_frame_kzone_end(), kframe;

	int as = populated_space();
	CHECK_GT(as, 0);
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &kframe));
	const paddr_t bad[] = { info_of(as).block, pt_trk_page_addr(0), kframe, MiB(1),
				x - PAGE_SIZE };
	fx_snap(as, &snap);
	for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_ERR(pt_vm_map(as, REGION(1), bad[i], URW), E_RANGE);
		CHECK_ERR(pt_vm_map_range(as, REGION(1), bad[i], 1, VM_USER), E_RANGE);
	}
	/* runs that reach into the kernel zone from either side */
	CHECK_ERR(pt_vm_map_range(as, REGION(1), MiB(1) - PAGE_SIZE, 2, VM_USER), E_RANGE);
	CHECK_ERR(pt_vm_map_range(as, REGION(1), x - PAGE_SIZE, 2, VM_USER), E_RANGE);
	CHECK_ERR(pt_vm_map_range(as, REGION(1), 0, (x >> PAGE_SHIFT) + 1, VM_USER), E_RANGE);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(pt_frame_refcount(kframe), 1);
	CHECK_OK(pt_frame_free(kframe));
	/* the first MiB is not the kernel zone: not owned, mapped without references */
	struct fx_counts before, after;
	fx_counts(&before);
	STEP(pt_vm_map(as, REGION(0) + PAGE(9), 0x000B8000, VM_WRITE));
	STEP(pt_vm_unmap(as, REGION(0) + PAGE(9)));
	fx_counts(&after);
	CHECK_MEM_EQ(&after, &before, sizeof(before));
	STEP(pt_vm_destroy(as));
}

static void free_frames_cannot_be_mapped(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	paddr_t frame = fx_user_frame(0x94);
	CHECK_OK(pt_frame_free(frame));
	if (!fx_frames_kept_free()) { /* the frame is its source's again, free or not: none of ours */
		CHECK(fx_frame_let_go(frame));
		STEP(pt_vm_destroy(as));
		return;
	}
	fx_snap(as, &snap);
	CHECK_ERR(pt_vm_map(as, REGION(1), frame, URW), E_FREE);
	CHECK_ERR(pt_vm_map_range(as, REGION(1), frame, 1, URW), E_FREE);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(pt_frame_refcount(frame), 0);
	STEP(pt_vm_destroy(as));
}

static void the_live_space_cannot_be_destroyed(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	STEP(pt_vm_activate(as));
	fx_snap(as, &snap);
	CHECK_ERR(pt_vm_destroy(as), E_BUSY);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(pt_vm_live(), as);
	CHECK_EQ(hw_cr3(), info_of(as).block);
	CHECK_READS(REGION(0) + PAGE(3), USR_RD, 0x77);
	STEP(pt_vm_activate(0));
	CHECK_EQ(pt_vm_live(), TRK_MASTER);
	CHECK_EQ(hw_cr3(), pt_trk_base(pt_trk_get(TRK_MASTER)));
	STEP(pt_vm_destroy(as));
}

static const struct test_case cases[] = {
	TEST_CASE(bad_freed_and_master_handles_are_rejected),
	TEST_CASE(unaligned_addresses_and_empty_ranges_are_rejected),
	TEST_CASE(kernel_space_addresses_are_rejected),
	TEST_CASE(ranges_that_wrap_past_4_gib_are_rejected),
	TEST_CASE(unknown_flag_bits_are_rejected),
	TEST_CASE(mapping_over_a_mapped_page_refuses_the_whole_range),
	TEST_CASE(unmapping_or_protecting_a_hole_is_refused),
	TEST_CASE(kernel_zone_frames_cannot_be_mapped),
	TEST_CASE(free_frames_cannot_be_mapped),
	TEST_CASE(the_live_space_cannot_be_destroyed),
};

DEFINE_PART(vm_bad_part, cases);
