/*
 * test_stress.c (host) - load: 1,000,000 random operations across 5,000
 * address spaces, checked against the reference model (model.h) as they
 * go, with the invariant checker every 10,000 operations and every frame
 * free at the end.
 *
 * The machine is bigger than the other suites' (STRESS_RAM_MIB, a kernel
 * zone of STRESS_KZONE_MIB): 5,000 blocks and their tracker pages fill
 * tens of thousands of kernel-zone frames.  All 5,000 spaces are created
 * first; from then on an operation picks one at random:
 *
 *   recreate      destroy it and create a new one in its place
 *   map, map_zero, unmap, unmap_range, protect   one of NCAND pages
 *   clone         copy-on-write or eager, into another slot (destroyed first)
 *   activate      make it live
 *   access        a read or a write through the model MMU in the live
 *                 space (a write to a copy-on-write page goes to pt_vm_fault
 *                 and is retried, as a kernel would)
 *   bad           a call with a bad argument, which must change nothing
 *
 * The model follows each space's NCAND pages and the frames they map.
 * Each operation's result is checked, and the space it touched is compared
 * with the model, with the reference counts of its frames; every
 * CHECK_EVERY operations pt_vm_check() runs and every space, the data of
 * every frame and the free counts are compared.  The candidate pages lie
 * in five 4 MiB regions, so blocks grow, move and shrink throughout.
 *
 * A failure names the seed and the operation's number: set stress_seed and
 * stress_ops from a debugger to replay a run.
 */
#include "check.h"
#include "fixture.h"
#include "model.h"
#include "probe.h"
#include "suites.h"
#include "tracker.h"
#include "vmspace.h"

uint32_t stress_seed = 0x5EED1234u;
uint32_t stress_ops = 1000000;
bool stress_print_stats; /* for a debugger to set */

#define STRESS_RAM_MIB 512
#define STRESS_KZONE_MIB 256
#define NSPACES 5000
#define CHECK_EVERY 10000u
#define NCAND 8
#define NPFN (MiB(STRESS_RAM_MIB) / PAGE_SIZE)

static const vaddr_t cand_va[NCAND] = { 0x40000000u, 0x40001000u, 0x403FF000u, 0x40400000u,
					0x80000000u, 0x80001000u, 0xBFFFF000u, 0xFFFFF000u };

enum { S_RECREATE, S_MAP, S_MAP_ZERO, S_UNMAP, S_UNMAP_RANGE, S_PROTECT, S_CLONE_COW,
       S_CLONE_EAGER, S_ACTIVATE, S_ACCESS, S_BAD, S_KINDS };

/* Out of every 100 operations. */
static const uint8_t weight[S_KINDS] = { 5, 16, 8, 12, 4, 8, 3, 2, 5, 34, 3 };

static struct {
	uint32_t done[S_KINDS], checks;
} st;

static vaddr_t cand(uint32_t c)
{
	return cand_va[c];
}

/* The model's storage; a frame table with an entry for every frame of RAM. */
static struct md_space spaces[NSPACES];
static struct md_page pages[NSPACES * NCAND];
static struct md_frame frames[NPFN];

static const struct md_config config = {
	.name = "stress",
	.npages = NCAND,
	.va = cand,
	.read = md_kmap_read,
	.report = md_report_test,
	.spaces = spaces,
	.nspaces = NSPACES,
	.pages = pages,
	.frames = frames,
	.nframes = NPFN,
};

/* ---- checks ---------------------------------------------------------------------------- */

static bool check_space(int s)
{
	return md_check_pages(s) && md_check_page_refs(s);
}

static bool check_everything(void)
{
	md_describe("the check after %u operations", md.op);
	st.checks++;
	MD_CHECK(pt_vm_check() == 0, "pt_vm_check failed");
	for (int s = 0; s < NSPACES; s++)
		if (!check_space(s))
			return false;
	return md_check_data() && md_check_counts();
}

/* ---- operations -------------------------------------------------------------------------- */

/* A slot other than the live one. */
static int pick_not_live(void)
{
	int s = (int)md_below(NSPACES);

	return s == md.live ? (s + 1) % NSPACES : s;
}

static bool create_in(int s)
{
	return md_after_create(s, pt_vm_create());
}

/* Slot s is not live. */
static bool destroy_in(int s)
{
	return md_after_destroy(s, pt_vm_destroy(md.sp[s].h));
}

