/*
 * frame_source.c - pagetrack over a kernel's own physical memory manager
 * (pt_frame_init_source): the suite frame-source, host only.
 *
 * The manager here is a toy: a flag per frame of a 32 MiB simulated RAM,
 * a count of what it lent, and a countdown that makes it refuse its nth
 * take from now.  It keeps some frames of its own (the "kernel's"), lends
 * single frames from the top of each zone down and runs first fit from
 * the bottom, so that nothing the built-in source would do holds here.
 *
 *   0      1 MiB  TOY_FIRST                 X = 8 MiB                  32 MiB
 *   +------+------+--------------------------+---------------------------+
 *   | low  | img  | kernel zone: metadata,   | user zone: user pages     |
 *   |      |      | trackers, blocks, slots' |                           |
 *   +------+------+--------------------------+---------------------------+
 *
 * Every case boots a new machine on the toy (paging and swap slots on),
 * and ends with every frame it took back in the toy (its free counts as
 * they were after the boot) and every invariant checked.
 */
#include "check.h"
#include "disk.h"
#include "errors.h"
#include "fixture.h"
#include "frame.h"
#include "machine.h"
#include "pager.h"
#include "paging.h"
#include "probe.h"
#include "seam.h"
#include "suites.h"
#include "swap.h"
#include "swap_util.h"
#include "vm_util.h"

#define TOY_RAM MiB(32)
#define TOY_X MiB(8)
#define TOY_FRAMES (TOY_RAM / PAGE_SIZE)
#define TOY_FIRST (MiB(1) + KiB(256)) /* below: the pretend kernel image */
#define TOY_DISK 256u                 /* swap pages */

/* The toy manager: which frames are free, which it lent, and when it refuses. */
static struct {
	bool free[TOY_FRAMES];
	bool lent[TOY_FRAMES];
	uint32_t nfree[ZONE_COUNT];
	uint32_t nlent;
	uint32_t refuse_in;  /* 0: never; else the take that many from now refuses */
	uint32_t takes;      /* takes, runs and extends asked for */
	uint32_t gives;      /* gives and give_runs */
	bool lend_user_run;  /* take_run lends user-zone frames: a broken source */
} toy;

static enum zone toy_zone(uint32_t pfn)
{
	return pfn < pa_to_pfn(TOY_X) ? ZONE_KERNEL : ZONE_USER;
}

static void toy_reset(void)
{
	memset(&toy, 0, sizeof(toy));
	for (uint32_t p = pa_to_pfn(TOY_FIRST); p < TOY_FRAMES; p++) {
		toy.free[p] = true;
		toy.nfree[toy_zone(p)]++;
	}
}

/* Counts a take; false if this is the one to refuse. */
static bool toy_agrees(void)
{
	toy.takes++;
	return toy.refuse_in == 0 || --toy.refuse_in != 0;
}

static void toy_lend(uint32_t pfn)
{
	if (!toy.free[pfn])
		panic("toy_lend: frame %u is not free", pfn);
	toy.free[pfn] = false;
	toy.lent[pfn] = true;
	toy.nfree[toy_zone(pfn)]--;
	toy.nlent++;
}

static void toy_back(uint32_t pfn)
{
	if (!toy.lent[pfn])
		panic("toy_back: frame 0x%x was not lent", pfn_to_pa(pfn));
	toy.lent[pfn] = false;
	toy.free[pfn] = true;
	toy.nfree[toy_zone(pfn)]++;
	toy.nlent--;
}

/* Whether [pfn, pfn + n) are all free frames of one zone. */
static bool toy_run_free(uint32_t pfn, uint32_t n)
{
	if (pfn + n > TOY_FRAMES || pfn + n < pfn)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (!toy.free[pfn + i] || toy_zone(pfn + i) != toy_zone(pfn))
			return false;
	return true;
}

static int toy_take(enum zone z, paddr_t *pa)
{
	uint32_t lo = z == ZONE_KERNEL ? pa_to_pfn(TOY_FIRST) : pa_to_pfn(TOY_X);
	uint32_t hi = z == ZONE_KERNEL ? pa_to_pfn(TOY_X) : TOY_FRAMES;

	if (!toy_agrees())
		return -E_NOMEM;
	for (uint32_t p = hi; p-- > lo;) {
		if (toy.free[p]) {
			toy_lend(p);
			*pa = pfn_to_pa(p);
			return 0;
		}
	}
	return -E_NOMEM;
}

