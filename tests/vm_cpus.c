/*
 * vm_cpus.c - several CPUs (cpus.h), on the model: four simulated CPUs,
 * each with its own CR3, TLB and directory cache over one memory.  A change
 * to a space live on other CPUs reaches each of them before the call
 * returns (a shootdown), a space live on one CPU costs no interrupt, and a
 * block that moves takes every CPU running on it along.  Host only: the
 * kernel's CPUs are not the model's.
 *
 * Each case starts four CPUs on the master (machine_start_cpus), runs the
 * space under test on some of them, and puts each back on the master
 * before the end, as a kernel does before a space can go.
 */
#include <pthread.h>

#include "check.h"
#include "errors.h"
#include "frame.h"
#include "kmap.h"
#include "layout.h"
#include "lock.h"
#include "machine.h"
#include "mmu_model.h"
#include "pager.h"
#include "ptblock.h"
#include "seam.h"
#include "cpus.h"
#include "swap_util.h"
#include "tlb.h"
#include "tracker.h"
#include "vm_util.h"

#define NCPUS 4

static void on(unsigned cpu) { mmu_select_cpu(cpu); }

/* Make as live on each CPU of the mask, then select CPU 0. */
static int run_on(int as, uint32_t cpus)
{
	for (unsigned c = 0; c < NCPUS; c++) {
		if (!(cpus & BIT(c)))
			continue;
		on(c);
		int rc = pt_vm_activate(as);
		if (rc < 0)
			return rc;
	}
	on(0);
	return 0;
}

/* Every CPU back on the master, CPU 0 selected. */
static int all_on_master(void) { return run_on(TRK_MASTER, MASK(NCPUS)); }

static void setup(void)
{
	swap_setup();
	CHECK_OK(machine_start_cpus(NCPUS));
}

static void teardown(void)
{
	CHECK_OK(all_on_master());
	CHECK_OK(machine_stop_cpus());
	CHECK_EQ(pt_ncpus, 1);
	swap_teardown();
}

/* The entry of va in as, in memory, to change behind the core's back. */
static pte_t *entry_in_memory(int as, vaddr_t va)
{
	return (pte_t *)hw_phys(pde_addr(pde_of(as, va))) + pte_index(va);
}

/* What these cases rely on: a CPU nobody tells keeps what it cached. */
static void a_cpu_that_is_not_told_keeps_a_stale_translation(void)
{
	vaddr_t va = REGION(0);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x51, URW, NULL));
	STEP(run_on(as, BIT(0) | BIT(1) | BIT(2)));
	on(1);
	CHECK_READS(va, USR_RD, 0x51);
	on(0);
	pte_t *e = entry_in_memory(as, va), saved = *e;
	*e = (pte_t){ 0 };
	hw_invlpg(va); /* CPU 0 alone */
	CHECK_FAULTS(va, USR_RD, PF_U);
	on(1);
	CHECK_READS(va, USR_RD, 0x51); /* stale: the translation CPU 1 cached */
	on(2);
	CHECK_FAULTS(va, USR_RD, PF_U); /* never cached there */
	on(0);
	*e = saved;
	on(1);
	hw_invlpg(va);
	STEP(all_on_master());
	STEP(pt_vm_destroy(as));
}

static void an_unmap_is_seen_on_every_cpu_before_it_returns(void)
{
	vaddr_t va = REGION(1) + PAGE(3);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x61, URW, NULL));
	STEP(map_filled(as, va + PAGE(1), 0x62, URW, NULL));
	STEP(run_on(as, MASK(NCPUS)));
	for (unsigned c = 0; c < NCPUS; c++) {
		on(c);
		CHECK_READS(va, USR_RD, 0x61);
	}
	on(0);
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_unmap(as, va));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.shootdowns - s0.shootdowns, 1);
	CHECK_EQ(s1.ipis - s0.ipis, NCPUS - 1);
	for (unsigned c = 0; c < NCPUS; c++) {
		on(c);
		CHECK_FAULTS(va, USR_RD, PF_U);
		CHECK_READS(va + PAGE(1), USR_RD, 0x62);
	}
	STEP(all_on_master());
	STEP(pt_vm_destroy(as));
}

/* The CPU making the change need not run the space: only those that do are told. */
static void a_cpu_not_running_the_space_tells_those_that_do(void)
{
	vaddr_t va = REGION(2);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x71, URW, NULL));
	STEP(map_filled(as, va + PAGE(1), 0x72, URW, NULL)); /* the table stays */
	STEP(run_on(as, BIT(1) | BIT(2)));
	on(1);
	CHECK_READS(va, USR_RD, 0x71);
	on(2);
	CHECK_READS(va, USR_RD, 0x71);
	on(3);
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_unmap(as, va));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.ipis - s0.ipis, 2);
	CHECK_EQ(s1.invlpgs - s0.invlpgs, 0); /* CPU 3 holds nothing of it */
	on(1);
	CHECK_FAULTS(va, USR_RD, PF_U);
	on(2);
	CHECK_FAULTS(va, USR_RD, PF_U);
	STEP(all_on_master());
	STEP(pt_vm_destroy(as));
}