/* The live space cannot be destroyed: -E_BUSY, and it stays. */
static bool op_recreate(int s)
{
	md_describe("recreate %d", md.sp[s].h);
	if (!md_after_destroy(s, pt_vm_destroy(md.sp[s].h)))
		return false;
	return s == md.live || create_in(s);
}

static bool op_map(int s)
{
	uint32_t c = md_below(NCAND), flags = md_random_flags();

	return md_map_new(s, c, flags, 0x57000000u ^ md.op);
}

static bool op_map_zero(int s)
{
	uint32_t c = md_below(NCAND), flags = md_random_flags();

	md_describe("map_zero %d 0x%x flags 0x%x", md.sp[s].h, cand(c), flags);
	return md_after_map_zero(s, c, flags, pt_vm_map_zero(md.sp[s].h, cand(c), flags));
}

static bool op_unmap(int s)
{
	uint32_t c = md_below(NCAND);

	md_describe("unmap %d 0x%x", md.sp[s].h, cand(c));
	return md_after_unmap(s, c, pt_vm_unmap(md.sp[s].h, cand(c)));
}

static bool op_unmap_range(int s)
{
	static const struct {
		vaddr_t va;
		uint32_t n;
	} ranges[] = {
		{ 0x40000000u, 2 * PT_ENTRIES }, { 0x40000000u, 2 }, { 0x80000000u, 0x40000u },
		{ 0x40000000u, 0xC0000u },       { 0xBFFFF000u, 0x40001u },
	};
	uint32_t i = md_below(ARRAY_SIZE(ranges));
	vaddr_t va = ranges[i].va;
	uint32_t n = ranges[i].n;

	md_describe("unmap_range %d 0x%x, %u pages", md.sp[s].h, va, n);
	return md_after_unmap_range(s, va, n, pt_vm_unmap_range(md.sp[s].h, va, n));
}

static bool op_protect(int s)
{
	uint32_t c = md_below(NCAND), flags = md_random_flags();

	md_describe("protect %d 0x%x flags 0x%x", md.sp[s].h, cand(c), flags);
	return md_after_protect(s, cand(c), 1, flags, pt_vm_protect(md.sp[s].h, cand(c), 1, flags));
}

static bool op_clone(int s, enum vm_clone_mode mode)
{
	int d = pick_not_live();

	if (d == s)
		return true;
	md_describe("clone %d %s into slot %d", md.sp[s].h,
		    mode == VM_CLONE_COW ? "cow" : "eager", d);
	if (!destroy_in(d))
		return false;
	return md_after_clone(s, d, mode, pt_vm_clone(md.sp[s].h, mode));
}

static bool op_activate(int s)
{
	md_describe("activate %d", md.sp[s].h);
	return md_after_activate(s, pt_vm_activate(md.sp[s].h));
}

/* A write refused by a copy-on-write page goes to pt_vm_fault and is retried. */
static bool op_access(void)
{
	int s = md.live;
	uint32_t c = md_below(NCAND), h = md_below(4);
	uint32_t how = ((h & 1) ? PROBE_WRITE : 0) | ((h & 2) ? PROBE_USER : 0);
	uint32_t wrote = md_rnd(), val = wrote;
	bool broke;

	if (s < 0)
		return true;
	const struct md_page *p = md_page(s, c);
	md_describe("%s %s 0x%x in %d", how & PROBE_USER ? "user" : "kernel",
		    how & PROBE_WRITE ? "write" : "read", cand(c), md.sp[s].h);
	uint32_t want = md_predict(p, how), got = probe(cand(c), how, &val);
	MD_CHECK(got == want, "probe returned 0x%x, want 0x%x", got, want);
	if (got == 0)
		return md_access_done(p, 0, how, wrote, val);
	if (!(got & PF_P) || !(how & PROBE_WRITE))
		return true;
	uint32_t err = got & ~PROBE_FAULTED;
	int rc = pt_vm_fault(md.sp[s].h, cand(c), err);
	if (!md_after_fault(s, c, cand(c), err, rc, &broke))
		return false;
	return broke ? md_retry(p, cand(c), 0, how, wrote) : true;
}

