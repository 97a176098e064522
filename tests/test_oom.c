/*
 * test_oom.c - out of memory at every allocation point.
 *
 * Each scenario builds a state, then runs one operation with the Nth
 * allocation from now failing (pt_frame_fail_nth), for N = 1, 2, 3, ... until
 * a run in which the operation succeeds without meeting the failure: that
 * N is the scenario's count of allocation points plus one.
 *
 *   run N:  prepare -> snapshot -> fail the Nth allocation -> operation
 *             -E_NOMEM:  everything exactly as in the snapshot
 *             success:   the operation did what it promises (a growth in
 *                        place may fall back to a relocation)
 *           -> undo -> the free counts are back
 *
 * Scenarios that need a block to move keep the frame after it busy; the
 * one that needs a growth in place to fail holds every free kernel-zone
 * frame but the one after the block, so that no relocation can save it.
 * The bodies run on the host and on the live kernel: nothing depends on
 * where frames lie, only on what pt_vm_info and the allocator report.
 */
#include "check.h"
#include "fixture.h"
#include "frame.h"
#include "probe.h"
#include "seam.h"
#include "suites.h"
#include "tracker.h"
#include "vmspace.h"

/* Set from a debugger to have each scenario print its counts. */
bool oom_print_points;

#define MAX_PAGES 48
#define MAX_FILLERS 1024
#define MAX_RUNS 128
#define RANGE_VA (USER_BASE + 2 * PDE_SPAN - 2 * PAGE_SIZE) /* the last 2 pages of a region ... */
#define RANGE_PAGES 1028u    /* ... two whole regions and 2 pages of a third */
#define MANY_TABLES 40u
#define RW_USER (VM_WRITE | VM_USER)
/* Far from the first region (identity layout: 0x80000000 and 0xC0000000). */
#define MID_VA (USER_BASE + 0x40000000u)
#define HIGH_VA (USER_BASE + 0x80000000u)

enum growth {
	GROW_NONE,     /* a spare slot is there: nothing to allocate */
	GROW_ANY,      /* in place or moved, whatever the neighbours allow */
	GROW_IN_PLACE, /* the frame after the block is free */
	GROW_MOVE,     /* the frame after the block is busy */
};

/* What a scenario works on; reset before every run. */
static struct {
	int as;    /* the address space the operation works on */
	int child; /* a space the operation made */
	int other; /* a second space the state needs (a copy-on-write sibling) */
	uint32_t npages;
	vaddr_t va[MAX_PAGES]; /* pages of `as` and what they hold */
	paddr_t pa[MAX_PAGES];
	uint32_t word[MAX_PAGES];
	uint32_t flags[MAX_PAGES];
	bool device[MAX_PAGES];
	vaddr_t target;     /* where the operation maps */
	paddr_t frame;      /* the frame it maps: the test's until mapped */
	uint32_t frame_word;
	bool frame_mapped;
	paddr_t dev;        /* device frames for the range */
	paddr_t blocker;    /* a kernel-zone frame the test holds after the block */
	bool hog;           /* the test holds kernel-zone frames */
	bool live;          /* `as` is live during the operation */
	enum growth growth;
	struct vm_space_info info; /* of `as`, just before the operation */
	struct vm_stats stats;     /* just before the operation */
} st;

static int fillers[MAX_FILLERS];
static uint32_t nfillers;
static struct fx_counts base;
static struct fx_snapshot before;

struct scenario {
	const char *name;
	void (*setup)(void);   /* once before the runs, may be NULL */
	void (*prepare)(void); /* the state the operation starts from */
	int (*op)(void);       /* 0 or a negative error */
	void (*verify)(bool clean);    /* after a success; clean: no failure was met */
	void (*after_failure)(void);   /* more checks after -E_NOMEM, may be NULL */
	void (*cleanup)(void); /* once after the runs, may be NULL */
};

struct result {
	uint32_t points;   /* N of the first run that met no failure */
	uint32_t failures; /* runs that returned -E_NOMEM */
	uint32_t survived; /* runs that met the failure and still succeeded */
};

/* ---- building states --------------------------------------------------------- */

static uint32_t pattern(vaddr_t va)
{
	return 0xC0DE0000u ^ (va >> PAGE_SHIFT) ^ (va << 4);
}

static void begin(void)
{
	memset(&st, 0, sizeof(st));
	st.as = st.child = st.other = -1;
}

static void new_space(void)
{
	st.as = pt_vm_create();
	CHECK_GT(st.as, 0);
}

static void add_page(vaddr_t va, uint32_t flags)
{
	uint32_t i = st.npages;
	int rc;

	CHECK_LT(i, MAX_PAGES);
	st.va[i] = va;
	st.flags[i] = flags;
	st.word[i] = pattern(va);
	st.pa[i] = fx_user_frame(st.word[i]);
	if ((rc = pt_vm_map(st.as, va, st.pa[i], flags)) < 0)
		pt_frame_unref(st.pa[i]);
	CHECK_OK(rc);
	st.npages++;
}

/* A page of device memory: mapped without references, never touched. */
static void add_device_page(vaddr_t va)
{
	uint32_t i = st.npages;
	paddr_t pa = fx_unowned_frames(1);

	CHECK_LT(i, MAX_PAGES);
	CHECK_NE(pa, 0);
	CHECK_OK(pt_vm_map(st.as, va, pa, VM_USER));
	st.va[i] = va;
	st.pa[i] = pa;
	st.flags[i] = VM_USER;
	st.device[i] = true;
	st.npages++;
}

