/*
 * swap_pager.c - paging out and back in (pager.h), on the host over the
 * model disk and in the kernel over the disk QEMU was given: suite
 * swap-pager.
 *
 * Pages: one goes out and comes back as it was; a clean one goes out
 * without a write; a written one is written again; every call treats a
 * page in swap as the mapping it is.  Copy-on-write across swap: a fork
 * after a page-out shares the slot, each side reads its data and writes
 * its own; a page that came back breaks the sharing as any other.  The
 * clock: a second chance for a page used since the last sweep, which in
 * the live space needs the translation invalidated; shared, pinned and
 * device frames stay.  Blocks: out and back, every call bringing one in,
 * destroyed while out, refused when they may not go, shared frames
 * through one copy, back into a kernel zone that moved on meanwhile.
 * Swap full.  The teardown checks that every frame and every slot is back.
 */
#include "frame.h"
#include "kmap.h"
#include "suites.h"
#include "swap_util.h"

#define VA(i) (REGION(0) + PAGE(i))
#define FAR(i) (REGION(300) + PAGE(i)) /* a second table */
#define TOP(i) (REGION(USER_PDES - 1) + PAGE(i)) /* a third, the last of user space */

/* A space with `n` pages from VA(0) holding fill + i, writable by the user. */
static int space_of(uint32_t n, uint32_t fill)
{
	int as = pt_vm_create();

	for (uint32_t i = 0; as > 0 && i < n; i++)
		if (map_filled(as, VA(i), fill + i, URW, NULL) < 0)
			return -1;
	return as;
}

/* ---- one page ----------------------------------------------------------------------- */

static void a_page_paged_out_reads_back_what_it_held(void)
{
	paddr_t pa, back;
	uint32_t free_user;
	int as = space_of(0, 0);

	CHECK_GT(as, 0);
	STEP(map_filled(as, VA(1), 0xAB000001, URW, &pa));
	free_user = pt_frame_free_count(ZONE_USER);
	struct pager_stats s0 = pstats();
	EVICT(as, VA(1));
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free_user + 1);
	CHECK(in_swap(as, VA(1)));
	uint32_t slot = slot_at(as, VA(1));
	CHECK_EQ(pt_swap_refcount(slot), 1);
	CHECK_EQ(query_flags(as, VA(1)), URW | VM_SWAPPED);
	CHECK_ERR(pt_vm_translate(as, VA(1), &back), E_NOENT);
	CHECK_EQ(info_of(as).mapped, 1);
	CHECK_EQ(info_of(as).swapped, 1);
	CHECK_EQ(pstats().swap_outs, s0.swap_outs + 1);
	CHECK_EQ(pstats().writes, s0.writes + 1);
	CHECK_ERR(pt_pager_evict(as, VA(1)), E_EXIST);
	CHECK_HOLDS(as, VA(1) + 0x40, 0xAB000001);
	CHECK(in_frame(as, VA(1)));
	CHECK_EQ(pstats().swap_ins, s0.swap_ins + 1);
	CHECK_EQ(pstats().major_faults, s0.major_faults + 1);
	/* it was the slot's only holder: the frame keeps it as a clean copy */
	back = query_pa(as, VA(1));
	CHECK_EQ(pt_frame_slot(back), slot);
	CHECK_EQ(pt_swap_refcount(slot), 1);
	CHECK_OK(pt_vm_check());
	STEP(pt_vm_destroy(as));
	CHECK_EQ(pt_swap_refcount(slot), 0);
}