static bool op_bad(int s)
{
	int h = md.sp[s].h, rc, want;
	struct vm_mapping q;

	switch (md_below(5)) {
	case 0:
		md_describe("map %d unaligned", h);
		rc = pt_vm_map(h, cand(0) + 0x10, 0xF0000000u, VM_USER);
		want = -E_INVAL;
		break;
	case 1:
		md_describe("map %d kernel address", h);
		rc = pt_vm_map(h, 0x00400000u, 0xF0000000u, VM_USER);
		want = -E_RANGE;
		break;
	case 2:
		md_describe("query a handle past the last");
		rc = pt_vm_query((int)TRK_MAX - 1, cand(0), &q);
		want = -E_BADH;
		break;
	case 3:
		md_describe("protect %d with unknown flags", h);
		rc = pt_vm_protect(h, cand(0), 1, PG_G);
		want = -E_INVAL;
		break;
	default:
		md_describe("unmap_range %d of no pages", h);
		rc = pt_vm_unmap_range(h, cand(0), 0);
		want = -E_INVAL;
		break;
	}
	MD_CHECK_RC(rc, want);
	return true;
}

static bool step(void)
{
	uint32_t k = md_weighted(weight);
	int s = (int)md_below(NSPACES);

	st.done[k]++;
	switch (k) {
	case S_RECREATE: return op_recreate(s) && check_space(s);
	case S_MAP: return op_map(s) && check_space(s);
	case S_MAP_ZERO: return op_map_zero(s) && check_space(s);
	case S_UNMAP: return op_unmap(s) && check_space(s);
	case S_UNMAP_RANGE: return op_unmap_range(s) && check_space(s);
	case S_PROTECT: return op_protect(s) && check_space(s);
	case S_CLONE_COW: return op_clone(s, VM_CLONE_COW) && check_space(s);
	case S_CLONE_EAGER: return op_clone(s, VM_CLONE_EAGER) && check_space(s);
	case S_ACTIVATE: return op_activate(s);
	case S_ACCESS: return op_access() && (md.live < 0 || check_space(md.live));
	default: return op_bad(s) && check_space(s);
	}
}

/* ---- the run ------------------------------------------------------------------------------ */

static void stress_setup(void)
{
	fx_boot(STRESS_RAM_MIB, STRESS_KZONE_MIB, true);
	fx_counts(&fx_start);
}

static bool start(void)
{
	memset(&st, 0, sizeof(st));
	md_start(&config);
	md_seed(stress_seed);
	md_describe("start");
	for (int i = 0; i < NSPACES; i++)
		if (!create_in(i))
			return false;
	return true;
}

/* Destroy every space: every user frame is free, the kernel zone as it was at boot. */
static bool finish(void)
{
	md_describe("finish");
	if (!md_destroy_all() || !md_check_no_frames() || !md_check_as_booted())
		return false;
	MD_CHECK(pt_vm_check() == 0, "pt_vm_check failed at the end");
	return true;
}

static void print_stats(void)
{
	static const char *const names[S_KINDS] = { "recreate", "map", "map_zero", "unmap",
						    "unmap_range", "protect", "clone_cow",
						    "clone_eager", "activate", "access", "bad" };
	struct vm_stats s;

	pt_vm_get_stats(&s);
	kprintf("stress: seed 0x%08x, %u operations, %u checks:", stress_seed, md.op, st.checks);
	for (int k = 0; k < S_KINDS; k++)
		kprintf(" %s %u", names[k], st.done[k]);
	kprintf("\nstress: peak %u spaces, %u block pages, %u tables; %u relocations, %u in-place "
		"growths, %u shrinks, %u table moves, %u cow breaks\n",
		s.spaces_peak, s.block_pages_peak, s.tables_peak, s.relocations, s.inplace_growths,
		s.shrinks, s.table_moves, md.cow_breaks);
}

static void million_operations_on_5000_spaces_end_with_every_frame_free(void)
{
	bool ok = start();

	for (md.op = 0; ok && md.op < stress_ops; md.op++) {
		ok = step();
		if (ok && (md.op + 1) % CHECK_EVERY == 0)
			ok = check_everything();
	}
	if (ok)
		ok = check_everything();
	if (stress_print_stats)
		print_stats();
	if (ok)
		finish();
}

static const struct test_case cases[] = {
	TEST_CASE(million_operations_on_5000_spaces_end_with_every_frame_free),
};

DEFINE_SUITE(stress_suite, "stress", cases, stress_setup, fx_teardown);