static void a_space_live_on_one_cpu_costs_no_interrupt(void)
{
	vaddr_t va = REGION(0) + PAGE(9);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x81, URW, NULL));
	STEP(map_filled(as, va + PAGE(1), 0x82, URW, NULL)); /* the table stays */
	STEP(run_on(as, BIT(0)));
	CHECK_READS(va, USR_RD, 0x81);
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_unmap(as, va));
	STEP(pt_vm_map_zero(as, va, URW));
	STEP(pt_vm_protect(as, va, 1, VM_USER));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.shootdowns - s0.shootdowns, 0);
	CHECK_EQ(s1.ipis - s0.ipis, 0);
	CHECK_GE(s1.invlpgs - s0.invlpgs, 2); /* all of them here */
	CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
	STEP(all_on_master());
	STEP(pt_vm_destroy(as));
}

static void narrowing_rights_is_seen_on_every_cpu(void)
{
	vaddr_t va = REGION(3) + PAGE(1);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x91, URW, NULL));
	STEP(run_on(as, MASK(NCPUS)));
	for (unsigned c = 0; c < NCPUS; c++) {
		on(c);
		CHECK_WRITES(va, USR_WR, 0x92 + c); /* writable and dirty in each TLB */
	}
	on(2);
	STEP(pt_vm_protect(as, va, 1, VM_USER));
	for (unsigned c = 0; c < NCPUS; c++) {
		on(c);
		CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
		CHECK_READS(va, USR_RD, 0x92 + NCPUS - 1);
	}
	STEP(all_on_master());
	STEP(pt_vm_destroy(as));
}

static void a_long_range_is_one_interrupt_and_one_flush_a_cpu(void)
{
	const uint32_t n = TLB_RANGE_FLUSH + 8;
	vaddr_t va = REGION(4);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	for (uint32_t i = 0; i < n; i++)
		STEP(map_filled(as, va + PAGE(i), 0xA0 + i, URW, NULL));
	STEP(map_filled(as, va + PAGE(n), 0xAF, URW, NULL)); /* the table stays */
	STEP(run_on(as, BIT(0) | BIT(3)));
	on(3);
	for (uint32_t i = 0; i < n; i++)
		CHECK_READS(va + PAGE(i), USR_RD, 0xA0 + i);
	on(0);
	struct vm_stats s0 = stats_now();
	STEP(pt_vm_unmap_range(as, va, n));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.shootdowns - s0.shootdowns, 1);
	CHECK_EQ(s1.ipis - s0.ipis, 1);
	CHECK_EQ(s1.tlb_flushes - s0.tlb_flushes, 1); /* CPU 0's; CPU 3 flushed in its handler */
	on(3);
	for (uint32_t i = 0; i < n; i += 7)
		CHECK_FAULTS(va + PAGE(i), USR_RD, PF_U);
	STEP(all_on_master());
	STEP(pt_vm_destroy(as));
}

/*
 * The block moves while CPUs 1 and 2 run on it (CPU 1 not the one that
 * grows it): both are on the new run, by CR3, before the old run is free,
 * and both walk the new block.
 */
static void a_block_that_moves_takes_every_cpu_on_it_along(void)
{
	paddr_t plug;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	for (uint32_t i = 0; i < 4; i++)
		STEP(map_filled(as, REGION(0) + PAGE(i), 0xB0 + i, URW, NULL));
	STEP(run_on(as, BIT(1) | BIT(2)));
	struct vm_space_info i0 = info_of(as);
	on(1);
	CHECK_READS(REGION(0), USR_RD, 0xB0);
	on(2);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0xB1);
	STEP(block_the_way(as, &plug));
	struct vm_stats s0 = stats_now();
	on(2);
	STEP(pt_vm_map_zero(as, REGION(5), URW)); /* CPU 2 grows it, CPU 1 is told */
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.relocations - s0.relocations, 1);
	CHECK_EQ(s1.relocations_while_shared - s0.relocations_while_shared, 1);
	struct vm_space_info i1 = info_of(as);
	CHECK_NE(i1.block, i0.block);
	CHECK(fx_kframes_free(i0.block, i0.pages)); /* the old run went back */
	for (unsigned c = 1; c <= 2; c++) {
		on(c);
		CHECK_EQ(hw_cr3(), i1.block);
		CHECK_READS(REGION(0) + PAGE(2), USR_RD, 0xB2);
		CHECK_WRITES(REGION(5) + 4 * c, USR_WR, 0xC0 + c);
		hw_flush_tlb(); /* and walked from the new block */
		CHECK_READS(REGION(0) + PAGE(3), USR_RD, 0xB3);
	}
	on(0);
	CHECK_EQ(hw_cr3(), pt_trk_base(pt_trk_get(TRK_MASTER))); /* never on it */
	give_back_plug(plug);
	STEP(all_on_master());
	STEP(pt_vm_destroy(as));
}