static uint32_t how_for(uint32_t flags)
{
	return (flags & VM_USER) ? PROBE_USER : 0;
}

/* Make `as` live and touch every page, so that the TLB holds what it allows. */
static void go_live(void)
{
	uint32_t v;

	CHECK_OK(pt_vm_activate(st.as));
	st.live = true;
	for (uint32_t i = 0; i < st.npages; i++) {
		if (st.device[i])
			continue;
		v = st.word[i];
		if (st.flags[i] & VM_WRITE)
			CHECK_EQ(probe(st.va[i], PROBE_WRITE | how_for(st.flags[i]), &v), 0);
		CHECK_EQ(probe(st.va[i], how_for(st.flags[i]), &v), 0);
		CHECK_EQ(v, st.word[i]);
	}
}

/* Every page of `as` still reads what it holds, through the live tables. */
static void check_data(void)
{
	uint32_t v;

	for (uint32_t i = 0; i < st.npages; i++) {
		if (st.device[i])
			continue;
		v = 0;
		CHECK_EQ(probe(st.va[i], how_for(st.flags[i]), &v), 0);
		CHECK_EQ(v, st.word[i]);
	}
}

/* A frame for the operation to map. */
static void take_frame(vaddr_t target)
{
	st.target = target;
	st.frame_word = pattern(target) ^ 0x5555AAAAu;
	st.frame = fx_user_frame(st.frame_word);
}

static paddr_t frame_after_block(void)
{
	struct vm_space_info info;

	if (pt_vm_info(st.as, &info) < 0)
		return 0;
	return info.block + info.pages * PAGE_SIZE;
}

/* Keep the frame after the block busy, so that growing it must move it. */
static void block_the_next_frame(void)
{
	paddr_t after = frame_after_block();

	CHECK_NE(after, 0);
	if (fx_take_kframe(after) == 0)
		st.blocker = after;
	CHECK(!fx_kframes_free(after, 1));
	st.growth = GROW_MOVE;
}

/* Hold every free kernel-zone frame but the n after the block. */
static void leave_only_the_next_frames(uint32_t n)
{
	paddr_t after = frame_after_block();

	CHECK_NE(after, 0);
	CHECK_GE(fx_hog_kzone(), (int)n);
	st.hog = true;
	for (uint32_t i = 0; i < n; i++)
		CHECK(fx_hog_holds(after + i * PAGE_SIZE)); /* they were free */
	fx_hog_release(after, n);
	CHECK(fx_kframes_free(after, n));
	st.growth = GROW_IN_PLACE;
}

static void leave_only_the_next_frame(void)
{
	leave_only_the_next_frames(1);
}

/* Create spaces until exactly `leave` trackers are free in the tracker pages. */
static void fill_trackers(uint32_t leave)
{
	struct vm_stats s;

	nfillers = 0;
	for (;;) {
		pt_vm_get_stats(&s);
		if (s.tracker_pages * TRK_PER_PAGE - (s.spaces + 1) == leave)
			return;
		CHECK_LT(nfillers, MAX_FILLERS);
		fillers[nfillers] = pt_vm_create();
		CHECK_GT(fillers[nfillers], 0);
		nfillers++;
	}
}

static void drop_fillers(void)
{
	while (nfillers > 0)
		pt_vm_destroy(fillers[--nfillers]);
}

static void fill_all_trackers(void) { fill_trackers(0); }
static void fill_all_trackers_but_one(void) { fill_trackers(1); }

/* Remove everything a run made; tolerates a run that stopped half way. */
static void undo_all(void)
{
	pt_vm_activate(0);
	if (st.child > 0)
		pt_vm_destroy(st.child);
	if (st.other > 0)
		pt_vm_destroy(st.other);
	if (st.as > 0)
		pt_vm_destroy(st.as);
	if (st.frame && !st.frame_mapped)
		pt_frame_unref(st.frame);
	if (st.blocker)
		pt_frame_free(st.blocker);
	if (st.hog)
		fx_unhog();
	begin();
}

/* ---- the driver -------------------------------------------------------------- */

static void check_counts_unchanged(const struct vm_stats *was)
{
	struct vm_stats s;

	pt_vm_get_stats(&s);
	CHECK_EQ(s.spaces, was->spaces);
	CHECK_EQ(s.spaces_peak, was->spaces_peak);
	CHECK_EQ(s.tracker_pages, was->tracker_pages);
	CHECK_EQ(s.blocks, was->blocks);
	CHECK_EQ(s.block_pages, was->block_pages);
	CHECK_EQ(s.block_pages_peak, was->block_pages_peak);
	CHECK_EQ(s.tables, was->tables);
	CHECK_EQ(s.tables_peak, was->tables_peak);
	CHECK_EQ(s.relocations, was->relocations);
	CHECK_EQ(s.inplace_growths, was->inplace_growths);
	CHECK_EQ(s.shrinks, was->shrinks);
	CHECK_EQ(s.pages_copied, was->pages_copied);
	CHECK_EQ(s.table_moves, was->table_moves);
	CHECK_EQ(s.cow_copies, was->cow_copies);
	CHECK_EQ(s.cow_reuses, was->cow_reuses);
	CHECK_EQ(s.zero_fills, was->zero_fills);
}