static void a_clean_page_goes_out_without_a_write(void)
{
	int as = space_of(1, 0xC1EA0000);

	CHECK_GT(as, 0);
	EVICT(as, VA(0));
	uint32_t slot = slot_at(as, VA(0));
	CHECK_HOLDS(as, VA(0), 0xC1EA0000); /* a read: D stays clear */
	struct pager_stats s0 = pstats();
	EVICT(as, VA(0));
	CHECK_EQ(pstats().writes, s0.writes);
	CHECK_EQ(pstats().clean_drops, s0.clean_drops + 1);
	CHECK_EQ(slot_at(as, VA(0)), slot);
	/* a write makes the copy stale: it goes out written, to the same slot */
	STEP(write_at(as, VA(0) + 8, 0xD1127));
	CHECK(pte_of(as, VA(0)).v & PG_D);
	s0 = pstats();
	EVICT(as, VA(0));
	CHECK_EQ(pstats().writes, s0.writes + 1);
	CHECK_EQ(pstats().clean_drops, s0.clean_drops);
	CHECK_EQ(slot_at(as, VA(0)), slot);
	CHECK_HOLDS(as, VA(0) + 8, 0xD1127);
	CHECK_HOLDS(as, VA(0), 0xC1EA0000);
	STEP(pt_vm_destroy(as));
}

static void every_call_treats_a_page_in_swap_as_mapped(void)
{
	paddr_t pa = fx_user_frame(1);
	int as = space_of(3, 0x5A0);
	char dump[256];

	CHECK_GT(as, 0);
	EVICT(as, VA(0));
	EVICT(as, VA(1));
	CHECK_ERR(pt_vm_map(as, VA(0), pa, URW), E_EXIST);
	CHECK_ERR(pt_vm_map_range(as, VA(1), pa, 1, URW), E_EXIST);
	CHECK_ERR(pt_vm_map_zero(as, VA(0), URW), E_EXIST);
	CHECK_OK(pt_frame_free(pa));
	/* the dump shows the run of slots the two pages went to */
	fx_dump(as, dump, sizeof(dump));
	char want[256];
	ksnprintf(want, sizeof(want),
		  "address space %d: block 0x%08x, %u pages, 1 tables, 3 pages mapped, 2 in swap\n"
		  "%08x-%08x 00002000 urw- s%07x\n"
		  "%08x-%08x 00001000 urw- %08x\n",
		  as, info_of(as).block, info_of(as).pages, VA(0), VA(2), slot_at(as, VA(0)), VA(2),
		  VA(3), query_pa(as, VA(2)));
	CHECK_STR_EQ(dump, want);
	/* read-only in swap: a write is refused without a read, a read brings it back */
	STEP(pt_vm_protect(as, VA(0), 2, VM_USER));
	CHECK_EQ(query_flags(as, VA(0)), VM_USER | VM_SWAPPED);
	struct pager_stats s0 = pstats();
	CHECK_ERR(write_at(as, VA(0), 1), E_FAULT);
	CHECK_EQ(pt_vm_fault(as, VA(0), PF_W | PF_U), -E_FAULT);
	CHECK_EQ(pstats().reads, s0.reads);
	CHECK_HOLDS(as, VA(0), 0x5A0);
	CHECK_EQ(query_flags(as, VA(0)), VM_USER);
	CHECK_ERR(write_at(as, VA(0), 1), E_FAULT);
	/* unmapped, its slot is free; the table holding only swap entries stays */
	EVICT(as, VA(2));
	uint32_t slot = slot_at(as, VA(1));
	CHECK_EQ(info_of(as).tables, 1);
	STEP(pt_vm_unmap(as, VA(1)));
	CHECK_EQ(pt_swap_slot_state(slot), SWAP_FREE);
	CHECK_EQ(info_of(as).tables, 1);
	STEP(pt_vm_unmap_range(as, VA(0), 3));
	CHECK_EQ(info_of(as).tables, 0);
	CHECK_EQ(slot_counts().used, swap_start.used);
	STEP(pt_vm_destroy(as));
}

/* ---- copy-on-write across swap ------------------------------------------------------ */