/*
 * A table moves inside the block (the last slot's into the slot of one
 * unlinked), and a new table takes the slot it left: a CPU that still
 * cached the old directory entry would read the new table's pages there.
 */
static void a_table_that_moves_in_the_block_is_seen_on_every_cpu(void)
{
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0), 0xD0, URW, NULL));
	STEP(map_filled(as, REGION(1), 0xD1, URW, NULL));
	STEP(run_on(as, BIT(0) | BIT(1)));
	uint32_t last = slot_of(as, REGION(1));
	on(1);
	CHECK_READS(REGION(1), USR_RD, 0xD1); /* caches REGION(1)'s directory entry */
	on(0);
	STEP(pt_vm_unmap(as, REGION(0))); /* REGION(1)'s table moves into slot 1 */
	CHECK_NE(slot_of(as, REGION(1)), last);
	STEP(map_filled(as, REGION(2), 0xD2, URW, NULL));
	on(1);
	CHECK_READS(REGION(1), USR_RD, 0xD1);
	CHECK_READS(REGION(2), USR_RD, 0xD2);
	CHECK_FAULTS(REGION(0), USR_RD, PF_U);
	STEP(all_on_master());
	STEP(pt_vm_destroy(as));
}

/* A clone makes the parent's pages read-only: a CPU that cached them writable is told. */
static void a_copy_on_write_clone_is_seen_on_every_cpu(void)
{
	vaddr_t va = REGION(6);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0xE0, URW, NULL));
	STEP(run_on(as, BIT(0) | BIT(1)));
	on(1);
	CHECK_WRITES(va, USR_WR, 0xE1);
	on(0);
	int child = pt_vm_clone(as, VM_CLONE_COW);
	CHECK_GT(child, 0);
	on(1);
	CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
	STEP(pt_vm_fault(as, va, PF_P | PF_W | PF_U)); /* the copy is broken here */
	CHECK_WRITES(va, USR_WR, 0xE2);
	STEP(all_on_master());
	CHECK_EQ(pt_vm_translate(child, va, &(paddr_t){ 0 }), 0);
	STEP(pt_vm_destroy(child));
	STEP(pt_vm_destroy(as));
}

/* The pager: a page out is seen on every CPU; a block live on any CPU stays. */
static void the_pager_leaves_no_cpu_behind(void)
{
	vaddr_t va = REGION(7) + PAGE(2);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0xF0, URW, NULL));
	STEP(run_on(as, BIT(2)));
	on(2);
	CHECK_READS(va, USR_RD, 0xF0);
	on(0);
	struct vm_stats s0 = stats_now();
	STEP(pt_pager_evict(as, va));
	CHECK_EQ(stats_now().ipis - s0.ipis, 1);
	CHECK(in_swap(as, va));
	on(2);
	CHECK_FAULTS(va, USR_RD, PF_U);
	STEP(pt_vm_fault(as, va, PF_U));
	CHECK_READS(va, USR_RD, 0xF0);
	on(0);
	CHECK_EQ(pt_pager_block_out(as), -E_BUSY); /* live on CPU 2 */
	CHECK_EQ(pt_vm_destroy(as), -E_BUSY);
	STEP(all_on_master());
	STEP(pt_pager_block_out(as));
	STEP(pt_vm_destroy(as));
}

static void serving_cpus_refuses_bad_counts_and_changes_nothing(void)
{
	CHECK_EQ(pt_smp_init(0, &machine_smp_ops), -E_INVAL);
	CHECK_EQ(pt_smp_init(PT_MAX_CPUS + 1, &machine_smp_ops), -E_INVAL);
	CHECK_EQ(pt_smp_init(2, NULL), -E_INVAL);
	CHECK_EQ(pt_ncpus, NCPUS);
	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(run_on(as, BIT(3)));
	CHECK_EQ(pt_smp_init(2, &machine_smp_ops), -E_BUSY); /* CPU 3 runs a space */
	CHECK_EQ(pt_ncpus, NCPUS);
	on(3);
	CHECK_EQ(pt_vm_live(), as);
	on(0);
	CHECK_EQ(pt_vm_live(), TRK_MASTER);
	STEP(all_on_master());
	STEP(pt_vm_destroy(as));
}