static void check_unchanged(const struct scenario *sc)
{
	CHECK(fx_same(st.as, &before));
	RUN(check_counts_unchanged(&st.stats));
	CHECK_OK(pt_vm_check());
	if (st.live) {
		CHECK_EQ(pt_vm_live(), st.as);
		CHECK_EQ(hw_cr3(), st.info.block);
		RUN(check_data());
	}
	if (sc->after_failure)
		sc->after_failure();
}

static void attempt(const struct scenario *sc, uint32_t n, struct result *r, bool *done)
{
	if (st.as > 0)
		CHECK_OK(pt_vm_info(st.as, &st.info));
	pt_vm_get_stats(&st.stats);
	fx_snap(st.as, &before);

	uint32_t calls = pt_frame_alloc_calls();
	pt_frame_fail_nth(n);
	int rc = sc->op();
	bool met = pt_frame_alloc_calls() - calls >= n;
	pt_frame_fail_nth(0);

	if (rc < 0) {
		CHECK_ERR(rc, E_NOMEM);
		CHECK(met); /* no failure without an allocation that failed */
		RUN(check_unchanged(sc));
		r->failures++;
		return;
	}
	RUN(sc->verify(!met));
	CHECK_OK(pt_vm_check());
	if (met) {
		r->survived++;
	} else {
		r->points = n;
		*done = true;
	}
}

static void one_run(const struct scenario *sc, uint32_t n, struct result *r, bool *done)
{
	begin();
	sc->prepare();
	if (!test_failed())
		attempt(sc, n, r, done);
	undo_all();
	if (!test_failed())
		fx_check_back(&base);
	if (test_failed())
		kprintf("  (%s: in the run where allocation %u fails)\n", sc->name, n);
}

static void run_scenario(const struct scenario *sc, struct result *r)
{
	bool done = false;

	*r = (struct result){ 0 };
	if (sc->setup)
		sc->setup();
	fx_counts(&base);
	for (uint32_t n = 1; n <= MAX_RUNS && !done && !test_failed(); n++)
		one_run(sc, n, r, &done);
	if (sc->cleanup)
		sc->cleanup();
	if (test_failed())
		return;
	CHECK(done);
	if (oom_print_points)
		kprintf("oom: %s: success at N = %u, %u runs failed, %u survived the failure\n",
			sc->name, r->points, r->failures, r->survived);
}

/* ---- checks after a success ---------------------------------------------------- */

/* The block of `as` grew (or not) the way the scenario says it must. */
static void check_growth(bool clean)
{
	struct vm_space_info now;
	struct vm_stats s;

	CHECK_OK(pt_vm_info(st.as, &now));
	pt_vm_get_stats(&s);
	CHECK_GT(now.tables, st.info.tables);
	CHECK_GE(now.pages, 1 + now.tables);
	if (st.live) {
		CHECK_EQ(pt_vm_live(), st.as);
		CHECK_EQ(hw_cr3(), now.block); /* a moved live block is reloaded */
		RUN(check_data());
	}
	if (!clean) { /* the extension failed, the relocation saved it */
		CHECK_NE(now.block, st.info.block);
		CHECK_EQ(s.relocations, st.stats.relocations + 1);
		return;
	}
	switch (st.growth) {
	case GROW_NONE:
		CHECK_EQ(now.block, st.info.block);
		CHECK_EQ(now.pages, st.info.pages);
		CHECK_EQ(s.relocations + s.inplace_growths,
			 st.stats.relocations + st.stats.inplace_growths);
		break;
	case GROW_IN_PLACE:
		CHECK_EQ(now.block, st.info.block);
		CHECK_EQ(now.pages, 1 + now.tables); /* just what it needs */
		CHECK_EQ(s.inplace_growths, st.stats.inplace_growths + 1);
		CHECK_EQ(s.relocations, st.stats.relocations);
		break;
	case GROW_MOVE:
		CHECK_NE(now.block, st.info.block);
		CHECK_EQ(now.pages, MAX(1 + now.tables, 2 * st.info.pages)); /* room to double */
		CHECK_EQ(s.relocations, st.stats.relocations + 1);
		CHECK_EQ(s.pages_copied, st.stats.pages_copied + 1 + st.info.tables);
		break;
	case GROW_ANY:
		break;
	}
}

/* Nothing is mapped at the target, and a user access there is not present. */
static void check_target_empty(void)
{
	struct vm_mapping m;
	uint32_t v;

	CHECK_ERR(pt_vm_query(st.as, st.target, &m), E_NOENT);
	if (st.live)
		CHECK_EQ(probe(st.target, PROBE_USER, &v), PROBE_FAULTED | PF_U);
}

/* ---- the operations -------------------------------------------------------------- */

static int op_create(void)
{
	st.child = pt_vm_create();
	return st.child < 0 ? st.child : 0;
}

static int op_map(void)
{
	int rc = pt_vm_map(st.as, st.target, st.frame, RW_USER);

	st.frame_mapped = rc == 0;
	return rc;
}

static int op_map_range(void)
{
	return pt_vm_map_range(st.as, st.target, st.dev, RANGE_PAGES, VM_USER);
}

