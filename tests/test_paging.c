/*
 * test_paging.c (host) - paging initialisation step by step (paging.h),
 * and the claims DESIGN makes of the whole system: the kernel's mappings
 * shared by every address space, kernel zones of any size, and what a
 * page-table block costs.
 *
 * The master table of a 64 MiB machine with a 16 MiB kernel zone, once the
 * six steps have run, in the identity layout (in the higher-half one the
 * kernel's part is the same at 0xC0000000 + pa, PDEs 768..771 and 1023,
 * and user space PDEs 1..767: the cases below say kzone_va and LOW_PDE):
 *
 *   virtual                   master PDE   maps
 *   0x00000000-0x00000FFF     0            nothing: the null guard
 *   0x00001000-0x000FFFFF     0            identity, supervisor, global
 *   0x00100000-0x00FFFFFF     0..3         identity, supervisor, global (X = 16 MiB)
 *   0x01000000-0x3FBFFFFF     4..254       not present
 *   0x3FC00000-0x3FFFFFFF     255          the kmap table, every slot empty
 *   0x40000000-0xFFFFFFFF     256..1023    not present: each address space's own
 *
 *   master block:  | PD | PT 0 | PT 1 | PT 2 | PT 3 | kmap PT |   (6 pages, no spare)
 *
 * Each case boots its own machine, so physical addresses here follow from
 * a fresh first-fit allocator; the vm suite's shared bodies (vm_*.c) never use them.
 */
#include "check.h"
#include "fixture.h"
#include "frame.h"
#include "kmap.h"
#include "layout.h"
#include "machine.h"
#include "mmu_model.h"
#include "paging.h"
#include "probe.h"
#include "ptblock.h"
#include "seam.h"
#include "suites.h"
#include "tracker.h"
#include "vmspace.h"

#define URW (VM_USER | VM_WRITE)
#define LOW_PDE pde_index(kzone_va(0)) /* the table of the first 1 MiB and the zone's start */
#define USER_PAGES ((USER_LAST - USER_BASE) / PAGE_SIZE + 1)
#define REGION(i) (USER_BASE + (uint32_t)(i) * PDE_SPAN) /* the 4 MiB one table maps */
#define DEVICE_PA 0x80000000u /* far above RAM: mapped without references */
#define FAULTED(err) (PROBE_FAULTED | (err))

static int (*const steps[])(void) = {
	pt_paging_step_tracker_page, pt_paging_step_master_block, pt_paging_step_link_master,
	pt_paging_step_map_low,      pt_paging_step_map_kzone,    pt_paging_step_enable,
};

/*
 * Every frame of the kernel zone is free, a tracker page or a page of the
 * master block: initialisation took nothing else and lost nothing (from
 * step 3 on, once tracker 0 holds the master).
 */
static void check_kernel_zone_accounted(void)
{
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL) + pt_trk_pages() + pt_trk_get(TRK_MASTER)->pcount,
		 pt_frame_total_count(ZONE_KERNEL));
}

/* A 64 MiB machine, paging off, with the first n steps run (asserts). */
static void boot_steps(uint32_t n)
{
	fx_boot(64, 16, false);
	for (uint32_t i = 0; i < n; i++)
		CHECK_OK(steps[i]());
	if (n >= 3)
		RUN(check_kernel_zone_accounted());
}

static void check_kernel_zone_mapping(paddr_t x);

/* A machine with paging on; the counts the teardown compares with are taken now. */
static void boot(uint32_t ram_mib, uint32_t kzone_mib)
{
	fx_boot(ram_mib, kzone_mib, true);
	fx_counts(&fx_start);
}

static void teardown(void)
{
	if (hw_paging_enabled())
		fx_teardown();
	pt_paging_set_user_gate(0); /* a case that gave the kernel one: the next boots have none */
}

static const struct pg_tracker *master(void)
{
	return pt_trk_get(TRK_MASTER);
}

static pte_t *master_pte(vaddr_t va)
{
	pde_t pde = pt_ptb_pd(master())[pde_index(va)];

	return &pt_ptb_table(pde_addr(pde))[pte_index(va)];
}