static void a_fork_after_a_page_out_shares_the_slot(void)
{
	int p = space_of(2, 0xF0);

	CHECK_GT(p, 0);
	EVICT(p, VA(0));
	EVICT(p, VA(1));
	uint32_t slot = slot_at(p, VA(0));
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(pt_vm_check());
	CHECK_EQ(slot_at(c, VA(0)), slot);
	CHECK_EQ(pt_swap_refcount(slot), 2);
	CHECK_EQ(query_flags(c, VA(0)), URW | VM_COW | VM_SWAPPED);
	CHECK_EQ(query_flags(p, VA(0)), URW | VM_COW | VM_SWAPPED);
	/* each side reads its data into a frame of its own: the slot is shared */
	CHECK_HOLDS(c, VA(0), 0xF0);
	CHECK_EQ(query_flags(c, VA(0)), URW);
	CHECK_EQ(pt_frame_slot(query_pa(c, VA(0))), 0);
	CHECK_EQ(pt_swap_refcount(slot), 1);
	CHECK_HOLDS(p, VA(0), 0xF0);
	CHECK_EQ(pt_frame_slot(query_pa(p, VA(0))), slot); /* the last holder keeps it */
	/* a write on one side is its own */
	STEP(write_at(c, VA(1), 0xC417D));
	CHECK_HOLDS(p, VA(1), 0xF1);
	CHECK_HOLDS(c, VA(1), 0xC417D);
	STEP(write_at(p, VA(0), 0x9A4E47));
	CHECK_HOLDS(c, VA(0), 0xF0);
	CHECK_HOLDS(p, VA(0), 0x9A4E47);
	STEP(pt_vm_destroy(c));
	STEP(pt_vm_destroy(p));
}

static void a_page_back_from_swap_breaks_copy_on_write_as_any(void)
{
	int p = space_of(1, 0x77);

	CHECK_GT(p, 0);
	EVICT(p, VA(0));
	CHECK_HOLDS(p, VA(0), 0x77);
	paddr_t pa = query_pa(p, VA(0));
	uint32_t slot = pt_frame_slot(pa);
	CHECK_NE(slot, 0);
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_EQ(query_pa(c, VA(0)), pa);
	/* shared in RAM: the clock passes over it, and pt_pager_evict refuses it */
	CHECK_ERR(pt_pager_evict(p, VA(0)), E_BUSY);
	STEP(write_at(c, VA(0), 0xC0));
	CHECK_NE(query_pa(c, VA(0)), pa);
	CHECK_EQ(query_pa(p, VA(0)), pa);
	/* the parent's copy is still clean: out without a write */
	struct pager_stats s0 = pstats();
	EVICT(p, VA(0));
	CHECK_EQ(pstats().writes, s0.writes);
	CHECK_EQ(slot_at(p, VA(0)), slot);
	CHECK_HOLDS(p, VA(0), 0x77);
	CHECK_HOLDS(c, VA(0), 0xC0);
	/* written after the clone: the entry that goes is dirty, the copy is let go */
	int c2 = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c2, 0);
	pa = query_pa(p, VA(0));
	STEP(write_at(c2, VA(0), 0xC2)); /* a copy for c2 */
	STEP(pt_vm_destroy(c2));
	STEP(write_at(p, VA(0), 0x78)); /* the last owner writes in place: D set */
	CHECK_EQ(query_pa(p, VA(0)), pa);
	s0 = pstats();
	EVICT(p, VA(0));
	CHECK_EQ(pstats().writes, s0.writes + 1);
	CHECK_HOLDS(p, VA(0), 0x78);
	STEP(pt_vm_destroy(c));
	STEP(pt_vm_destroy(p));
}

static void an_eager_clone_shares_the_slot_of_a_page_in_swap(void)
{
	int p = space_of(2, 0xE0);

	CHECK_GT(p, 0);
	EVICT(p, VA(0));
	uint32_t slot = slot_at(p, VA(0));
	int c = pt_vm_clone(p, VM_CLONE_EAGER);
	CHECK_GT(c, 0);
	CHECK_OK(pt_vm_check());
	CHECK_EQ(slot_at(c, VA(0)), slot);
	CHECK_EQ(query_flags(c, VA(0)), URW | VM_SWAPPED);
	CHECK_EQ(pt_swap_refcount(slot), 2);
	CHECK(in_frame(c, VA(1)));
	STEP(write_at(p, VA(0), 0x9));
	CHECK_HOLDS(c, VA(0), 0xE0);
	CHECK_HOLDS(p, VA(0), 0x9);
	STEP(pt_vm_destroy(p));
	STEP(pt_vm_destroy(c));
	CHECK_EQ(pt_swap_refcount(slot), 0);
}