static int op_map_zero(void)
{
	return pt_vm_map_zero(st.as, st.target, RW_USER);
}

static int op_clone_cow(void)
{
	st.child = pt_vm_clone(st.as, VM_CLONE_COW);
	return st.child < 0 ? st.child : 0;
}

static int op_clone_eager(void)
{
	st.child = pt_vm_clone(st.as, VM_CLONE_EAGER);
	return st.child < 0 ? st.child : 0;
}

static int op_cow_write_fault(void)
{
	return pt_vm_fault(st.as, st.va[0] + 0x10, PF_P | PF_W | PF_U);
}

/*
 * A user write to a page never mapped, in a demand-zero area, resolved as a
 * kernel does: the probe faults not present, pt_vm_fault leaves the fault to
 * the caller, and the caller maps a zeroed page.  -E_INVAL says the first
 * two steps went wrong.
 */
static int op_demand_zero_fault(void)
{
	uint32_t v = 0x1234;
	uint32_t got = probe(st.target + 8, PROBE_WRITE | PROBE_USER, &v);

	if (got != (PROBE_FAULTED | PF_W | PF_U))
		return -E_INVAL;
	if (pt_vm_fault(st.as, st.target + 8, got & ~PROBE_FAULTED) != -E_FAULT)
		return -E_INVAL;
	return pt_vm_map_zero(st.as, st.target, RW_USER);
}

/* ---- address spaces ---------------------------------------------------------------- */

static void prepare_nothing(void) {}

static void verify_create(bool clean)
{
	struct vm_space_info info;
	struct vm_stats s;

	CHECK(clean);
	CHECK_GT(st.child, 0);
	CHECK_OK(pt_vm_info(st.child, &info));
	CHECK_EQ(info.pages, 2); /* page A and page B */
	CHECK_EQ(info.tables, 0);
	CHECK_EQ(info.mapped, 0);
	pt_vm_get_stats(&s);
	CHECK_EQ(s.spaces, st.stats.spaces + 1);
}

static void verify_create_with_tracker_page(bool clean)
{
	struct vm_stats s;

	RUN(verify_create(clean));
	pt_vm_get_stats(&s);
	CHECK_EQ(s.tracker_pages, st.stats.tracker_pages + 1);
}

static const struct scenario create_sc = {
	"create", NULL, prepare_nothing, op_create, verify_create, NULL, NULL,
};

static const struct scenario create_tracker_sc = {
	"create with a new tracker page", fill_all_trackers, prepare_nothing, op_create,
	verify_create_with_tracker_page, NULL, drop_fillers,
};

static void create_fails_cleanly_at_every_allocation(void)
{
	struct result r;

	RUN(run_scenario(&create_sc, &r));
	CHECK_GE(r.points, 2); /* the block */
	CHECK_EQ(r.failures, r.points - 1);
}

static void create_needing_a_tracker_page_fails_cleanly_at_both(void)
{
	struct result r;

	RUN(run_scenario(&create_tracker_sc, &r));
	CHECK_GE(r.points, 3); /* the block, then the tracker page */
	CHECK_EQ(r.failures, r.points - 1);
}

/* ---- mapping and growth ------------------------------------------------------------ */

static void verify_mapped_target(bool clean)
{
	struct vm_mapping m;
	uint32_t v = 0;

	CHECK_OK(pt_vm_query(st.as, st.target, &m));
	CHECK_EQ(m.pa, st.frame);
	CHECK_EQ(m.flags, RW_USER);
	RUN(check_growth(clean));
	if (st.live) {
		CHECK_EQ(probe(st.target + 8, PROBE_USER, &v), 0);
		CHECK_EQ(v, st.frame_word);
	}
}

static void prepare_first_table(void)
{
	RUN(new_space());
	take_frame(USER_BASE);
	st.growth = GROW_NONE;
}

static void prepare_new_table(void)
{
	RUN(new_space());
	RUN(add_page(USER_BASE, RW_USER));
	RUN(go_live());
	take_frame(MID_VA);
	st.growth = GROW_ANY;
}

static void prepare_in_place(void)
{
	st.as = fx_space_with_room(1);
	CHECK_GT(st.as, 0);
	RUN(add_page(USER_BASE, RW_USER));
	RUN(go_live());
	take_frame(MID_VA);
	leave_only_the_next_frame();
}

static void prepare_relocation(void)
{
	RUN(new_space());
	RUN(add_page(USER_BASE, RW_USER));
	RUN(add_page(USER_BASE + PAGE_SIZE, VM_USER));
	RUN(add_page(USER_BASE + 2 * PAGE_SIZE, VM_WRITE));
	RUN(go_live());
	take_frame(USER_LAST);
	block_the_next_frame();
}

static const struct scenario first_table_sc = {
	"first table", NULL, prepare_first_table, op_map, verify_mapped_target,
	check_target_empty, NULL,
};

static const struct scenario new_table_sc = {
	"new table", NULL, prepare_new_table, op_map, verify_mapped_target,
	check_target_empty, NULL,
};

static const struct scenario in_place_sc = {
	"growth in place", NULL, prepare_in_place, op_map, verify_mapped_target,
	check_target_empty, NULL,
};

static const struct scenario relocation_sc = {
	"growth by relocation", NULL, prepare_relocation, op_map, verify_mapped_target,
	check_target_empty, NULL,
};