static bool page_is_zero(paddr_t pa)
{
	const uint8_t *p = hw_phys(pa);

	for (uint32_t i = 0; i < PAGE_SIZE; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* The lowest free kernel-zone frame: where a first-fit allocation lands. */
static paddr_t first_free(uint32_t *n)
{
	paddr_t pa = 0;

	if (!pt_frame_next_free_run(&pa, n))
		*n = 0;
	return pa;
}

/* ---- the six steps, each on its own ------------------------------------ */

static void step1_allocates_a_pinned_zeroed_tracker_page(void)
{
	boot_steps(0);
	if (test_failed())
		return;
	uint32_t free0 = pt_frame_free_count(ZONE_KERNEL), run;
	paddr_t dirty = first_free(&run);
	memset(hw_phys(dirty), 0xA5, PAGE_SIZE); /* so that "zeroed" means something */
	CHECK_OK(pt_paging_step_tracker_page());
	paddr_t page = pt_trk_page_addr(0);
	CHECK_EQ(page, dirty);
	CHECK(pt_frame_in_kzone(page));
	CHECK_EQ(pt_frame_refcount(page), 1);
	CHECK_EQ(pt_frame_pincount(page), 1);
	CHECK(page_is_zero(page));
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free0 - 1);
	CHECK_EQ(pt_trk_pages(), 1);
	CHECK_EQ(pt_trk_count(), 0);
	CHECK_EQ(pt_trk_page_addr(1), 0);
	CHECK(pt_trk_get(TRK_MASTER) == NULL);
	CHECK_OK(pt_trk_check());
	CHECK_OK(pt_frame_check());
	CHECK(!hw_paging_enabled());
}

static void step2_creates_the_master_block_outside_cr3(void)
{
	struct ptb_stats st;
	uint32_t run;

	boot_steps(1);
	if (test_failed())
		return;
	uint32_t free0 = pt_frame_free_count(ZONE_KERNEL);
	paddr_t block = first_free(&run);
	CHECK_GE(run, PTB_MIN_PAGES);
	memset(hw_phys(block), 0xA5, PTB_MIN_PAGES * PAGE_SIZE);
	CHECK_OK(pt_paging_step_master_block());
	for (uint32_t i = 0; i < PTB_MIN_PAGES; i++) {
		CHECK_EQ(pt_frame_refcount(block + i * PAGE_SIZE), 1);
		CHECK_EQ(pt_frame_pincount(block + i * PAGE_SIZE), 1);
	}
	CHECK(page_is_zero(block)); /* page A; page B is a spare, zeroed when it is linked */
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free0 - PTB_MIN_PAGES);
	pt_ptb_get_stats(&st);
	CHECK_EQ(st.blocks, 1);
	CHECK_EQ(st.pages, PTB_MIN_PAGES);
	CHECK_EQ(pt_trk_count(), 0); /* not linked yet */
	CHECK_NE(hw_cr3(), block);
	CHECK(!hw_paging_enabled());
	CHECK_OK(pt_frame_check());
}

static void step3_links_the_master_in_tracker_0(void)
{
	uint32_t run;

	boot_steps(1);
	if (test_failed())
		return;
	paddr_t block = first_free(&run);
	CHECK_OK(pt_paging_step_master_block());
	CHECK_OK(pt_paging_step_link_master());
	const struct pg_tracker *m = master();
	CHECK(m != NULL);
	CHECK_EQ(m->ptPtr, block); /* base, and no tables yet in the low bits */
	CHECK_EQ(pt_trk_base(m), block);
	CHECK_EQ(pt_trk_ntables(m), 0);
	CHECK_EQ(m->pcount, PTB_MIN_PAGES);
	CHECK_EQ(pt_trk_count(), 1);
	CHECK_EQ(pt_trk_next(0), TRK_MASTER);
	CHECK_EQ(pt_trk_next(1), -1);
	CHECK_OK(pt_trk_check());
	CHECK_NE(hw_cr3(), block);
	CHECK(!hw_paging_enabled());
}

static void step4_maps_the_first_mib_except_page_0(void)
{
	boot_steps(3);
	if (test_failed())
		return;
	CHECK_OK(pt_paging_step_map_low());
	const struct pg_tracker *m = master();
	const pde_t *pd = pt_ptb_pd(m);
	CHECK_EQ(pt_trk_ntables(m), 1);
	CHECK_EQ(m->pcount, PTB_MIN_PAGES); /* page B became the table: no growth */
	CHECK_EQ(pd[LOW_PDE].v, make_pde(pt_trk_base(m) + PAGE_SIZE, KERNEL_PDE_FLAGS).v);
	for (uint32_t i = 0; i < PT_ENTRIES; i++)
		if (i != LOW_PDE)
			CHECK_EQ(pd[i].v, 0);
	CHECK_EQ(master_pte(kzone_va(0))->v, 0);
	for (paddr_t pa = PAGE_SIZE; pa < FRAME_LOW_RESERVED; pa += PAGE_SIZE) {
		pte_t e = *master_pte(kzone_va(pa));
		CHECK_EQ(e.v, make_pte(pa, KERNEL_PTE_FLAGS).v);
		CHECK_EQ(e.v & PG_US, 0);
		CHECK_NE(e.v & PG_G, 0);
	}
	for (paddr_t pa = FRAME_LOW_RESERVED; pa < PDE_SPAN; pa += PAGE_SIZE)
		CHECK_EQ(master_pte(kzone_va(pa))->v, 0); /* the kernel zone comes next */
	CHECK(!hw_paging_enabled());
}

static void step5_maps_every_page_of_the_kernel_zone(void)
{
	boot_steps(4);
	if (test_failed())
		return;
	CHECK_OK(pt_paging_step_map_kzone());
	paddr_t x = pt_frame_kzone_end();
	const struct pg_tracker *m = master();
	const pde_t *pd = pt_ptb_pd(m);
	CHECK_EQ(x, MiB(16));
	CHECK_EQ(pt_trk_ntables(m), 4);
	for (uint32_t i = LOW_PDE; i < LOW_PDE + 4; i++) {
		CHECK(pde_present(pd[i]));
		CHECK_EQ(pde_flags(pd[i]), KERNEL_PDE_FLAGS);
		CHECK_EQ(pd[i].v & (PG_P | PG_RW | PG_US), PG_P | PG_RW); /* supervisor */
	}
	for (uint32_t i = 0; i < PT_ENTRIES; i++)
		if (i < LOW_PDE || i >= LOW_PDE + 4)
			CHECK_EQ(pd[i].v, 0);
	CHECK_EQ(master_pte(kzone_va(0))->v, 0);
	for (paddr_t pa = PAGE_SIZE; pa < x; pa += PAGE_SIZE)
		CHECK_EQ(master_pte(kzone_va(pa))->v, make_pte(pa, KERNEL_PTE_FLAGS).v);
	/* the structures made so far lie in what is now mapped */
	CHECK_LT(pt_trk_page_addr(0), x);
	CHECK_LE(pt_trk_base(m) + m->pcount * PAGE_SIZE, x);
	CHECK_EQ(hw_cr3(), 0);
	CHECK(!hw_paging_enabled());
}