static int toy_take_run(uint32_t n, paddr_t *pa)
{
	uint32_t from = toy.lend_user_run ? pa_to_pfn(TOY_X) : pa_to_pfn(TOY_FIRST);

	if (!toy_agrees())
		return -E_NOMEM;
	for (uint32_t p = from; p + n <= TOY_FRAMES; p++) {
		if (toy_run_free(p, n)) {
			for (uint32_t i = 0; i < n; i++)
				toy_lend(p + i);
			*pa = pfn_to_pa(p);
			return 0;
		}
	}
	return -E_NOMEM;
}

static int toy_extend_run(paddr_t base, uint32_t have, uint32_t more)
{
	uint32_t from = pa_to_pfn(base) + have;

	if (!toy_agrees() || !toy_run_free(from, more) || toy_zone(from) != ZONE_KERNEL)
		return -E_NOMEM;
	for (uint32_t i = 0; i < more; i++)
		toy_lend(from + i);
	return 0;
}

static void toy_give(paddr_t pa)
{
	toy.gives++;
	toy_back(pa_to_pfn(pa));
}

static void toy_give_run(paddr_t pa, uint32_t n)
{
	toy.gives++;
	for (uint32_t i = 0; i < n; i++)
		toy_back(pa_to_pfn(pa) + i);
}

static uint32_t toy_free_count(enum zone z)
{
	return toy.nfree[z];
}

static const struct pt_frame_source toy_source = {
	.take = toy_take,
	.take_run = toy_take_run,
	.extend_run = toy_extend_run,
	.give = toy_give,
	.give_run = toy_give_run,
	.free_count = toy_free_count,
};

/* The toy's counts after the boot: what every case must end with. */
static uint32_t toy_free0[ZONE_COUNT], toy_lent0;

/* The toy's own use of a frame (not lent to pagetrack), and its end. */
static void toy_keep(paddr_t pa)
{
	toy.free[pa_to_pfn(pa)] = false;
	toy.nfree[toy_zone(pa_to_pfn(pa))]--;
}

static void toy_unkeep(paddr_t pa)
{
	toy.free[pa_to_pfn(pa)] = true;
	toy.nfree[toy_zone(pa_to_pfn(pa))]++;
}

static void source_setup(void)
{
	machine_reset(TOY_RAM);
	toy_reset();
	if (pt_frame_init_source(&toy_source, TOY_RAM, TOY_X) < 0)
		panic("source_setup: pt_frame_init_source failed");
	/* as fx_boot: the new machine has no disk, the old one's slots are forgotten */
	if (pt_swap_init() < 0 || pt_paging_init(false) < 0)
		panic("source_setup: swap or paging would not start on the toy's frames");
	fx_disk(TOY_DISK);
	fx_counts(&fx_start);
	toy_free0[ZONE_KERNEL] = toy.nfree[ZONE_KERNEL];
	toy_free0[ZONE_USER] = toy.nfree[ZONE_USER];
	toy_lent0 = toy.nlent;
}

static void source_teardown(void)
{
	toy.refuse_in = 0;
	RUN(fx_teardown());
	CHECK_EQ(toy.nfree[ZONE_KERNEL], toy_free0[ZONE_KERNEL]);
	CHECK_EQ(toy.nfree[ZONE_USER], toy_free0[ZONE_USER]);
	CHECK_EQ(toy.nlent, toy_lent0);
	CHECK_OK(pt_frame_check());
}

/* The toy's counts and pagetrack's agree: what pagetrack says free is what the toy has. */
#define CHECK_TOY_COUNTS()                                                             \
	do {                                                                           \
		CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), toy.nfree[ZONE_KERNEL]);   \
		CHECK_EQ(pt_frame_free_count(ZONE_USER), toy.nfree[ZONE_USER]);       \
		CHECK_OK(pt_frame_check());                                            \
	} while (0)

/* ---- setting up ---------------------------------------------------------------- */

