/*
 * vm_clone.c - clones, eager and copy-on-write: what they share, the write
 * fault that copies or writes in place, frames at their reference limit and
 * pinned frames; faults that are not copy-on-write; pt_vm_map_zero.
 */
#include "frame.h"
#include "vm_util.h"

static void cow_clone_shares_frames_read_only(void)
{
	paddr_t pa[2];

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0x11, URW, &pa[0]));
	STEP(map_filled(p, REGION(9) + PAGE(2), 0x22, URW, &pa[1]));
	STEP(pt_vm_activate(p));
	CHECK_WRITES(REGION(0), USR_WR, 0x33); /* the parent's TLB holds it writable */
	struct vm_stats s0 = stats_now();
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(pt_vm_check());
	CHECK_EQ(stats_now().spaces, s0.spaces + 1);
	for (uint32_t i = 0; i < 2; i++) {
		vaddr_t va = i == 0 ? REGION(0) : REGION(9) + PAGE(2);
		CHECK_EQ(query_pa(p, va), pa[i]);
		CHECK_EQ(query_pa(c, va), pa[i]);
		CHECK_EQ(query_flags(p, va), URW | VM_COW);
		CHECK_EQ(query_flags(c, va), URW | VM_COW);
		CHECK_EQ(pt_frame_refcount(pa[i]), 2);
	}
	CHECK_EQ(info_of(c).tables, info_of(p).tables);
	CHECK_EQ(info_of(c).mapped, 2);
	CHECK_FAULTS(REGION(0), USR_WR, PF_P | PF_W | PF_U);
	CHECK_FAULTS(REGION(0), SUP_WR, PF_P | PF_W);
	CHECK_READS(REGION(0), USR_RD, 0x33);
	STEP(pt_vm_activate(c));
	CHECK_READS(REGION(0), USR_RD, 0x33);
	CHECK_READS(REGION(9) + PAGE(2), USR_RD, 0x22);
	CHECK_FAULTS(REGION(9) + PAGE(2), USR_WR, PF_P | PF_W | PF_U);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user - 2);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(c));
	CHECK_EQ(pt_frame_refcount(pa[0]), 1);
	STEP(pt_vm_destroy(p));
}

/* Write at va of the live space, taking the copy-on-write fault as the kernel would. */
static int write_through_fault(int as, vaddr_t va, uint32_t val)
{
	uint32_t v = val, rc = probe(va, USR_WR, &v);

	if (rc == 0)
		return 0;
	if (rc != FAULTED(PF_P | PF_W | PF_U))
		return -E_INVAL;
	int err = pt_vm_fault(as, va, rc & ~PROBE_FAULTED);
	if (err < 0)
		return err;
	v = val;
	return probe(va, USR_WR, &v) == 0 ? 0 : -E_FAULT;
}

static void cow_write_gives_the_writer_a_private_copy(void)
{
	paddr_t old;

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0x11, URW, &old));
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	STEP(pt_vm_activate(p));
	struct vm_stats s0 = stats_now();
	CHECK_FAULTS(REGION(0) + 8, USR_WR, PF_P | PF_W | PF_U);
	STEP(pt_vm_fault(p, REGION(0) + 8, PF_P | PF_W | PF_U));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.cow_copies - s0.cow_copies, 1);
	CHECK_EQ(s1.cow_reuses - s0.cow_reuses, 0);
	paddr_t copy = query_pa(p, REGION(0));
	CHECK_NE(copy, old);
	CHECK_EQ(query_flags(p, REGION(0)), URW);
	CHECK_EQ(query_pa(c, REGION(0)), old);
	CHECK_EQ(query_flags(c, REGION(0)), URW | VM_COW);
	CHECK_EQ(pt_frame_refcount(old), 1);
	CHECK_EQ(pt_frame_refcount(copy), 1);
	CHECK_READS(REGION(0) + 0x800, USR_RD, 0x11); /* the data came along */
	CHECK_WRITES(REGION(0), USR_WR, 0x99);
	CHECK_READS(REGION(0), USR_RD, 0x99);
	CHECK_EQ(fx_frame_word(copy), 0x99);
	CHECK_EQ(fx_frame_word(old), 0x11);
	STEP(pt_vm_activate(c));
	CHECK_READS(REGION(0), USR_RD, 0x11);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(c));
	STEP(pt_vm_destroy(p));
}