/* ---- the live space and the clock ---------------------------------------------------- */

static void a_page_paged_out_of_the_live_space_faults_on_the_next_touch(void)
{
	int as = space_of(2, 0x11);

	CHECK_GT(as, 0);
	STEP(pt_vm_activate(as));
	CHECK_WRITES(VA(0), USR_WR, 0x22); /* cached, writable and dirty */
	CHECK_READS(VA(1), USR_RD, 0x12);
	struct vm_stats s0 = stats_now();
	EVICT(as, VA(0));
	EVICT(as, VA(1));
	CHECK_GE(stats_now().invlpgs, s0.invlpgs + 2);
	CHECK_FAULTS(VA(0), USR_RD, PF_U);
	CHECK_FAULTS(VA(1), USR_WR, PF_W | PF_U);
	CHECK_FAULTS(VA(1), SUP_RD, 0);
	/* the hardware path brings it back, and the access goes through */
	STEP(pt_vm_fault(as, VA(0) + 4, PF_U));
	CHECK_READS(VA(0), USR_RD, 0x22);
	STEP(pt_vm_fault(as, VA(1), PF_W | PF_U));
	CHECK_WRITES(VA(1), USR_WR, 0x33);
	CHECK_READS(VA(1), USR_RD, 0x33);
	CHECK(pte_of(as, VA(1)).v & PG_D);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

/*
 * The clock clears A before it pages a page out.  In the live space the
 * translation is invalidated too, or the CPU, which sets A only when it
 * walks the tables, would never set it again for a page it keeps using.
 */
static void the_clock_gives_a_second_chance_to_pages_used_since(void)
{
	enum { N = 8 };
	int as = space_of(N, 0x100);
	uint32_t kept = N;

	CHECK_GT(as, 0);
	STEP(pt_vm_activate(as));
	for (uint32_t i = 0; i < N; i++)
		CHECK_READS(VA(i), USR_RD, 0x100 + i); /* A set, and cached */
	struct pager_stats s0 = pstats();
	CHECK_EQ(pt_pager_reclaim(1), 1);
	CHECK_OK(pt_vm_check());
	CHECK_GE(pstats().second_chances, s0.second_chances + N);
	uint32_t out = 0;
	for (uint32_t i = 0; i < N; i++) {
		out += in_swap(as, VA(i));
		if (in_frame(as, VA(i)) && kept == N)
			kept = i; /* where the hand stopped depends on the cases before */
	}
	CHECK_EQ(out, 1);
	CHECK_LT(kept, N);
	CHECK_EQ(pte_of(as, VA(kept)).v & PG_A, 0);
	CHECK_READS(VA(kept), USR_RD, 0x100 + kept); /* used again: A set again */
	CHECK(pte_of(as, VA(kept)).v & PG_A);
	CHECK_EQ(pt_pager_reclaim(N - 2), N - 2);
	CHECK_OK(pt_vm_check());
	for (uint32_t i = 0; i < N; i++)
		CHECK_EQ(in_swap(as, VA(i)), i != kept);
	CHECK_READS(VA(kept) + 4, USR_RD, 0x100 + kept);
	STEP(pt_vm_activate(0));
	for (uint32_t i = 0; i < N; i++)
		CHECK_HOLDS(as, VA(i) + 4, 0x100 + i);
	STEP(pt_vm_destroy(as));
}

static void the_clock_passes_over_shared_pinned_and_device_frames(void)
{
	paddr_t pinned;
	int as = space_of(1, 0x51), other;

	CHECK_GT(as, 0);
	STEP(map_filled(as, VA(1), 0x52, URW, &pinned));
	CHECK_OK(pt_frame_pin(pinned));
	STEP(pt_vm_map(as, VA(2), DEVICE_PA, VM_USER));
	STEP(map_filled(as, VA(3), 0x53, URW, NULL));
	other = pt_vm_clone(as, VM_CLONE_COW); /* VA(0) and VA(3) shared */
	CHECK_GT(other, 0);
	STEP(pt_vm_unmap(other, VA(0))); /* VA(0) is private again */
	CHECK_EQ(pt_pager_reclaim(64), 1);
	CHECK_OK(pt_vm_check());
	CHECK(in_swap(as, VA(0)));
	CHECK(in_frame(as, VA(1)));
	CHECK(in_frame(as, VA(2)));
	CHECK(in_frame(as, VA(3)));
	CHECK(in_frame(other, VA(3)));
	CHECK_ERR(pt_pager_evict(as, VA(1)), E_BUSY);
	CHECK_ERR(pt_pager_evict(as, VA(2)), E_BUSY);
	CHECK_ERR(pt_pager_evict(as, VA(3)), E_BUSY);
	CHECK_ERR(pt_pager_evict(as, VA(9)), E_NOENT);
	CHECK_ERR(pt_pager_evict(as, FAR(0)), E_NOENT);
	CHECK_ERR(pt_pager_evict(as, VA(0) + 4), E_INVAL);
	CHECK_ERR(pt_pager_evict(as, PAGE(4)), E_RANGE);
	CHECK_ERR(pt_pager_evict(0, VA(0)), E_BADH);
	CHECK_EQ(pt_pager_reclaim(64), 0); /* nothing else may go */
	CHECK_OK(pt_frame_unpin(pinned));
	STEP(pt_vm_destroy(other));
	STEP(pt_vm_destroy(as));
}

/* ---- blocks ------------------------------------------------------------------------- */

/* A space with pages under three tables, and a device page. */
static int three_tables(uint32_t fill)
{
	int as = space_of(4, fill);

	if (as > 0 && (map_filled(as, FAR(7), fill + 0x70, URW, NULL) < 0 ||
		       map_filled(as, TOP(1023), fill + 0x80, VM_USER, NULL) < 0))
		return -1;
	return as;
}

static void check_three_tables(int as, uint32_t fill)
{
	for (uint32_t i = 0; i < 4; i++)
		CHECK_HOLDS(as, VA(i), fill + i);
	CHECK_HOLDS(as, FAR(7), fill + 0x70);
	CHECK_HOLDS(as, TOP(1023), fill + 0x80);
	CHECK_EQ(query_flags(as, TOP(1023)) & ~VM_SWAPPED, VM_USER);
}

static void a_block_goes_out_and_comes_back(void)
{
	int as = three_tables(0xB0);
	struct vm_space_info info;
	char dump[160], want[160];

	CHECK_GT(as, 0);
	info = info_of(as);
	CHECK_EQ(info.tables, 3);
	uint32_t free_kernel = pt_frame_free_count(ZONE_KERNEL);
	struct swap_counts c0 = slot_counts();
	struct pager_stats s0 = pstats();
	STEP(pt_pager_block_out(as));
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_kernel + info.pages);
	CHECK_EQ(slot_counts().used, c0.used + 6 + 4);
	CHECK_EQ(pstats().blocks_out, s0.blocks_out + 1);
	CHECK_EQ(pstats().spaces_out, s0.spaces_out + 1);
	/* pt_vm_info and the dump answer from the tracker */
	struct vm_space_info out;
	CHECK_OK(pt_vm_info(as, &out));
	CHECK(out.out);
	CHECK_EQ(out.block, 0);
	CHECK_EQ(out.pages, 0);
	CHECK_EQ(out.tables, 3);
	CHECK_EQ(out.mapped, 6);
	CHECK_EQ(out.swapped, 6);
	fx_dump(as, dump, sizeof(dump));
	ksnprintf(want, sizeof(want), "address space %d: out in slots %u-%u, 3 tables, 6 pages "
		  "in swap\n", as, out.out_slot, out.out_slot + 3);
	CHECK_STR_EQ(dump, want);
	CHECK_EQ(pt_pager_block_out(as), 0); /* out already */
	/* pt_vm_activate brings it back, anywhere in the kernel zone */
	STEP(pt_vm_activate(as));
	CHECK_EQ(pstats().blocks_in, s0.blocks_in + 1);
	info = info_of(as);
	CHECK(!info.out);
	CHECK_EQ(info.tables, 3);
	CHECK_EQ(info.pages, 4);
	CHECK_EQ(info.mapped, 6);
	CHECK_EQ(info.swapped, 6);
	CHECK_EQ(slot_counts().used, c0.used + 6);
	CHECK_FAULTS(VA(0), USR_RD, PF_U);
	STEP(pt_vm_fault(as, VA(0), PF_U));
	CHECK_READS(VA(0), USR_RD, 0xB0);
	STEP(pt_vm_activate(0));
	RUN(check_three_tables(as, 0xB0));
	STEP(pt_vm_destroy(as));
}