/* Each CPU takes its kmap windows from its own share, and releases them without an interrupt. */
static void each_cpu_has_its_own_kmap_windows(void)
{
	const uint32_t share = KMAP_SLOTS / NCPUS;
	paddr_t pa;
	vaddr_t va[NCPUS];

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(8), 0x5A, URW, &pa));
	struct vm_stats s0 = stats_now();
	for (unsigned c = 0; c < NCPUS; c++) {
		on(c);
		va[c] = pt_kmap(pa);
		CHECK_GE(va[c], KMAP_BASE);
		CHECK_EQ((va[c] - KMAP_BASE) / PAGE_SIZE / share, c); /* (the window may end at 4 GiB) */
		CHECK_EQ(*(uint32_t *)hw_kva(va[c]), 0x5A);
	}
	for (unsigned c = 0; c < NCPUS; c++) {
		on(c);
		pt_kunmap(va[c]);
	}
	on(0);
	CHECK_EQ(stats_now().ipis - s0.ipis, 0);
	CHECK_EQ(pt_kmap_in_use(), 0);
	STEP(pt_vm_destroy(as));
}

/* ---- calls on several CPUs at once (lock.h) ---------------------------------- */

/* pt_vm_resolve_now of a write to va by the process (PF_U | PF_W), demand-zero read-write. */
static int fill_now(int as, vaddr_t va)
{
	paddr_t pa;

	return pt_vm_resolve_now(as, va, PF_U | PF_W, URW, &pa);
}

/*
 * pt_vm_resolve_now resolves everything that needs no disk: a zero fill,
 * into a table that exists or a new one, a page the tables allow, a
 * copy-on-write copy.  What needs the disk is -E_AGAIN, with nothing
 * changed: a page in swap, a block out.
 */
static void a_resolve_that_may_not_wait_does_all_but_the_disk(void)
{
	vaddr_t va = REGION(9);
	uint32_t free0 = pt_frame_free_count(ZONE_USER);

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x77, URW, NULL));
	struct vm_stats s0 = stats_now();
	STEP(fill_now(as, va + PAGE(1))); /* a zero fill, the table there */
	CHECK_EQ(stats_now().zero_fills - s0.zero_fills, 1);
	CHECK_EQ(query_flags(as, va + PAGE(1)) & (VM_WRITE | VM_USER), URW);
	STEP(fill_now(as, va)); /* allowed already */
	STEP(fill_now(as, REGION(10))); /* no table: the block grows */
	CHECK_EQ(stats_now().zero_fills - s0.zero_fills, 2);
	CHECK_EQ(info_of(as).tables, 2);
	CHECK_ERR(pt_vm_resolve_now(as, REGION(10), PF_U | BIT(5), URW, NULL), E_INVAL);
	CHECK_ERR(pt_vm_resolve_now(-1, va, PF_U, URW, NULL), E_BADH);
	int child = pt_vm_clone(as, VM_CLONE_COW);
	CHECK_GT(child, 0);
	STEP(fill_now(as, va)); /* a copy made */
	CHECK_EQ(stats_now().cow_copies - s0.cow_copies, 1);
	CHECK_EQ(fx_frame_word(query_pa(as, va)), 0x77);
	STEP(pt_vm_destroy(child));
	STEP(pt_pager_evict(as, va + PAGE(1)));
	uint32_t free1 = pt_frame_free_count(ZONE_USER);
	CHECK_ERR(fill_now(as, va + PAGE(1)), E_AGAIN); /* in swap */
	CHECK(in_swap(as, va + PAGE(1)));
	STEP(pt_pager_block_out(as));
	free1 = pt_frame_free_count(ZONE_USER);
	CHECK_ERR(fill_now(as, va + PAGE(2)), E_AGAIN); /* the block is out */
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free1);
	CHECK_EQ(stats_now().zero_fills - s0.zero_fills, 2);
	STEP(pt_vm_destroy(as));
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free0);
}

/* The rank order every lock keeps, and each CPU's held ranks. */
static void locks_are_taken_in_rank_order_and_held_by_one_cpu(void)
{
	struct pt_lock space = PT_LOCK_INIT("a space", PT_RANK_SPACE);
	struct pt_lock frames = PT_LOCK_INIT("frames", PT_RANK_FRAMES);

	CHECK(pt_lock_order_allows(0, PT_RANK_SPACE));
	CHECK(pt_lock_order_allows(BIT(PT_RANK_SPACE), PT_RANK_FRAMES));
	CHECK(!pt_lock_order_allows(BIT(PT_RANK_FRAMES), PT_RANK_SPACE));
	CHECK(!pt_lock_order_allows(BIT(PT_RANK_SPACE), PT_RANK_SPACE));
	CHECK_EQ(pt_lock_ranks[1], 0);
	on(1);
	pt_lock_take(&space);
	pt_lock_take(&frames);
	CHECK_EQ(pt_lock_ranks[1], BIT(PT_RANK_SPACE) | BIT(PT_RANK_FRAMES));
	CHECK(pt_lock_held(&space));
	on(2);
	CHECK(!pt_lock_held(&space));
	CHECK(!pt_lock_try(&space, 2)); /* CPU 1 has it */
	CHECK_EQ(pt_lock_ranks[2], 0);
	on(1);
	pt_lock_give(&frames);
	pt_lock_give(&space);
	CHECK_EQ(pt_lock_ranks[1], 0);
	on(2);
	CHECK(pt_lock_try(&space, 2));
	pt_lock_give(&space);
	on(0);
}