static void cow_last_owner_writes_in_place(void)
{
	paddr_t pa[2];

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0x61, URW, &pa[0]));
	STEP(map_filled(p, REGION(0) + PAGE(1), 0x62, URW, &pa[1]));
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	/* the parent copies page 0; then the child is its frame's last owner */
	STEP(pt_vm_activate(p));
	STEP(write_through_fault(p, REGION(0), 0x71));
	STEP(pt_vm_activate(c));
	struct vm_stats s0 = stats_now();
	STEP(write_through_fault(c, REGION(0), 0x72));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.cow_reuses - s0.cow_reuses, 1);
	CHECK_EQ(s1.cow_copies - s0.cow_copies, 0);
	CHECK_EQ(query_pa(c, REGION(0)), pa[0]);
	CHECK_EQ(query_flags(c, REGION(0)), URW);
	CHECK_EQ(pt_frame_refcount(pa[0]), 1);
	CHECK_EQ(fx_frame_word(pa[0]), 0x72);
	/* page 1: the child goes away, and the parent writes in place */
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(c));
	CHECK_EQ(pt_frame_refcount(pa[1]), 1);
	CHECK_EQ(query_flags(p, REGION(0) + PAGE(1)), URW | VM_COW);
	STEP(pt_vm_activate(p));
	s0 = stats_now();
	STEP(write_through_fault(p, REGION(0) + PAGE(1), 0x73));
	s1 = stats_now();
	CHECK_EQ(s1.cow_reuses - s0.cow_reuses, 1);
	CHECK_EQ(s1.cow_copies - s0.cow_copies, 0);
	CHECK_EQ(query_pa(p, REGION(0) + PAGE(1)), pa[1]);
	CHECK_EQ(query_flags(p, REGION(0) + PAGE(1)), URW);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0x73);
	CHECK_READS(REGION(0), USR_RD, 0x71);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user - 2);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(p));
}

static void protect_keeps_cow_pages_shared(void)
{
	paddr_t pa;

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(2), 0x81, URW, &pa));
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	STEP(pt_vm_protect(p, REGION(2), 1, VM_USER)); /* read-only: still shared */
	CHECK_EQ(query_flags(p, REGION(2)), VM_USER | VM_COW);
	CHECK_EQ(query_pa(p, REGION(2)), pa);
	CHECK_EQ(pt_frame_refcount(pa), 2);
	STEP(pt_vm_activate(p));
	CHECK_FAULTS(REGION(2), USR_WR, PF_P | PF_W | PF_U);
	fx_snap(p, &snap);
	CHECK_ERR(pt_vm_fault(p, REGION(2), PF_P | PF_W | PF_U), E_FAULT);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(p, &snap));
	STEP(pt_vm_protect(p, REGION(2), 1, URW)); /* writable again: still shared */
	CHECK_EQ(query_flags(p, REGION(2)), URW | VM_COW);
	CHECK_EQ(query_pa(p, REGION(2)), pa);
	CHECK_EQ(pt_frame_refcount(pa), 2);
	CHECK_FAULTS(REGION(2), USR_WR, PF_P | PF_W | PF_U);
	STEP(write_through_fault(p, REGION(2), 0x82));
	CHECK_NE(query_pa(p, REGION(2)), pa);
	CHECK_EQ(query_flags(p, REGION(2)), URW);
	CHECK_EQ(pt_frame_refcount(pa), 1);
	STEP(pt_vm_activate(c));
	CHECK_READS(REGION(2), USR_RD, 0x81);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(c));
	STEP(pt_vm_destroy(p));
}