/* Each call on a space that is out: what it does in RAM, and the block comes in for it. */
static int call_on(int as, int which)
{
	struct vm_mapping m;
	paddr_t pa;

	switch (which) {
	case 0: return pt_vm_query(as, VA(1), &m);
	case 1: return pt_vm_translate(as, VA(1), &pa) == -E_NOENT ? 0 : -E_INVAL;
	case 2: return pt_vm_map_zero(as, VA(9), URW);
	case 3: return pt_vm_unmap(as, VA(2));
	case 4: return pt_vm_unmap_range(as, VA(2), 2);
	case 5: return pt_vm_protect(as, VA(0), 4, VM_USER);
	case 6: return pt_vm_fault(as, VA(1), PF_U);
	case 7: return pt_vm_resolve(as, VA(1), PF_W, 0, &pa);
	case 8: return pt_vm_iterate(as, NULL, NULL) == 0 ? -E_INVAL : 0;
	case 9: return pt_pager_evict(as, VA(1)) == -E_EXIST ? 0 : -E_INVAL;
	case 10: return pt_pager_block_in(as);
	default: return pt_vm_map_range(as, VA(12), DEVICE_PA, 2, VM_USER);
	}
}

static int stop_at_once(vaddr_t va, const struct vm_mapping *m, void *ctx)
{
	(void)va, (void)m, (void)ctx;
	return 1;
}