static void init_source_takes_the_metadata_from_the_source(void)
{
	paddr_t meta;
	uint32_t n, user = TOY_FRAMES - pa_to_pfn(TOY_X);

	pt_frame_metadata(&meta, &n);
	/* 4 bytes a frame, 2 more below X, 4 more above: 32 KiB + 4 KiB + 24 KiB */
	CHECK_EQ(n, DIV_ROUND_UP(TOY_FRAMES * 4 + pa_to_pfn(TOY_X) * 2 + user * 4, PAGE_SIZE));
	for (uint32_t i = 0; i < n; i++)
		CHECK(toy.lent[pa_to_pfn(meta) + i]);
	CHECK(pt_frame_in_kzone(meta) && pt_frame_in_kzone(meta + (n - 1) * PAGE_SIZE));
	CHECK(!pt_frame_owned(meta)); /* held, but never handed out or counted */
	CHECK_EQ(pt_frame_kzone_end(), TOY_X);
	CHECK_TOY_COUNTS();
	/* what the core holds (trackers, master block, slots' metadata) plus what is free */
	CHECK_EQ(pt_frame_total_count(ZONE_KERNEL) + pt_frame_total_count(ZONE_USER),
		 toy.nlent - n + toy.nfree[ZONE_KERNEL] + toy.nfree[ZONE_USER]);
	CHECK(!pt_frame_free_runs_known()); /* the toy has no next_free_run */
	paddr_t at = 0;
	CHECK(!pt_frame_next_free_run(&at, &n));
}

static void init_source_refuses_bad_arguments(void)
{
	struct pt_frame_source partial = toy_source;
	uint32_t lent = toy.nlent;

	partial.give_run = NULL;
	CHECK_ERR(pt_frame_init_source(NULL, TOY_RAM, TOY_X), E_INVAL);
	CHECK_ERR(pt_frame_init_source(&partial, TOY_RAM, TOY_X), E_INVAL);
	CHECK_ERR(pt_frame_init_source(&toy_source, MiB(1), MiB(1)), E_INVAL);
	CHECK_ERR(pt_frame_init_source(&toy_source, TOY_RAM, TOY_X + 1), E_INVAL);
	CHECK_ERR(pt_frame_init_source(&toy_source, TOY_RAM, MiB(1)), E_INVAL);
	CHECK_ERR(pt_frame_init_source(&toy_source, TOY_RAM, KZONE_LIMIT + PAGE_SIZE), E_INVAL);
	toy.refuse_in = 1; /* no run for the metadata */
	CHECK_ERR(pt_frame_init_source(&toy_source, TOY_RAM, TOY_X), E_NOMEM);
	toy.lend_user_run = true; /* a run the core cannot reach: given back */
	CHECK_ERR(pt_frame_init_source(&toy_source, TOY_RAM, TOY_X), E_INVAL);
	toy.lend_user_run = false;
	CHECK_EQ(toy.nlent, lent);
	CHECK_TOY_COUNTS(); /* the core over the toy as the boot left it */
}

static void the_kernel_zone_dump_says_what_it_cannot_know(void)
{
	static char buf[8192];
	struct strbuf b = { buf, sizeof(buf), 0 };

	pt_kzone_dump(strbuf_putc, &b, 64);
	strbuf_end(&b);
	CHECK(strstr(buf, "frame allocator metadata") != NULL);
	CHECK(strstr(buf, "tracker page 0") != NULL);
	/* the toy's free frames are its own: neither free runs nor "in use" */
	CHECK(strstr(buf, "free pages (the frame source does not say where)") != NULL);
	CHECK(strstr(buf, "not pagetrack's: the frame source's, in use or free") != NULL);
	CHECK(strstr(buf, "  free\n") == NULL);
}

/* ---- frames, runs, references --------------------------------------------------- */