/* As prepare_relocation, but the space is not live: no CR3 to reload. */
static void prepare_relocation_not_live(void)
{
	RUN(new_space());
	RUN(add_page(USER_BASE, RW_USER));
	RUN(add_page(USER_BASE + PAGE_SIZE, VM_USER));
	take_frame(USER_LAST);
	block_the_next_frame();
}

static const struct scenario relocation_not_live_sc = {
	"growth by relocation, not live", NULL, prepare_relocation_not_live, op_map,
	verify_mapped_target, check_target_empty, NULL,
};

static void first_table_takes_page_b_without_allocating(void)
{
	struct result r;

	RUN(run_scenario(&first_table_sc, &r));
	CHECK_EQ(r.points, 1);
}

static void map_needing_a_table_fails_cleanly_or_relocates(void)
{
	struct result r;

	RUN(run_scenario(&new_table_sc, &r));
	CHECK_GE(r.points, 2); /* at least the extension */
	CHECK_EQ(r.failures + r.survived, r.points - 1);
}

static void growth_in_place_fails_cleanly_when_no_run_is_free(void)
{
	struct result r;

	RUN(run_scenario(&in_place_sc, &r));
	CHECK_EQ(r.points, 2); /* the extension; the relocation finds no run */
	CHECK_EQ(r.failures, 1);
}

static void growth_by_relocation_fails_cleanly(void)
{
	struct result r;

	RUN(run_scenario(&relocation_sc, &r));
	CHECK_GE(r.points, 3); /* the extension, then the new run */
	CHECK_GE(r.failures, 1);
	CHECK_EQ(r.failures + r.survived, r.points - 1);
}

static void growth_by_relocation_of_a_space_not_live_fails_cleanly(void)
{
	struct result r;

	RUN(run_scenario(&relocation_not_live_sc, &r));
	CHECK_GE(r.points, 3); /* the extension, then the new run */
	CHECK_GE(r.failures, 1);
	CHECK_EQ(r.failures + r.survived, r.points - 1);
}

/* ---- ranges and demand-zero pages -------------------------------------------------- */

static void prepare_range(void)
{
	RUN(new_space());
	RUN(add_page(USER_BASE, RW_USER));
	RUN(go_live());
	st.target = RANGE_VA;
	st.dev = fx_unowned_frames(RANGE_PAGES);
	CHECK_NE(st.dev, 0);
	block_the_next_frame();
}

/*
 * The range needs three new tables, and exactly three free frames follow
 * the block: it grows in place by three pages at once, and nothing else is
 * free, so a failed extension cannot fall back on a relocation.
 */
static void prepare_range_in_place(void)
{
	st.as = fx_space_with_room(3);
	CHECK_GT(st.as, 0);
	RUN(add_page(USER_BASE, RW_USER));
	RUN(go_live());
	st.target = RANGE_VA;
	st.dev = fx_unowned_frames(RANGE_PAGES);
	CHECK_NE(st.dev, 0);
	leave_only_the_next_frames(3);
}

static void verify_range(bool clean)
{
	static const uint32_t probes[] = { 0, 1, 2, 1025, RANGE_PAGES - 1 };
	struct vm_space_info info;
	struct vm_mapping m;
	uint32_t v = 0;

	for (uint32_t i = 0; i < ARRAY_SIZE(probes); i++) {
		CHECK_OK(pt_vm_query(st.as, st.target + probes[i] * PAGE_SIZE, &m));
		CHECK_EQ(m.pa, st.dev + probes[i] * PAGE_SIZE);
		CHECK_EQ(m.flags, VM_USER);
	}
	CHECK_OK(pt_vm_info(st.as, &info));
	CHECK_EQ(info.mapped, st.info.mapped + RANGE_PAGES);
	CHECK_EQ(info.tables, st.info.tables + 3);
	RUN(check_growth(clean));
	if (st.live) /* read-only: the write faults without touching the device */
		CHECK_EQ(probe(st.target, PROBE_WRITE | PROBE_USER, &v),
			 PROBE_FAULTED | PF_P | PF_W | PF_U);
}

static void check_range_empty(void)
{
	struct vm_mapping m;

	RUN(check_target_empty());
	CHECK_ERR(pt_vm_query(st.as, st.target + (RANGE_PAGES - 1) * PAGE_SIZE, &m), E_NOENT);
}

static void prepare_zero(void)
{
	RUN(new_space());
	RUN(add_page(USER_BASE, RW_USER));
	RUN(go_live());
	st.target = HIGH_VA;
	/* the next user frame handed out held data: map_zero must clear it */
	pt_frame_free(fx_user_frame(0xDEADBEEFu));
	block_the_next_frame();
}