static void step6_loads_cr3_and_turns_paging_on(void)
{
	uint32_t v = 0;

	boot_steps(5);
	if (test_failed())
		return;
	CHECK_OK(pt_paging_step_enable());
	const struct pg_tracker *m = master();
	const pde_t *pd = pt_ptb_pd(m);
	paddr_t x = pt_frame_kzone_end();
	CHECK_EQ(hw_cr3(), pt_trk_base(m));
	CHECK(hw_paging_enabled());
	CHECK_NE(mmu_cr0() & CR0_WP, 0);
	CHECK_NE(mmu_cr4() & CR4_PGE, 0);
	CHECK_EQ(pt_vm_live(), TRK_MASTER);
	/* the kmap table: linked, supervisor, every slot empty */
	CHECK(pde_present(pd[KMAP_PDE]));
	CHECK_EQ(pde_flags(pd[KMAP_PDE]), KERNEL_PDE_FLAGS);
	CHECK_EQ(pd[KMAP_PDE].v & PG_US, 0);
	CHECK_EQ(pt_trk_ntables(m), 5);
	CHECK_EQ(m->pcount, 6); /* trimmed: the master never grows again */
	CHECK_EQ(pt_kmap_in_use(), 0);
	CHECK(page_is_zero(pde_addr(pd[KMAP_PDE])));
	/* kernel addresses work at CPL 0, at kzone_va (the identity, or 0xC0000000 + pa) */
	CHECK_EQ(probe(kzone_va(pt_trk_base(m) + KMAP_PDE * 4), PROBE_READ, &v), 0);
	CHECK_EQ(v, pd[KMAP_PDE].v);
	CHECK_EQ(probe(kzone_va(PAGE_SIZE), PROBE_READ, &v), 0);
	CHECK_EQ(probe(kzone_va(x - 4), PROBE_READ, &v), 0);
	uint32_t n;
	paddr_t spare = first_free(&n);
	v = 0xC0FFEE11;
	CHECK_EQ(probe(kzone_va(spare), PROBE_WRITE, &v), 0);
	CHECK_EQ(*(uint32_t *)hw_phys(spare), 0xC0FFEE11);
	*(uint32_t *)hw_phys(spare) = 0;
	/* page 0, the end of the kernel zone and empty kmap slots are not present */
	CHECK_EQ(probe(0, PROBE_READ, &v), FAULTED(0));
	CHECK_EQ(probe(kzone_va(0), PROBE_READ, &v), FAULTED(0));
	CHECK_EQ(probe(kzone_va(PAGE_SIZE) - 4, PROBE_WRITE, &v), FAULTED(PF_W));
	CHECK_EQ(probe(kzone_va(x), PROBE_READ, &v), FAULTED(0));
	CHECK_EQ(probe(KMAP_BASE, PROBE_READ, &v), FAULTED(0));
	CHECK_EQ(probe(USER_BASE, PROBE_READ, &v), FAULTED(0));
	/* and the kernel is out of reach of CPL 3 */
	CHECK_EQ(probe(kzone_va(MiB(1)), PROBE_USER, &v), FAULTED(PF_P | PF_U));
	CHECK_OK(pt_vm_check());
	RUN(check_kernel_zone_accounted());
	fx_counts(&fx_start);
}

/*
 * A kernel with a user gate: step 6 maps the gate's page at GATE_BASE,
 * global and supervisor-only, and pt_paging_open_gate lets ring 3 in and out
 * while the TLB holds the page.  A global entry outlives CR3 loads, so a
 * gate closed without an invlpg would stay open to every process.
 */
static void the_user_gate_opens_and_closes_at_once(void)
{
	paddr_t code = MiB(1); /* a page of the pretend kernel image */
	uint32_t v = 0;

	fx_boot(64, 16, false);
	*(uint32_t *)hw_phys(code) = 0x6A7E6A7E;
	pt_paging_set_user_gate(code);
	CHECK_OK(pt_paging_init(false));
	CHECK_EQ(probe(GATE_BASE, PROBE_READ, &v), 0);
	CHECK_EQ(v, 0x6A7E6A7E);
	CHECK_EQ(probe(GATE_BASE, PROBE_USER, &v), FAULTED(PF_P | PF_U));
	pt_paging_open_gate(true);
	v = 0;
	CHECK_EQ(probe(GATE_BASE, PROBE_USER, &v), 0);
	CHECK_EQ(v, 0x6A7E6A7E);
	pt_paging_open_gate(false);
	CHECK_EQ(probe(GATE_BASE, PROBE_USER, &v), FAULTED(PF_P | PF_U));
	CHECK_EQ(probe(GATE_BASE, PROBE_READ, &v), 0);
	CHECK_OK(pt_vm_check());
	fx_counts(&fx_start);
}

/*
 * The master has to move twice during initialisation (a frame is taken
 * right after it before steps 5 and 6); the step that moves it rebases its
 * PDEs, and step 6 gives back the room a move leaves:
 *
 *   after step 4:  | PD | PT |[plug]
 *   after step 5:              [plug]| PD | PT x4 |[plug]
 *   after step 6:              [plug]              [plug]| PD | PT x4 | kmap PT |
 *
 * (the move in step 6 takes 10 pages, room to double, and 4 go back)
 */