static void frames_come_from_the_source_and_go_back_to_it(void)
{
	paddr_t u, k, top = TOY_RAM - PAGE_SIZE;
	uint32_t lent = toy.nlent;

	while (!toy.free[pa_to_pfn(top)])
		top -= PAGE_SIZE;
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &k));
	CHECK(toy.lent[pa_to_pfn(u)] && toy.lent[pa_to_pfn(k)]);
	CHECK_EQ(u, top); /* the toy chose it: it lends from the top */
	CHECK(!pt_frame_in_kzone(u) && pt_frame_in_kzone(k));
	CHECK(pt_frame_owned(u) && pt_frame_owned(k));
	CHECK_EQ(pt_frame_refcount(u), 1);
	CHECK_EQ(toy.nlent, lent + 2);
	CHECK_TOY_COUNTS();
	CHECK_OK(pt_frame_ref(u));
	CHECK_EQ(pt_frame_unref(u), 1);
	CHECK(toy.lent[pa_to_pfn(u)]); /* a reference left: still held */
	CHECK_EQ(pt_frame_unref(u), 0);
	CHECK(!toy.lent[pa_to_pfn(u)]);
	CHECK_OK(pt_frame_free(k));
	CHECK_EQ(toy.nlent, lent);
	/* a frame the core does not hold is not its own: not "free" */
	CHECK(!pt_frame_owned(u));
	CHECK_ERR(pt_frame_refcount(u), E_NOTOWN);
	CHECK_ERR(pt_frame_free(u), E_NOTOWN);
	CHECK_ERR(pt_frame_unref(k), E_NOTOWN);
	CHECK(!pt_frame_any_free(TOY_X, 16)); /* no bitmap to ask */
	CHECK_TOY_COUNTS();
}

static void runs_grow_in_place_only_over_what_the_source_has_free(void)
{
	paddr_t r, first;
	uint32_t lent = toy.nlent;

	CHECK_OK(pt_frame_alloc_run(3, &r));
	for (uint32_t i = 0; i < 3; i++)
		CHECK_EQ(pt_frame_refcount(r + i * PAGE_SIZE), 1);
	CHECK_OK(pt_frame_extend_run(r, 3, 2));
	CHECK_EQ(toy.nlent, lent + 5);
	toy_keep(r + 5 * PAGE_SIZE); /* the kernel's own use of the next frame */
	CHECK_ERR(pt_frame_extend_run(r, 5, 1), E_NOMEM);
	CHECK_EQ(toy.nlent, lent + 5);
	CHECK_ERR(pt_frame_refcount(r + 5 * PAGE_SIZE), E_NOTOWN);
	CHECK_TOY_COUNTS();
	toy_unkeep(r + 5 * PAGE_SIZE);
	/* pins, and a pinned run of the kind a block holds */
	CHECK_OK(pt_frame_pin(r));
	CHECK_ERR(pt_frame_unref(r), E_BUSY);
	CHECK_ERR(pt_frame_free_run(r, 5), E_BUSY);
	CHECK_OK(pt_frame_unpin(r));
	uint32_t gives = toy.gives;
	CHECK_OK(pt_frame_free_run(r, 5)); /* a run and its extension: one give_run */
	CHECK_EQ(toy.gives, gives + 1);
	CHECK_OK(pt_frame_alloc_pinned_run(4, &first));
	CHECK_EQ(pt_frame_pincount(first + 3 * PAGE_SIZE), 1);
	CHECK_OK(pt_frame_free_pinned_run(first, 4));
	CHECK_EQ(toy.nlent, lent);
	CHECK_TOY_COUNTS();
}

static void slots_and_pins_are_kept_by_the_core(void)
{
	paddr_t u;
	int slot = pt_swap_alloc();
	uint32_t pinned = pt_frame_user_pinned();

	CHECK_GT(slot, 0);
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	CHECK_OK(pt_frame_keep_slot(u, (uint32_t)slot, false));
	CHECK_EQ(pt_frame_slot(u), (uint32_t)slot);
	CHECK_ERR(pt_frame_unref(u), E_BUSY); /* keeps a slot: pt_frame_unref_mapping frees it */
	CHECK_OK(pt_frame_pin(u));
	CHECK_EQ(pt_frame_user_pinned(), pinned + 1);
	CHECK_OK(pt_frame_check());
	CHECK_OK(pt_frame_unpin(u));
	uint32_t got;
	CHECK_EQ(pt_frame_unref_mapping(u, false, &got), 0);
	CHECK_EQ(got, (uint32_t)slot);
	CHECK(!toy.lent[pa_to_pfn(u)]);
	CHECK_OK(pt_swap_unref(got));
	CHECK_TOY_COUNTS();
}