/* A new zeroed user frame is mapped at the target; `grown`: the block grew for it. */
static void check_zero_page(bool clean, bool grown)
{
	static const uint32_t offsets[] = { 0, 0x800, PAGE_SIZE - 4 };
	struct vm_space_info now;
	struct vm_mapping m;
	struct vm_stats s;
	uint32_t v;

	CHECK_OK(pt_vm_query(st.as, st.target, &m));
	CHECK_EQ(m.flags, RW_USER);
	CHECK(!pt_frame_in_kzone(m.pa));
	CHECK_EQ(pt_frame_refcount(m.pa), 1);
	pt_vm_get_stats(&s);
	CHECK_EQ(s.zero_fills, st.stats.zero_fills + 1);
	if (grown) {
		RUN(check_growth(clean));
	} else {
		CHECK(clean);
		CHECK_OK(pt_vm_info(st.as, &now));
		CHECK_EQ(now.block, st.info.block);
		CHECK_EQ(now.pages, st.info.pages);
		CHECK_EQ(now.tables, st.info.tables);
	}
	for (uint32_t i = 0; st.live && i < ARRAY_SIZE(offsets); i++) {
		v = 1;
		CHECK_EQ(probe(st.target + offsets[i], PROBE_USER, &v), 0);
		CHECK_EQ(v, 0);
	}
	v = 7;
	if (st.live)
		CHECK_EQ(probe(st.target, PROBE_WRITE | PROBE_USER, &v), 0);
}

static void verify_zero(bool clean)
{
	check_zero_page(clean, true);
}

static void verify_zero_fault(bool clean)
{
	check_zero_page(clean, false);
}

static const struct scenario range_sc = {
	"map_range over regions", NULL, prepare_range, op_map_range, verify_range,
	check_range_empty, NULL,
};

/* The fault hits a region whose table exists: only the frame is allocated. */
static void prepare_zero_fault(void)
{
	RUN(new_space());
	RUN(add_page(USER_BASE, RW_USER));
	RUN(go_live());
	st.target = USER_BASE + 5 * PAGE_SIZE;
	st.growth = GROW_NONE;
	/* the next user frame handed out held data: it must be cleared */
	pt_frame_free(fx_user_frame(0xDEADBEEFu));
}

static const struct scenario range_in_place_sc = {
	"map_range growing in place", NULL, prepare_range_in_place, op_map_range, verify_range,
	check_range_empty, NULL,
};

static const struct scenario zero_fault_sc = {
	"demand-zero fault", NULL, prepare_zero_fault, op_demand_zero_fault, verify_zero_fault,
	check_target_empty, NULL,
};

static const struct scenario zero_sc = {
	"map_zero", NULL, prepare_zero, op_map_zero, verify_zero, check_target_empty, NULL,
};

static void map_range_over_regions_is_all_or_nothing(void)
{
	struct result r;

	RUN(run_scenario(&range_sc, &r));
	CHECK_GE(r.points, 3); /* the extension, then the new run */
	CHECK_GE(r.failures, 1);
}

static void map_zero_fails_cleanly_at_the_frame_and_the_table(void)
{
	struct result r;

	RUN(run_scenario(&zero_sc, &r));
	CHECK_GE(r.points, 4); /* the frame, the extension, the new run */
	CHECK_GE(r.failures, 2);
	CHECK_EQ(r.failures + r.survived, r.points - 1);
}

static void map_range_growing_in_place_fails_cleanly(void)
{
	struct result r;

	RUN(run_scenario(&range_in_place_sc, &r));
	CHECK_EQ(r.points, 2); /* the extension; no run is free for a relocation */
	CHECK_EQ(r.failures, 1);
}

static void demand_zero_fault_fails_cleanly_at_the_frame(void)
{
	struct result r;

	RUN(run_scenario(&zero_fault_sc, &r));
	CHECK_EQ(r.points, 2); /* the frame: the table is there */
	CHECK_EQ(r.failures, 1);
}

/* ---- clones ---------------------------------------------------------------------------- */

static void prepare_clone(void)
{
	RUN(new_space());
	RUN(add_page(USER_BASE, RW_USER));
	RUN(add_page(USER_BASE + PAGE_SIZE, VM_USER));
	RUN(add_page(USER_BASE + PDE_SPAN, RW_USER));
	RUN(add_page(USER_LAST, VM_WRITE));
	RUN(add_device_page(MID_VA));
	RUN(add_page(MID_VA + PAGE_SIZE, RW_USER));
	RUN(go_live());
}

static void prepare_many_tables(void)
{
	RUN(new_space());
	for (uint32_t i = 0; i < MANY_TABLES; i++)
		RUN(add_page(USER_BASE + i * 0x01800000u, (i % 3) ? RW_USER : VM_USER));
	RUN(go_live());
}

/* The parent's pages are still private: one reference each, and writable where they were. */
static void check_parent_private(void)
{
	for (uint32_t i = 0; i < st.npages; i++) {
		uint32_t v = st.word[i];
		if (st.device[i])
			continue;
		CHECK_EQ(pt_frame_refcount(st.pa[i]), 1);
		if (st.live && (st.flags[i] & VM_WRITE))
			CHECK_EQ(probe(st.va[i], PROBE_WRITE | how_for(st.flags[i]), &v), 0);
	}
}

static void check_same_tables(void)
{
	struct vm_space_info p, c;

	CHECK_OK(pt_vm_info(st.as, &p));
	CHECK_OK(pt_vm_info(st.child, &c));
	CHECK_EQ(c.mapped, p.mapped);
	CHECK_EQ(c.tables, p.tables);
	CHECK_EQ(p.block, st.info.block);
}

