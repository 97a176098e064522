/*
 * vm_map.c - mapping and unmapping pages and ranges, pt_vm_query and
 * pt_vm_translate, and what an access of each kind does to a page of each
 * flag combination.  How the vm suite's cases are written: vm_util.h.
 */
#include "frame.h"
#include "vm_util.h"

static void map_then_query_and_translate_one_page(void)
{
	vaddr_t va = REGION(3) + PAGE(5);
	struct vm_mapping m;
	paddr_t pa, t;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_check());
	STEP(map_filled(as, va, 0xA1A1A1A1, URW, &pa));
	CHECK_OK(pt_vm_query(as, va, &m));
	CHECK_EQ(m.pa, pa);
	CHECK_EQ(m.flags, URW);
	CHECK_OK(pt_vm_translate(as, va + 0x123, &t));
	CHECK_EQ(t, pa + 0x123);
	CHECK_EQ(pt_frame_refcount(pa), 1); /* the caller's reference went to the mapping */
	CHECK_ERR(pt_vm_query(as, va - PAGE_SIZE, &m), E_NOENT);
	CHECK_ERR(pt_vm_query(as, va + PAGE_SIZE, &m), E_NOENT);
	CHECK_ERR(pt_vm_translate(as, REGION(4), &t), E_NOENT);
	CHECK_EQ(info_of(as).tables, 1);
	CHECK_EQ(info_of(as).mapped, 1);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user - 1);
	STEP(pt_vm_unmap(as, va));
	CHECK_ERR(pt_vm_query(as, va, &m), E_NOENT);
	CHECK_ERR(pt_vm_translate(as, va, &t), E_NOENT);
	CHECK(fx_frame_let_go(pa)); /* the last reference went with the mapping */
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user);
	CHECK_EQ(info_of(as).tables, 0);
	CHECK_EQ(info_of(as).mapped, 0);
	STEP(pt_vm_destroy(as));
}

/*
 * Four pages across the boundary of REGION(1): two in each table.
 *
 *   REGION(1) - 2 pages   REGION(1) - 1   | REGION(1)   REGION(1) + 1
 *   table of REGION(0)                   | table of REGION(1)
 */
static void map_range_crosses_a_table_boundary(void)
{
	vaddr_t va = REGION(1) - PAGE(2);
	paddr_t t;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(pt_vm_map_range(as, va, DEVICE_PA, 4, URW));
	CHECK_EQ(info_of(as).tables, 2);
	CHECK_EQ(info_of(as).mapped, 4);
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_EQ(query_pa(as, va + PAGE(i)), DEVICE_PA + PAGE(i));
		CHECK_EQ(query_flags(as, va + PAGE(i)), URW);
		CHECK_OK(pt_vm_translate(as, va + PAGE(i) + 0xFFC, &t));
		CHECK_EQ(t, DEVICE_PA + PAGE(i) + 0xFFC);
	}
	CHECK_ERR(query_rc(as, va - PAGE_SIZE), E_NOENT);
	CHECK_ERR(query_rc(as, va + PAGE(4)), E_NOENT);
	STEP(pt_vm_unmap_range(as, va + PAGE(1), 2)); /* one page left in each table */
	CHECK_EQ(info_of(as).tables, 2);
	CHECK_EQ(info_of(as).mapped, 2);
	CHECK_EQ(query_pa(as, va), DEVICE_PA);
	CHECK_EQ(query_pa(as, va + PAGE(3)), DEVICE_PA + PAGE(3));
	STEP(pt_vm_unmap_range(as, va, 4)); /* holes are fine */
	CHECK_EQ(info_of(as).tables, 0);
	CHECK_EQ(info_of(as).mapped, 0);
	STEP(pt_vm_destroy(as));
}

static void unmap_range_with_holes_drops_every_reference(void)
{
	paddr_t pa[3];

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(2), 1, URW, &pa[0]));
	STEP(map_filled(as, REGION(2) + PAGE(2), 2, URW, &pa[1]));
	STEP(map_filled(as, REGION(2) + PAGE(5), 3, VM_USER, &pa[2]));
	STEP(pt_vm_map(as, REGION(9), DEVICE_PA, VM_USER));
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user - 3);
	STEP(pt_vm_unmap_range(as, REGION(2), 8));
	for (uint32_t i = 0; i < 3; i++)
		CHECK(fx_frame_let_go(pa[i]));
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user);
	CHECK_EQ(info_of(as).tables, 1);
	CHECK_EQ(query_pa(as, REGION(9)), DEVICE_PA);
	/* a range with nothing in it: fine, and nothing changes */
	fx_snap(as, &snap);
	STEP(pt_vm_unmap_range(as, REGION(2), 1024));
	STEP(pt_vm_unmap_range(as, REGION(40), 3000));
	CHECK(fx_same(as, &snap));
	STEP(pt_vm_destroy(as));
}

/*
 * What each access does to a page of each flag combination, with CR0.WP
 * on (a supervisor write honours R/W):
 *
 *   flags          CPL0 read  CPL0 write  CPL3 read  CPL3 write
 *   0              ok         P|W         P|U        P|W|U
 *   WRITE          ok         ok          P|U        P|W|U
 *   USER           ok         P|W         ok         P|W|U
 *   USER|WRITE     ok         ok          ok         ok
 */
