/*
 * test_random.c - random operations on several address spaces, each one
 * checked against the reference model (model.h).
 *
 * The model follows, in each of NSLOTS address spaces, NCAND candidate
 * pages, and the frames they map.  The candidates are four groups of four
 * consecutive pages, for ranges:
 *
 *   0x40000000-0x40003fff   the first user pages             (PDE 256)
 *   0x403fe000-0x40401fff   across two regions               (PDEs 256, 257)
 *   0xbfffe000-0xc0001fff   across two regions               (PDEs 767, 768)
 *   0xffffc000-0xffffffff   the last user pages              (PDE 1023)
 *
 * and eight single pages in eight more regions, so that a space may need
 * thirteen page tables, and its block grows, moves and shrinks.
 *
 * Frames come from fx_user_frame, map_zero, the copies of eager clones and
 * copy-on-write faults (whose addresses are learnt with pt_vm_query and must be
 * frames nothing else uses), and a pool of runs of four contiguous frames
 * the test holds for map_range.
 *
 * Operations: create, destroy, map, map_range, map_zero, unmap,
 * unmap_range, protect, clone (copy-on-write and eager), activate, reads and
 * writes through probe() at CPL 0 and 3 in the live space (a refused write
 * to a copy-on-write page goes to pt_vm_fault as a kernel would, and is
 * retried), pt_vm_fault calls of every kind, probes of kernel addresses, and
 * bad arguments, which must return the exact error and change nothing.
 * After every operation every candidate page of every space is compared
 * with the model, with every frame's reference count and the free counts,
 * and one page is translated; every DEEP_EVERY operations pt_vm_check runs,
 * every mapping is listed with pt_vm_iterate, the block sizes are checked and
 * every frame's data is read.
 *
 * A failure names the seed, the operation's number and what it was; set
 * random_seed (and random_ops) from a debugger to replay a run or to
 * explore another sequence.
 *
 * random_run() is the run; swap_model.c runs it with the pager paging out
 * at random points too (before one operation in PAGER_ONE_IN), which draws
 * its numbers only then, so that the random suite's runs stay as they were.
 */
#include "check.h"
#include "fixture.h"
#include "frame.h"
#include "kmap.h"
#include "model.h"
#include "pager.h"
#include "probe.h"
#include "random.h"
#include "seam.h"
#include "suites.h"
#include "tracker.h"
#include "vmspace.h"

uint32_t random_seed = 0x2F6B1D35u;
uint32_t random_ops = 100000;
bool random_print_stats; /* print what the run did, for a debugger to set */

#define NSLOTS 8
#define NGROUPS 4
#define GROUP_PAGES 4
#define NGROUPED (NGROUPS * GROUP_PAGES)
#define NSINGLES 8
#define NCAND (NGROUPED + NSINGLES)
#define NPOOL 4 /* runs of GROUP_PAGES frames */
#define NFRAMES 512
#define DEEP_EVERY 64
#define PAGER_ONE_IN 6

static const vaddr_t group_va[NGROUPS] = { 0x40000000u, 0x403FE000u, 0xBFFFE000u, 0xFFFFC000u };
static const vaddr_t single_va[NSINGLES] = { 0x50400000u, 0x5FFFF000u, 0x6A400000u, 0x7FFFF000u,
					     0x80400000u, 0x9FC01000u, 0xE0000000u, 0xF7FFF000u };

enum { OP_CREATE, OP_DESTROY, OP_MAP, OP_MAP_RANGE, OP_MAP_ZERO, OP_UNMAP, OP_UNMAP_RANGE,
       OP_PROTECT, OP_CLONE_COW, OP_CLONE_EAGER, OP_ACTIVATE, OP_ACCESS, OP_FAULT,
       OP_KERNEL_PROBE, OP_BAD, OP_KINDS };

/* Out of every 100 operations. */
static const uint8_t weight[OP_KINDS] = { 4, 3, 14, 5, 6, 9, 5, 7, 3, 2, 5, 24, 4, 2, 7 };

static struct {
	paddr_t pool_pa[NPOOL];
	uint32_t done[OP_KINDS], faults_refused, errors_checked;
	bool pager;           /* page out at random points too */
	uint32_t paged_out;   /* pager operations made */
} m;

