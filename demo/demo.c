/*
 * demo.c - what `make run` shows once paging is on: the page-table system
 * pushed to its limits, with every step checked and every frame counted.
 *
 *   1. fill: create address spaces until the kernel zone is full, each
 *      with one page mapped (the same shared frame in all of them, so a
 *      kernel zone of more than 512 MiB stops at the frame's 65535
 *      references instead, and says so);
 *   2. the kernel zone at its fullest;
 *   3. grow: free the newer half, then give some of the older spaces a
 *      page in many 4 MiB regions, so their blocks grow in place where
 *      the frames after them are free and move where a neighbour is in
 *      the way; every translation is checked after the moves;
 *   4. destroy everything, check that every frame came back.
 *
 * It ends with one line `summary: key=value ...` for scripts to read.
 */
#include "runs.h"
#include "check.h"
#include "errors.h"
#include "frame.h"
#include "kmap.h"
#include "layout.h"
#include "lib.h"
#include "seam.h"
#include "tracker.h"
#include "vmspace.h"

#define DEMO_VA USER_BASE             /* the page every space maps */
#define GROWERS 16                    /* spaces whose blocks are grown */
#define GROW_REGIONS 40               /* 4 MiB regions each grower maps into */
#define LAYOUT_LINES 12               /* lines of kernel-zone layout shown */
#define GROW_VA(r) (USER_BASE + PDE_SPAN * (uint32_t)(r) + PAGE_SIZE * (uint32_t)(r))

struct demo_result {
	uint32_t spaces_max;
	uint32_t pt_pages_peak;
	uint32_t tracker_pages_max;
	uint32_t grown;
	uint32_t frames_leaked;
	bool ok;
};

static void check_or_fail(const char *when, struct demo_result *res)
{
	if (pt_vm_check() < 0) {
		kprintf("demo: the invariants do not hold %s\n", when);
		res->ok = false;
	}
}

/* A user frame holding `word` at its start, or 0 if there is none. */
static paddr_t marked_frame(uint32_t word)
{
	paddr_t pa;

	if (pt_frame_alloc(ZONE_USER, &pa) < 0)
		return 0;
	pt_kmap_zero(pa);
	vaddr_t w = pt_kmap(pa);
	*(uint32_t *)hw_kva(w) = word;
	pt_kunmap(w);
	return pa;
}

/*
 * One more address space mapping the shared frame: its handle, or an error
 * with what stopped it in *limit.
 */
static int one_more_space(paddr_t shared, const char **limit)
{
	int as = pt_vm_create(), rc;

	if (as < 0) {
		*limit = as == -E_NOMEM ? "the kernel zone was full" : err_cause(as);
		return as;
	}
	if ((rc = pt_frame_ref(shared)) < 0) { /* a frame counts at most 65535 references */
		*limit = "the shared frame's reference count was at its limit (65535)";
		pt_vm_destroy(as);
		return rc;
	}
	if ((rc = pt_vm_map(as, DEMO_VA, shared, VM_USER)) < 0) {
		*limit = rc == -E_NOMEM ? "the kernel zone was full" : err_cause(rc);
		pt_frame_unref(shared);
		pt_vm_destroy(as);
		return rc;
	}
	return as;
}

/* Step 1: address spaces until something runs out; the shared frame in each. */
static void fill(paddr_t shared, struct demo_result *res)
{
	const char *limit = "?";
	uint32_t n = 0;

	while (one_more_space(shared, &limit) >= 0)
		n++;
	struct vm_stats s;
	pt_vm_get_stats(&s);
	res->spaces_max = n;
	res->tracker_pages_max = s.tracker_pages;
	kprintf("demo: 1. created %u address spaces until %s (%u tracker pages, %u kernel "
		"frames free); each maps 0x%08x to the shared frame 0x%08x, now referenced %d "
		"times\n", n, limit, s.tracker_pages, pt_frame_free_count(ZONE_KERNEL), DEMO_VA,
		shared, pt_frame_refcount(shared));
}

/* Destroy every address space with a handle in [from, to). */
static uint32_t destroy_range(int from, int to)
{
	uint32_t n = 0;

	for (int as = pt_trk_next(from); as >= 0 && as < to; as = pt_trk_next(as + 1))
		n += pt_vm_destroy(as) == 0;
	return n;
}

/*
 * Give `as` a page in GROW_REGIONS regions: its block grows one table at a
 * time.  Returns NULL, or why it could not.
 */
static const char *grow(int as, uint32_t k)
{
	for (uint32_t r = 1; r <= GROW_REGIONS; r++) {
		paddr_t pa = marked_frame(k << 16 | r);
		if (!pa)
			return "no free user frame for a page: raise MEM, or lower kzone=";
		int rc = pt_vm_map(as, GROW_VA(r), pa, VM_USER | VM_WRITE);
		if (rc < 0) {
			pt_frame_unref(pa);
			if (rc != -E_NOMEM)
				return err_cause(rc);
			return "the kernel zone has no room for the block to grow: raise kzone=";
		}
	}
	return NULL;
}