static void moves_of_the_master_during_init_are_rebased_and_trimmed(void)
{
	paddr_t plug[2];

	boot_steps(4);
	if (test_failed())
		return;
	for (uint32_t i = 0; i < 2; i++) {
		paddr_t old = pt_trk_base(master());
		plug[i] = old + master()->pcount * PAGE_SIZE;
		CHECK_OK(fx_take_kframe(plug[i]));
		CHECK_OK(steps[4 + i]());
		CHECK_NE(pt_trk_base(master()), old);
		CHECK(fx_kframes_free(old, 2));
	}
	const struct pg_tracker *m = master();
	CHECK_EQ(m->pcount, 6);
	CHECK_EQ(pt_trk_ntables(m), 5);
	CHECK_EQ(hw_cr3(), pt_trk_base(m));
	for (uint32_t i = 0; i < 4; i++)
		CHECK_EQ(pde_addr(pt_ptb_pd(m)[LOW_PDE + i]), pt_trk_base(m) + (i + 1) * PAGE_SIZE);
	CHECK_EQ(pde_addr(pt_ptb_pd(m)[KMAP_PDE]), pt_trk_base(m) + 5 * PAGE_SIZE);
	check_kernel_zone_mapping(MiB(16));
	CHECK_OK(pt_frame_free(plug[0]));
	CHECK_OK(pt_frame_free(plug[1]));
	CHECK_OK(pt_vm_check());
	RUN(check_kernel_zone_accounted());
	fx_counts(&fx_start);
}

static void paging_init_is_the_six_steps(void)
{
	static uint8_t by_steps[7 * PAGE_SIZE];
	struct pg_tracker t;

	boot_steps(6);
	if (test_failed())
		return;
	t = *master();
	CHECK_EQ(t.pcount, 6);
	memcpy(by_steps, hw_phys(pt_trk_base(&t)), t.pcount * PAGE_SIZE);
	uint32_t kfree = pt_frame_free_count(ZONE_KERNEL), ufree = pt_frame_free_count(ZONE_USER);
	boot(64, 16);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), kfree);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), ufree);
	CHECK_EQ(master()->ptPtr, t.ptPtr);
	CHECK_EQ(master()->pcount, t.pcount);
	CHECK_MEM_EQ(hw_phys(pt_trk_base(master())), by_steps, t.pcount * PAGE_SIZE);
}

/* Every event counter of pt_vm_get_stats is zero. */
static void check_no_events(void)
{
	struct vm_stats s;

	pt_vm_get_stats(&s);
	CHECK_EQ(s.spaces, 0);
	CHECK_EQ(s.spaces_peak, 0);
	CHECK_EQ(s.relocations, 0);
	CHECK_EQ(s.shrinks, 0);
	CHECK_EQ(s.pages_copied, 0);
	CHECK_EQ(s.table_moves, 0);
	CHECK_EQ(s.cow_copies, 0);
	CHECK_EQ(s.cow_reuses, 0);
	CHECK_EQ(s.zero_fills, 0);
	CHECK_EQ(s.invlpgs, 0);
	CHECK_EQ(s.tlb_flushes, 0);
	CHECK_EQ(s.invalidations_skipped, 0);
}