static void every_call_on_a_space_out_brings_it_in(void)
{
	for (int which = 0; which < 12; which++) {
		int as = three_tables(0x300);
		CHECK_GT(as, 0);
		STEP(pt_pager_block_out(as));
		int rc = which == 8 ? pt_vm_iterate(as, stop_at_once, NULL) - 1 : call_on(as, which);
		CHECK_OK(rc);
		CHECK_OK(pt_vm_check());
		CHECK(!info_of(as).out);
		CHECK_HOLDS(as, FAR(7), 0x370);
		STEP(pt_vm_destroy(as));
	}
	/* a clone of a space out comes from it brought in */
	int as = three_tables(0x400);
	CHECK_GT(as, 0);
	STEP(pt_pager_block_out(as));
	int c = pt_vm_clone(as, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK(!info_of(as).out);
	RUN(check_three_tables(c, 0x400));
	STEP(pt_pager_block_out(as));
	int e = pt_vm_clone(as, VM_CLONE_EAGER);
	CHECK_GT(e, 0);
	RUN(check_three_tables(e, 0x400));
	RUN(check_three_tables(as, 0x400));
	STEP(pt_vm_destroy(e));
	STEP(pt_vm_destroy(c));
	STEP(pt_vm_destroy(as));
}

static void destroying_a_space_out_gives_everything_back(void)
{
	struct swap_counts c0 = slot_counts();
	uint32_t free_user = pt_frame_free_count(ZONE_USER);
	int a = three_tables(0x500), b;

	CHECK_GT(a, 0);
	b = pt_vm_clone(a, VM_CLONE_COW);
	CHECK_GT(b, 0);
	STEP(pt_pager_block_out(a));
	STEP(pt_pager_block_out(b));
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free_user); /* every page in swap */
	STEP(pt_vm_destroy(a));
	CHECK_HOLDS(b, FAR(7), 0x570);
	STEP(pt_pager_block_out(b));
	STEP(pt_vm_destroy(b));
	CHECK_EQ(slot_counts().used, c0.used);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free_user);
}