static void a_refusing_source_is_out_of_memory(void)
{
	paddr_t pa, r;
	uint32_t lent = toy.nlent;

	CHECK_OK(pt_frame_alloc_run(2, &r));
	for (int k = 0; k < 4; k++) {
		uint32_t calls = pt_frame_alloc_calls(), nlent = toy.nlent;
		toy.refuse_in = 1;
		int rc = k == 0   ? pt_frame_alloc(ZONE_USER, &pa)
			 : k == 1 ? pt_frame_alloc(ZONE_KERNEL, &pa)
			 : k == 2 ? pt_frame_alloc_run(3, &pa)
				  : pt_frame_extend_run(r, 2, 1);
		CHECK_ERR(rc, E_NOMEM);
		CHECK_EQ(pt_frame_alloc_calls(), calls + 1); /* counted as fault injection counts */
		CHECK_EQ(toy.nlent, nlent);
		CHECK_EQ(toy.refuse_in, 0);
		CHECK_TOY_COUNTS();
	}
	/* the core's own injection fails before the source is asked */
	uint32_t takes = toy.takes;
	pt_frame_fail_nth(1);
	CHECK_ERR(pt_frame_alloc(ZONE_USER, &pa), E_NOMEM);
	CHECK_EQ(toy.takes, takes);
	CHECK_OK(pt_frame_free_run(r, 2));
	CHECK_EQ(toy.nlent, lent);
}

/* ---- an address space over the toy's frames -------------------------------------- */

#define VA(i) (USER_BASE + PAGE(i))
#define NPAGES 6u

static uint32_t word_of(uint32_t i)
{
	return 0xF4A30000u + i;
}

/* A space with NPAGES pages, each holding word_of(i) in every word. */
static int filled_space(void)
{
	int as = pt_vm_create();
	paddr_t pa;

	for (uint32_t i = 0; as > 0 && i < NPAGES; i++)
		if (map_filled(as, VA(i), word_of(i), URW, &pa) < 0)
			return -1;
	return as;
}

/* Space as reads word_of(i) + delta at page i, through the model MMU. */
static void reads_through_mmu(int as, uint32_t i, uint32_t want)
{
	CHECK_OK(pt_vm_activate(as));
	CHECK_READS(VA(i), USR_RD, want);
	CHECK_OK(pt_vm_activate(0));
}

/* A user write at page i of as through the model MMU, resolving the fault it meets. */
static void write_through_mmu(int as, uint32_t i, uint32_t v)
{
	uint32_t w = v, rc;

	CHECK_OK(pt_vm_activate(as));
	rc = probe(VA(i), USR_WR, &w);
	if (rc != 0) {
		CHECK_OK(pt_vm_fault(as, VA(i), rc & ~PROBE_FAULTED));
		CHECK_EQ(probe(VA(i), USR_WR, &w), 0);
	}
	CHECK_OK(pt_vm_activate(0));
}

static void a_space_lives_and_dies_on_the_sources_frames(void)
{
	int as = filled_space(), child;

	CHECK_GT(as, 0);
	CHECK_OK(pt_vm_check());
	CHECK_TOY_COUNTS();
	CHECK_GT(toy.nlent, toy_lent0 + NPAGES); /* the pages and the block's tables */
	/* copy-on-write: the clone shares the toy's frames, a write breaks one */
	child = pt_vm_clone(as, VM_CLONE_COW);
	CHECK_GT(child, 0);
	CHECK_EQ(pt_frame_refcount(query_pa(as, VA(0))), 2);
	uint32_t lent = toy.nlent;
	RUN(write_through_mmu(child, 0, 0xC0FFEE));
	CHECK_EQ(toy.nlent, lent + 1); /* the child's private copy */
	CHECK(toy.lent[pa_to_pfn(query_pa(child, VA(0)))]);
	RUN(reads_through_mmu(as, 0, word_of(0)));
	RUN(reads_through_mmu(child, 0, 0xC0FFEE));
	CHECK_EQ(pt_frame_refcount(query_pa(as, VA(0))), 1);
	CHECK_OK(pt_vm_check());
	CHECK_TOY_COUNTS();
	/* paged out: the frame goes back to the toy; paged in: a new one from it */
	lent = toy.nlent;
	EVICT(as, VA(0));
	CHECK(in_swap(as, VA(0)));
	CHECK_EQ(toy.nlent, lent - 1);
	CHECK_HOLDS(as, VA(0), word_of(0));
	CHECK(in_frame(as, VA(0)));
	CHECK_EQ(toy.nlent, lent);
	CHECK_HOLDS(child, VA(NPAGES - 1), word_of(NPAGES - 1));
	STEP(pt_vm_destroy(child));
	/* the whole space out, block and all, and back (it shares nothing now) */
	lent = toy.nlent;
	CHECK_OK(pt_pager_block_out(as));
	CHECK_LE(toy.nlent, lent - NPAGES - 1);
	CHECK_OK(pt_pager_block_in(as));
	CHECK_HOLDS(as, VA(0), word_of(0));
	CHECK_HOLDS(as, VA(NPAGES - 1), word_of(NPAGES - 1));
	CHECK_OK(pt_vm_check());
	CHECK_TOY_COUNTS();
	STEP(pt_vm_destroy(as));
	CHECK_EQ(toy.nlent, toy_lent0);
}

