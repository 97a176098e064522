/*
 * vm_resolve.c - the kernel's one call per user page: a read or a write
 * the process may make gets its frame, through copy-on-write and
 * demand-zero on the way, with the entry left as the CPU would leave it
 * (A, and D on a write); every access it may not make is refused and
 * changes nothing, and running out of memory at any allocation changes
 * nothing either.
 */
#include "frame.h"
#include "kmap.h"
#include "seam.h"
#include "tracker.h"
#include "vm_util.h"

#define RD PF_U          /* a read with the process's rights */
#define WR (PF_U | PF_W) /* a write with them */

/* Write v at physical address pa (any offset) through a kmap window, as a kernel would. */
static void write_phys(paddr_t pa, uint32_t v)
{
	vaddr_t w = pt_kmap(ALIGN_DOWN(pa, PAGE_SIZE));

	*(uint32_t *)((uint8_t *)hw_kva(w) + (pa & PAGE_MASK)) = v;
	pt_kunmap(w);
}

/* The A and D bits of va's entry in as. */
static uint32_t ad_bits(int as, vaddr_t va)
{
	return pte_of(as, va).v & (PG_A | PG_D);
}

static void resolve_gives_the_frame_of_a_page_the_access_allows(void)
{
	vaddr_t va = REGION(2) + PAGE(4);
	paddr_t frame, pa;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x5151, URW, &frame));
	CHECK_EQ(ad_bits(as, va), 0);
	CHECK_OK(pt_vm_resolve(as, va + 0x124, RD, 0, &pa));
	CHECK_EQ(pa, frame + 0x124);
	CHECK_EQ(ad_bits(as, va), PG_A); /* a read: accessed, not dirty */
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_resolve(as, va + 0x124, WR, 0, &pa));
	CHECK_EQ(pa, frame + 0x124);
	CHECK_EQ(ad_bits(as, va), PG_A | PG_D); /* as the CPU leaves it after a write */
	write_phys(pa, 0x6262);
	STEP(pt_vm_activate(as));
	CHECK_READS(va + 0x124, USR_RD, 0x6262);
	CHECK_READS(va, USR_RD, 0x5151);
	STEP(pt_vm_activate(0));
	/* a kernel access (no PF_U) to a supervisor page it may write */
	STEP(map_filled(as, va + PAGE(1), 0x7373, VM_WRITE, &frame));
	CHECK_OK(pt_vm_resolve(as, va + PAGE(1), PF_W, 0, &pa));
	CHECK_EQ(pa, frame);
	CHECK_EQ(query_flags(as, va + PAGE(1)), VM_WRITE);
	/* device memory: its address, no reference taken */
	STEP(pt_vm_map(as, REGION(3), DEVICE_PA, VM_USER));
	CHECK_OK(pt_vm_resolve(as, REGION(3) + 8, RD, URW, &pa));
	CHECK_EQ(pa, DEVICE_PA + 8);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user - 2);
	STEP(pt_vm_destroy(as));
}

static void resolve_of_a_write_to_a_copy_on_write_page_copies_it(void)
{
	vaddr_t va = REGION(1) + PAGE(9);
	paddr_t old, pa;

	int p = pt_vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, va, 0xC0C0, URW, &old));
	int c = pt_vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	STEP(pt_vm_activate(c));
	CHECK_READS(va + 8, USR_RD, 0xC0C0); /* the TLB holds the shared frame */
	/* a read leaves it shared */
	CHECK_OK(pt_vm_resolve(c, va + 8, RD, 0, &pa));
	CHECK_EQ(pa, old + 8);
	CHECK_EQ(query_flags(c, va), URW | VM_COW);
	struct vm_stats s0 = stats_now();
	CHECK_OK(pt_vm_resolve(c, va + 8, WR, 0, &pa));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.cow_copies - s0.cow_copies, 1);
	CHECK_NE(ALIGN_DOWN(pa, PAGE_SIZE), old);
	CHECK_EQ(pa & PAGE_MASK, 8);
	CHECK_EQ(query_pa(c, va), ALIGN_DOWN(pa, PAGE_SIZE));
	CHECK_EQ(query_flags(c, va), URW);
	CHECK_EQ(ad_bits(c, va), PG_A | PG_D);
	CHECK_EQ(pt_frame_refcount(old), 1);
	CHECK_OK(pt_vm_check());
	/* the kernel writes the copy; the child sees it, not the old frame its TLB held */
	write_phys(pa, 0xD1D1);
	CHECK_READS(va + 8, USR_RD, 0xD1D1);
	CHECK_READS(va, USR_RD, 0xC0C0); /* the copy kept the rest */
	CHECK_WRITES(va + 12, USR_WR, 0xD2D2);
	STEP(pt_vm_activate(p));
	CHECK_READS(va + 8, USR_RD, 0xC0C0);
	/* the parent is now the last owner: its write keeps the frame */
	s0 = stats_now();
	CHECK_OK(pt_vm_resolve(p, va, WR, 0, &pa));
	s1 = stats_now();
	CHECK_EQ(s1.cow_reuses - s0.cow_reuses, 1);
	CHECK_EQ(pa, old);
	CHECK_EQ(query_flags(p, va), URW);
	CHECK_EQ(ad_bits(p, va), PG_A | PG_D);
	CHECK_WRITES(va + 4, USR_WR, 0xE1E1);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(c));
	STEP(pt_vm_destroy(p));
}