static void verify_cow_clone(bool clean)
{
	struct vm_mapping pm, cm;
	uint32_t v;

	CHECK(clean);
	CHECK_GT(st.child, 0);
	RUN(check_same_tables());
	for (uint32_t i = 0; i < st.npages; i++) {
		uint32_t want = st.flags[i] | (st.device[i] ? 0 : VM_COW);
		CHECK_OK(pt_vm_query(st.as, st.va[i], &pm));
		CHECK_OK(pt_vm_query(st.child, st.va[i], &cm));
		CHECK_EQ(pm.pa, st.pa[i]);
		CHECK_EQ(cm.pa, st.pa[i]);
		CHECK_EQ(pm.flags, want);
		CHECK_EQ(cm.flags, want);
		if (!st.device[i])
			CHECK_EQ(pt_frame_refcount(st.pa[i]), 2);
	}
	/* the parent's writable entries, cached before, no longer allow a write */
	for (uint32_t i = 0; st.live && i < st.npages; i++) {
		uint32_t how = how_for(st.flags[i]);
		if (st.device[i] || !(st.flags[i] & VM_WRITE))
			continue;
		v = 0;
		CHECK_EQ(probe(st.va[i], PROBE_WRITE | how, &v), PROBE_FAULTED | PF_P | PF_W | how);
	}
	RUN(check_data());
	CHECK_OK(pt_vm_activate(st.child));
	RUN(check_data());
}

static void verify_eager_clone(bool clean)
{
	struct vm_mapping pm, cm;

	CHECK(clean);
	CHECK_GT(st.child, 0);
	RUN(check_same_tables());
	for (uint32_t i = 0; i < st.npages; i++) {
		CHECK_OK(pt_vm_query(st.as, st.va[i], &pm));
		CHECK_OK(pt_vm_query(st.child, st.va[i], &cm));
		CHECK_EQ(pm.pa, st.pa[i]);
		CHECK_EQ(pm.flags, st.flags[i]);
		CHECK_EQ(cm.flags, st.flags[i]);
		if (st.device[i]) { /* device memory is shared as it is */
			CHECK_EQ(cm.pa, st.pa[i]);
			continue;
		}
		CHECK_NE(cm.pa, st.pa[i]);
		CHECK_EQ(pt_frame_refcount(cm.pa), 1);
		CHECK_EQ(fx_frame_word(cm.pa), st.word[i]);
	}
	RUN(check_parent_private());
	CHECK_OK(pt_vm_activate(st.child));
	RUN(check_data());
}

static const struct scenario cow_clone_sc = {
	"clone copy-on-write", NULL, prepare_clone, op_clone_cow, verify_cow_clone,
	check_parent_private, NULL,
};

static const struct scenario eager_clone_sc = {
	"clone eager", NULL, prepare_clone, op_clone_eager, verify_eager_clone,
	check_parent_private, NULL,
};

static const struct scenario many_eager_sc = {
	"clone eager, many tables", NULL, prepare_many_tables, op_clone_eager,
	verify_eager_clone, check_parent_private, NULL,
};

static const struct scenario eager_tracker_sc = {
	"clone eager, new tracker page", fill_all_trackers_but_one, prepare_clone,
	op_clone_eager, verify_eager_clone, check_parent_private, drop_fillers,
};

static const struct scenario many_cow_tracker_sc = {
	"clone copy-on-write, many tables, new tracker page", fill_all_trackers_but_one,
	prepare_many_tables, op_clone_cow, verify_cow_clone, check_parent_private,
	drop_fillers,
};

static void cow_clone_fails_cleanly(void)
{
	struct result r;

	RUN(run_scenario(&cow_clone_sc, &r));
	CHECK_GE(r.points, 2); /* the block */
	CHECK_EQ(r.failures, r.points - 1);
}

static void eager_clone_fails_cleanly_at_every_page(void)
{
	struct result r;

	RUN(run_scenario(&eager_clone_sc, &r));
	CHECK_GE(r.points, 2 + 5); /* the block, then a frame for each of its 5 owned pages */
	CHECK_EQ(r.failures, r.points - 1);
}

static void eager_clone_of_many_tables_fails_cleanly_at_every_page(void)
{
	struct result r;

	RUN(run_scenario(&many_eager_sc, &r));
	CHECK_GE(r.points, 2 + MANY_TABLES);
	CHECK_EQ(r.failures, r.points - 1);
}

static void eager_clone_needing_a_tracker_page_fails_cleanly_at_every_point(void)
{
	struct result r;

	RUN(run_scenario(&eager_tracker_sc, &r));
	CHECK_GE(r.points, 3 + 5); /* the block, the tracker page, a frame for each owned page */
	CHECK_EQ(r.failures, r.points - 1);
}

static void cow_clone_of_many_tables_needing_a_tracker_page_fails_cleanly(void)
{
	struct result r;

	RUN(run_scenario(&many_cow_tracker_sc, &r));
	CHECK_GE(r.points, 3); /* the block, then the tracker page */
	CHECK_EQ(r.failures, r.points - 1);
}

/* ---- copy-on-write faults -------------------------------------------------------------- */

static void prepare_cow_fault(void)
{
	RUN(new_space());
	RUN(add_page(USER_BASE, RW_USER));
	RUN(add_page(USER_BASE + PAGE_SIZE, RW_USER));
	RUN(go_live());
	st.other = pt_vm_clone(st.as, VM_CLONE_COW);
	CHECK_GT(st.other, 0);
}