static void a_new_boot_starts_every_counter_from_zero(void)
{
	struct vm_stats s;
	uint32_t v = 1;

	boot(64, 16);
	check_no_events();
	int a = pt_vm_create(), b = pt_vm_create();
	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	for (uint32_t r = 0; r < 3; r++) /* b sits after a: a relocates */
		CHECK_OK(pt_vm_map_zero(a, REGION(r), URW));
	CHECK_OK(pt_vm_unmap(a, REGION(0))); /* a table moves */
	CHECK_OK(pt_vm_map_range(b, USER_BASE, DEVICE_PA, 40, URW));
	CHECK_OK(pt_vm_unmap_range(b, USER_BASE, 40)); /* not live: skipped */
	int c = pt_vm_clone(a, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(pt_vm_activate(a));
	CHECK_EQ(probe(REGION(1), PROBE_USER | PROBE_WRITE, &v), FAULTED(PF_P | PF_W | PF_U));
	CHECK_OK(pt_vm_fault(a, REGION(1), PF_P | PF_W | PF_U));
	CHECK_OK(pt_vm_map_range(a, REGION(9), DEVICE_PA, 40, URW));
	CHECK_OK(pt_vm_unmap_range(a, REGION(9), 40)); /* live, past the flush threshold */
	CHECK_OK(pt_vm_activate(TRK_MASTER));
	CHECK_OK(pt_vm_destroy(c));
	CHECK_OK(pt_vm_destroy(b));
	CHECK_OK(pt_vm_destroy(a));
	pt_vm_get_stats(&s);
	CHECK_GT(s.relocations, 0);
	CHECK_GT(s.table_moves, 0);
	CHECK_GT(s.cow_copies, 0);
	CHECK_GT(s.zero_fills, 0);
	CHECK_GT(s.invlpgs, 0);
	CHECK_GT(s.tlb_flushes, 0);
	CHECK_GT(s.invalidations_skipped, 0);
	teardown();
	boot(64, 16);
	check_no_events();
}

/* ---- the kernel part, shared by every address space ------------------- */

/* Physical addresses the kernel reaches at kzone_va, to probe there. */
static const paddr_t kernel_spots[] = { PAGE_SIZE, 0x000B8000, MiB(1), MiB(1) + KiB(300),
					MiB(8), MiB(16) - 4 };

/* The live space's view of the kernel: CPL 0 reads and writes, CPL 3 faults. */
static void check_kernel_view(void)
{
	uint32_t v;

	hw_flush_tlb_global(); /* walk this space's directory, not cached globals */
	for (size_t i = 0; i < ARRAY_SIZE(kernel_spots); i++) {
		vaddr_t va = kzone_va(kernel_spots[i]);
		struct mmu_result r = mmu_access(va, 0);
		CHECK(!r.fault);
		CHECK_EQ(r.pa, kernel_spots[i]);
		CHECK_EQ(probe(va, PROBE_READ, &v), 0);
		CHECK_EQ(v, *(uint32_t *)hw_phys(kernel_spots[i]));
		CHECK_EQ(probe(va, PROBE_USER, &v), FAULTED(PF_P | PF_U));
		CHECK_EQ(probe(va, PROBE_USER | PROBE_WRITE, &v), FAULTED(PF_P | PF_W | PF_U));
	}
	CHECK_EQ(probe(0, PROBE_READ, &v), FAULTED(0));
	CHECK_EQ(probe(kzone_va(0), PROBE_READ, &v), FAULTED(0));
	CHECK_EQ(probe(kzone_va(pt_trk_page_addr(0)), PROBE_READ, &v), 0);
	CHECK_EQ(v, pt_trk_get(TRK_MASTER)->ptPtr);
}

/* The PDEs below user space and above it (the higher-half layout's) are the master's. */
static void kernel_pdes_equal_the_masters(int as)
{
	const pde_t *pd = pt_ptb_pd(pt_trk_get(as)), *m = pt_ptb_pd(master());

	CHECK_MEM_EQ(pd, m, USER_PDE_FIRST * sizeof(pde_t));
	CHECK_MEM_EQ(&pd[USER_PDE_END], &m[USER_PDE_END],
		     (PT_ENTRIES - USER_PDE_END) * sizeof(pde_t));
}

static void kernel_mappings_are_seen_from_every_space(void)
{
	int as[6];

	boot(64, 16);
	for (uint32_t i = 0; i < ARRAY_SIZE(as); i++) {
		as[i] = pt_vm_create();
		CHECK_GT(as[i], 0);
		/* a different user layout in each: 1..6 tables, some relocations */
		for (uint32_t r = 0; r <= i; r++)
			CHECK_OK(pt_vm_map(as[i], REGION(r * 37 % 192), DEVICE_PA, VM_USER));
		CHECK_OK(pt_vm_check());
	}
	*(uint32_t *)hw_phys(MiB(8)) = 0x8BADF00D;
	for (uint32_t i = 0; i < ARRAY_SIZE(as); i++) {
		CHECK_OK(pt_vm_activate(as[i]));
		check_kernel_view();
		if (test_failed())
			return;
		kernel_pdes_equal_the_masters(as[i]);
		uint32_t v;
		CHECK_EQ(probe(kzone_va(MiB(8)), PROBE_READ, &v), 0);
		CHECK_EQ(v, 0x8BADF00D);
		v = i;
		/* a kernel write, seen by all */
		CHECK_EQ(probe(kzone_va(MiB(8)) + 4, PROBE_WRITE, &v), 0);
		CHECK_EQ(*(uint32_t *)hw_phys(MiB(8) + 4), i);
	}
	CHECK_OK(pt_vm_activate(TRK_MASTER));
	check_kernel_view();
	*(uint32_t *)hw_phys(MiB(8)) = 0;
	*(uint32_t *)hw_phys(MiB(8) + 4) = 0;
	for (uint32_t i = 0; i < ARRAY_SIZE(as); i++)
		CHECK_OK(pt_vm_destroy(as[i]));
}

static void kernel_pdes_stay_equal_through_growth_clone_and_relocation(void)
{
	boot(64, 16);
	int a = pt_vm_create(), b = pt_vm_create();
	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	for (uint32_t r = 0; r < 40; r++) { /* a grows; b sits right after it: relocations */
		CHECK_OK(pt_vm_map(a, REGION(r), DEVICE_PA, VM_USER));
		kernel_pdes_equal_the_masters(a);
	}
	struct vm_stats s;
	pt_vm_get_stats(&s);
	CHECK_GT(s.relocations, 0);
	int c = pt_vm_clone(a, VM_CLONE_COW), e = pt_vm_clone(a, VM_CLONE_EAGER);
	CHECK_GT(c, 0);
	CHECK_GT(e, 0);
	kernel_pdes_equal_the_masters(b);
	kernel_pdes_equal_the_masters(c);
	kernel_pdes_equal_the_masters(e);
	CHECK_OK(pt_vm_unmap_range(a, USER_BASE, USER_PAGES));
	kernel_pdes_equal_the_masters(a);
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_activate(c));
	check_kernel_view();
	CHECK_OK(pt_vm_activate(TRK_MASTER));
	CHECK_OK(pt_vm_destroy(a));
	CHECK_OK(pt_vm_destroy(b));
	CHECK_OK(pt_vm_destroy(c));
	CHECK_OK(pt_vm_destroy(e));
}

/* ---- kernel zones and machines of other sizes --------------------------- */

struct machine_size {
	uint32_t ram_mib, kzone_mib; /* kzone 0: the default, a quarter of RAM but >= 16 MiB */
	paddr_t x;                   /* the kernel zone's end that follows */
};