static void resolve_maps_a_zeroed_frame_where_the_kernel_says_demand_zero(void)
{
	paddr_t dirty = fx_user_frame(0xDEADBEEF), pa;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	CHECK_OK(pt_frame_free(dirty)); /* back on top of the free stack, still dirty */
	struct vm_stats s0 = stats_now();
	/* a region without a table: one is linked for it */
	CHECK_OK(pt_vm_resolve(as, REGION(6) + PAGE(3) + 0x40, WR, URW, &pa));
	CHECK_EQ(stats_now().zero_fills - s0.zero_fills, 1);
	CHECK_EQ(pa, dirty + 0x40);
	CHECK_EQ(query_pa(as, REGION(6) + PAGE(3)), dirty);
	CHECK_EQ(query_flags(as, REGION(6) + PAGE(3)), URW);
	CHECK_EQ(ad_bits(as, REGION(6) + PAGE(3)), PG_A | PG_D);
	CHECK_EQ(info_of(as).tables, 1);
	CHECK_EQ(pt_frame_refcount(dirty), 1);
	CHECK_OK(pt_vm_check());
	/* a read of read-only demand-zero memory, where the table exists */
	CHECK_OK(pt_vm_resolve(as, REGION(6) + PAGE(4), RD, VM_USER, &pa));
	CHECK_EQ(query_flags(as, REGION(6) + PAGE(4)), VM_USER);
	CHECK_EQ(ad_bits(as, REGION(6) + PAGE(4)), PG_A);
	CHECK_EQ(info_of(as).tables, 1);
	/* mapped now: the rights given for demand-zero memory no longer matter */
	CHECK_OK(pt_vm_resolve(as, REGION(6) + PAGE(4), RD, 0, &pa));
	CHECK_EQ(stats_now().zero_fills - s0.zero_fills, 2);
	STEP(pt_vm_activate(as));
	for (uint32_t off = 0; off < PAGE_SIZE; off += 4)
		CHECK_READS(REGION(6) + PAGE(3) + off, USR_RD, 0);
	CHECK_WRITES(REGION(6) + PAGE(3), USR_WR, 1);
	CHECK_READS(REGION(6) + PAGE(4) + 0xFFC, USR_RD, 0);
	CHECK_FAULTS(REGION(6) + PAGE(4), USR_WR, PF_P | PF_W | PF_U);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user - 2);
	STEP(pt_vm_activate(0));
	STEP(pt_vm_destroy(as));
}

/* pt_vm_resolve refuses with `err`, and as, its counts and va's entry stay as they were. */
static void check_refused(int as, vaddr_t va, uint32_t access, uint32_t zero_flags, int err)
{
	pte_t before = is_user_page(va) ? pte_of(as, va) : (pte_t){ 0 };
	paddr_t pa = 0x1234;

	CHECK_ERR(pt_vm_resolve(as, va, access, zero_flags, &pa), err);
	CHECK_EQ(pa, 0x1234);
	CHECK_OK(pt_vm_check());
	CHECK(fx_same(as, &snap));
	if (is_user_page(va))
		CHECK_EQ(pte_of(as, va).v, before.v);
}