#define FILLERS 3
#define FILL_PAGES 1000u /* each filler's, in the one table of REGION(11) */

#define FRAMES_A_FILL 8 /* frames each filler takes, and gives back, after each fill */

static pthread_barrier_t start_line; /* the fillers start at once */

struct filler {
	unsigned cpu;
	int as;
	vaddr_t first; /* its pages: FILL_PAGES from first */
	bool down;     /* from the last to the first, to meet one going up */
	int errors;
	uint32_t busy; /* fills the space's lock was busy for, made again */
};

/* FRAMES_A_FILL frames taken, then given back: false if a call failed. */
static bool take_and_give(void)
{
	paddr_t pa[FRAMES_A_FILL];
	bool ok = true;

	for (int i = 0; i < FRAMES_A_FILL; i++)
		ok = pt_frame_alloc(ZONE_USER, &pa[i]) == 0 && ok;
	for (int i = 0; i < FRAMES_A_FILL; i++)
		ok = pt_frame_unref(pa[i]) == 0 && ok;
	return ok;
}

/* A host thread as simulated CPU f->cpu: fills of its pages, frames taken and given between. */
static void *fill_pages(void *arg)
{
	struct filler *f = arg;

	mmu_select_cpu(f->cpu);
	pthread_barrier_wait(&start_line);
	for (uint32_t i = 0; i < FILL_PAGES; i++) {
		vaddr_t va = f->first + PAGE(f->down ? FILL_PAGES - 1 - i : i);
		int rc;
		while ((rc = fill_now(f->as, va)) == -E_AGAIN) /* the lock busy: it is only tried */
			f->busy++;
		if (rc < 0)
			f->errors++;
		if (!take_and_give())
			f->errors++;
	}
	return NULL;
}

#define RACES 3 /* rounds of the fillers, the pages unmapped between */

/* One round of the fillers of f[], all started at once; their fills counted and checked. */
static void race(struct filler *f, int a, int b)
{
	pthread_t t[FILLERS];
	struct vm_stats s0 = stats_now();
	uint32_t free1 = pt_frame_free_count(ZONE_USER);

	CHECK_EQ(pthread_barrier_init(&start_line, NULL, FILLERS), 0);
	for (int i = 0; i < FILLERS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, fill_pages, &f[i]), 0);
	for (int i = 0; i < FILLERS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start_line);
	for (int i = 0; i < FILLERS; i++)
		CHECK_EQ(f[i].errors, 0);
	CHECK_EQ(stats_now().zero_fills - s0.zero_fills, 2 * FILL_PAGES);
	CHECK_EQ(free1 - pt_frame_free_count(ZONE_USER), 2 * FILL_PAGES);
	CHECK_EQ(info_of(a).mapped, 1 + FILL_PAGES);
	CHECK_EQ(info_of(b).mapped, 1 + FILL_PAGES);
	CHECK_EQ(pt_kmap_in_use(), 0);
	CHECK_OK(pt_vm_check());
}

/*
 * Three CPUs on three host threads at once: two fill the same pages of
 * one space, one up and one down, so that they meet and race for the
 * pages between, the third pages of another space, each taking and giving
 * frames between fills.  Every page is filled once, zeroed (the loser of
 * a race finds it allowed); the live counts, the frame counts and the
 * invariants hold; every frame comes back.  RACES rounds, the pages
 * unmapped between.  Without the space lock a page is filled twice,
 * without the frame lock the free stack loses frames.
 */
static void cpus_fill_pages_and_take_frames_at_once(void)
{
	vaddr_t base = REGION(11);
	uint32_t free0 = pt_frame_free_count(ZONE_USER);
	int a = pt_vm_create(), b = pt_vm_create();
	struct filler f[FILLERS] = {
		{ 1, a, base + PAGE(1), false, 0, 0 },
		{ 2, a, base + PAGE(1), true, 0, 0 },
		{ 3, b, base + PAGE(1), false, 0, 0 },
	};

	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	STEP(map_filled(a, base, 0x11, URW, NULL)); /* the tables the fills go into */
	STEP(map_filled(b, base, 0x22, URW, NULL));
	STEP(run_on(a, BIT(1) | BIT(2)));
	STEP(run_on(b, BIT(3)));
	for (int r = 0; r < RACES; r++) {
		RUN(race(f, a, b));
		if (r + 1 < RACES) { /* the pages go, the tables stay: base's page keeps them */
			STEP(pt_vm_unmap_range(a, base + PAGE(1), FILL_PAGES));
			STEP(pt_vm_unmap_range(b, base + PAGE(1), FILL_PAGES));
		}
	}
	STEP(all_on_master());
	on(1);
	STEP(pt_vm_activate(a)); /* CPU 1 reads every page: zeroes */
	for (uint32_t i = 1; i <= FILL_PAGES; i++)
		CHECK_READS(base + PAGE(i), USR_RD, 0);
	CHECK_READS(base, USR_RD, 0x11);
	STEP(pt_vm_activate(TRK_MASTER));
	on(0);
	STEP(pt_vm_destroy(a));
	STEP(pt_vm_destroy(b));
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free0);
}