static const struct machine_size sizes[] = {
	{ 64, 16, MiB(16) },
	{ 128, 96, MiB(96) },
	{ 64, 18, MiB(18) },  /* X not a multiple of 4 MiB: the last table is partly used */
	{ 30, 21, MiB(21) },  /* RAM not a multiple of 4 MiB either */
	{ 24, 0, MiB(16) },   /* a quarter would be 6 MiB: the minimum wins */
	{ 200, 0, MiB(52) },  /* a quarter of RAM, 50 MiB, rounded up to a whole table */
	{ 256, 0, MiB(64) },
	{ 20, 20, MiB(20) },  /* all of RAM: no user zone */
};

/*
 * Every page of [1 MiB, X) is mapped at kzone_va, supervisor, global;
 * nothing past X, and no other kernel PDE but the kmap window's.
 */
static void check_kernel_zone_mapping(paddr_t x)
{
	const struct pg_tracker *m = master();
	uint32_t tables = DIV_ROUND_UP(x, PDE_SPAN);

	CHECK_EQ(pt_frame_kzone_end(), x);
	CHECK_EQ(pt_trk_ntables(m), tables + 1); /* and the kmap table */
	CHECK_EQ(m->pcount, tables + 2);
	for (paddr_t pa = PAGE_SIZE; pa < x; pa += PAGE_SIZE) {
		struct mmu_result r = mmu_access(kzone_va(pa), PF_W);
		CHECK(!r.fault);
		CHECK_EQ(r.pa, pa);
		CHECK_EQ(master_pte(kzone_va(pa))->v & ~(PG_A | PG_D),
			 make_pte(pa, KERNEL_PTE_FLAGS).v);
	}
	for (paddr_t pa = x; pa < tables * PDE_SPAN; pa += PAGE_SIZE)
		CHECK_EQ(master_pte(kzone_va(pa))->v, 0);
	CHECK_EQ(mmu_access(kzone_va(x), 0).err, 0);
	CHECK(mmu_access(kzone_va(x), 0).fault);
	CHECK(mmu_access(0, 0).fault);
	CHECK(mmu_access(kzone_va(0), 0).fault);
	CHECK_EQ(mmu_access(kzone_va(x - PAGE_SIZE), PF_U).err, PF_P | PF_U);
	for (uint32_t i = 0; i < PT_ENTRIES; i++)
		if (i != KMAP_PDE && (i < LOW_PDE || i >= LOW_PDE + tables))
			CHECK_EQ(pt_ptb_pd(m)[i].v, 0);
}

static void kernel_zones_of_any_size_are_mapped_whole(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		boot(sizes[i].ram_mib, sizes[i].kzone_mib);
		check_kernel_zone_mapping(sizes[i].x);
		CHECK_OK(pt_vm_check());
		if (test_failed()) {
			kprintf("  (machine %u MiB, kernel zone %u MiB)\n", sizes[i].ram_mib,
				sizes[i].kzone_mib);
			return;
		}
		int as = pt_vm_create();
		CHECK_GT(as, 0);
		CHECK_OK(pt_vm_map(as, USER_LAST, DEVICE_PA, URW));
		bool user_zone = pt_frame_total_count(ZONE_USER) > 0;
		if (user_zone)
			CHECK_OK(pt_vm_map_zero(as, USER_BASE, URW));
		else
			CHECK_ERR(pt_vm_map_zero(as, USER_BASE, URW), E_NOMEM);
		CHECK_OK(pt_vm_activate(as));
		check_kernel_view();
		uint32_t v = 0;
		if (user_zone) {
			CHECK_EQ(probe(USER_BASE, PROBE_USER | PROBE_WRITE, &v), 0);
			CHECK_EQ(probe(USER_BASE + 4, PROBE_USER, &v), 0);
			CHECK_EQ(v, 0);
		}
		CHECK_OK(pt_vm_activate(TRK_MASTER));
		CHECK_OK(pt_vm_destroy(as));
		teardown();
		if (test_failed())
			return;
	}
}

/* ---- what a block costs ------------------------------------------------- */

static void new_space_block_is_two_pages(void)
{
	struct vm_space_info info;
	struct vm_stats s0, s1;

	boot(64, 16);
	pt_vm_get_stats(&s0);
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_info(as, &info));
	CHECK_EQ(info.pages, 2);
	CHECK_EQ(info.tables, 0);
	CHECK_EQ(info.mapped, 0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), fx_start.free_kernel - 2);
	pt_vm_get_stats(&s1);
	CHECK_EQ(s1.block_pages - s0.block_pages, 2);
	CHECK_EQ(s1.blocks - s0.blocks, 1);
	CHECK_EQ(s1.spaces, s0.spaces + 1);
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_destroy(as));
}

/*
 * Code at the start of user space and a stack page just below its last
 * one: two tables, at its first and last PDEs (identity: 256 and 1023), in
 * block slots 1 and 2.  Index placement would need the whole 4 MiB + 4 KiB.
 *
 *   block:  | PD | PT for USER_BASE | PT for the last 4 MiB |   3 pages, 12 KiB
 */
static void code_and_stack_space_is_three_pages(void)
{
	struct vm_space_info info;

	boot(64, 16);
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	for (uint32_t i = 0; i < 16; i++)
		CHECK_OK(pt_vm_map_zero(as, USER_BASE + i * PAGE_SIZE, VM_USER));
	CHECK_OK(pt_vm_map_zero(as, USER_LAST - PAGE_SIZE, URW)); /* ends at USER_LAST */
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_info(as, &info));
	CHECK_EQ(info.pages, 3);
	CHECK_EQ(info.tables, 2);
	CHECK_EQ(info.mapped, 17);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), fx_start.free_kernel - 3);
	const pde_t *pd = pt_ptb_pd(pt_trk_get(as));
	CHECK_EQ(pde_addr(pd[pde_index(USER_BASE)]), info.block + PAGE_SIZE);
	CHECK_EQ(pde_addr(pd[pde_index(USER_LAST)]), info.block + 2 * PAGE_SIZE);
	CHECK_OK(pt_vm_destroy(as));
}