static void resolve_refuses_every_access_the_process_may_not_make(void)
{
	int as = populated_space(); /* REGION(0) + PAGE(3) URW; device pages around REGION(2) */
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(4), 0xB1, VM_USER, NULL));          /* read-only */
	STEP(map_filled(as, REGION(4) + PAGE(1), 0xB2, VM_WRITE, NULL)); /* supervisor */
	STEP(map_filled(as, REGION(4) + PAGE(2), 0xB3, VM_USER, NULL));
	int c = pt_vm_clone(as, VM_CLONE_COW); /* REGION(4) + PAGE(2): copy-on-write, read-only */
	CHECK_GT(c, 0);
	fx_snap(as, &snap);
	RUN(check_refused(as, REGION(4), WR, URW, E_FAULT));
	RUN(check_refused(as, REGION(4) + PAGE(1), RD, URW, E_FAULT));
	RUN(check_refused(as, REGION(4) + PAGE(1), WR, URW, E_FAULT));
	RUN(check_refused(as, REGION(4) + PAGE(2), WR, URW, E_FAULT));
	RUN(check_refused(as, REGION(4) + PAGE(2), PF_W, URW, E_FAULT)); /* the kernel too (WP) */
	RUN(check_refused(as, REGION(4) + PAGE(5), RD, 0, E_FAULT));     /* not demand-zero */
	RUN(check_refused(as, REGION(9), WR, 0, E_FAULT));               /* no table either */
	RUN(check_refused(as, REGION(9), WR, VM_USER, E_FAULT));         /* read-only memory */
	RUN(check_refused(as, REGION(9), RD, VM_WRITE, E_FAULT));        /* the kernel's */
	RUN(check_refused(as, REGION(4) + PAGE(5), WR, VM_USER, E_FAULT));
	RUN(check_refused(as, 0, RD, URW, E_FAULT)); /* outside user space */
	RUN(check_refused(as, MiB(1), RD, URW, E_FAULT));
	RUN(check_refused(as, KMAP_BASE, PF_W, URW, E_FAULT));
	RUN(check_refused(as, USER_BASE - 4, RD, URW, E_FAULT));
	RUN(check_refused(as, REGION(0) + PAGE(3), PF_U | PF_P, 0, E_INVAL)); /* unknown bits */
	RUN(check_refused(as, REGION(0) + PAGE(3), PF_U | PF_RSVD, 0, E_INVAL));
	RUN(check_refused(as, REGION(9), WR, URW | PG_P, E_INVAL));
	RUN(check_refused(as, REGION(9), WR, URW | VM_COW, E_INVAL));
	STEP(pt_vm_destroy(c));
	fx_snap(as, &snap);
	static const int bad[] = { 0 /* the master */, -1, (int)TRK_MAX, 0 /* c, destroyed */ };
	for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++) {
		paddr_t pa = 0x1234;
		CHECK_ERR(pt_vm_resolve(i == 3 ? c : bad[i], REGION(0) + PAGE(3), RD, URW, &pa), E_BADH);
		CHECK_EQ(pa, 0x1234);
	}
	CHECK(fx_same(as, &snap));
	STEP(pt_vm_destroy(as));
}

/* ---- out of memory ----------------------------------------------------------- */

/*
 * A state for pt_vm_resolve to run in (prepare), and the call: the runs below
 * make allocation n fail for n = 1, 2, ... until the call meets no
 * failure.  What a state needs besides its address space: another space,
 * a kernel-zone frame the test holds.
 */
struct oom_state {
	int as, other;
	paddr_t blocker;
};

struct oom_case {
	void (*prepare)(struct oom_state *st);
	vaddr_t va;
	uint32_t access, zero_flags;
};

static void prepare_cow(struct oom_state *st)
{
	st->other = pt_vm_create();
	CHECK_GT(st->other, 0);
	STEP(map_filled(st->other, REGION(1), 0x0A0A, URW, NULL));
	st->as = pt_vm_clone(st->other, VM_CLONE_COW);
	CHECK_GT(st->as, 0);
	STEP(pt_vm_activate(st->as));
}