#define CLONERS 3
#define CLONE_ROUNDS 600  /* each cloner's */
#define PARENT_PAGES 320u /* P's: page i at parent_va(i), half in each of two tables, */
#define PARENT_FRAMES 16u /* on frame i % PARENT_FRAMES: each frame at 20 pages */
#define BREAK_EVERY 8     /* a child writes one of every 8 pages of P's */
#define EAGER_EVERY 16    /* and one clone in 16 is eager */
#define OWN_PAGES 4       /* a cloner's fresh space's, half in each of two tables */
#define EMPTY_SPACES 32   /* made and destroyed in a row each round, between the others */

/* The space the cloners clone, made before them and changed by none of them. */
static struct {
	int as;
	paddr_t pa[PARENT_FRAMES]; /* its frames */
} parent;

struct cloner {
	unsigned cpu;
	int errors;
	int first_error; /* the line of the first, for the failure's message */
	uint32_t copies; /* copy-on-write breaks, each a copy: P keeps a reference */
};

static vaddr_t parent_va(uint32_t i) { return REGION(12 + i % 2) + PAGE(i / 2); }
static paddr_t parent_pa(uint32_t i) { return parent.pa[i % PARENT_FRAMES]; }
static uint32_t parent_fill(uint32_t i) { return 0x5E000000u | i % PARENT_FRAMES; }

/* What cloner c writes in round r to page i of its spaces (i = PARENT_PAGES: a page P lacks). */
static uint32_t written(const struct cloner *c, uint32_t r, uint32_t i)
{
	return 0xC0000000u | c->cpu << 24 | r << 10 | i;
}

/* Whether cloner c's child writes P's page i in round r: other pages each round and cloner. */
static bool broken(const struct cloner *c, uint32_t r, uint32_t i)
{
	return (i + r + c->cpu) % BREAK_EVERY == 0;
}

/* Where a cloner's child writes a page P does not map: a new table in the child's block. */
static vaddr_t beyond_parent(uint32_t r) { return REGION(14) + PAGE(r); }

static vaddr_t own_va(uint32_t j) { return REGION(15 + j % 2 * 9) + PAGE(j / 2); }

/* In a cloner, off the harness (which is one thread's): count a failed expectation. */
#define EXPECT(c, cond)                                                                \
	do {                                                                           \
		if (!(cond) && (c)->errors++ == 0)                                     \
			(c)->first_error = __LINE__;                                   \
	} while (0)

/* The word at the start of the page va maps in as, through physical memory; ~0 if none. */
static uint32_t word_at(int as, vaddr_t va, paddr_t *pa)
{
	if (pt_vm_translate(as, va, pa) < 0) {
		*pa = 0;
		return 0xFFFFFFFFu;
	}
	return *(uint32_t *)hw_phys(*pa);
}

/* Write the broken pages of the child (copy-on-write breaks) and one P does not map. */
static void write_child(struct cloner *c, int child, uint32_t r, bool eager)
{
	paddr_t pa;

	for (uint32_t i = 0; i < PARENT_PAGES; i++) {
		if (!broken(c, r, i))
			continue;
		int rc = pt_vm_resolve(child, parent_va(i), PF_W | PF_U, 0, &pa);
		EXPECT(c, rc == 0);
		if (rc < 0)
			continue;
		*(uint32_t *)hw_phys(pa) = written(c, r, i);
		c->copies += !eager;
	}
	int rc = pt_vm_resolve(child, beyond_parent(r), PF_W | PF_U, URW, &pa);
	EXPECT(c, rc == 0);
	if (rc == 0) {
		EXPECT(c, *(uint32_t *)hw_phys(pa) == 0);
		*(uint32_t *)hw_phys(pa) = written(c, r, PARENT_PAGES);
	}
}

/* The child reads what it wrote, and P's data elsewhere: P's own frame if it shares it. */
static void check_child(struct cloner *c, int child, uint32_t r, bool eager)
{
	paddr_t pa;

	for (uint32_t i = 0; i < PARENT_PAGES; i++) {
		uint32_t w = word_at(child, parent_va(i), &pa);
		if (broken(c, r, i)) {
			EXPECT(c, w == written(c, r, i));
			EXPECT(c, pa != parent_pa(i));
		} else {
			EXPECT(c, w == parent_fill(i));
			EXPECT(c, (pa == parent_pa(i)) == !eager);
		}
	}
	EXPECT(c, word_at(child, beyond_parent(r), &pa) == written(c, r, PARENT_PAGES));
}