/* NULL if every page `grow` mapped into `as` still reads its mark, else what is wrong. */
static const char *grown_pages_intact(int as, uint32_t k)
{
	for (uint32_t r = 1; r <= GROW_REGIONS; r++) {
		paddr_t pa;
		if (pt_vm_translate(as, GROW_VA(r), &pa) < 0)
			return "a page it mapped is no longer mapped";
		vaddr_t w = pt_kmap(pa);
		uint32_t word = *(uint32_t *)hw_kva(w);
		pt_kunmap(w);
		if (word != (k << 16 | r))
			return "a page it mapped no longer reads its mark";
	}
	return NULL;
}

/* Step 3: free the newer half, grow some of the older spaces. */
static void grow_some(struct demo_result *res)
{
	int first = pt_trk_next(1), half = first + (int)res->spaces_max / 2;
	uint32_t freed = destroy_range(half, TRK_MAX);
	struct vm_stats before, after;

	pt_vm_get_stats(&before);
	/* the last spaces before the freed half can grow in place; the rest must move */
	for (uint32_t k = 0; k < GROWERS && half - 1 - (int)k * 7 >= first; k++) {
		int as = pt_trk_next(half - 1 - (int)k * 7);
		const char *why = as < 0 ? "no address space is left to grow" : grow(as, k);
		if (!why)
			why = grown_pages_intact(as, k);
		if (why) {
			kprintf("demo: growing address space %d failed: %s\n", as, why);
			res->ok = false;
			return;
		}
		res->grown++;
	}
	pt_vm_get_stats(&after);
	kprintf("demo: 3. destroyed the newer %u address spaces, then mapped a page in %u "
		"regions of %u others: %u blocks moved, %u grew in place, %u pages copied, "
		"every page still reads its mark\n", freed, GROW_REGIONS, res->grown,
		after.relocations - before.relocations,
		after.inplace_growths - before.inplace_growths,
		after.pages_copied - before.pages_copied);
}

static void print_stats(const char *when)
{
	struct vm_stats s;

	pt_vm_get_stats(&s);
	kprintf("stats %s: spaces=%u peak=%u tracker_pages=%u blocks=%u block_pages=%u "
		"(peak %u) tables=%u (peak %u) relocations=%u inplace_growths=%u shrinks=%u "
		"pages_copied=%u table_moves=%u invlpgs=%u tlb_flushes=%u\n", when, s.spaces,
		s.spaces_peak, s.tracker_pages, s.blocks, s.block_pages, s.block_pages_peak,
		s.tables, s.tables_peak, s.relocations, s.inplace_growths, s.shrinks,
		s.pages_copied, s.table_moves, s.invlpgs, s.tlb_flushes);
}

bool demo_paging(void)
{
	struct demo_result res = { .ok = true };
	uint32_t free_k = pt_frame_free_count(ZONE_KERNEL), free_u = pt_frame_free_count(ZONE_USER);
	paddr_t shared = marked_frame(0x5A4ED);
	struct vm_stats s;

	if (!shared) {
		kprintf("demo: no free user frame to share among the address spaces: the user zone "
			"(RAM above X = 0x%08x) is empty: raise MEM, or lower kzone=\n",
			pt_frame_kzone_end());
		return false;
	}
	pt_vm_reset_stats();
	fill(shared, &res);
	check_or_fail("with the kernel zone full", &res);
	kprintf("demo: 2. the kernel zone at its fullest:\n");
	pt_kzone_dump(pt_console_sink, NULL, LAYOUT_LINES);
	demo_picture_kzone("fullest");
	print_stats("at the fullest");
	grow_some(&res);
	check_or_fail("after the growth", &res);
	pt_vm_get_stats(&s);
	res.pt_pages_peak = s.block_pages_peak;
	destroy_range(1, TRK_MAX);
	pt_frame_unref(shared);
	check_or_fail("after destroying everything", &res);
	res.frames_leaked = (free_k - pt_frame_free_count(ZONE_KERNEL)) +
			    (free_u - pt_frame_free_count(ZONE_USER));
	kprintf("demo: 4. destroyed every address space: %u kernel and %u user frames free, "
		"as before\n", pt_frame_free_count(ZONE_KERNEL), pt_frame_free_count(ZONE_USER));
	pt_kzone_dump(pt_console_sink, NULL, LAYOUT_LINES);
	demo_picture_kzone("end");
	print_stats("at the end");
	pt_vm_get_stats(&s);
	kprintf("summary: address_spaces_max=%u tracker_pages_max=%u relocations=%u "
		"inplace_growths=%u shrinks=%u pages_copied=%u pt_pages_peak=%u kzone_mib=%u "
		"frames_leaked=%u\n", res.spaces_max, res.tracker_pages_max, s.relocations,
		s.inplace_growths, s.shrinks, s.pages_copied, res.pt_pages_peak,
		pt_frame_kzone_end() >> 20, res.frames_leaked);
	return res.ok && res.frames_leaked == 0;
}