static vaddr_t cand_va(uint32_t c)
{
	if (c >= NGROUPED)
		return single_va[c - NGROUPED];
	return group_va[c / GROUP_PAGES] + (c % GROUP_PAGES) * PAGE_SIZE;
}

/* The model's storage: static, for the kernel. */
static struct md_space spaces[NSLOTS];
static struct md_page pages[NSLOTS * NCAND];
static struct md_frame frames[2 * NFRAMES];

static struct md_config config = {
	.name = "random",
	.npages = NCAND,
	.va = cand_va,
	.read = md_kmap_read,
	.report = md_report_test,
	.spaces = spaces,
	.nspaces = NSLOTS,
	.pages = pages,
	.frames = frames,
	.nframes = ARRAY_SIZE(frames),
};

/* ---- slots and frames ------------------------------------------------------------------ */

/* A slot in use, the live one half of the time; -1 if none. */
static int pick_used(void)
{
	int list[NSLOTS], n = md_used_slots(list);

	if (n == 0)
		return -1;
	if (md.live >= 0 && md_below(2))
		return md.live;
	return list[md_below((uint32_t)n)];
}

static int pick_free(void)
{
	int list[NSLOTS], n = 0;

	for (int s = 0; s < NSLOTS; s++)
		if (md.sp[s].h < 0)
			list[n++] = s;
	return n == 0 ? -1 : list[md_below((uint32_t)n)];
}

/* Fill a frame through kmap. */
static void frame_fill(paddr_t pa, uint32_t fill)
{
	vaddr_t va = pt_kmap(pa);
	uint32_t *w = hw_kva(va);

	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		w[i] = fill;
	pt_kunmap(va);
}

/* ---- checks ---------------------------------------------------------------------------- */

/* One translation with an offset, chosen by the operation's number. */
static bool check_translate(void)
{
	int s = (int)(md.op % NSLOTS);
	uint32_t c = (md.op / NSLOTS) % NCAND, off = (md.op * 4) & PAGE_MASK;

	if (md.sp[s].h < 0 || !md_page(s, c)->mapped)
		return true;
	return md_check_translate(s, c, off);
}

/* Whether slot s's block is out: its pages are checked by what its tracker says. */
static bool out(int s)
{
	struct vm_space_info info;

	return pt_vm_info(md.sp[s].h, &info) == 0 && info.out;
}

static bool check_all(void)
{
	if (!md_check_live())
		return false;
	for (int s = 0; s < NSLOTS; s++) {
		if (md.sp[s].h <= 0)
			continue;
		if (!(out(s) ? md_check_listing(s) : md_check_pages(s)))
			return false;
	}
	return md_check_frames() && md_check_counts() && check_translate();
}

static bool check_deep(void)
{
	int rc = pt_vm_check();

	MD_CHECK(rc == 0, "pt_vm_check failed (checked every %u operations)", DEEP_EVERY);
	for (int s = 0; s < NSLOTS; s++)
		if (md.sp[s].h > 0 && !md_check_listing(s))
			return false;
	return md_check_data();
}

/* ---- operations: address spaces ----------------------------------------------------- */

static bool op_destroy(void);

static bool op_create(void)
{
	int s = pick_free();

	if (s < 0)
		return op_destroy();
	md_describe("create");
	int h = pt_vm_create();
	return md_check_new_handle(h) && md_after_create(s, h);
}

static bool op_destroy(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	md_describe("destroy %d%s", md.sp[s].h, s == md.live ? " (live)" : "");
	return md_after_destroy(s, pt_vm_destroy(md.sp[s].h));
}

static bool op_activate(void)
{
	int list[NSLOTS], n = md_used_slots(list);
	int s = (n == 0 || md_below(5) == 0) ? -1 : list[md_below((uint32_t)n)];

	md_describe("activate %d", md_handle(s));
	return md_after_activate(s, pt_vm_activate(md_handle(s)));
}

static bool op_clone(enum vm_clone_mode mode)
{
	int s = pick_used(), d = pick_free();

	if (s < 0)
		return op_create();
	if (d < 0)
		return op_destroy();
	md_describe("clone %d %s", md.sp[s].h, mode == VM_CLONE_COW ? "copy-on-write" : "eager");
	int h = pt_vm_clone(md.sp[s].h, mode);
	return md_check_new_handle(h) && md_after_clone(s, d, mode, h);
}

/* ---- operations: mapping --------------------------------------------------------------- */