static void eager_clone_copies_data_and_shares_nothing(void)
{
	paddr_t pa[2];

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0x91, URW, &pa[0]));
	STEP(map_filled(p, REGION(300) + PAGE(7), 0x92, VM_USER, &pa[1]));
	STEP(pt_vm_map(p, REGION(300), DEVICE_PA, URW));
	STEP(pt_vm_activate(p));
	CHECK_WRITES(REGION(0) + 4, USR_WR, 0x93);
	int e = pt_vm_clone(p, VM_CLONE_EAGER);
	CHECK_GT(e, 0);
	CHECK_OK(pt_vm_check());
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user - 4);
	for (uint32_t i = 0; i < 2; i++) {
		vaddr_t va = i == 0 ? REGION(0) : REGION(300) + PAGE(7);
		paddr_t mine = query_pa(e, va);
		CHECK_NE(mine, pa[i]);
		CHECK_EQ(query_flags(e, va), query_flags(p, va));
		CHECK_EQ(pt_frame_refcount(mine), 1);
		CHECK_EQ(pt_frame_refcount(pa[i]), 1);
		CHECK_EQ(fx_frame_word(mine), fx_frame_word(pa[i]));
	}
	CHECK_EQ(query_flags(p, REGION(0)), URW);
	CHECK_EQ(query_flags(p, REGION(300) + PAGE(7)), VM_USER);
	CHECK_EQ(query_pa(e, REGION(300)), DEVICE_PA); /* not ours to copy */
	CHECK_EQ(info_of(e).tables, info_of(p).tables);
	CHECK_EQ(info_of(e).mapped, 3);
	/* the parent writes on without a fault; the clone keeps its copy */
	CHECK_WRITES(REGION(0), USR_WR, 0x94);
	STEP(pt_vm_activate(e));
	CHECK_READS(REGION(0), USR_RD, 0x91);
	CHECK_READS(REGION(0) + 4, USR_RD, 0x93);
	CHECK_READS(REGION(300) + PAGE(7), USR_RD, 0x92);
	CHECK_WRITES(REGION(0) + 8, USR_WR, 0x95);
	STEP(pt_vm_activate(p));
	CHECK_READS(REGION(0) + 8, USR_RD, 0x91);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(e));
	STEP(pt_vm_destroy(p));
}

static void cow_clone_of_read_only_page_stays_read_only(void)
{
	paddr_t pa;

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(1), 0xA1, VM_USER, &pa));
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(pt_vm_check());
	CHECK_EQ(query_flags(p, REGION(1)), VM_USER | VM_COW);
	CHECK_EQ(query_flags(c, REGION(1)), VM_USER | VM_COW);
	CHECK_EQ(pt_frame_refcount(pa), 2);
	STEP(pt_vm_activate(c));
	CHECK_FAULTS(REGION(1), USR_WR, PF_P | PF_W | PF_U);
	fx_snap(c, &snap);
	CHECK_ERR(pt_vm_fault(c, REGION(1), PF_P | PF_W | PF_U), E_FAULT);
	CHECK_ERR(pt_vm_fault(c, REGION(1), PF_P | PF_W), E_FAULT);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(c, &snap));
	CHECK_FAULTS(REGION(1), USR_WR, PF_P | PF_W | PF_U);
	CHECK_READS(REGION(1), USR_RD, 0xA1);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(c));
	CHECK_EQ(pt_frame_refcount(pa), 1);
	STEP(pt_vm_destroy(p));
}

/*
 * A frame whose reference count is at its limit cannot be shared once more:
 * a copy-on-write clone is refused with -E_RANGE and changes nothing; an
 * eager clone, which copies, still works.
 */
/* Take references to frame pa until it has `want`; returns how many it took. */
static uint32_t refs_up_to(paddr_t pa, int want)
{
	uint32_t taken = 0;

	while (pt_frame_refcount(pa) < want && pt_frame_ref(pa) == 0)
		taken++;
	return taken;
}