static void one_gib_mapped_then_unmapped_leaves_two_pages(void)
{
	const uint32_t gib = (uint32_t)(MiB(1024) / PAGE_SIZE);
	struct vm_space_info info;

	boot(64, 16);
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_map_range(as, USER_BASE, DEVICE_PA, gib, VM_USER));
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_info(as, &info));
	CHECK_EQ(info.tables, 256);
	CHECK_EQ(info.mapped, gib);
	CHECK_GE(info.pages, 257);
	CHECK_OK(pt_vm_unmap_range(as, USER_BASE, gib));
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_info(as, &info));
	CHECK_EQ(info.tables, 0);
	CHECK_EQ(info.mapped, 0);
	CHECK_EQ(info.pages, 2);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), fx_start.free_kernel - 2);
	CHECK_OK(pt_vm_destroy(as));
}

static void destroying_returns_every_frame(void)
{
	struct vm_stats s;
	uint32_t v = 7;

	boot(64, 16);
	int a = pt_vm_create(), b = pt_vm_create();
	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	for (uint32_t r = 0; r < 12; r++) /* b right after a: a relocates as it grows */
		for (uint32_t i = 0; i < 3; i++)
			CHECK_OK(pt_vm_map_zero(a, REGION(r * 60) + i * PAGE_SIZE, URW));
	CHECK_OK(pt_vm_map_range(a, REGION(700), DEVICE_PA, 100, VM_USER));
	CHECK_OK(pt_vm_map_zero(b, USER_BASE, URW));
	int c = pt_vm_clone(a, VM_CLONE_COW), e = pt_vm_clone(a, VM_CLONE_EAGER);
	CHECK_GT(c, 0);
	CHECK_GT(e, 0);
	CHECK_OK(pt_vm_activate(c));
	CHECK_EQ(probe(REGION(60), PROBE_USER | PROBE_WRITE, &v), FAULTED(PF_P | PF_W | PF_U));
	CHECK_OK(pt_vm_fault(c, REGION(60), PF_P | PF_W | PF_U));
	CHECK_OK(pt_vm_activate(TRK_MASTER));
	CHECK_OK(pt_vm_check());
	pt_vm_get_stats(&s);
	CHECK_GT(s.relocations, 0);
	CHECK_LT(pt_frame_free_count(ZONE_USER), fx_start.free_user - 36 * 2);
	CHECK_OK(pt_vm_destroy(a));
	CHECK_OK(pt_vm_destroy(c));
	CHECK_OK(pt_vm_destroy(e));
	CHECK_OK(pt_vm_destroy(b));
	CHECK_OK(pt_vm_check());
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), fx_start.free_kernel);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), fx_start.free_user);
	pt_vm_get_stats(&s);
	CHECK_EQ(s.spaces, 0);
	CHECK_EQ(s.blocks, 1);
	CHECK_EQ(s.block_pages, master()->pcount);
	CHECK_EQ(s.tables, pt_trk_ntables(master()));
}

/* 2,000 address spaces: four tracker pages, 8,000 frames of blocks. */
static void two_thousand_spaces_fill_four_tracker_pages(void)
{
	static int as[2000];
	struct vm_stats s;

	boot(64, 32);
	for (uint32_t i = 0; i < ARRAY_SIZE(as); i++) {
		as[i] = pt_vm_create();
		CHECK_GT(as[i], 0);
		CHECK_EQ(as[i], (int)i + 1); /* trackers are taken lowest first */
	}
	pt_vm_get_stats(&s);
	CHECK_EQ(s.spaces, 2000);
	CHECK_EQ(s.tracker_pages, 4);
	CHECK_EQ(pt_trk_pages(), 4);
	CHECK_EQ(s.block_pages, master()->pcount + 2 * 2000);
	CHECK_OK(pt_vm_map(as[1999], USER_BASE, DEVICE_PA, URW));
	CHECK_OK(pt_vm_map(as[600], USER_LAST, DEVICE_PA + PAGE_SIZE, URW));
	CHECK_OK(pt_vm_check());
	paddr_t pa;
	CHECK_OK(pt_vm_translate(as[1999], USER_BASE + 0x10, &pa));
	CHECK_EQ(pa, DEVICE_PA + 0x10);
	CHECK_OK(pt_vm_translate(as[600], USER_LAST, &pa));
	CHECK_EQ(pa, DEVICE_PA + PAGE_SIZE);
	/* emptying the last tracker page (trackers 1536-2047) gives it back */
	for (uint32_t i = 1535; i < 2000; i++)
		CHECK_OK(pt_vm_destroy(as[i]));
	CHECK_EQ(pt_trk_pages(), 3);
	CHECK_OK(pt_vm_check());
	int again = pt_vm_create();
	CHECK_EQ(again, 1536);
	CHECK_EQ(pt_trk_pages(), 4);
	CHECK_OK(pt_vm_destroy(again));
	CHECK_EQ(pt_trk_pages(), 3);
	for (uint32_t i = 0; i < 1535; i++)
		CHECK_OK(pt_vm_destroy(as[i]));
	CHECK_EQ(pt_trk_pages(), 1);
	pt_vm_get_stats(&s);
	CHECK_EQ(s.spaces, 0);
	CHECK_EQ(s.spaces_peak, 2000);
}