static bool op_map(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t c = md_below(NCAND), flags = md_random_flags(), fill = md_rnd();
	return md_map_new(s, c, flags, fill);
}

static bool op_map_range(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t g = md_below(NGROUPS), k = md_below(GROUP_PAGES);
	uint32_t n = 1 + md_below(GROUP_PAGES - k), r = md_below(NPOOL);
	uint32_t o = md_below(GROUP_PAGES - n + 1), flags = md_random_flags();
	vaddr_t va = cand_va(g * GROUP_PAGES + k);
	paddr_t pa = m.pool_pa[r] + o * PAGE_SIZE;

	md_describe("map_range %d 0x%x -> 0x%x, %u pages, flags 0x%x", md.sp[s].h, va, pa, n,
		    flags);
	for (uint32_t i = 0; i < n; i++)
		if (!md_ref(pa + i * PAGE_SIZE))
			return false;
	int rc = pt_vm_map_range(md.sp[s].h, va, pa, n, flags);
	if (!md_after_map_range(s, va, pa, n, flags, rc))
		return false;
	for (uint32_t i = 0; rc < 0 && i < n; i++)
		md_unref(pa + i * PAGE_SIZE);
	return true;
}

static bool op_map_zero(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t c = md_below(NCAND), flags = md_random_flags();
	md_describe("map_zero %d 0x%x flags 0x%x", md.sp[s].h, cand_va(c), flags);
	return md_after_map_zero(s, c, flags, pt_vm_map_zero(md.sp[s].h, cand_va(c), flags));
}

static bool op_unmap(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t c = md_below(NCAND);
	md_describe("unmap %d 0x%x", md.sp[s].h, cand_va(c));
	return md_after_unmap(s, c, pt_vm_unmap(md.sp[s].h, cand_va(c)));
}

static bool op_unmap_range(void)
{
	static const struct {
		vaddr_t va;
		uint32_t n;
	} wide[] = {
		{ 0x40000000u, 0x402 }, { 0x40000000u, 2048 }, { 0x40002000u, 0x400 },
		{ 0xBFC00000u, 2048 },  { 0xBFFFF000u, 2 },    { 0xFFC00000u, 1024 },
		{ 0xFFFFE000u, 2 },     { 0x40001000u, 3 },    { 0x80000000u, 0x1000 },
		{ 0x5FFFF000u, 1 },     { 0x50000000u, 0x40000 },
	};
	int s = pick_used();
	vaddr_t va;
	uint32_t n;

	if (s < 0)
		return op_create();
	if (md_below(2)) {
		uint32_t i = md_below(ARRAY_SIZE(wide));
		va = wide[i].va;
		n = wide[i].n;
	} else {
		uint32_t g = md_below(NGROUPS), k = md_below(GROUP_PAGES);
		n = 1 + md_below(GROUP_PAGES - k);
		va = cand_va(g * GROUP_PAGES + k);
	}
	md_describe("unmap_range %d 0x%x, %u pages", md.sp[s].h, va, n);
	return md_after_unmap_range(s, va, n, pt_vm_unmap_range(md.sp[s].h, va, n));
}

static bool op_protect(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t g = md_below(NGROUPS), k = md_below(GROUP_PAGES);
	uint32_t n = 1 + md_below(GROUP_PAGES - k), flags = md_random_flags();
	vaddr_t va = cand_va(g * GROUP_PAGES + k);

	md_describe("protect %d 0x%x, %u pages, flags 0x%x", md.sp[s].h, va, n, flags);
	return md_after_protect(s, va, n, flags, pt_vm_protect(md.sp[s].h, va, n, flags));
}

/* ---- operations: accesses and faults ----------------------------------------------------- */

/* Call pt_vm_fault as a kernel would, and check what it did; *broke: it copied or reused. */
static bool fault(int s, uint32_t c, vaddr_t va, uint32_t err, bool *broke)
{
	int rc = pt_vm_fault(md.sp[s].h, va, err);

	if (rc < 0)
		m.faults_refused++;
	return md_after_fault(s, c, va, err, rc, broke);
}

/* A candidate page of slot s, three times out of four one that is mapped. */
static uint32_t pick_page(int s)
{
	uint32_t list[NCAND], n = 0;

	for (uint32_t c = 0; s >= 0 && c < NCAND; c++)
		if (md_page(s, c)->mapped)
			list[n++] = c;
	return (n > 0 && md_below(4) > 0) ? list[md_below(n)] : md_below(NCAND);
}