/* Drop n references to pa, none of them its last. */
static void refs_drop(paddr_t pa, uint32_t n)
{
	for (; n > 0; n--)
		CHECK_GT(pt_frame_unref(pa), 0);
}

static void cow_clone_of_a_frame_at_its_reference_limit_is_refused(void)
{
	paddr_t pa;
	uint32_t extra;

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0xA2, URW, &pa));
	STEP(map_filled(p, REGION(3), 0xA3, URW, NULL));
	extra = refs_up_to(pa, UINT16_MAX);
	CHECK_EQ(pt_frame_refcount(pa), UINT16_MAX);
	fx_snap(p, &snap);
	CHECK_ERR(pt_vm_clone(p, VM_CLONE_COW), E_RANGE);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(p, &snap));
	CHECK_EQ(query_flags(p, REGION(0)), URW);
	int c = pt_vm_clone(p, VM_CLONE_EAGER);
	CHECK_GT(c, 0);
	CHECK_OK(pt_vm_check());
	CHECK_NE(query_pa(c, REGION(0)), pa);
	STEP(pt_vm_destroy(c));
	refs_drop(pa, extra);
	CHECK_EQ(pt_frame_refcount(pa), 1);
	STEP(pt_vm_destroy(p));
}

/* A frame mapped twice takes two references in a clone: one short of the limit is too few. */
static void cow_clone_counts_each_mapping_of_a_frame(void)
{
	paddr_t pa;
	uint32_t extra;

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0xA4, URW, &pa));
	CHECK_OK(pt_frame_ref(pa));
	STEP(pt_vm_map(p, REGION(0) + PAGE(1), pa, URW));
	STEP(map_filled(p, REGION(3), 0xA5, URW, NULL));
	extra = refs_up_to(pa, UINT16_MAX - 1);
	CHECK_EQ(pt_frame_refcount(pa), UINT16_MAX - 1);
	fx_snap(p, &snap);
	CHECK_ERR(pt_vm_clone(p, VM_CLONE_COW), E_RANGE);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(p, &snap));
	CHECK_EQ(pt_frame_refcount(pa), UINT16_MAX - 1);
	CHECK_GT(pt_frame_unref(pa), 0);
	extra--;
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_EQ(pt_frame_refcount(pa), UINT16_MAX);
	STEP(pt_vm_destroy(c));
	refs_drop(pa, extra);
	CHECK_EQ(pt_frame_refcount(pa), 2);
	STEP(pt_vm_destroy(p));
}

/* A pinned frame may not be freed: an unmap that would drop its last reference is refused. */
static void unmapping_the_last_mapping_of_a_pinned_frame_is_refused(void)
{
	paddr_t pa;

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0xA6, URW, &pa));
	STEP(map_filled(p, REGION(0) + PAGE(2), 0xA7, URW, NULL));
	CHECK_OK(pt_frame_pin(pa));
	CHECK_EQ(pt_frame_user_pinned(), 1);
	fx_snap(p, &snap);
	CHECK_ERR(pt_vm_unmap(p, REGION(0)), E_BUSY);
	CHECK_ERR(pt_vm_unmap_range(p, REGION(0), 3), E_BUSY);
	CHECK_ERR(pt_vm_destroy(p), E_BUSY);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(p, &snap));
	CHECK_EQ(pt_frame_refcount(pa), 1);

	/* mapped twice: one mapping may go, not both */
	CHECK_OK(pt_frame_ref(pa));
	STEP(pt_vm_map(p, REGION(0) + PAGE(1), pa, URW));
	fx_snap(p, &snap);
	CHECK_ERR(pt_vm_unmap_range(p, REGION(0), 2), E_BUSY);
	CHECK(fx_same(p, &snap));
	STEP(pt_vm_unmap(p, REGION(0)));
	CHECK_ERR(pt_vm_unmap(p, REGION(0) + PAGE(1)), E_BUSY);

	/* a clone's references are not the last */
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	STEP(pt_vm_destroy(c));
	CHECK_EQ(pt_frame_refcount(pa), 1);
	CHECK_OK(pt_vm_check());

	CHECK_OK(pt_frame_unpin(pa));
	CHECK_EQ(pt_frame_user_pinned(), 0);
	STEP(pt_vm_destroy(p));
}