/* A fresh space of the cloner's own: its pages mapped and filled, then read back. */
static void fill_own(struct cloner *c, int own, uint32_t r)
{
	paddr_t pa;

	for (uint32_t j = 0; j < OWN_PAGES; j++)
		EXPECT(c, map_filled(own, own_va(j), written(c, r, j), URW, NULL) == 0);
	for (uint32_t j = 0; j < OWN_PAGES; j++)
		EXPECT(c, word_at(own, own_va(j), &pa) == written(c, r, j));
}

/* EMPTY_SPACES spaces made and destroyed: trackers and blocks claimed and released. */
static void make_and_end_empty(struct cloner *c)
{
	for (uint32_t k = 0; k < EMPTY_SPACES; k++) {
		int as = pt_vm_create();
		EXPECT(c, as > 0);
		if (as > 0)
			EXPECT(c, pt_vm_destroy(as) == 0);
	}
}

/* One round: a clone of P and a fresh space, both used, both destroyed. */
static void clone_round(struct cloner *c, uint32_t r)
{
	bool eager = (r + c->cpu) % EAGER_EVERY == 0;
	int child = pt_vm_clone(parent.as, eager ? VM_CLONE_EAGER : VM_CLONE_COW);
	int own = pt_vm_create();

	EXPECT(c, child > 0);
	EXPECT(c, own > 0);
	if (own > 0)
		fill_own(c, own, r);
	make_and_end_empty(c);
	if (child > 0) {
		write_child(c, child, r, eager);
		check_child(c, child, r, eager);
		EXPECT(c, pt_vm_destroy(child) == 0);
	}
	if (own > 0)
		EXPECT(c, pt_vm_destroy(own) == 0);
}

/* A host thread as simulated CPU c->cpu: CLONE_ROUNDS rounds. */
static void *make_clone_and_end(void *arg)
{
	struct cloner *c = arg;

	mmu_select_cpu(c->cpu);
	pthread_barrier_wait(&start_line);
	for (uint32_t r = 0; r < CLONE_ROUNDS; r++)
		clone_round(c, r);
	return NULL;
}

/* What the cloners must leave as they found it. */
struct clone_counts {
	uint32_t free_user, free_kernel, trackers, spaces, blocks, block_pages, tables, kmaps;
};

static struct clone_counts clone_counts_now(void)
{
	struct ptb_stats b;

	pt_ptb_get_stats(&b);
	return (struct clone_counts){
		.free_user = pt_frame_free_count(ZONE_USER),
		.free_kernel = pt_frame_free_count(ZONE_KERNEL),
		.trackers = pt_trk_count(),
		.spaces = stats_now().spaces,
		.blocks = b.blocks,
		.block_pages = b.pages,
		.tables = b.tables,
		.kmaps = pt_kmap_in_use(),
	};
}

static void check_counts_back(const struct clone_counts *was)
{
	struct clone_counts now = clone_counts_now();

	CHECK_EQ(now.free_user, was->free_user);
	CHECK_EQ(now.free_kernel, was->free_kernel);
	CHECK_EQ(now.trackers, was->trackers);
	CHECK_EQ(now.spaces, was->spaces);
	CHECK_EQ(now.blocks, was->blocks);
	CHECK_EQ(now.block_pages, was->block_pages);
	CHECK_EQ(now.tables, was->tables);
	CHECK_EQ(now.kmaps, was->kmaps);
}

/* The cloners of c[], started at once and joined; what each counted is checked. */
static void race_cloners(struct cloner *c)
{
	pthread_t t[CLONERS];
	struct vm_stats s0 = stats_now();
	uint32_t copies = 0;

	CHECK_EQ(pthread_barrier_init(&start_line, NULL, CLONERS), 0);
	for (int i = 0; i < CLONERS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, make_clone_and_end, &c[i]), 0);
	for (int i = 0; i < CLONERS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start_line);
	for (int i = 0; i < CLONERS; i++) {
		if (c[i].errors)
			kprintf("cpu %u: %d errors, the first at line %d\n", c[i].cpu,
				c[i].errors, c[i].first_error);
		CHECK_EQ(c[i].errors, 0);
		copies += c[i].copies;
	}
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.ipis - s0.ipis, 0); /* no space was live on two CPUs */
	CHECK_EQ(s1.cow_copies - s0.cow_copies, copies);
	CHECK_EQ(s1.cow_reuses - s0.cow_reuses, 0); /* P holds a reference to each */
	CHECK_EQ(s1.zero_fills - s0.zero_fills, CLONERS * CLONE_ROUNDS);
}