static bool op_access(void)
{
	int s = md.live;
	uint32_t c = pick_page(s), h = md_below(4), off, r = md_below(3);
	uint32_t how = ((h & 1) ? PROBE_WRITE : 0) | ((h & 2) ? PROBE_USER : 0);

	if (how & PROBE_WRITE)
		off = r ? 0 : MD_LAST_WORD;
	else
		off = r == 0 ? 0 : r == 1 ? MD_LAST_WORD : 4 * (1 + md_below(PAGE_SIZE / 4 - 2));
	return md_access(s, c, off, how, md_rnd(), fault);
}

static bool op_fault(void)
{
	int s = pick_used();
	bool broke;

	if (s < 0)
		return op_create();
	uint32_t c = md_below(NCAND), err = md_below(8) & (PF_P | PF_W | PF_U);
	vaddr_t va = cand_va(c) + 4 * md_below(PAGE_SIZE / 4);
	md_describe("fault %d 0x%x err 0x%x", md.sp[s].h, va, err);
	return fault(s, c, va, err, &broke);
}

/* ---- operations: bad arguments ----------------------------------------------------------- */

/* One of the model's bad calls (md_bad_call), or one that needs this test's layout. */
static bool op_bad(void)
{
	int s = pick_used();

	if (s < 0)
		return op_create();
	uint32_t kind = md_below(MD_BAD_KINDS + 1), g = md_below(NGROUPS - 1);
	struct md_bad a = { .s = s, .pa = m.pool_pa[md_below(NPOOL)] };

	a.va = cand_va(md_below(NCAND));
	a.flags = md_random_flags();
	a.pick = md_rnd();
	m.errors_checked++;
	if (kind < MD_BAD_KINDS)
		return md_bad_call(kind, &a);
	int h = md.sp[s].h, rc;
	md_describe("protect %d 0x%x, 5 pages: the last is never mapped", h, group_va[g]);
	rc = pt_vm_protect(h, group_va[g], 5, a.flags);
	MD_CHECK_RC(rc, -E_NOENT);
	return true;
}

/* ---- paging out ----------------------------------------------------------------------- */

/* Every space in RAM, whose pages the pager may have paged out: the model follows. */
static bool follow_all(void)
{
	for (int s = 0; s < NSLOTS; s++)
		if (md.sp[s].h > 0 && !out(s) && !md_follow_swap(s))
			return false;
	return true;
}

static bool pager_evict_one(void)
{
	int s = pick_used();

	if (s < 0)
		return true;
	uint32_t c = pick_page(s);
	md_describe("page out %d 0x%x", md.sp[s].h, cand_va(c));
	int rc = pt_pager_evict(md.sp[s].h, cand_va(c));
	MD_CHECK(rc == 0 || rc == -E_EXIST || rc == -E_BUSY || rc == -E_NOENT,
		 "pt_pager_evict returned %d (%s)", rc, err_name(rc));
	MD_CHECK(rc != -E_NOENT || !md_page(s, c)->mapped, "pt_pager_evict: a mapped page not found");
	return md_follow_swap(s);
}

static bool pager_block(void)
{
	int s = pick_used();

	if (s < 0)
		return true;
	md_describe("page out the block of %d", md.sp[s].h);
	return md_after_block_out(s, pt_pager_block_out(md.sp[s].h));
}

/* Page out at random: a page, the clock, a block. */
static bool pager_op(void)
{
	uint32_t k = md_below(4);

	m.paged_out++;
	if (k == 0)
		return pager_evict_one();
	if (k == 1)
		return pager_block();
	md_describe("reclaim");
	pt_pager_reclaim(k == 2 ? 1 + md_below(8) : UINT32_MAX);
	return follow_all();
}

/* ---- the run ------------------------------------------------------------------------------- */