static void a_block_stays_in_ram_when_it_may_not_go(void)
{
	paddr_t pa;
	int as = space_of(2, 0x600), other = pt_vm_create();

	CHECK_GT(as, 0);
	CHECK_GT(other, 0);
	STEP(pt_vm_activate(as));
	CHECK_ERR(pt_pager_block_out(as), E_BUSY); /* live */
	STEP(pt_vm_activate(0));
	CHECK_ERR(pt_pager_block_out(0), E_BADH); /* the master never goes */
	CHECK_ERR(pt_pager_block_out(-3), E_BADH);
	/* device memory, a pinned frame, shared memory: refused, nothing changed */
	STEP(pt_vm_map(as, VA(5), DEVICE_PA, VM_USER));
	fx_snap(as, &snap);
	CHECK_ERR(pt_pager_block_out(as), E_BUSY);
	CHECK(fx_same(as, &snap));
	STEP(pt_vm_unmap(as, VA(5)));
	pa = query_pa(as, VA(1));
	CHECK_OK(pt_frame_pin(pa));
	CHECK_ERR(pt_pager_block_out(as), E_BUSY);
	CHECK_OK(pt_frame_unpin(pa));
	CHECK_OK(pt_frame_ref(pa));
	STEP(pt_vm_map(other, VA(0), pa, URW)); /* one frame, writable in two spaces */
	CHECK_ERR(pt_pager_block_out(as), E_BUSY);
	CHECK_ERR(pt_pager_block_out(other), E_BUSY);
	CHECK(in_frame(as, VA(0)) && in_frame(as, VA(1)));
	STEP(pt_vm_unmap(other, VA(0)));
	STEP(pt_pager_block_out(as));
	STEP(pt_pager_block_out(other)); /* nothing mapped: the directory alone */
	CHECK(info_of(other).out);
	STEP(pt_vm_destroy(other));
	STEP(pt_vm_destroy(as));
}

/* Three spaces share a page copy-on-write; two go out: one write, one copy. */
static void shared_frames_go_out_through_one_copy(void)
{
	int p = space_of(1, 0x700);
	int c1 = pt_vm_clone(p, VM_CLONE_COW), c2 = pt_vm_clone(p, VM_CLONE_COW);

	CHECK_GT(p, 0);
	CHECK_GT(c1, 0);
	CHECK_GT(c2, 0);
	paddr_t pa = query_pa(p, VA(0));
	CHECK_EQ(pt_frame_refcount(pa), 3);
	struct pager_stats s0 = pstats();
	STEP(pt_pager_block_out(c1));
	CHECK_EQ(pstats().writes, s0.writes + 1 + 2); /* the page, then the block */
	CHECK_EQ(pt_frame_refcount(pa), 2);
	uint32_t slot = pt_frame_slot(pa);
	CHECK_NE(slot, 0);
	CHECK(pt_frame_copy_shared(pa));
	STEP(pt_pager_block_out(c2));
	CHECK_EQ(pstats().writes, s0.writes + 3 + 2); /* the block alone */
	CHECK_EQ(pstats().clean_drops, s0.clean_drops + 1);
	CHECK_EQ(pt_frame_refcount(pa), 1);
	CHECK_EQ(pt_swap_refcount(slot), 3); /* the frame, and c1's and c2's entries */
	CHECK(!pt_frame_copy_shared(pa));
	/* the parent writes its page in place; the children keep what they had */
	STEP(write_at(p, VA(0), 0x7FF));
	CHECK_EQ(query_pa(p, VA(0)), pa);
	EVICT(p, VA(0)); /* dirty, and its old copy still named: a new slot */
	CHECK_NE(slot_at(p, VA(0)), slot);
	CHECK_HOLDS(c1, VA(0), 0x700);
	CHECK_HOLDS(c2, VA(0), 0x700);
	CHECK_HOLDS(p, VA(0), 0x7FF);
	STEP(pt_vm_destroy(c1));
	STEP(pt_vm_destroy(c2));
	STEP(pt_vm_destroy(p));
}

/*
 * A block goes out, the kernel zone moves on (another block, held in
 * place, grows by relocation, into the room it left if it fits), and it
 * comes back elsewhere.
 */