/* A live space with one page in REGION(0): its one table takes page B, no spare slot is left. */
static void prepare_one_table(struct oom_state *st)
{
	st->as = pt_vm_create();
	CHECK_GT(st->as, 0);
	STEP(map_filled(st->as, REGION(0), 0x0B0B, URW, NULL));
	STEP(pt_vm_activate(st->as));
}

/* The same, with the frame after the block held: a new table moves the block. */
static void prepare_one_table_blocked(struct oom_state *st)
{
	RUN(prepare_one_table(st));
	struct vm_space_info info = info_of(st->as);
	paddr_t after = info.block + info.pages * PAGE_SIZE;
	if (fx_take_kframe(after) == 0)
		st->blocker = after;
	CHECK(!fx_kframes_free(after, 1));
}

static const struct oom_case oom_cases[] = {
	{ prepare_cow, REGION(1) + 4, WR, 0 },                  /* the copy */
	{ prepare_one_table, REGION(0) + PAGE(1), WR, URW },    /* the frame */
	{ prepare_one_table_blocked, REGION(7), RD, VM_USER },  /* the frame, the block's move */
};

/* Remove what a run made. */
static void undo(const struct oom_state *st)
{
	pt_vm_activate(0);
	if (st->as > 0)
		pt_vm_destroy(st->as);
	if (st->other > 0)
		pt_vm_destroy(st->other);
	if (st->blocker)
		pt_frame_free(st->blocker);
}

/* pt_vm_resolve, as case k says, with allocation n failing; -E_NOMEM changes nothing. */
static void oom_attempt(const struct oom_case *k, const struct oom_state *st, uint32_t n,
			uint32_t *failed, bool *done)
{
	pte_t before = pte_of(st->as, k->va);
	struct vm_stats s0 = stats_now();
	paddr_t pa = 0;

	fx_snap(st->as, &snap);
	uint32_t calls = pt_frame_alloc_calls();
	pt_frame_fail_nth(n);
	int rc = pt_vm_resolve(st->as, k->va, k->access, k->zero_flags, &pa);
	bool met = pt_frame_alloc_calls() - calls >= n;
	pt_frame_fail_nth(0);
	if (rc == -E_NOMEM) {
		CHECK(met);
		CHECK_OK(pt_vm_check());
		CHECK(fx_same(st->as, &snap));
		CHECK_EQ(pte_of(st->as, k->va).v, before.v);
		CHECK_EQ(stats_now().cow_copies, s0.cow_copies);
		CHECK_EQ(stats_now().zero_fills, s0.zero_fills);
		CHECK_EQ(pt_vm_live(), st->as);
		(*failed)++;
		return;
	}
	CHECK_OK(rc);
	CHECK_EQ(query_pa(st->as, k->va), ALIGN_DOWN(pa, PAGE_SIZE));
	CHECK_OK(pt_vm_check());
	*done = !met;
}

/* One run of case k with allocation n failing; *done when it met no failure. */
static void oom_run(const struct oom_case *k, uint32_t n, uint32_t *failed, bool *done)
{
	struct oom_state st = { -1, -1, 0 };

	k->prepare(&st);
	if (!test_failed())
		oom_attempt(k, &st, n, failed, done);
	undo(&st);
	if (!test_failed())
		fx_check_back(&fx_start);
}

static void resolve_out_of_memory_at_any_allocation_changes_nothing(void)
{
	static const uint32_t want_failed[] = { 1, 1, 2 }; /* the frame; the move too */

	for (uint32_t k = 0; k < ARRAY_SIZE(oom_cases); k++) {
		uint32_t failed = 0;
		bool done = false;
		for (uint32_t n = 1; !done && n <= 16 && !test_failed(); n++)
			oom_run(&oom_cases[k], n, &failed, &done);
		CHECK(done);
		CHECK_EQ(failed, want_failed[k]);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(resolve_gives_the_frame_of_a_page_the_access_allows),
	TEST_CASE(resolve_of_a_write_to_a_copy_on_write_page_copies_it),
	TEST_CASE(resolve_maps_a_zeroed_frame_where_the_kernel_says_demand_zero),
	TEST_CASE(resolve_refuses_every_access_the_process_may_not_make),
	TEST_CASE(resolve_out_of_memory_at_any_allocation_changes_nothing),
};

DEFINE_PART(vm_resolve_part, cases);