/* ---- the source refusing each take of an operation in turn ------------------------- */

static struct fx_snapshot before;

/*
 * Run op with the toy refusing its nth take, n = 1, 2, ... until op
 * succeeds without meeting the refusal: every refusal op fails with leaves
 * space as as it was (its dump, the free counts, its block) and the toy's
 * loans as they were.  An op that meets a refusal and still succeeds (a
 * block that could not grow in place moves) is undone by undo, if it may.
 * Returns the takes the op needs (n - 1 of the run that met no refusal),
 * or -1 after a failed check.
 */
static int refused_in_turn(int as, int (*op)(int as), int (*undo)(int as))
{
	for (uint32_t n = 1; n < 64; n++) {
		uint32_t lent = toy.nlent;
		fx_snap(as, &before);
		toy.refuse_in = n;
		int rc = op(as);
		bool met = toy.refuse_in == 0;
		toy.refuse_in = 0;
		if (rc == 0 && !met)
			return (int)n - 1;
		if (rc == 0 && undo && undo(as) == 0)
			continue;
		if (rc != -E_NOMEM || !fx_same(as, &before) || toy.nlent != lent ||
		    pt_vm_check() < 0) {
			kprintf("refused_in_turn: take %u refused: %s\n", n, err_name(rc));
			return -1;
		}
	}
	return -1;
}

static int op_map_zero_far(int as)
{
	return pt_vm_map_zero(as, REGION(9) + PAGE(3), URW);
}

static int undo_map_zero_far(int as)
{
	return pt_vm_unmap(as, REGION(9) + PAGE(3));
}

static int op_clone(int as)
{
	int child = pt_vm_clone(as, VM_CLONE_COW);

	return child < 0 ? child : pt_vm_destroy(child); /* destroyed to compare the state */
}

static int op_break_cow(int as)
{
	return pt_vm_resolve(as, VA(1), PF_W, 0, &(paddr_t){ 0 });
}

static int op_page_in(int as)
{
	return pt_vm_resolve(as, VA(2), 0, 0, &(paddr_t){ 0 });
}

static void refusals_leave_everything_as_it_was(void)
{
	int as = filled_space(), child;

	CHECK_GT(as, 0);
	CHECK_GE(refused_in_turn(as, op_map_zero_far, undo_map_zero_far), 2); /* a table, a frame */
	STEP(undo_map_zero_far(as));
	CHECK_GE(refused_in_turn(as, op_clone, NULL), 1);
	child = pt_vm_clone(as, VM_CLONE_COW); /* VA(1) shared: a write needs a copy */
	CHECK_GT(child, 0);
	CHECK_GE(refused_in_turn(as, op_break_cow, NULL), 1);
	CHECK_HOLDS(child, VA(1), word_of(1));
	STEP(pt_vm_destroy(child));
	EVICT(as, VA(2));
	CHECK_GE(refused_in_turn(as, op_page_in, NULL), 1);
	CHECK_HOLDS(as, VA(2), word_of(2));
	STEP(pt_vm_destroy(as));
}

static const struct test_case cases[] = {
	TEST_CASE(init_source_takes_the_metadata_from_the_source),
	TEST_CASE(init_source_refuses_bad_arguments),
	TEST_CASE(the_kernel_zone_dump_says_what_it_cannot_know),
	TEST_CASE(frames_come_from_the_source_and_go_back_to_it),
	TEST_CASE(runs_grow_in_place_only_over_what_the_source_has_free),
	TEST_CASE(slots_and_pins_are_kept_by_the_core),
	TEST_CASE(a_refusing_source_is_out_of_memory),
	TEST_CASE(a_space_lives_and_dies_on_the_sources_frames),
	TEST_CASE(refusals_leave_everything_as_it_was),
};

DEFINE_SUITE(frame_source_suite, "frame-source", cases, source_setup, source_teardown);