static bool step(void)
{
	if (m.pager && md_below(PAGER_ONE_IN) == 0 && (!pager_op() || !check_all()))
		return false;
	uint32_t k = md_weighted(weight);

	m.done[k]++;
	switch (k) {
	case OP_CREATE: return op_create();
	case OP_DESTROY: return op_destroy();
	case OP_MAP: return op_map();
	case OP_MAP_RANGE: return op_map_range();
	case OP_MAP_ZERO: return op_map_zero();
	case OP_UNMAP: return op_unmap();
	case OP_UNMAP_RANGE: return op_unmap_range();
	case OP_PROTECT: return op_protect();
	case OP_CLONE_COW: return op_clone(VM_CLONE_COW);
	case OP_CLONE_EAGER: return op_clone(VM_CLONE_EAGER);
	case OP_ACTIVATE: return op_activate();
	case OP_ACCESS: return op_access();
	case OP_FAULT: return op_fault();
	case OP_KERNEL_PROBE: return md_kernel_probe(md_rnd());
	default: return op_bad();
	}
}

/* The model, and the pool of frames for map_range, each filled with a random word. */
static bool start(uint32_t seed, void (*read_slot)(uint32_t slot, uint32_t w[3]))
{
	memset(&m, 0, sizeof(m));
	m.pager = read_slot != NULL;
	config.read_slot = read_slot;
	md_start(&config);
	md_seed(seed);
	md_describe("start");
	int rc = pt_vm_activate(0);
	MD_CHECK_RC(rc, 0);
	for (uint32_t r = 0; r < NPOOL; r++) {
		rc = fx_user_run(GROUP_PAGES, &m.pool_pa[r]);
		MD_CHECK_RC(rc, 0);
		for (uint32_t i = 0; i < GROUP_PAGES; i++) {
			paddr_t pa = m.pool_pa[r] + i * PAGE_SIZE;
			uint32_t fill = md_rnd();
			frame_fill(pa, fill);
			if (!md_new_frame(pa, fill))
				return false;
		}
	}
	return true;
}

/* Destroy every space and give back the pool; the model must end empty. */
static bool finish(void)
{
	md_describe("finish");
	if (!md_destroy_all())
		return false;
	for (uint32_t r = 0; r < NPOOL; r++)
		for (uint32_t i = 0; i < GROUP_PAGES; i++)
			md_unref(m.pool_pa[r] + i * PAGE_SIZE);
	return md_check_no_frames() && check_all();
}

static void print_stats(void)
{
	static const char *const names[OP_KINDS] = {
		"create", "destroy", "map", "map_range", "map_zero", "unmap", "unmap_range",
		"protect", "clone_cow", "clone_eager", "activate", "access", "fault",
		"kernel_probe", "bad",
	};
	struct vm_stats s;

	pt_vm_get_stats(&s);
	kprintf("random: seed 0x%08x, %u operations, %u pager operations:", md.seed, md.op,
		m.paged_out);
	for (int k = 0; k < OP_KINDS; k++)
		kprintf(" %s %u", names[k], m.done[k]);
	kprintf("\nrandom: %u accesses allowed, %u copy-on-write breaks, %u faults refused, "
		"%u bad calls; "
		"core: %u relocations, %u in-place growths, %u shrinks, %u table moves, "
		"%u cow copies, %u cow reuses, %u zero fills, %u invlpgs, %u flushes\n",
		md.accesses, md.cow_breaks, m.faults_refused, m.errors_checked, s.relocations,
		s.inplace_growths, s.shrinks, s.table_moves, s.cow_copies, s.cow_reuses,
		s.zero_fills, s.invlpgs, s.tlb_flushes);
}

void random_run(uint32_t seed, uint32_t ops, void (*read_slot)(uint32_t slot, uint32_t w[3]))
{
	bool ok = start(seed, read_slot);

	pt_vm_reset_stats();
	for (md.op = 0; ok && md.op < ops; md.op++) {
		ok = step() && check_all();
		if (ok && (md.op + 1) % DEEP_EVERY == 0)
			ok = check_deep();
	}
	if (ok)
		ok = check_deep();
	if (random_print_stats)
		print_stats();
	/* every failure above was reported through MD_CHECK; these make sure of it */
	CHECK(ok);
	CHECK_EQ(md.op, ops);
	CHECK(finish());
	CHECK(!m.pager || m.paged_out > ops / PAGER_ONE_IN / 2);
}

static void random_operations_agree_with_the_model(void)
{
	random_run(random_seed, random_ops, NULL);
}

static const struct test_case cases[] = {
	TEST_CASE(random_operations_agree_with_the_model),
};

DEFINE_SUITE(random_suite, "random", cases, fx_setup, fx_teardown);