static void probes_follow_the_flags(void)
{
	static const uint32_t flag_sets[] = { 0, VM_WRITE, VM_USER, URW };

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	for (uint32_t i = 0; i < ARRAY_SIZE(flag_sets); i++) {
		STEP(map_filled(as, REGION(0) + PAGE(i), 0x100 + i, flag_sets[i], NULL));
		CHECK_EQ(query_flags(as, REGION(0) + PAGE(i)), flag_sets[i]);
	}
	STEP(pt_vm_activate(as));
	for (uint32_t i = 0; i < ARRAY_SIZE(flag_sets); i++) {
		vaddr_t va = REGION(0) + PAGE(i);
		bool w = flag_sets[i] & VM_WRITE, u = flag_sets[i] & VM_USER;
		uint32_t v = 0x100 + i;

		CHECK_READS(va, SUP_RD, v);
		if (w)
			CHECK_WRITES(va + 4, SUP_WR, v + 0x1000);
		else
			CHECK_FAULTS(va + 4, SUP_WR, PF_P | PF_W);
		if (u)
			CHECK_READS(va + 4, USR_RD, w ? v + 0x1000 : v);
		else
			CHECK_FAULTS(va + 4, USR_RD, PF_P | PF_U);
		if (u && w)
			CHECK_WRITES(va + 8, USR_WR, v + 0x2000);
		else
			CHECK_FAULTS(va + 8, USR_WR, PF_P | PF_W | PF_U);
		CHECK_READS(va + 8, SUP_RD, u && w ? v + 0x2000 : v);
	}
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

static void read_only_user_page_refuses_writes_at_both_levels(void)
{
	vaddr_t va = REGION(5);
	paddr_t pa;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x5555, VM_USER, &pa));
	STEP(pt_vm_activate(as));
	CHECK_READS(va, USR_RD, 0x5555);
	CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
	CHECK_FAULTS(va, SUP_WR, PF_P | PF_W); /* CR0.WP: the kernel is refused too */
	CHECK_EQ(fx_frame_word(pa), 0x5555);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

static void supervisor_page_in_user_space_is_kernel_only(void)
{
	vaddr_t va = REGION(6) + PAGE(1);
	paddr_t pa;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x6666, VM_WRITE, &pa));
	CHECK_EQ(query_flags(as, va), VM_WRITE);
	STEP(pt_vm_activate(as));
	CHECK_FAULTS(va, USR_RD, PF_P | PF_U);
	CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
	CHECK_READS(va, SUP_RD, 0x6666);
	CHECK_WRITES(va, SUP_WR, 0x6767);
	CHECK_EQ(fx_frame_word(pa), 0x6767);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

static void unmapped_pages_fault_as_not_present(void)
{
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0), 7, URW, NULL));
	STEP(pt_vm_activate(as));
	CHECK_FAULTS(REGION(0) + PAGE(1), USR_RD, PF_U);  /* a table, no PTE */
	CHECK_FAULTS(REGION(0) + PAGE(1), SUP_WR, PF_W);
	CHECK_FAULTS(REGION(5), USR_WR, PF_W | PF_U);     /* no table */
	CHECK_FAULTS(USER_LAST, SUP_RD, 0);
	CHECK_READS(REGION(0), USR_RD, 7);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

static void frames_not_owned_are_mapped_without_references(void)
{
	struct fx_counts before, after;

	CHECK(!pt_frame_owned(DEVICE_PA));
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	fx_counts(&before);
	STEP(pt_vm_map_range(as, REGION(1), DEVICE_PA, 3, URW));
	fx_counts(&after);
	CHECK_MEM_EQ(&after, &before, sizeof(before)); /* page B became the table */
	/* a copy-on-write clone leaves them shared and writable, as they were */
	int c = pt_vm_clone(as, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(pt_vm_check());
	CHECK_EQ(query_pa(c, REGION(1) + PAGE(2)), DEVICE_PA + PAGE(2));
	CHECK_EQ(query_flags(c, REGION(1) + PAGE(2)), URW);
	CHECK_EQ(query_flags(as, REGION(1) + PAGE(2)), URW);
	STEP(pt_vm_destroy(c));
	STEP(pt_vm_unmap_range(as, REGION(1), 3));
	fx_counts(&after);
	CHECK_MEM_EQ(&after, &before, sizeof(before));
	STEP(pt_vm_destroy(as));
}

static const struct test_case cases[] = {
	TEST_CASE(map_then_query_and_translate_one_page),
	TEST_CASE(map_range_crosses_a_table_boundary),
	TEST_CASE(unmap_range_with_holes_drops_every_reference),
	TEST_CASE(probes_follow_the_flags),
	TEST_CASE(read_only_user_page_refuses_writes_at_both_levels),
	TEST_CASE(supervisor_page_in_user_space_is_kernel_only),
	TEST_CASE(unmapped_pages_fault_as_not_present),
	TEST_CASE(frames_not_owned_are_mapped_without_references),
};

DEFINE_PART(vm_map_part, cases);