static void a_block_comes_back_while_others_relocate(void)
{
	int a = three_tables(0x800), b = pt_vm_create();
	paddr_t blocker;

	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	blocker = info_of(b).block + info_of(b).pages * PAGE_SIZE;
	CHECK_OK(fx_take_kframe(blocker));
	struct vm_stats s0 = stats_now();
	STEP(pt_pager_block_out(a));
	for (uint32_t i = 0; i < 24; i++) /* tables for b, which grows and moves */
		STEP(map_filled(b, REGION(10 + 20 * i), 0x900 + i, URW, NULL));
	CHECK_GT(stats_now().relocations, s0.relocations);
	CHECK_OK(pt_frame_free(blocker));
	STEP(pt_pager_block_in(a));
	CHECK_NE(info_of(a).block, 0);
	RUN(check_three_tables(a, 0x800));
	for (uint32_t i = 0; i < 24; i++)
		CHECK_HOLDS(b, REGION(10 + 20 * i), 0x900 + i);
	STEP(pt_pager_block_out(b));
	STEP(pt_pager_block_out(a));
	STEP(pt_pager_block_in(b));
	STEP(pt_vm_activate(a));
	STEP(pt_vm_activate(b));
	CHECK_FAULTS(REGION(30) + 4, USR_RD, PF_U);
	STEP(pt_vm_fault(b, REGION(30) + 4, PF_U));
	CHECK_READS(REGION(30) + 4, USR_RD, 0x901);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(a));
	STEP(pt_vm_destroy(b));
}

/* ---- swap full ------------------------------------------------------------------- */

static void when_swap_is_full_only_clean_pages_go(void)
{
	int as = space_of(4, 0xA00);

	CHECK_GT(as, 0);
	EVICT(as, VA(0));
	CHECK_HOLDS(as, VA(0), 0xA00); /* back, with a clean copy */
	fill_swap();
	fx_snap(as, &snap);
	CHECK_ERR(pt_pager_evict(as, VA(1)), E_NOMEM);
	CHECK(fx_same(as, &snap));
	CHECK_EQ(pt_pager_reclaim(8), 1); /* VA(0) alone: no write needed */
	CHECK(in_swap(as, VA(0)));
	CHECK_ERR(pt_pager_block_out(as), E_NOMEM);
	CHECK(!info_of(as).out);
	CHECK_EQ(pt_pager_reclaim(8), 0);
	unfill_swap();
	CHECK_OK(pt_vm_check());
	for (uint32_t i = 0; i < 4; i++)
		CHECK_HOLDS(as, VA(i), 0xA00 + i);
	STEP(pt_pager_block_out(as));
	STEP(pt_vm_destroy(as));
}

static const struct test_case cases[] = {
	TEST_CASE(a_page_paged_out_reads_back_what_it_held),
	TEST_CASE(a_clean_page_goes_out_without_a_write),
	TEST_CASE(every_call_treats_a_page_in_swap_as_mapped),
	TEST_CASE(a_fork_after_a_page_out_shares_the_slot),
	TEST_CASE(a_page_back_from_swap_breaks_copy_on_write_as_any),
	TEST_CASE(an_eager_clone_shares_the_slot_of_a_page_in_swap),
	TEST_CASE(a_page_paged_out_of_the_live_space_faults_on_the_next_touch),
	TEST_CASE(the_clock_gives_a_second_chance_to_pages_used_since),
	TEST_CASE(the_clock_passes_over_shared_pinned_and_device_frames),
	TEST_CASE(a_block_goes_out_and_comes_back),
	TEST_CASE(every_call_on_a_space_out_brings_it_in),
	TEST_CASE(destroying_a_space_out_gives_everything_back),
	TEST_CASE(a_block_stays_in_ram_when_it_may_not_go),
	TEST_CASE(shared_frames_go_out_through_one_copy),
	TEST_CASE(a_block_comes_back_while_others_relocate),
	TEST_CASE(when_swap_is_full_only_clean_pages_go),
};

DEFINE_SUITE(swap_pager_suite, "swap-pager", cases, swap_setup, swap_teardown);