/* P's page i: a new frame for the first mapping of each, one more reference after. */
static int map_parent_page(uint32_t i)
{
	paddr_t pa = parent_pa(i);
	int rc;

	if (i < PARENT_FRAMES)
		return map_filled(parent.as, parent_va(i), parent_fill(i), URW, &parent.pa[i]);
	if ((rc = pt_frame_ref(pa)) < 0)
		return rc;
	if ((rc = pt_vm_map(parent.as, parent_va(i), pa, URW)) < 0)
		pt_frame_unref(pa);
	return rc;
}

/* P as it was made: the same frames, with P's references alone, each reading its data. */
static void check_parent(void)
{
	for (uint32_t i = 0; i < PARENT_PAGES; i++) {
		CHECK_EQ(query_pa(parent.as, parent_va(i)), parent_pa(i));
		CHECK_EQ(pt_frame_refcount(parent_pa(i)), PARENT_PAGES / PARENT_FRAMES);
	}
	STEP(run_on(parent.as, BIT(0)));
	for (uint32_t i = 0; i < PARENT_PAGES; i++)
		CHECK_READS(parent_va(i), USR_RD, parent_fill(i));
	STEP(all_on_master());
}

/*
 * Three CPUs on three host threads at once, each CLONE_ROUNDS rounds of: a
 * clone of one parent P (copy-on-write, one in EAGER_EVERY eager), a fresh
 * space with pages of its own, EMPTY_SPACES spaces made and destroyed in a
 * row, a write to one page of the child in BREAK_EVERY (each a
 * copy-on-write break) and to one P does not map (a new table), every
 * page of both read back through physical memory, both destroyed.  P is
 * live on no CPU, so that nothing needs a shootdown; its pages share
 * PARENT_FRAMES frames, so that each frame's references change often.
 *
 * The cloners clone P under its lock one after the other, and do all the
 * rest at once: a clone takes a reference to each of P's frames while the
 * other cloners' breaks and destroys drop theirs; every clone and create
 * claims a tracker and a block while others release theirs; the copies
 * and the fresh pages take user frames, the blocks kernel-zone runs.
 * Without the frame lock around a frame's own counts a reference is lost
 * or counted twice: P's frames end with more or fewer than P's mappings,
 * or one is freed under P.  Without the trackers' lock two spaces get one
 * tracker: a space reads another's pages, or the core panics.  Without
 * atomic counters the counts of blocks, their pages and tables drift.
 * Each cloner counts what it finds wrong; after them the case checks that
 * none did, the copies counted, P's frames, references and data as they
 * were, the invariants, and every frame, tracker, block and table back.
 * A race needs two host cores at once: on a busy machine a core without
 * one of those locks may pass a run.
 */
static void cpus_make_clone_and_end_spaces_at_once(void)
{
	struct fx_counts c0;
	struct cloner c[CLONERS] = { { .cpu = 1 }, { .cpu = 2 }, { .cpu = 3 } };

	fx_counts(&c0);
	parent.as = pt_vm_create();
	CHECK_GT(parent.as, 0);
	for (uint32_t i = 0; i < PARENT_PAGES; i++)
		CHECK_OK(map_parent_page(i));
	CHECK_OK(pt_vm_check());
	struct clone_counts was = clone_counts_now();
	RUN(race_cloners(c));
	CHECK_OK(pt_vm_check());
	RUN(check_counts_back(&was));
	RUN(check_parent());
	STEP(pt_vm_destroy(parent.as));
	fx_check_back(&c0);
}

static const struct test_case cases[] = {
	TEST_CASE(a_cpu_that_is_not_told_keeps_a_stale_translation),
	TEST_CASE(an_unmap_is_seen_on_every_cpu_before_it_returns),
	TEST_CASE(a_cpu_not_running_the_space_tells_those_that_do),
	TEST_CASE(a_space_live_on_one_cpu_costs_no_interrupt),
	TEST_CASE(narrowing_rights_is_seen_on_every_cpu),
	TEST_CASE(a_long_range_is_one_interrupt_and_one_flush_a_cpu),
	TEST_CASE(a_block_that_moves_takes_every_cpu_on_it_along),
	TEST_CASE(a_table_that_moves_in_the_block_is_seen_on_every_cpu),
	TEST_CASE(a_copy_on_write_clone_is_seen_on_every_cpu),
	TEST_CASE(the_pager_leaves_no_cpu_behind),
	TEST_CASE(each_cpu_has_its_own_kmap_windows),
	TEST_CASE(serving_cpus_refuses_bad_counts_and_changes_nothing),
	TEST_CASE(a_resolve_that_may_not_wait_does_all_but_the_disk),
	TEST_CASE(locks_are_taken_in_rank_order_and_held_by_one_cpu),
	TEST_CASE(cpus_fill_pages_and_take_frames_at_once),
	TEST_CASE(cpus_make_clone_and_end_spaces_at_once),
};

DEFINE_SUITE(cpus_suite, "cpus", cases, setup, teardown);