/*
 * Before paging is on, kmap hands out kzone_va(pa), and pt_kunmap must
 * take them back whatever they are: in the identity layout, with more than
 * 1 GiB of RAM, a user frame can lie where the kmap window will be
 * (0x3FC00000).  In a higher-half one the core touches only kernel-zone
 * frames before paging (seam.h): one of those, at 0xC0000000 + pa.
 */
static void kmap_before_paging_takes_any_frame_directly(void)
{
	paddr_t pa = PT_PHYS_OFFSET == 0 ? KMAP_BASE + PAGE_SIZE : MiB(8);

	fx_boot(1100, 0, false);
	CHECK_EQ(pt_frame_in_kzone(pa), PT_PHYS_OFFSET != 0);
	CHECK_EQ(pt_kmap(pa), kzone_va(pa));
	pt_kunmap(kzone_va(pa));
	*(uint32_t *)hw_phys(pa) = 0x5A5A5A5A;
	pt_kmap_zero(pa);
	CHECK_EQ(*(uint32_t *)hw_phys(pa), 0);
	CHECK_EQ(pt_kmap_in_use(), 0);
}

/* pt_vm_check fails, and its report names `what`. */
static void check_reports(const char *what)
{
	static char report[512];

	machine_capture_console(report, sizeof(report));
	int rc = pt_vm_check();
	machine_capture_console(NULL, 0);
	CHECK_ERR(rc, E_INVAL);
	CHECK(strstr(report, what) != NULL);
	if (test_failed())
		kprintf("  (the checker said: %s)\n", report);
}

/*
 * The checker knows which PDEs are the kernel's copies and which point
 * into a space's block, in either layout (the higher-half one has kernel
 * PDEs on both sides of user space: PDE 0, and 768..1023): a copy that
 * differs from the master's, a user PDE that points outside its block, and
 * a master that maps user space are each found, and all is well again once
 * the entry is put back.
 */
static void the_checker_finds_a_broken_kernel_copy_and_a_stray_user_pde(void)
{
	const uint32_t kernel_pdes[] = { 0, LOW_PDE, GATE_PDE, KMAP_PDE };

	boot(64, 16);
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_map(as, REGION(0), DEVICE_PA, URW));
	CHECK_OK(pt_vm_map(as, REGION(USER_PDES - 1), DEVICE_PA, URW));
	CHECK_OK(pt_vm_check());
	pde_t *pd = pt_ptb_pd(pt_trk_get(as)), *m = pt_ptb_pd(pt_trk_get(TRK_MASTER));
	for (uint32_t i = 0; i < ARRAY_SIZE(kernel_pdes); i++) {
		pde_t saved = pd[kernel_pdes[i]];
		pd[kernel_pdes[i]].v ^= PG_RW;
		RUN(check_reports("kernel PDEs differ from the master's"));
		pd[kernel_pdes[i]] = saved;
		CHECK_OK(pt_vm_check());
	}
	/* a user PDE at one of the master's tables: outside the block */
	uint32_t last = USER_PDE_END - 1, empty = USER_PDE_FIRST + 1;
	pde_t saved = pd[last];
	pd[last] = make_pde(pde_addr(m[LOW_PDE]), USER_PDE_FLAGS);
	RUN(check_reports("a PDE points outside its block's tables"));
	pd[last] = saved;
	pd[empty] = make_pde(pde_addr(m[KMAP_PDE]), USER_PDE_FLAGS);
	RUN(check_reports("a PDE points outside its block's tables"));
	pd[empty] = (pde_t){ 0 };
	CHECK_OK(pt_vm_check());
	/* the master with a user PDE */
	m[last] = pd[last];
	RUN(check_reports("the master maps user space"));
	m[last] = (pde_t){ 0 };
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_destroy(as));
}

static const struct test_case cases[] = {
	TEST_CASE(step1_allocates_a_pinned_zeroed_tracker_page),
	TEST_CASE(step2_creates_the_master_block_outside_cr3),
	TEST_CASE(step3_links_the_master_in_tracker_0),
	TEST_CASE(step4_maps_the_first_mib_except_page_0),
	TEST_CASE(step5_maps_every_page_of_the_kernel_zone),
	TEST_CASE(step6_loads_cr3_and_turns_paging_on),
	TEST_CASE(the_user_gate_opens_and_closes_at_once),
	TEST_CASE(moves_of_the_master_during_init_are_rebased_and_trimmed),
	TEST_CASE(paging_init_is_the_six_steps),
	TEST_CASE(a_new_boot_starts_every_counter_from_zero),
	TEST_CASE(kernel_mappings_are_seen_from_every_space),
	TEST_CASE(kernel_pdes_stay_equal_through_growth_clone_and_relocation),
	TEST_CASE(kernel_zones_of_any_size_are_mapped_whole),
	TEST_CASE(new_space_block_is_two_pages),
	TEST_CASE(code_and_stack_space_is_three_pages),
	TEST_CASE(one_gib_mapped_then_unmapped_leaves_two_pages),
	TEST_CASE(destroying_returns_every_frame),
	TEST_CASE(two_thousand_spaces_fill_four_tracker_pages),
	TEST_CASE(kmap_before_paging_takes_any_frame_directly),
	TEST_CASE(the_checker_finds_a_broken_kernel_copy_and_a_stray_user_pde),
};

DEFINE_SUITE(paging_suite, "paging", cases, NULL, teardown);