static void faults_that_are_not_copy_on_write_are_left_to_the_caller(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(4), 0xB1, VM_USER, NULL));
	STEP(map_filled(as, REGION(4) + PAGE(1), 0xB2, VM_WRITE, NULL));
	fx_snap(as, &snap);
	CHECK_ERR(pt_vm_fault(as, REGION(4) + PAGE(2), PF_U), E_FAULT);        /* no PTE */
	CHECK_ERR(pt_vm_fault(as, REGION(8), PF_W | PF_U), E_FAULT);           /* no table */
	CHECK_ERR(pt_vm_fault(as, REGION(4), PF_P | PF_W | PF_U), E_FAULT);    /* read-only */
	CHECK_ERR(pt_vm_fault(as, REGION(4), PF_P | PF_W), E_FAULT);
	CHECK_ERR(pt_vm_fault(as, REGION(4) + PAGE(1), PF_P | PF_U), E_FAULT); /* supervisor */
	CHECK_ERR(pt_vm_fault(as, MiB(1), PF_P | PF_U), E_FAULT);              /* the kernel */
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	/* an access the tables already allow: a stale TLB entry, dropped */
	CHECK_OK(pt_vm_fault(as, REGION(0) + PAGE(3), PF_P | PF_W | PF_U));
	CHECK_OK(pt_vm_fault(as, REGION(4), PF_U));
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	STEP(pt_vm_destroy(as));
}

static void map_zero_gives_a_zeroed_frame(void)
{
	paddr_t dirty = fx_user_frame(0xDEADBEEF);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	CHECK_OK(pt_frame_free(dirty)); /* back on top of the free stack, still dirty */
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_map_zero(as, REGION(7) + PAGE(7), URW));
	CHECK_EQ(stats_now().zero_fills - s0.zero_fills, 1);
	CHECK_EQ(query_pa(as, REGION(7) + PAGE(7)), dirty);
	CHECK_EQ(query_flags(as, REGION(7) + PAGE(7)), URW);
	CHECK_EQ(pt_frame_refcount(dirty), 1);
	STEP(pt_vm_activate(as));
	for (uint32_t off = 0; off < PAGE_SIZE; off += 4)
		CHECK_READS(REGION(7) + PAGE(7) + off, USR_RD, 0);
	CHECK_WRITES(REGION(7) + PAGE(7), USR_WR, 1);
	STEP(pt_vm_map_zero(as, REGION(7) + PAGE(8), VM_USER));
	CHECK_READS(REGION(7) + PAGE(8) + 0xFFC, USR_RD, 0);
	CHECK_FAULTS(REGION(7) + PAGE(8), USR_WR, PF_P | PF_W | PF_U);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user - 2);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

static const struct test_case cases[] = {
	TEST_CASE(cow_clone_shares_frames_read_only),
	TEST_CASE(cow_write_gives_the_writer_a_private_copy),
	TEST_CASE(cow_last_owner_writes_in_place),
	TEST_CASE(protect_keeps_cow_pages_shared),
	TEST_CASE(eager_clone_copies_data_and_shares_nothing),
	TEST_CASE(cow_clone_of_read_only_page_stays_read_only),
	TEST_CASE(cow_clone_of_a_frame_at_its_reference_limit_is_refused),
	TEST_CASE(cow_clone_counts_each_mapping_of_a_frame),
	TEST_CASE(unmapping_the_last_mapping_of_a_pinned_frame_is_refused),
	TEST_CASE(faults_that_are_not_copy_on_write_are_left_to_the_caller),
	TEST_CASE(map_zero_gives_a_zeroed_frame),
};

DEFINE_PART(vm_clone_part, cases);