static void prepare_cow_last_owner(void)
{
	RUN(prepare_cow_fault());
	CHECK_OK(pt_vm_destroy(st.other));
	st.other = -1;
	CHECK_EQ(pt_frame_refcount(st.pa[0]), 1);
}

/* The page is still shared: copy-on-write in both, and a write still faults. */
static void check_still_shared(void)
{
	struct vm_mapping m;
	uint32_t v = 0;

	CHECK_OK(pt_vm_query(st.as, st.va[0], &m));
	CHECK_EQ(m.pa, st.pa[0]);
	CHECK_EQ(m.flags, RW_USER | VM_COW);
	CHECK_EQ(pt_frame_refcount(st.pa[0]), 2);
	CHECK_EQ(probe(st.va[0], PROBE_WRITE | PROBE_USER, &v), PROBE_FAULTED | PF_P | PF_W | PF_U);
}

static void check_written(void)
{
	uint32_t v = 0x600DF00Du;

	CHECK_EQ(probe(st.va[0] + 4, PROBE_WRITE | PROBE_USER, &v), 0);
	v = 0;
	CHECK_EQ(probe(st.va[0] + 4, PROBE_USER, &v), 0);
	CHECK_EQ(v, 0x600DF00Du);
}

static void verify_cow_copy(bool clean)
{
	struct vm_mapping m, o;
	struct vm_stats s;

	CHECK(clean);
	CHECK_OK(pt_vm_query(st.as, st.va[0], &m));
	CHECK_NE(m.pa, st.pa[0]);
	CHECK_EQ(m.flags, RW_USER);
	CHECK_EQ(pt_frame_refcount(m.pa), 1);
	CHECK_EQ(fx_frame_word(m.pa), st.word[0]);
	CHECK_OK(pt_vm_query(st.other, st.va[0], &o));
	CHECK_EQ(o.pa, st.pa[0]);
	CHECK_EQ(o.flags, RW_USER | VM_COW);
	CHECK_EQ(pt_frame_refcount(st.pa[0]), 1);
	pt_vm_get_stats(&s);
	CHECK_EQ(s.cow_copies, st.stats.cow_copies + 1);
	RUN(check_written());
	CHECK_EQ(fx_frame_word(st.pa[0]), st.word[0]); /* the sibling's page is untouched */
}

static void verify_cow_reuse(bool clean)
{
	struct vm_mapping m;
	struct vm_stats s;

	CHECK(clean);
	CHECK_OK(pt_vm_query(st.as, st.va[0], &m));
	CHECK_EQ(m.pa, st.pa[0]);
	CHECK_EQ(m.flags, RW_USER);
	pt_vm_get_stats(&s);
	CHECK_EQ(s.cow_reuses, st.stats.cow_reuses + 1);
	RUN(check_written());
}

static const struct scenario cow_fault_sc = {
	"copy-on-write fault", NULL, prepare_cow_fault, op_cow_write_fault, verify_cow_copy,
	check_still_shared, NULL,
};

static const struct scenario cow_reuse_sc = {
	"copy-on-write fault, last owner", NULL, prepare_cow_last_owner, op_cow_write_fault,
	verify_cow_reuse, NULL, NULL,
};

static void cow_write_fault_fails_cleanly_when_it_must_copy(void)
{
	struct result r;

	RUN(run_scenario(&cow_fault_sc, &r));
	CHECK_GE(r.points, 2); /* the copy */
	CHECK_EQ(r.failures, r.points - 1);
}

static void cow_write_fault_of_the_last_owner_needs_no_allocation(void)
{
	struct result r;

	RUN(run_scenario(&cow_reuse_sc, &r));
	CHECK_EQ(r.points, 1);
}

static const struct test_case cases[] = {
	TEST_CASE(create_fails_cleanly_at_every_allocation),
	TEST_CASE(create_needing_a_tracker_page_fails_cleanly_at_both),
	TEST_CASE(first_table_takes_page_b_without_allocating),
	TEST_CASE(map_needing_a_table_fails_cleanly_or_relocates),
	TEST_CASE(growth_in_place_fails_cleanly_when_no_run_is_free),
	TEST_CASE(growth_by_relocation_fails_cleanly),
	TEST_CASE(growth_by_relocation_of_a_space_not_live_fails_cleanly),
	TEST_CASE(map_range_over_regions_is_all_or_nothing),
	TEST_CASE(map_range_growing_in_place_fails_cleanly),
	TEST_CASE(map_zero_fails_cleanly_at_the_frame_and_the_table),
	TEST_CASE(demand_zero_fault_fails_cleanly_at_the_frame),
	TEST_CASE(cow_clone_fails_cleanly),
	TEST_CASE(eager_clone_fails_cleanly_at_every_page),
	TEST_CASE(eager_clone_of_many_tables_fails_cleanly_at_every_page),
	TEST_CASE(eager_clone_needing_a_tracker_page_fails_cleanly_at_every_point),
	TEST_CASE(cow_clone_of_many_tables_needing_a_tracker_page_fails_cleanly),
	TEST_CASE(cow_write_fault_fails_cleanly_when_it_must_copy),
	TEST_CASE(cow_write_fault_of_the_last_owner_needs_no_allocation),
};

DEFINE_SUITE(oom_suite, "oom", cases, fx_setup, fx_teardown);
